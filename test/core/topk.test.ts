import { test } from 'node:test';
import assert from 'node:assert/strict';
import { topK, topKCandidates, topKInto, topKRows } from '../../src/core/topk.ts';
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

test('topKInto skips stamped entries and lists fewer when candidates run out', () => {
  const out = new Int32Array(3);
  const skip = Int32Array.of(5, 0, 5, 0);
  assert.equal(topKInto([9, 1, 8, 2], 3, out, skip, 5), 2);
  assert.deepEqual([...out.subarray(0, 2)], [3, 1]);
});

test('topKRows lists each row best first and leaves out −∞ entries', () => {
  const scores = Float32Array.of(0.1, 0.9, -Infinity, 0.5, /* row 1 */ -Infinity, -Infinity, 2, 2);
  const items = new Int32Array(2 * 3);
  const counts = new Int32Array(2);
  topKRows(scores, 2, 4, 3, items, counts);
  assert.deepEqual([...counts], [3, 2]);
  assert.deepEqual([...items.subarray(0, 3)], [1, 3, 0]);
  assert.deepEqual([...items.subarray(3, 5)], [2, 3]);
});

test('topKCandidates keeps the k best of a sparse list, sorted, and agrees with topK', () => {
  const rng = new Rng(3);
  const n = 500;
  const dense = Float64Array.from({ length: 2000 }, () => 0);
  const keys = new Float64Array(n);
  const ids = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    ids[r] = r * 4 + 1;
    keys[r] = Math.round(rng.next() * 30);
    dense[ids[r]] = keys[r] + 1; // the others stay 0, below every candidate
  }
  const order = new Int32Array(40);
  const kept = topKCandidates(keys, ids, n, 40, order);
  assert.equal(kept, 40);
  assert.deepEqual(
    Array.from(order, (r) => ids[r]),
    [...topK(dense, 40)],
  );
  for (let r = 1; r < kept; r++) assert.ok(keys[order[r - 1]] >= keys[order[r]]);
});
