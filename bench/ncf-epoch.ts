/**
 * A few NCF epochs of the issue-13 setting on ML-100K `lightfm-ua` (one thread by default): for
 * profiling (`node --cpu-prof --import tsx bench/ncf-epoch.ts`) and for before/after CPU-time
 * comparisons of two trees. Prints one JSON row: CPU seconds per epoch (from the 2nd epoch on),
 * rows per CPU second, wall seconds per epoch.
 *
 *   BENCH_EPOCHS=3 BENCH_THREADS=1 node --import tsx bench/ncf-epoch.ts
 *
 * `BENCH_EMBEDDING_OPTIMIZERS=lazy,dense BENCH_ROUNDS=3` fits each embedding optimizer in turn,
 * alternating for that many rounds in one process, for a cost ratio measured within one run;
 * `BENCH_THREADS=1,2` alternates thread counts the same way (Hogwild; each row says its round, so
 * the 2 / 1 ratio is taken within a round). `BENCH_PARAMS` (JSON) overrides the model's settings,
 * e.g. examples/ncf-lightfm.yaml's:
 *
 *   BENCH_THREADS=1,2 BENCH_ROUNDS=3 BENCH_EMBEDDING_OPTIMIZERS=dense \
 *     BENCH_PARAMS='{"loss":"softmax","negatives":16,"dropout":0.5,"emaDecay":0.999}' node --import tsx bench/ncf-epoch.ts
 */
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { lightfmUa } from '../src/eval/protocols/ranking.ts';
import { createModel } from '../src/models/registry.ts';

const dataDir = process.env.TASTEBUD_DATA_DIR ?? '../shared/data';
if (!existsSync(path.join(dataDir, 'ml-100k', 'ua.base'))) {
  process.stderr.write(`skipped: ML-100K not found under ${dataDir} (set TASTEBUD_DATA_DIR)\n`);
  process.exit(0);
}
const epochs = Math.max(2, Number(process.env.BENCH_EPOCHS ?? 3));
const threadCounts = (process.env.BENCH_THREADS ?? '1').split(',').map((t) => Math.max(1, Number(t)));
const overrides = JSON.parse(process.env.BENCH_PARAMS ?? '{}') as Record<string, unknown>;
const modes = (process.env.BENCH_EMBEDDING_OPTIMIZERS ?? 'lazy').split(',') as ('lazy' | 'dense')[];
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 1));
const p = await lightfmUa.prepare({ dataDir, download: false });
for (let round = 1; round <= rounds; round++) for (const mode of modes) for (const threads of threadCounts) await run(mode, threads, round);

async function run(embeddingOptimizer: 'lazy' | 'dense', threads: number, round: number): Promise<void> {
  const model = createModel('ncf', {
    factors: 32,
    layers: [64, 32],
    loss: 'bce',
    negatives: 4,
    optimizer: 'adam',
    learningRate: 0.001,
    batchSize: 256,
    epochs,
    embeddingOptimizer,
    ...overrides,
  });
  const cpu: number[] = [];
  const wall: number[] = [];
  let last = process.cpuUsage();
  const history = await model.fit(p.train, {
    threads,
    seed: 1,
    callbacks: {
      onEpochEnd: (r) => {
        const c = process.cpuUsage(last);
        last = process.cpuUsage();
        if (r.epoch > 1) {
          cpu.push((c.user + c.system) / 1e6);
          wall.push(r.seconds);
        }
      },
    },
  });
  const med = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  // MLP rows per epoch: each positive and its sampled negatives.
  const rows = p.train.length * (1 + ((overrides.negatives as number | undefined) ?? 4));
  console.log(
    JSON.stringify({
      case: `ncf-epoch-${threads}t`,
      embeddingOptimizer,
      ...(Object.keys(overrides).length > 0 ? { params: overrides } : {}),
      round,
      epochs,
      threads,
      cpuSecondsPerEpoch: +med(cpu).toFixed(3),
      rowsPerCpuSecond: Math.round(rows / med(cpu)),
      secondsPerEpoch: +med(wall).toFixed(3),
      rowsPerSecond: Math.round(rows / med(wall)),
      lastLoss: +(history.epochs.at(-1)?.loss ?? Number.NaN).toFixed(5),
      loadAverage: loadavg()[0],
    }),
  );
}
