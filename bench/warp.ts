/**
 * WARP at ML-1M size (6,040 users × 3,706 items, ~670 K positives, synthetic with planted
 * structure), 64 factors, 10 epochs, 1 and 2 threads: positives per second (median epoch) and
 * quality on a held-out 10 % per user (P@10, AUC), so a speed-up that hurts learning shows.
 * Also positives per CPU-second (all threads), which a busy shared machine disturbs less than
 * wall time. Prints JSON. BENCH_WRITE=<dir> also writes the exact train/test split there (Int32 user and
 * item columns plus meta.json) so bench/lightfm/warp_side_by_side.py trains LightFM on the same
 * data; BENCH_RUNS=0 only writes it.
 *
 *   node --import tsx bench/warp.ts
 *   BENCH_RUNS=1 BENCH_EPOCHS=4 BENCH_THREADS=2 node --import tsx bench/warp.ts
 *   BENCH_WRITE=/tmp/warp-data BENCH_RUNS=0 node --import tsx bench/warp.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { median } from './common.ts';
import { generateSynthetic } from '../src/data/synthetic.ts';
import { perUserSplit } from '../src/data/splits.ts';
import { evaluateRanking } from '../src/eval/ranking.ts';
import type { Interactions } from '../src/data/interactions.ts';
import { createModel } from '../src/models/registry.ts';

/** The split as raw little-endian Int32 columns (numpy.fromfile reads them) and a meta.json. */
function writeSplit(dir: string, train: Interactions, test: Interactions): void {
  mkdirSync(dir, { recursive: true });
  const column = (a: Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  for (const [name, part] of [
    ['train', train],
    ['test', test],
  ] as const) {
    writeFileSync(join(dir, `${name}.users.i32`), column(part.users));
    writeFileSync(join(dir, `${name}.items.i32`), column(part.items));
  }
  const meta = {
    users: train.numUsers,
    items: train.numItems,
    train: train.length,
    test: test.length,
    source: 'bench/warp.ts generateSynthetic seed 1, perUserSplit testRatio 0.1 seed 1',
  };
  writeFileSync(join(dir, 'meta.json'), `${JSON.stringify(meta, null, 1)}\n`);
  console.error(`wrote the split to ${dir}`);
}

async function main(): Promise<void> {
  const data = generateSynthetic({ users: 6040, items: 3706, factors: 16, interactionsPerUser: 123, seed: 1 }).interactions;
  const { train, test } = perUserSplit(data, { testRatio: 0.1, seed: 1 });
  if (process.env.BENCH_WRITE) writeSplit(process.env.BENCH_WRITE, train, test);
  const epochs = Number(process.env.BENCH_EPOCHS ?? 10);
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  // Run r trains with seed r + 1; BENCH_FIRST_RUN lets a driver interleave single runs.
  const firstRun = Number(process.env.BENCH_FIRST_RUN ?? 0);
  const threadCounts = (process.env.BENCH_THREADS ?? '2,1').split(',').map(Number);
  const rows: Record<string, unknown>[] = [];
  for (let run = firstRun; run < firstRun + runs; run++) {
    for (const threads of threadCounts) {
      const model = createModel('warp', { factors: 64, epochs, minParallelPositives: 0 });
      const cpu0 = process.cpuUsage();
      const history = await model.fit(train, { threads, seed: run + 1, progress: false, log: () => {} });
      const cpu = process.cpuUsage(cpu0); // every thread of the process, worker threads included
      const perEpoch = history.epochs.map((e) => train.length / e.seconds);
      const m = evaluateRanking(model, test, { k: [10], exclude: train.byUser(), perUser: false }).metrics;
      const row = {
        run,
        threads,
        positives: train.length,
        medianPositivesPerSecond: Math.round(median(perEpoch)),
        // Per CPU-second of the whole fit (set-up included): steadier than wall time on a busy machine.
        positivesPerCpuSecond: Math.round((train.length * epochs) / ((cpu.user + cpu.system) / 1e6)),
        'precision@10': +m['precision@10'].toFixed(4),
        auc: +m.auc.toFixed(4),
        load: loadavg().map((v) => +v.toFixed(1)),
      };
      rows.push(row);
      console.error(JSON.stringify(row));
    }
  }
  const summary = threadCounts.map((threads) => {
    const mine = rows.filter((r) => r.threads === threads);
    return {
      threads,
      medianPositivesPerSecond: median(mine.map((r) => r.medianPositivesPerSecond as number)),
      medianPrecisionAt10: median(mine.map((r) => r['precision@10'] as number)),
    };
  });
  console.log(JSON.stringify({ node: process.version, load: loadavg().map((v) => +v.toFixed(1)), rows, summary }, null, 1));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
