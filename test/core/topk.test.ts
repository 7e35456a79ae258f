import { test } from 'node:test';
import assert from 'node:assert/strict';
import { topK } from '../../src/core/topk.ts';
import { Rng } from '../../src/core/rng.ts';

test('topK returns the k best indices, best first', () => {
  assert.deepEqual([...topK([0.1, 0.9, 0.5, 0.7], 2)], [1, 3]);
});

test('topK breaks ties by lower index and handles k larger than n', () => {
  assert.deepEqual([...topK([1, 2, 2, 1], 10)], [1, 2, 0, 3]);
  assert.deepEqual([...topK([], 3)], []);
});

test('topK agrees with a full sort on random data', () => {
  const rng = new Rng(7);
  const scores = Float32Array.from({ length: 1000 }, () => Math.round(rng.next() * 50));
  const expected = [...scores.keys()].sort((a, b) => scores[b] - scores[a] || a - b).slice(0, 25);
  assert.deepEqual([...topK(scores, 25)], expected);
});
