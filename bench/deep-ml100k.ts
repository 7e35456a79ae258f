/**
 * Real-data check of the deep models on the `lightfm-ua` protocol: ML-100K `ua.base` positives
 * (rating ≥ 4) → train, `ua.test` positives → test, every item ranked except the user's train
 * positives; per-user ROC AUC, precision@10 and recall@10, beside the popularity baseline.
 * Reference: PyTorch NCF on this protocol gets P@10 ≈ 0.06, AUC ≈ 0.87. Then the rating model
 * (neural-rating, MSE) on the raw `ua` ratings: test RMSE beside the global-mean RMSE.
 * One thread. Prints JSON.
 *
 *   node --import tsx bench/deep-ml100k.ts            # every case (several minutes)
 *   node --import tsx bench/deep-ml100k.ts ncf        # cases whose name contains a filter
 *
 * Needs ../shared/data/ml-100k (or TASTEBUD_DATA_DIR); exits with a message when absent.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { datasets } from '../src/data/datasets/index.ts';
import { predefinedSplit } from '../src/data/splits.ts';
import { evaluatePointwise } from '../src/eval/pointwise.ts';
import { evaluateRanking } from '../src/eval/ranking.ts';
import { lightfmUa } from '../src/eval/protocols/ranking.ts';
import { createModel } from '../src/models/registry.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = process.env.TASTEBUD_DATA_DIR ?? path.resolve(repoRoot, '../shared/data');

interface Case {
  name: string;
  model: string;
  config: Record<string, unknown>;
  /** Which metadata the model gets: item fields (genre, decade) and/or user fields (age, gender, occupation, ...). */
  features: { items?: boolean; users?: boolean };
}

const cases: Case[] = [
  { name: 'ncf', model: 'ncf', config: { factors: 32, layers: [64, 32], learningRate: 0.002, negatives: 4, epochs: 12 }, features: {} },
  { name: 'neumf', model: 'neumf', config: { factors: 32, layers: [64, 32], learningRate: 0.002, negatives: 4, epochs: 12 }, features: {} },
  { name: 'deepfm-ids', model: 'deepfm', config: { factors: 16, layers: [64, 32], learningRate: 0.002, negatives: 4, epochs: 12 }, features: {} },
  { name: 'deepfm-item-fields', model: 'deepfm', config: { factors: 16, layers: [64, 32], learningRate: 0.002, negatives: 4, epochs: 12 }, features: { items: true } },
  { name: 'match-bpr', model: 'match', config: { userFactors: 32, itemFactors: 32, layers: [64, 32], learningRate: 0.002, loss: 'bpr', epochs: 20 }, features: {} },
];

const ratingCases: Case[] = [
  { name: 'neural-rating-concat', model: 'neural-rating', config: { factors: 32, layers: [64, 32], dropout: 0.3, l2: 0.02, learningRate: 0.001, epochs: 10 }, features: {} },
  {
    name: 'neural-rating-dot-skip',
    model: 'neural-rating',
    config: { factors: 32, layers: [64, 32], combine: 'dot', skip: 'dot', dropout: 0.2, l2: 0.01, learningRate: 0.002, epochs: 10 },
    features: {},
  },
];

async function main(): Promise<void> {
  if (!existsSync(path.join(dataDir, 'ml-100k', 'ua.base'))) {
    console.error(`skipped: ML-100K not found under ${dataDir} (set TASTEBUD_DATA_DIR)`);
    return;
  }
  const filters = process.argv.slice(2);
  const p = await lightfmUa.prepare({ dataDir, download: false });
  const { train, test, exclude } = p;
  const measure = (model: Parameters<typeof evaluateRanking>[0]) => {
    const m = evaluateRanking(model, test, { k: [10], exclude, perUser: false }).metrics;
    return { auc: +m.auc.toFixed(4), 'precision@10': +m['precision@10'].toFixed(4), 'recall@10': +m['recall@10'].toFixed(4) };
  };
  const popularity = createModel('popularity', {});
  await popularity.fit(train, { threads: 1 });
  const rows: Record<string, unknown>[] = [{ case: 'popularity', ...measure(popularity) }];
  process.stderr.write(`popularity: ${JSON.stringify(rows[0])}\n`);
  for (const c of cases) {
    if (filters.length > 0 && !filters.some((f) => c.name.includes(f))) continue;
    const model = createModel(c.model, c.config);
    const t0 = performance.now();
    await model.fit(train, {
      threads: 1,
      itemFeatures: c.features.items ? p.itemFeatures : undefined,
      userFeatures: c.features.users ? p.userFeatures : undefined,
      log: () => {},
    });
    const seconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const metrics = measure(model);
    const row = {
      case: c.name,
      model: c.model,
      config: c.config,
      features: c.features,
      ...metrics,
      trainSeconds: +seconds.toFixed(1),
      evalSeconds: +((performance.now() - t1) / 1000).toFixed(2),
    };
    rows.push(row);
    process.stderr.write(`${c.name}: ${JSON.stringify(metrics)} in ${seconds.toFixed(0)} s\n`);
  }
  const ratings = await ratingRows(filters);
  console.log(JSON.stringify({ protocol: 'lightfm-ua', sizes: p.sizes, reference: { pytorchNcf: { 'precision@10': 0.06, auc: 0.87 } }, threads: 1, rows, ratings }, null, 1));
}

/** neural-rating on the raw ua ratings: RMSE / MAE on ua.test against predicting the global mean. */
async function ratingRows(filters: string[]): Promise<Record<string, unknown>[]> {
  const selected = ratingCases.filter((c) => filters.length === 0 || filters.some((f) => c.name.includes(f)));
  if (selected.length === 0) return [];
  const { train, test } = await predefinedSplit(await datasets.load('ml-100k', { dataDir, download: false }), 'ua');
  const mean = train.values.reduce((s, v) => s + v, 0) / train.length;
  const rmseOfMean = Math.sqrt(test.values.reduce((s, v) => s + (v - mean) ** 2, 0) / test.length);
  const rows: Record<string, unknown>[] = [{ case: 'global-mean', rmse: +rmseOfMean.toFixed(4) }];
  for (const c of selected) {
    const model = createModel(c.model, c.config);
    const t0 = performance.now();
    await model.fit(train, { threads: 1, log: () => {} });
    const m = evaluatePointwise(model, test, { scoreKind: 'rating' }).metrics;
    rows.push({ case: c.name, config: c.config, rmse: +m.rmse.toFixed(4), mae: +m.mae.toFixed(4), trainSeconds: +((performance.now() - t0) / 1000).toFixed(1) });
    process.stderr.write(`${c.name}: RMSE ${m.rmse.toFixed(4)} (global mean ${rmseOfMean.toFixed(4)})\n`);
  }
  return rows;
}

await main();
