/**
 * Training throughput: examples per second of one epoch for each case below, on synthetic data
 * with planted structure (~1 M positives), median of ≥ 3 epochs, plus peak RSS. Prints JSON.
 *
 *   node --import tsx bench/train.ts                 # every case
 *   node --import tsx bench/train.ts bpr-64          # cases whose name contains a filter
 *   BENCH_EPOCHS=5 BENCH_USERS=50000 node --import tsx bench/train.ts
 *
 * Each case is one row: add rows for other models by appending to `cases` (a model type, its
 * config, the threads to use and how many examples one epoch processes).
 */
import { benchData, benchEpochs, caseFilter, median, printReport } from './common.ts';
import { Rng } from '../src/core/rng.ts';
import type { Interactions } from '../src/data/interactions.ts';
import { createModel } from '../src/models/registry.ts';

interface BenchCase {
  name: string;
  model: string;
  config: Record<string, unknown>;
  threads: number;
  /** Examples per epoch, for the rate (default: every train interaction = one positive/triplet). */
  examples?: (train: Interactions) => number;
  unit: string;
}

const cases: BenchCase[] = [];
// Bilinear BPR/WARP rows (the default optimizer is row-wise Adagrad).
for (const factors of [10, 64]) {
  for (const threads of [1, 2]) {
    cases.push({ name: `bpr-${factors}f-${threads}t`, model: 'bpr', config: { factors }, threads, unit: 'triplets/s' });
  }
}
for (const optimizer of ['sgd', 'adagrad']) {
  for (const threads of [1, 2]) {
    cases.push({ name: `bpr-64f-${optimizer}-${threads}t`, model: 'bpr', config: { factors: 64, optimizer }, threads, unit: 'triplets/s' });
  }
}
for (const factors of [10, 64]) {
  // Without the check against the user's train positives (a random CSR row read per draw).
  cases.push({ name: `bpr-${factors}f-uniform-1t`, model: 'bpr', config: { factors, sampler: 'uniform' }, threads: 1, unit: 'triplets/s' });
}
for (const threads of [1, 2]) cases.push({ name: `warp-64f-${threads}t`, model: 'warp', config: { factors: 64 }, threads, unit: 'positives/s' });

/**
 * The DESIGN.md yardstick: the plainest possible one-thread BPR-SGD loop (uniform negatives, no
 * biases, no sampler object) over the positives in a shuffled order (shuffled outside the
 * timing), run on the same data in the same process, so a loaded machine shows up in both
 * numbers and the kernel's overhead is the ratio.
 */
function plainBprEpoch(users: Int32Array, items: Int32Array, order: Int32Array, numItems: number, P: Float32Array, Q: Float32Array, dim: number, seed: number): void {
  let x = seed | 1;
  const lr = 0.05;
  for (let t = 0; t < order.length; t++) {
    const k = order[t];
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const j = (x >>> 0) % numItems;
    const ub = users[k] * dim;
    const ib = items[k] * dim;
    const jb = j * dim;
    let s = 0;
    for (let d = 0; d < dim; d++) s += P[ub + d] * (Q[ib + d] - Q[jb + d]);
    const g = 1 / (1 + Math.exp(s));
    for (let d = 0; d < dim; d++) {
      const p = P[ub + d];
      const qi = Q[ib + d];
      const qj = Q[jb + d];
      P[ub + d] = p + lr * g * (qi - qj);
      Q[ib + d] = qi + lr * g * p;
      Q[jb + d] = qj - lr * g * p;
    }
  }
}

function plainRates(train: Interactions, dim: number, epochs: number): number[] {
  const P = new Float32Array(train.numUsers * dim).fill(0.01);
  const Q = new Float32Array(train.numItems * dim).fill(0.01);
  const rates: number[] = [];
  for (let e = 0; e < epochs; e++) {
    const order = new Rng(e + 1).permutation(train.length);
    const t = performance.now();
    plainBprEpoch(train.users, train.items, order, train.numItems, P, Q, dim, e + 1);
    rates.push(train.length / ((performance.now() - t) / 1000));
  }
  return rates;
}

async function main(): Promise<void> {
  const selected = caseFilter();
  const epochs = benchEpochs();
  const { train, generated } = benchData(50_000);
  const rows: Record<string, unknown>[] = [];
  for (const dim of [10, 64]) {
    const name = `plain-loop-${dim}f-1t`;
    if (!selected(name)) continue;
    const cpu0 = process.cpuUsage();
    const t = performance.now();
    const rates = plainRates(train, dim, epochs);
    const cpu = process.cpuUsage(cpu0);
    const coresUsed = (cpu.user + cpu.system) / 1e6 / ((performance.now() - t) / 1000);
    rows.push({
      case: name,
      model: 'reference',
      threads: 1,
      examplesPerEpoch: train.length,
      unit: 'triplets/s',
      median: Math.round(median(rates)),
      epochs: rates.map(Math.round),
      coresUsed: +coresUsed.toFixed(2),
      perCoreSecond: Math.round(median(rates) / coresUsed),
    });
    process.stderr.write(`${name}: ${Math.round(median(rates)).toLocaleString()} triplets/s (${coresUsed.toFixed(2)} cores)\n`);
  }
  for (const c of cases) {
    if (!selected(c.name)) continue;
    const model = createModel(c.model, { ...c.config, minParallelPositives: 0 });
    // Time each epoch on the wall clock and in CPU seconds of the whole process (all threads):
    // on a shared machine, cores = cpu / wall shows how much of the asked-for parallelism we got.
    const seconds: number[] = [];
    const cores: number[] = [];
    const trainEpoch = model.trainEpoch.bind(model);
    model.trainEpoch = async (ctx) => {
      const cpu0 = process.cpuUsage();
      const t = performance.now();
      const loss = await trainEpoch(ctx);
      const wall = (performance.now() - t) / 1000;
      const cpu = process.cpuUsage(cpu0);
      seconds.push(wall);
      cores.push((cpu.user + cpu.system) / 1e6 / wall);
      return loss;
    };
    await model.fit(train, { epochs, threads: c.threads, seed: 1 });
    const n = c.examples ? c.examples(train) : train.length;
    const rates = seconds.map((s) => n / s);
    rows.push({
      case: c.name,
      model: c.model,
      threads: c.threads,
      config: c.config,
      examplesPerEpoch: n,
      unit: c.unit,
      median: Math.round(median(rates)),
      epochs: rates.map(Math.round),
      coresUsed: +median(cores).toFixed(2),
      perCoreSecond: Math.round(median(rates.map((r, k) => r / cores[k]))),
    });
    process.stderr.write(`${c.name}: ${Math.round(median(rates)).toLocaleString()} ${c.unit} (${median(cores).toFixed(2)} cores)\n`);
  }
  printReport(train, generated, rows);
}

await main();
