/**
 * Diagnostic for the sampled softmax's collapse at small k on Book-Crossing (validation only, the
 * carve of bench/multvae-sampled-bookcrossing.ts: test 20 % seed 7 carved off and never read,
 * validation 15 % seed 42). Trains one multvae setting for a fixed number of epochs (no early
 * stopping) and after each epoch in CHECKPOINTS prints, over a seeded sample of validation users:
 * NDCG@10, the mean training count of the recommended items (popularity@10) and their coverage;
 * the share of recommended items that are rare in training (count ≤ 2) and how often their
 * output rows were stepped so far (the lazy step touches a row only when the item is a batch's
 * positive or in its sample); the mean logit of the items by training-count band (the rows of
 * rarely touched items are stale: set against an older decoder).
 *
 *   TASTEBUD_DATA_DIR=/work/shared/data EPOCHS=12 CHECKPOINTS=1,2,3,5,8,12 \
 *     SETTING='{"seed":42,"params":{"variational":false,"batchSize":100,"sampledSoftmax":300}}' \
 *     nice -n 5 node --import tsx bench/multvae-sampled-staleness.ts
 *
 * Prints JSON.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../src/core/rng.ts';
import { perUserSplit } from '../src/data/splits.ts';
import { evaluateRanking } from '../src/eval/ranking.ts';
import { createModel } from '../src/models/registry.ts';
import type { MultVae } from '../src/models/vae/multvae.ts';
import { readBookCrossingHistory } from './bookcrossing.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = process.env.TASTEBUD_DATA_DIR ?? path.resolve(root, '../shared/data');

async function main(): Promise<void> {
  const setting = JSON.parse(process.env.SETTING ?? '{"seed":42,"params":{"variational":false,"batchSize":100,"sampledSoftmax":300}}') as {
    seed?: number;
    params: Record<string, unknown>;
  };
  const epochs = Number(process.env.EPOCHS ?? 12);
  const checkpoints = new Set((process.env.CHECKPOINTS ?? '1,2,3,5,8,12').split(',').map(Number));
  const sampleUsers = Number(process.env.USERS ?? 1000);
  const all = await readBookCrossingHistory(dataDir);
  const { train: rest } = perUserSplit(all, { testRatio: 0.2, seed: 7 });
  const { train: inner, test: validation } = perUserSplit(rest, { testRatio: 0.15, seed: 42 });
  const exclude = inner.byUser();
  const N = all.numItems;
  const count = new Float64Array(N);
  for (let q = 0; q < exclude.indices.length; q++) count[exclude.indices[q]]++;
  const vCsr = validation.byUser();
  const vUsers: number[] = [];
  for (let u = 0; u < vCsr.rows; u++) if (vCsr.indptr[u + 1] > vCsr.indptr[u]) vUsers.push(u);
  new Rng(5).shuffle(vUsers);
  const users = Int32Array.from(vUsers.slice(0, sampleUsers)).sort();
  const bands: [string, number, number][] = [
    ['0', 0, 0],
    ['1-2', 1, 2],
    ['3-10', 3, 10],
    ['11-50', 11, 50],
    ['>50', 51, Infinity],
  ];
  const bandSizes = Object.fromEntries(bands.map(([name, lo, hi]) => [name, count.filter((c) => c >= lo && c <= hi).length]));

  const model = createModel('multvae', { ...setting.params, epochs }) as MultVae;
  // Row touches of the sampled output layer (every optimizer: counted at the step).
  const touches = new Float64Array(N);
  let patched = false;
  const trainEpoch = model.trainEpoch.bind(model);
  model.trainEpoch = (ctx) => {
    const out = model.network?.sampledOutput;
    if (out && !patched) {
      const update = out.update.bind(out);
      const view = out as unknown as { slotItems: Int32Array; slots: number };
      out.update = (l2: number) => {
        for (let s = 0; s < view.slots; s++) touches[view.slotItems[s]]++;
        update(l2);
      };
      patched = true;
    }
    return trainEpoch(ctx);
  };
  const rows: Record<string, unknown>[] = [];
  const scores = new Float32Array(N);
  await model.fit(inner, {
    threads: 1,
    seed: setting.seed ?? 42,
    progress: false,
    callbacks: {
      onEpochEnd: (e) => {
        if (!checkpoints.has(e.epoch)) return;
        const m = evaluateRanking(model, validation, { exclude, users, k: [10], itemPopularity: count, perUser: false }).metrics;
        // Top-10 lists (training items excluded) and mean logits by band.
        let rare = 0;
        let recs = 0;
        const rareTouches: number[] = [];
        const logitSum = new Float64Array(bands.length);
        const logitN = new Float64Array(bands.length);
        for (let r = 0; r < users.length; r += 5) {
          const u = users[r];
          model.scoreItems(u, scores);
          for (let q = exclude.indptr[u]; q < exclude.indptr[u + 1]; q++) scores[exclude.indices[q]] = -Infinity;
          let mean = 0;
          let n = 0;
          for (let j = 0; j < N; j++)
            if (Number.isFinite(scores[j])) {
              mean += scores[j];
              n++;
            }
          mean /= n;
          for (let j = 0; j < N; j++) {
            if (!Number.isFinite(scores[j])) continue;
            const b = bands.findIndex(([, lo, hi]) => count[j] >= lo && count[j] <= hi);
            logitSum[b] += scores[j] - mean;
            logitN[b]++;
          }
          const top = Array.from({ length: N }, (_, j) => j)
            .sort((a, b) => scores[b] - scores[a])
            .slice(0, 10);
          for (const j of top) {
            recs++;
            if (count[j] <= 2) {
              rare++;
              rareTouches.push(touches[j]);
            }
          }
        }
        rareTouches.sort((a, b) => a - b);
        const row = {
          epoch: e.epoch,
          loss: +e.loss.toFixed(3),
          'ndcg@10': +m['ndcg@10'].toFixed(4),
          'popularity@10': +m['popularity@10'].toFixed(1),
          'coverage@10': +m['coverage@10'].toFixed(4),
          rareShareOfTop10: +(rare / recs).toFixed(3),
          rareRecsMedianTouches: rareTouches.length ? rareTouches[rareTouches.length >> 1] : null,
          medianTouchesAllItems: Array.from(touches).sort((a, b) => a - b)[N >> 1],
          meanCenteredLogitByTrainCount: Object.fromEntries(bands.map(([name], b) => [name, +(logitSum[b] / Math.max(1, logitN[b])).toFixed(3)])),
        };
        rows.push(row);
        console.error(JSON.stringify(row));
      },
    },
  });
  console.log(JSON.stringify({ setting, users: users.length, itemsByTrainCount: bandSizes, checkpoints: rows }, null, 1));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
