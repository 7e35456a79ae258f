/**
 * NaN scores in every top-k helper: never a candidate, so never ranked above a real score and
 * never listed (as serving's topAccepted does).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectTopK, topK, topKCandidates, topKInto, topKRows } from '../../src/core/topk.ts';
import { topAccepted } from '../../src/serve/rank.ts';
import { Rng } from '../../src/core/rng.ts';

test('topK leaves NaN out, wherever it sits', () => {
  assert.deepEqual([...topK([NaN, 1, 2, 3, NaN], 3)], [3, 2, 1]);
  assert.deepEqual([...topK([NaN, NaN, 5, 1, 2, 3], 2)], [2, 5]);
  assert.deepEqual([...topK([1, NaN, 3], 5)], [2, 0]);
  assert.deepEqual([...topK([NaN, NaN], 2)], []);
  assert.deepEqual([...topK([NaN, -Infinity, 0], 3)], [2, 1], '−∞ is a number: ranked last, not left out');
});

test('topK with NaN sprinkled in agrees with a full sort of the numbers', () => {
  const rng = new Rng(11);
  const scores = Float32Array.from({ length: 2000 }, () => (rng.next() < 0.2 ? NaN : Math.round(rng.next() * 40)));
  const numbers = [...scores.keys()].filter((i) => !Number.isNaN(scores[i]));
  for (const k of [1, 10, 100, 1999]) {
    const expected = numbers.sort((a, b) => scores[b] - scores[a] || a - b).slice(0, k);
    assert.deepEqual([...topK(scores, k)], expected, `k = ${k}`);
  }
});

test('topKInto counts only numbers; topKRows lists neither NaN nor −∞', () => {
  const out = new Int32Array(3);
  assert.equal(topKInto([NaN, 4, NaN, 2], 3, out), 2);
  assert.deepEqual([...out.subarray(0, 2)], [1, 3]);
  const scores = Float32Array.of(NaN, 0.9, -Infinity, 0.5, /* row 1 */ NaN, NaN, NaN, 2);
  const items = new Int32Array(2 * 3);
  const counts = new Int32Array(2);
  topKRows(scores, 2, 4, 3, items, counts);
  assert.deepEqual([...counts], [2, 1]);
  assert.deepEqual([...items.subarray(0, 2)], [1, 3]);
  assert.equal(items[3], 3);
});

test('selectTopK and topKCandidates leave NaN keys out', () => {
  const keys = Float64Array.of(NaN, 3, NaN, 1, 2, NaN);
  const ids = Int32Array.of(10, 11, 12, 13, 14, 15);
  const kept = selectTopK(keys, ids, 6, 2);
  assert.equal(kept, 2);
  assert.deepEqual([...ids.subarray(0, 2)].sort(), [11, 14]);

  const k2 = Float64Array.of(NaN, 3, NaN, 1, 2, NaN);
  const i2 = Int32Array.of(10, 11, 12, 13, 14, 15);
  const order = new Int32Array(6);
  const n = topKCandidates(k2, i2, 6, 6, order);
  assert.equal(n, 3, 'k ≥ the candidates: only the numbers are kept');
  assert.deepEqual(
    Array.from(order.subarray(0, n), (r) => i2[r]),
    [11, 14, 13],
  );

  const rng = new Rng(4);
  const m = 300;
  const keys3 = Float64Array.from({ length: m }, () => (rng.next() < 0.3 ? NaN : Math.round(rng.next() * 20)));
  const ids3 = Int32Array.from({ length: m }, (_, r) => r);
  const want = [...ids3.keys()]
    .filter((r) => !Number.isNaN(keys3[r]))
    .sort((a, b) => keys3[b] - keys3[a] || a - b)
    .slice(0, 25);
  const order3 = new Int32Array(25);
  const got = topKCandidates(keys3, ids3, m, 25, order3);
  assert.equal(got, 25);
  assert.deepEqual(
    Array.from(order3, (r) => ids3[r]),
    want,
  );
});

test('topAccepted (serving) agrees with topK when scores hold NaN', () => {
  const scores = Float32Array.of(NaN, 1, 2, 3, NaN, 2);
  const out = new Int32Array(4);
  const count = topAccepted(scores, scores.length, 4, out, () => true);
  assert.deepEqual([...out.subarray(0, count)], [...topK(scores, 4)]);
});
