import { test } from 'node:test';
import assert from 'node:assert/strict';
import { axpy, copy, dot, fill, matVec, norm, scale } from '../../src/core/kernels.ts';

test('kernels read and write only the ranges their offsets name', () => {
  const a = new Float32Array([9, 1, 2, 3, 9]);
  const b = new Float32Array([4, 5, 6]);
  assert.equal(dot(a, 1, b, 0, 3), 1 * 4 + 2 * 5 + 3 * 6);
  axpy(2, b, 0, a, 1, 3);
  assert.deepEqual(Array.from(a), [9, 9, 12, 15, 9]);
  scale(0.5, a, 1, 2);
  assert.deepEqual(Array.from(a), [9, 4.5, 6, 15, 9]);
  assert.equal(norm(new Float32Array([0, 3, 4]), 1, 2), 5);
  fill(a, 2, 2, -1);
  assert.deepEqual(Array.from(a), [9, 4.5, -1, -1, 9]);
  const c = new Float64Array(4);
  copy(b, 1, c, 2, 2);
  assert.deepEqual(Array.from(c), [0, 0, 5, 6]);
});

test('matVec scores a query against every row, adding biases', () => {
  const table = new Float32Array([1, 0, 0, 1, 2, 3]); // 3 rows × 2
  const q = new Float32Array([7, 1, 2]);
  const out = new Float32Array(3);
  matVec(table, 3, 2, q, 1, new Float32Array([0, 10, 0]), out);
  assert.deepEqual(Array.from(out), [1, 12, 8]);
  matVec(table, 3, 2, q, 1, null, out);
  assert.deepEqual(Array.from(out), [1, 2, 8]);
});
