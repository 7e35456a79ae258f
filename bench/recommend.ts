/**
 * Batch recommendations for every user of an ML-1M-sized catalogue (6,040 users × 3,706 items,
 * ~1 M interactions, 64-factor WARP model), with 1 and 2 worker threads. Prints JSON: seconds
 * and users/s per thread count (median of 3) and whether both outputs are identical.
 *   node --import tsx bench/recommend.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSynthetic } from '../src/data/synthetic.ts';
import { createModel } from '../src/models/registry.ts';
import { loadModel } from '../src/models/load.ts';
import { recommendAllUsers } from '../src/serve/batch.ts';
import { median } from './common.ts';

const data = generateSynthetic({ users: 6040, items: 3706, factors: 16, interactionsPerUser: 165, seed: 1 });
const model = createModel('warp', { factors: 64, epochs: 2 });
await model.fit(data.interactions, { threads: 2, seed: 1, log: () => {} });
const dir = await mkdtemp(join(tmpdir(), 'tastebud-bench-recommend-'));
await model.save(dir);
const loaded = await loadModel(dir);

const rows = [];
const outputs: string[] = [];
for (const threads of [1, 2]) {
  const seconds: number[] = [];
  for (let run = 0; run < 3; run++) {
    let text = '';
    const t0 = performance.now();
    await recommendAllUsers(loaded, dir, { k: 10, threads }, (chunk) => {
      text += chunk;
    });
    seconds.push((performance.now() - t0) / 1000);
    if (run === 0) outputs.push(text);
  }
  const mid = median(seconds);
  rows.push({ threads, medianSeconds: mid, usersPerSecond: Math.round(loaded.numUsers / mid), runs: seconds });
}
await rm(dir, { recursive: true, force: true });
console.log(
  JSON.stringify(
    { users: loaded.numUsers, items: loaded.numItems, interactions: data.interactions.length, factors: 64, k: 10, rows, identicalOutput: outputs[0] === outputs[1], peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024) },
    null,
    1,
  ),
);
