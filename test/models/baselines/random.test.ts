import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RandomRecommender } from '../../../src/models/baselines/random.ts';
import { fitQuietly, interactions, plantedSplit, scoresOf } from '../../helpers/baselines.ts';
import { rankingMetrics } from '../../helpers/metrics.ts';

const train = interactions(
  [
    [0, 0, 1],
    [1, 1, 1],
    [2, 2, 4],
    [3, 3, 2],
  ],
  4,
  50,
);

test('random scores are in [0, 1), stable across calls, and reproduced by the seed', async () => {
  const a = await fitQuietly(new RandomRecommender(), train, { seed: 5 });
  const b = await fitQuietly(new RandomRecommender(), train, { seed: 5 });
  const c = await fitQuietly(new RandomRecommender(), train, { seed: 6 });
  const s = scoresOf(a, 1);
  assert.ok(s.every((v) => v >= 0 && v < 1));
  assert.deepEqual(scoresOf(a, 1), s);
  assert.deepEqual(scoresOf(b, 1), s);
  assert.notDeepEqual(scoresOf(c, 1), s);
  assert.notDeepEqual(scoresOf(a, 2), s, 'users get different orders');
  assert.deepEqual([...a.score(Int32Array.of(1, 1), Int32Array.of(7, 30))], [s[7], s[30]]);
});

test('random rating predictions spread over the training range', async () => {
  const model = await fitQuietly(new RandomRecommender({ task: 'rating' }), train);
  const s = scoresOf(model, 0);
  assert.ok(s.every((v) => v >= 1 && v < 4));
  assert.ok(Math.max(...s) - Math.min(...s) > 2, 'uses most of the 1–4 range');
});

test('random ranks at chance on planted data', async () => {
  const split = plantedSplit();
  const model = await fitQuietly(new RandomRecommender(), split.train);
  const { auc } = rankingMetrics(model, split);
  assert.ok(Math.abs(auc - 0.5) < 0.03, `AUC ${auc}`);
});
