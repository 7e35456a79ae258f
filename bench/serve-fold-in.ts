/**
 * Deep fold-in latency (deep/fold-in.ts: the user's id rows fitted by a few steps of the model's
 * loss), per history, at an ML-100K-sized catalogue (943 users, 1,682 items, synthetic) with
 * each deep type's default sizes (factors 32, layers [64, 32]), one training epoch (the fold-in
 * cost does not depend on how well the model is trained). Prints JSON: median and p90 ms of
 * `model.foldIn(history)` over users' histories, and the median history length.
 *
 *   node --import tsx bench/serve-fold-in.ts
 */
import { generateSynthetic } from '../src/data/synthetic.ts';
import { createModel } from '../src/models/registry.ts';

const TYPES = (process.env.BENCH_TYPES ?? 'ncf,neumf,match,deepfm').split(',');
const USERS = Number(process.env.BENCH_USERS ?? 30);

const data = generateSynthetic({ users: 943, items: 1682, factors: 16, interactionsPerUser: 60, seed: 1 }).interactions;
const rows = [];
for (const type of TYPES) {
  const model = createModel(type, { epochs: 1, threads: 1, seed: 1 });
  await model.fit(data, { progress: false, log: () => {} });
  const ms: number[] = [];
  const lengths: number[] = [];
  for (let u = 0; u < USERS; u++) {
    const history = model.historyOf(u).map((h) => ({ item: model.itemIds.id(h.index), weight: h.weight }));
    const t0 = performance.now();
    model.foldIn(history);
    ms.push(performance.now() - t0);
    lengths.push(history.length);
  }
  const at = (a: number[], q: number) => [...a].sort((x, y) => x - y)[Math.floor(q * (a.length - 1))];
  rows.push({ type, users: USERS, medianMs: Number(at(ms, 0.5).toFixed(2)), p90Ms: Number(at(ms, 0.9).toFixed(2)), medianHistory: at(lengths, 0.5) });
}
console.log(JSON.stringify({ bench: 'serve-fold-in', items: 1682, rows }, null, 2));
