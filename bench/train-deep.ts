/**
 * Training throughput of the deep models (NCF, NeuMF, DeepFM, match; layers [64, 32]), in the
 * JSON shape of bench/train.ts: per case the median rate over ≥ 3 epochs, plus peak RSS.
 * Rates count positives (each with `negatives` sampled negatives, so the MLP sees
 * (1 + negatives)× as many rows: `rowsPerSecond`). Deep training is single-threaded.
 *
 *   node --import tsx bench/train-deep.ts                # every case
 *   node --import tsx bench/train-deep.ts ncf            # cases whose name contains a filter
 *   BENCH_EPOCHS=5 BENCH_USERS=20000 node --import tsx bench/train-deep.ts
 */
import { benchData, benchEpochs, caseFilter, median, printReport } from './common.ts';
import { createModel } from '../src/models/registry.ts';

interface BenchCase {
  name: string;
  model: string;
  config: Record<string, unknown>;
  /** MLP rows per positive. */
  rowsPerPositive: number;
}

const layers = [64, 32];
const cases: BenchCase[] = [
  { name: 'ncf-32f-64x32-neg4-1t', model: 'ncf', config: { factors: 32, layers, negatives: 4 }, rowsPerPositive: 5 },
  { name: 'neumf-32f-64x32-neg4-1t', model: 'neumf', config: { factors: 32, layers, negatives: 4 }, rowsPerPositive: 5 },
  { name: 'deepfm-16f-64x32-neg4-1t', model: 'deepfm', config: { factors: 16, layers, negatives: 4 }, rowsPerPositive: 5 },
  { name: 'deepfm-16f-64x32-neg4-fields-1t', model: 'deepfm', config: { factors: 16, layers, negatives: 4 }, rowsPerPositive: 5 },
  { name: 'match-32f-64x32-1t', model: 'match', config: { userFactors: 32, itemFactors: 32, layers }, rowsPerPositive: 2 },
  // Whole-row and in-batch-softmax models: no sampled rows, so rowsPerPositive is 1.
  { name: 'recvae-3x256-l128-1t', model: 'recvae', config: { hidden: 256, depth: 3, latent: 128, batchSize: 100 }, rowsPerPositive: 1 },
  { name: 'two-tower-64f-128-fields-1t', model: 'two-tower', config: { factors: 64, embeddingDim: 64, layers: [128] }, rowsPerPositive: 1 },
];

async function main(): Promise<void> {
  const selected = caseFilter();
  const epochs = benchEpochs();
  const { data, train, generated } = benchData(10_000, { itemFeatures: 32, userFeatures: 16 });
  const rows: Record<string, unknown>[] = [];
  for (const c of cases) {
    if (!selected(c.name)) continue;
    const fields = c.name.includes('fields');
    const model = createModel(c.model, c.config);
    const seconds: number[] = [];
    await model.fit(train, {
      epochs,
      threads: 1,
      seed: 1,
      itemFeatures: fields ? data.itemFeatures : undefined,
      userFeatures: fields ? data.userFeatures : undefined,
      callbacks: { onEpochEnd: (r) => void seconds.push(r.seconds) },
    });
    const rates = seconds.map((s) => train.length / s);
    const rate = median(rates);
    rows.push({
      case: c.name,
      model: c.model,
      threads: 1,
      config: c.config,
      examplesPerEpoch: train.length,
      unit: 'positives/s',
      median: Math.round(rate),
      epochs: rates.map(Math.round),
      rowsPerSecond: Math.round(rate * c.rowsPerPositive),
    });
    process.stderr.write(`${c.name}: ${Math.round(rate).toLocaleString()} positives/s (${Math.round(rate * c.rowsPerPositive).toLocaleString()} MLP rows/s)\n`);
  }
  printReport(train, generated, rows);
}

await main();
