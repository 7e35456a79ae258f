/**
 * Mult-VAE / Mult-DAE with and without `sampledSoftmax` on a real catalogue where the sample
 * matters: Book-Crossing's implicit history (caserec-processed `book_history.dat`), validation
 * only. A test split (20 % per user, seed 7) is carved off first and never read; the validation
 * split is 15 % per user of the rest (seed 42). Each setting trains on the remaining interactions
 * with NDCG@10 on validation after every epoch and early stopping (best epoch restored); the
 * restored model is then measured on validation (full ranking, train items excluded): NDCG@10,
 * recall@20, AUC. CPU seconds per epoch count `trainEpoch` only (validation excluded).
 * VALIDATION_USERS=n scores a seeded sample of n validation users for early stopping (default all).
 *
 *   TASTEBUD_DATA_DIR=/work/shared/data PATIENCE=10 \
 *     SETTINGS='[{"name":"dae-exact","type":"multvae","seed":42,"params":{"variational":false,"batchSize":100,"epochs":80}}]' \
 *     nice -n 5 node --import tsx bench/multvae-sampled-bookcrossing.ts
 *
 * A setting's `type` is any registered model (popularity, ials, ease …; default multvae).
 * `"diagnostic": "dense-output-adam"` (multvae with sampledSoftmax; a bench-only diagnostic, not a
 * model option): the sampled output layer takes a dense Adam step over every item each batch (zero
 * gradient on the rows the batch did not touch, so their moments decay and they keep moving), in
 * place of the lazy row-wise step: it walks the catalogue every batch, which is what the sample
 * avoids, so it is a measurement, not something to offer.
 * Prints JSON (a line per setting on stderr as it finishes).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { perUserSplit } from '../src/data/splits.ts';
import { evaluateRanking } from '../src/eval/ranking.ts';
import { createModel } from '../src/models/registry.ts';
import { meterTrainCpu } from './common.ts';
import type { MultVae } from '../src/models/vae/multvae.ts';
import { readBookCrossingHistory } from './bookcrossing.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = process.env.TASTEBUD_DATA_DIR ?? path.resolve(root, '../shared/data');

type Setting = { name: string; type?: string; params: Record<string, unknown>; seed?: number; diagnostic?: 'dense-output-adam' };

/** Replaces the sampled output layer's lazy step by a dense one over every row (see the header). */
function denseOutputSteps(model: MultVae): void {
  const out = model.network?.sampledOutput;
  if (!out) throw new Error('dense-output-adam needs multvae with sampledSoftmax < items');
  const H = out.width;
  const gw = new Float32Array(out.numItems * H);
  const gb = new Float32Array(out.numItems);
  const view = out as unknown as { slotItems: Int32Array; slots: number; gradRows: Float32Array; gradBias: Float32Array };
  out.update = (l2: number) => {
    gw.fill(0);
    gb.fill(0);
    for (let s = 0; s < view.slots; s++) {
      const j = view.slotItems[s];
      gw.set(view.gradRows.subarray(s * H, (s + 1) * H), j * H);
      gb[j] = view.gradBias[s];
    }
    out.weight.updateAll(gw, l2);
    out.bias.updateAll(gb, 0);
  };
}

async function main(): Promise<void> {
  const patience = Number(process.env.PATIENCE ?? 10);
  // Users scored for early stopping each epoch (a seeded sample, the same every epoch); the final figures use every validation user.
  const validationUsers = process.env.VALIDATION_USERS ? Number(process.env.VALIDATION_USERS) : 'all';
  const settings = JSON.parse(process.env.SETTINGS ?? '[{"name":"popularity","type":"popularity","params":{}}]') as Setting[];
  const all = await readBookCrossingHistory(dataDir);
  // Test is carved off and never read here; validation comes out of what is left.
  const { train: rest } = perUserSplit(all, { testRatio: 0.2, seed: 7 });
  const { train: inner, test: validation } = perUserSplit(rest, { testRatio: 0.15, seed: 42 });
  const exclude = inner.byUser();
  const data = { interactions: all.length, users: all.numUsers, items: all.numItems, train: inner.length, validation: validation.length };
  console.error(JSON.stringify(data));
  const rows: Record<string, unknown>[] = [];
  for (const s of settings) {
    const type = s.type ?? 'multvae';
    const model = createModel(type, s.params);
    // CPU of the training passes alone (the fit loop calls trainEpoch once per epoch).
    let patched = false;
    const trainCpu = meterTrainCpu(model, () => {
      if (s.diagnostic === 'dense-output-adam' && !patched) {
        denseOutputSteps(model as MultVae);
        patched = true;
      }
    });
    const t0 = performance.now();
    const h = await model.fit(inner, {
      threads: 1,
      seed: s.seed ?? 42,
      validation,
      validationMetric: 'ndcg@10',
      validationUsers,
      earlyStopping: { patience },
      progress: false,
      callbacks: { onEpochEnd: (e) => console.error(`${s.name} epoch ${e.epoch}: loss ${e.loss.toFixed(4)}, validation ${e.validation?.toFixed(4)}, ${e.seconds.toFixed(1)} s`) },
    });
    const m = evaluateRanking(model, validation, { exclude, k: [10, 20], perUser: false }).metrics;
    rows.push({
      name: s.name,
      type,
      params: s.params,
      ...(s.diagnostic ? { diagnostic: s.diagnostic } : {}),
      seed: s.seed ?? 42,
      'ndcg@10': +m['ndcg@10'].toFixed(4),
      'recall@20': +m['recall@20'].toFixed(4),
      auc: +m.auc.toFixed(4),
      bestEpoch: h.bestEpoch,
      epochsRun: h.epochs.length,
      trainCpuSecondsPerEpoch: +(trainCpu.seconds / Math.max(1, h.epochs.length)).toFixed(3),
      seconds: +((performance.now() - t0) / 1000).toFixed(1),
    });
    console.error(JSON.stringify(rows.at(-1)));
  }
  console.log(
    JSON.stringify({ data, split: { test: { ratio: 0.2, seed: 7, read: false }, validation: { ratio: 0.15, seed: 42 }, patience, validationUsers }, settings: rows }, null, 1),
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
