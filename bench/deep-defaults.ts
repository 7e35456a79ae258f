/**
 * Validation-only diagnosis of the deep models' settings on `lightfm-ua` (docs/deep-models.md,
 * "NCF, NeuMF and DeepFM: why they trailed"). The protocol's train part is split per user
 * (10 % held out, seed 42, as an experiment's `search.validation: 0.1` does); each case is fit on
 * the rest with precision@10 measured on the held-out part every epoch and early stopping
 * (patience 3, restoring the best epoch). Test data is never loaded into a decision: the
 * protocol's test part is not touched. One thread unless a case sets `threads` (Hogwild).
 * Prints one JSON line per case.
 *
 *   node --import tsx bench/deep-defaults.ts '{"name":"ncf","model":"ncf","params":{"epochs":20}}' ...
 *
 * A case: { name, model, params, features?: 'items' | 'users' | 'both', patience?, threads? }.
 * ncf with `emaDecay` > 0 scores (and early-stops) with the averaged weights; the same run also
 * scores its live weights after every epoch (`liveCurve`), so the two are compared on one training
 * trajectory. The average does not change training, so the live curve is the curve of the same
 * case without emaDecay: `live_precision@10` is its best epoch under the case's own patience
 * rule applied to the live curve (`liveTruncated`: the averaged run stopped before that rule
 * would have, so the live value is the best of the epochs run).
 * Needs ML-100K under TASTEBUD_DATA_DIR; exits with a message when absent.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { perUserSplit } from '../src/data/splits.ts';
import { evaluateRanking } from '../src/eval/ranking.ts';
import { lightfmUa } from '../src/eval/protocols/ranking.ts';
import { NCF } from '../src/models/deep/ncf.ts';
import { validationScore } from '../src/train/validation.ts';
import { createModel } from '../src/models/registry.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = process.env.TASTEBUD_DATA_DIR ?? path.resolve(repoRoot, '../shared/data');

interface Case {
  name: string;
  model: string;
  params: Record<string, unknown>;
  features?: 'items' | 'users' | 'both';
  patience?: number;
  threads?: number;
}

async function main(): Promise<void> {
  if (!existsSync(path.join(dataDir, 'ml-100k', 'ua.base'))) {
    console.error(`skipped: ML-100K not found under ${dataDir} (set TASTEBUD_DATA_DIR)`);
    return;
  }
  const cases: Case[] = process.argv.slice(2).map((a) => JSON.parse(a) as Case);
  const p = await lightfmUa.prepare({ dataDir, download: false });
  const { train, validation } = (() => {
    const s = perUserSplit(p.train, { testRatio: 0.1, seed: 42 });
    return { train: s.train, validation: s.test };
  })();
  for (const c of cases) {
    const model = createModel(c.model, c.params);
    const f = c.features;
    const t0 = performance.now();
    // The live weights' validation P@10 after each epoch, when the model scores with an average.
    const liveCurve: number[] = [];
    const averaged = model instanceof NCF && model.config.emaDecay > 0 ? model : null;
    const history = await model.fit(train, {
      threads: c.threads ?? 1,
      validation,
      validationMetric: 'precision@10',
      earlyStopping: { patience: c.patience ?? 3 },
      itemFeatures: f === 'items' || f === 'both' ? p.itemFeatures : undefined,
      userFeatures: f === 'users' || f === 'both' ? p.userFeatures : undefined,
      log: () => {},
      callbacks: averaged ? { onEpochEnd: () => void liveCurve.push(averaged.withLiveWeights(() => validationScore(averaged, validation, 'precision@10'))) } : undefined,
    });
    const seconds = (performance.now() - t0) / 1000;
    const m = evaluateRanking(model, validation, { k: [10], exclude: model.seen, perUser: false }).metrics;
    const row = {
      case: c.name,
      model: c.model,
      params: c.params,
      features: f ?? 'none',
      threads: c.threads ?? 1,
      'val_precision@10': +m['precision@10'].toFixed(4),
      val_auc: +m.auc.toFixed(4),
      bestEpoch: history.bestEpoch,
      epochs: history.epochs.length,
      curve: history.epochs.map((e) => +(e.validation ?? Number.NaN).toFixed(4)),
      seconds: +seconds.toFixed(1),
      ...(averaged ? live(liveCurve, c.patience ?? 3, history.stoppedEarly) : {}),
    };
    console.log(JSON.stringify(row));
  }
}

/** The live weights' best epoch under early stopping with `patience` on their own curve, and the curve. */
function live(curve: number[], patience: number, averagedStoppedEarly: boolean): Record<string, unknown> {
  let best = 0;
  let since = 0;
  let stopped = false;
  for (let e = 1; e < curve.length && !stopped; e++) {
    if (curve[e] > curve[best]) {
      best = e;
      since = 0;
    } else if (++since >= patience) stopped = true;
  }
  return {
    'live_precision@10': +curve[best].toFixed(4),
    liveBestEpoch: best + 1,
    liveTruncated: !stopped && averagedStoppedEarly,
    liveCurve: curve.map((v) => +v.toFixed(4)),
  };
}

await main();
