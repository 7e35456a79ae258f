import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IdMap } from '../../src/data/idmap.ts';
import { Interactions } from '../../src/data/interactions.ts';
import { adjustedSigmoid, binarize, centerPerUser, dropZeros, keepValues, positivesOnly, rescale, transformValues, valueMoments } from '../../src/data/labels.ts';

// Book-Crossing-like: 0 = implicit, 1–10 explicit.
const ratings = new Interactions({
  users: Int32Array.of(0, 0, 0, 1, 1, 2),
  items: Int32Array.of(0, 1, 2, 0, 3, 1),
  values: Float32Array.of(0, 8, 3, 10, 7, 0),
  userIds: new IdMap(['a', 'b', 'c']),
  itemIds: new IdMap(['w', 'x', 'y', 'z']),
});

test('binarize labels value ≥ threshold as 1 and keeps every row', () => {
  const labels = binarize(ratings, 8);
  assert.deepEqual(Array.from(labels.values), [0, 1, 0, 1, 0, 0]);
  assert.equal(labels.users, ratings.users);
  assert.deepEqual(Array.from(ratings.values), [0, 8, 3, 10, 7, 0], 'the input is not modified');
});

test('positivesOnly keeps rows with value ≥ threshold, each valued 1', () => {
  const positives = positivesOnly(ratings, 7);
  assert.deepEqual(Array.from(positives.items), [1, 0, 3]);
  assert.deepEqual(Array.from(positives.values), [1, 1, 1]);
  assert.deepEqual(Array.from(ratings.values), [0, 8, 3, 10, 7, 0]);
});

test('dropZeros removes implicit zeros and nothing else', () => {
  assert.deepEqual(Array.from(dropZeros(ratings).values), [8, 3, 10, 7]);
  assert.deepEqual(Array.from(keepValues(ratings, { min: 1, max: 7 }).values), [3, 7]);
});

test('adjustedSigmoid is the Book-Crossing 1–10 squash by default', () => {
  for (const x of [-3, 0, 2.5, 7, 12]) {
    const bookCrossing = (1 / (1 + Math.exp((5 - x) * 0.7))) * 9 + 1;
    assert.ok(Math.abs(adjustedSigmoid(x, { a: 5, b: 0.7 }) - bookCrossing) < 1e-12);
  }
  assert.equal(adjustedSigmoid(3, { a: 3, b: 2, lo: 0, hi: 1 }), 0.5);
  assert.ok(adjustedSigmoid(100, { a: 0, b: 1, lo: 1, hi: 5 }) <= 5);
});

test('transformValues, rescale and centerPerUser map values and keep the pairs', () => {
  assert.deepEqual(Array.from(transformValues(ratings, (v, p) => v + p).values), [0, 9, 5, 13, 11, 5]);
  assert.deepEqual(Array.from(rescale(ratings, { min: 0, max: 10 }).values), Array.from(Float32Array.of(0, 0.8, 0.3, 1, 0.7, 0)));
  const { interactions, userMeans } = centerPerUser(ratings);
  assert.ok(Math.abs(userMeans[0] - 11 / 3) < 1e-6);
  assert.equal(userMeans[1], 8.5);
  assert.equal(interactions.values[3], 1.5);
  assert.throws(() => rescale(ratings, { min: 1, max: 1 }), /from.max > from.min/);
  const { mean, std } = valueMoments(binarize(ratings, 8));
  assert.ok(Math.abs(mean - 1 / 3) < 1e-12 && Math.abs(std - Math.sqrt(2 / 9)) < 1e-12);
});
