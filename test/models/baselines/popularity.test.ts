import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PopularityRecommender } from '../../../src/models/baselines/popularity.ts';
import { fitQuietly, interactions, scoresOf } from '../../helpers/baselines.ts';

test('ranking popularity scores each item by its number of training interactions, the same for every user', async () => {
  const train = interactions(
    [
      [0, 0, 1],
      [1, 0, 1],
      [2, 0, 1],
      [0, 2, 1],
      [1, 2, 1],
      [2, 3, 1],
    ],
    3,
    5,
  );
  const model = await fitQuietly(new PopularityRecommender(), train);
  assert.deepEqual([...scoresOf(model, 0)], [3, 0, 2, 1, 0]);
  assert.deepEqual([...scoresOf(model, 2)], [3, 0, 2, 1, 0]);
  assert.deepEqual(
    model.recommend('u2', { k: 3, excludeSeen: false }).map((r) => r.item),
    ['i0', 'i2', 'i3'],
  );
  // Seen items are left out by default: u0 saw i0 and i2.
  assert.deepEqual(
    model.recommend('u0', { k: 2 }).map((r) => r.item),
    ['i3', 'i1'],
  );
});

test('rating popularity shrinks each item mean towards the global mean by `shrinkage` pseudo-ratings', async () => {
  // Global mean = (5 + 5 + 1 + 3) / 4 = 3.5.
  const train = interactions(
    [
      [0, 0, 5],
      [1, 0, 5],
      [0, 1, 1],
      [1, 2, 3],
    ],
    2,
    4,
  );
  const model = await fitQuietly(new PopularityRecommender({ task: 'rating', shrinkage: 2 }), train);
  const scores = scoresOf(model, 0);
  assert.ok(Math.abs(scores[0] - (10 + 2 * 3.5) / 4) < 1e-6); // two 5s: 4.25
  assert.ok(Math.abs(scores[1] - (1 + 2 * 3.5) / 3) < 1e-6); // one 1: 2.667
  assert.ok(Math.abs(scores[2] - (3 + 2 * 3.5) / 3) < 1e-6);
  assert.equal(scores[3], 3.5); // never rated: the global mean
  const plain = await fitQuietly(new PopularityRecommender({ task: 'rating', shrinkage: 0 }), train);
  assert.deepEqual([...scoresOf(plain, 1).subarray(0, 3)], [5, 1, 3]);
  // Pairwise scores agree with the full row.
  assert.deepEqual([...model.score(Int32Array.of(1, 0), Int32Array.of(3, 0))], [3.5, scores[0]]);
});
