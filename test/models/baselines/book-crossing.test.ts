/**
 * Real data: rating prediction on Book-Crossing's explicit 1–10 ratings (the caserec-processed
 * copy: users with ≥ 20 ratings, books with ≥ 10), a seeded random 90/10 split. User-based kNN
 * must beat predicting the global mean and the (shrunk) item mean.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readInteractions } from '../../../src/data/readers/delimited.ts';
import { randomSplit } from '../../../src/data/splits.ts';
import { evaluatePointwise } from '../../../src/eval/pointwise.ts';
import { createModel } from '../../../src/models/registry.ts';
import { fitQuietly } from '../../helpers/baselines.ts';
import { dataPath, skipUnlessData } from '../../helpers/data-dir.ts';

const FILE = 'book-crossing/caserec-processed/book_ratings.dat';
const skip = skipUnlessData(FILE);

test('user-knn rating RMSE on Book-Crossing explicit ratings beats the global and item means', { skip }, async (t) => {
  const { interactions } = await readInteractions(dataPath(FILE), { separator: '\t', columns: { user: 'user', item: 'item', rating: 'rating' } });
  const split = randomSplit(interactions, { testRatio: 0.1, seed: 42 });
  t.diagnostic(`${interactions.length} ratings, ${interactions.numUsers} users, ${interactions.numItems} books; ${split.train.length} train / ${split.test.length} test`);
  const rmse = async (type: string, config: Record<string, unknown>): Promise<number> => {
    const model = await fitQuietly(createModel(type, config), split.train);
    const { metrics } = evaluatePointwise(model, split.test);
    t.diagnostic(`${`${type} ${JSON.stringify(config)}`.padEnd(60)} RMSE ${metrics.rmse.toFixed(4)}  MAE ${metrics.mae.toFixed(4)}`);
    return metrics.rmse;
  };
  const globalMean = await rmse('popularity', { task: 'rating', shrinkage: 1e12 });
  const itemMean = await rmse('popularity', { task: 'rating' });
  const knn = await rmse('user-knn', { task: 'rating' });
  const jaccard = await rmse('user-knn', { task: 'rating', similarity: 'jaccard' });
  assert.ok(itemMean < globalMean);
  assert.ok(knn < itemMean - 0.03, `user-knn ${knn} vs item mean ${itemMean}`);
  assert.ok(jaccard < itemMean - 0.03);
});
