import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserKnn } from '../../../src/models/baselines/user-knn.ts';
import { evaluatePointwise } from '../../../src/eval/pointwise.ts';
import { fitQuietly, fromMatrix, interactions, scoresOf } from '../../helpers/baselines.ts';

const close = (a: number, b: number, eps = 1e-5): boolean => Math.abs(a - b) < eps;

// Item sets: u0 {0,1,2}, u1 {1,2,3}, u2 {0,4}, u3 {} (known to the id map, no interactions).
const sets = interactions(
  [
    [0, 0, 1],
    [0, 1, 1],
    [0, 2, 1],
    [1, 1, 1],
    [1, 2, 1],
    [1, 3, 1],
    [2, 0, 1],
    [2, 4, 1],
  ],
  4,
  5,
);

test("jaccard similarity is |shared| / |union| of the users' item sets", async () => {
  const model = await fitQuietly(new UserKnn({ similarity: 'jaccard' }), sets);
  const s = model.similarities(0);
  assert.equal(s[1], 2 / 4);
  assert.equal(s[2], 1 / 4);
  assert.equal(s[0], 0, 'a user is not their own neighbour');
  assert.equal(s[3], 0);
  assert.equal(model.similarities(1)[2], 0);
});

test('cosine similarity over binary item sets is |shared| / sqrt(|I_u|·|I_v|)', async () => {
  const model = await fitQuietly(new UserKnn({ similarity: 'cosine' }), sets);
  const s = model.similarities(0);
  assert.ok(close(s[1], 2 / 3));
  assert.ok(close(s[2], 1 / Math.sqrt(6)));
});

test("ranking score is the sum of the k nearest neighbours' similarities over the items they have", async () => {
  const two = await fitQuietly(new UserKnn({ similarity: 'jaccard', neighbors: 2 }), sets);
  assert.deepEqual([...scoresOf(two, 0)], [0.25, 0.5, 0.5, 0.5, 0.25]);
  const one = await fitQuietly(new UserKnn({ similarity: 'jaccard', neighbors: 1 }), sets);
  assert.deepEqual([...scoresOf(one, 0)], [0, 0.5, 0.5, 0.5, 0], 'only u1 votes');
  assert.equal(one.recommend('u0', { k: 3 })[0].item, 'i3', 'the one unseen item a neighbour has comes first');
  assert.deepEqual([...scoresOf(one, 3)], [0, 0, 0, 0, 0], 'a user with no items has no neighbours');
  assert.deepEqual([...two.score(Int32Array.of(0, 2, 0), Int32Array.of(4, 1, 3))], [0.25, scoresOf(two, 2)[1], 0.5]);
});

// Ratings (0 = unrated): u3 shares no item with anyone; u4 rated nothing.
const ratings = fromMatrix([
  [5, 3, 0, 0, 0],
  [4, 3, 2, 0, 0],
  [1, 0, 5, 0, 0],
  [0, 0, 0, 4, 0],
  [0, 0, 0, 0, 0],
]);
const cos01 = 29 / Math.sqrt(34 * 29); // (5,3,0)·(4,3,2)
const cos02 = 5 / Math.sqrt(34 * 26); // (5,3,0)·(1,0,5)

test("rating prediction is the similarity-weighted mean of the neighbours' ratings of the item", async () => {
  const model = await fitQuietly(new UserKnn({ task: 'rating', similarity: 'cosine', centered: false }), ratings);
  const [pred] = model.score(Int32Array.of(0), Int32Array.of(2));
  assert.ok(close(pred, (cos01 * 2 + cos02 * 5) / (cos01 + cos02)), `${pred}`);
  const nearest = await fitQuietly(new UserKnn({ task: 'rating', centered: false, neighbors: 1 }), ratings);
  assert.ok(close(nearest.score(Int32Array.of(0), Int32Array.of(2))[0], 2), 'k = 1: the most similar rater, u1');
});

test("mean-centred rating prediction adds the neighbours' weighted deviations to the user's mean", async () => {
  const model = await fitQuietly(new UserKnn({ task: 'rating', centered: true }), ratings);
  // Means: u0 4, u1 3, u2 3.
  const expected = 4 + (cos01 * (2 - 3) + cos02 * (5 - 3)) / (cos01 + cos02);
  assert.ok(close(model.score(Int32Array.of(0), Int32Array.of(2))[0], expected));
  assert.ok(close(scoresOf(model, 0)[2], expected), 'scoreItems agrees with score');
});

test("with no similar rater the prediction falls back to the user's mean, and to the global mean for a user with no ratings", async () => {
  const model = await fitQuietly(new UserKnn({ task: 'rating' }), ratings);
  const pred = model.score(Int32Array.of(0, 0, 3, 4, 4), Int32Array.of(3, 4, 0, 0, 4));
  assert.ok(close(pred[0], 4), 'only u3 rated i3, and u3 shares nothing with u0');
  assert.ok(close(pred[1], 4), 'nobody rated i4');
  assert.ok(close(pred[2], 4), 'u3 has no neighbour: their own mean');
  const globalMean = (5 + 3 + 4 + 3 + 2 + 1 + 5 + 4) / 8;
  assert.ok(close(pred[3], globalMean));
  assert.ok(close(pred[4], globalMean));
});

test('predictions stay inside the training rating range', async () => {
  // u0 rates high, its neighbour u1 rated i2 far above u1's own mean: centred would exceed 5.
  const data = fromMatrix([
    [5, 5, 0],
    [1, 1, 5],
  ]);
  const model = await fitQuietly(new UserKnn({ task: 'rating', centered: true }), data);
  assert.equal(model.score(Int32Array.of(0), Int32Array.of(2))[0], 5);
});

test('RMSE on a small held-out explicit case matches the hand computation', async () => {
  const model = await fitQuietly(new UserKnn({ task: 'rating', centered: true }), ratings);
  const test = interactions(
    [
      [0, 2, 3],
      [0, 3, 4],
      [4, 0, 2],
      [1, 3, 5],
    ],
    5,
    5,
  );
  const globalMean = 27 / 8;
  const centredU0I2 = 4 + (cos01 * -1 + cos02 * 2) / (cos01 + cos02);
  // (1, 3): u1's raters of i3 = {u3}, unrelated → u1's mean 3.
  const errors = [centredU0I2 - 3, 4 - 4, globalMean - 2, 3 - 5];
  const rmse = Math.sqrt(errors.reduce((s, e) => s + e * e, 0) / errors.length);
  const { metrics } = evaluatePointwise(model, test);
  assert.ok(close(metrics.rmse, rmse), `${metrics.rmse} vs ${rmse}`);
});
