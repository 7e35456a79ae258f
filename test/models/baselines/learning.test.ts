import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createModel } from '../../../src/models/registry.ts';
import { fitQuietly, plantedSplit } from '../../helpers/baselines.ts';
import { rankingMetrics } from '../../helpers/metrics.ts';

// Planted taste clusters with Zipf popularity: a personalised model must find the clusters to
// beat ranking everyone by popularity.
const split = plantedSplit();
const popularityMetrics = (async () => rankingMetrics(await fitQuietly(createModel('popularity'), split.train), split))();

const learners: [string, Record<string, unknown>][] = [
  ['ials', { factors: 8, regularization: 1, alpha: 10, iterations: 10 }],
  ['ease', { lambda: 100 }],
  ['item-knn', { neighbors: 50 }],
  ['user-knn', { neighbors: 50, similarity: 'cosine' }],
  ['user-knn', { neighbors: 50, similarity: 'jaccard' }],
];

for (const [type, config] of learners) {
  test(`${type} ${JSON.stringify(config)} beats popularity on per-user AUC and precision@10`, async () => {
    const pop = await popularityMetrics;
    const m = rankingMetrics(await fitQuietly(createModel(type, config), split.train), split);
    assert.ok(m.auc > pop.auc + 0.1, `AUC ${m.auc.toFixed(4)} vs popularity ${pop.auc.toFixed(4)}`);
    assert.ok(m['precision@10'] > 2 * pop['precision@10'], `P@10 ${m['precision@10'].toFixed(4)} vs popularity ${pop['precision@10'].toFixed(4)}`);
  });
}

test('popularity itself beats random on planted (popularity-skewed) data', async () => {
  const pop = await popularityMetrics;
  const random = rankingMetrics(await fitQuietly(createModel('random'), split.train), split);
  assert.ok(pop.auc > random.auc + 0.1 && pop['precision@10'] > 2 * random['precision@10']);
});
