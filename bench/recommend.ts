/**
 * Batch recommendations (`recommend --all-users`, src/serve/batch.ts) for a 64-factor WARP
 * model, with 1 and 2 worker threads. Prints JSON: per thread count the median seconds of
 * BENCH_RUNS runs and users/s, the time extrapolated to every user, and whether both thread
 * counts wrote identical output; and `perUserPath`, the same recommendations on one thread
 * scored one user at a time (`scoreItems` per user, the path every model had before blocked
 * `scoreUsers`) over the first BENCH_BASELINE_USERS users (default 1,000), with the speed-up
 * of the blocked path over it.
 *
 * Default: an ML-1M-sized catalogue (6,040 users × 3,706 items, 165 interactions per user,
 * 2 epochs), every user scored:
 *   node --import tsx bench/recommend.ts
 * The large case of the issue (200 K users × 50 K items; 20 interactions per user and 1 epoch
 * so data and fit take about 10 s; only the first 20,000 users scored per run, users/s
 * extrapolated to all 200 K; worker start-up, ~1.5 s, is inside every run):
 *   BENCH_USERS=200000 BENCH_ITEMS=50000 BENCH_PER_USER=20 BENCH_EPOCHS=1 BENCH_SCORE_USERS=20000 node --import tsx bench/recommend.ts
 * Other knobs: BENCH_MODEL (a bilinear type, default warp), BENCH_SIMILARITY (dot | cosine),
 * BENCH_RUNS (default 3), BENCH_K (default 10), BENCH_THREADS (default "1,2").
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSynthetic } from '../src/data/synthetic.ts';
import { createModel } from '../src/models/registry.ts';
import { loadModel } from '../src/models/load.ts';
import { recommendAllUsers, recommendBatch } from '../src/serve/batch.ts';
import { Recommender } from '../src/models/recommender.ts';
import { simdKernel } from '../src/core/matmul.ts';
import { median } from './common.ts';

const env = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
const users = env('BENCH_USERS', 6040);
const items = env('BENCH_ITEMS', 3706);
const perUser = env('BENCH_PER_USER', 165);
const epochs = env('BENCH_EPOCHS', 2);
const runs = Math.max(1, env('BENCH_RUNS', 3));
const k = env('BENCH_K', 10);
const scoreUsers = Math.min(users, env('BENCH_SCORE_USERS', users));
const modelType = (process.env.BENCH_MODEL ?? 'warp') as 'warp';
const similarity = (process.env.BENCH_SIMILARITY ?? 'dot') as 'dot' | 'cosine';
const threadCounts = (process.env.BENCH_THREADS ?? '1,2').split(',').map(Number);

let t0 = performance.now();
const data = generateSynthetic({ users, items, factors: 16, interactionsPerUser: perUser, seed: 1 });
const generateSeconds = (performance.now() - t0) / 1000;
t0 = performance.now();
const model = createModel(modelType, { factors: 64, epochs, similarity });
await model.fit(data.interactions, { threads: 2, seed: 1, log: () => {} });
const fitSeconds = (performance.now() - t0) / 1000;
const dir = await mkdtemp(join(tmpdir(), 'tastebud-bench-recommend-'));
await model.save(dir);
const loaded = await loadModel(dir);

const rows: { threads: number; medianSeconds: number; usersPerSecond: number; extrapolatedSecondsAllUsers: number; runs: number[] }[] = [];
const outputs: string[] = [];
for (const threads of threadCounts) {
  const seconds: number[] = [];
  for (let run = 0; run < runs; run++) {
    let text = '';
    const start = performance.now();
    await recommendAllUsers(loaded, dir, { k, threads, range: { start: 0, end: scoreUsers } }, (chunk) => {
      text += chunk;
    });
    seconds.push((performance.now() - start) / 1000);
    if (run === 0) outputs.push(text);
  }
  const mid = median(seconds);
  const usersPerSecond = Math.round(scoreUsers / mid);
  rows.push({
    threads,
    medianSeconds: +mid.toFixed(3),
    usersPerSecond,
    extrapolatedSecondsAllUsers: Math.round(loaded.numUsers / usersPerSecond),
    runs: seconds.map((s) => +s.toFixed(3)),
  });
}
// The per-user path: the same model with Recommender's default scoreUsers (scoreItems per user).
const baselineUsers = Math.min(scoreUsers, env('BENCH_BASELINE_USERS', 1000));
const oneByOne = Object.create(loaded) as Recommender;
oneByOne.scoreUsers = Recommender.prototype.scoreUsers;
const baselineSeconds: number[] = [];
for (let run = 0; run < runs; run++) {
  const start = performance.now();
  recommendBatch(oneByOne, { k, users: Int32Array.from({ length: baselineUsers }, (_, u) => u) }, () => {});
  baselineSeconds.push((performance.now() - start) / 1000);
}
const baselineRate = Math.round(baselineUsers / median(baselineSeconds));
const speedup = (threads: number): number | null => {
  const row = rows.find((r) => r.threads === threads);
  return row ? +(row.usersPerSecond / baselineRate).toFixed(1) : null;
};
const perUserPath = {
  threads: 1,
  users: baselineUsers,
  medianSeconds: +median(baselineSeconds).toFixed(3),
  usersPerSecond: baselineRate,
  speedupOneThread: speedup(1),
  speedupTwoThreads: speedup(2),
};
await rm(dir, { recursive: true, force: true });
console.log(
  JSON.stringify(
    {
      users: loaded.numUsers,
      items: loaded.numItems,
      interactions: data.interactions.length,
      model: modelType,
      similarity,
      factors: 64,
      epochs,
      k,
      scoredUsers: scoreUsers,
      note:
        scoreUsers < loaded.numUsers
          ? `each run scores users [0, ${scoreUsers}) (worker start-up and model loading included); extrapolatedSecondsAllUsers = users / usersPerSecond`
          : 'each run scores every user',
      wasm: simdKernel() !== null,
      generateSeconds: +generateSeconds.toFixed(1),
      fitSeconds: +fitSeconds.toFixed(1),
      rows,
      perUserPath,
      identicalOutput: outputs.every((o) => o === outputs[0]),
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      node: process.version,
    },
    null,
    1,
  ),
);
