import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addColumnSums, matmul, matmulNaive, matmulTransA, matmulTransB } from '../../src/core/matmul.ts';
import { randomArray } from '../helpers/deep-gradcheck.ts';

function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = a[r * cols + c];
  return t;
}

function assertClose(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= 1e-5 * (1 + Math.abs(expected[i])), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
}

// Shapes cover whole 4×4 tiles, ragged edges in every dimension, and single rows/columns.
const SHAPES: [number, number, number][] = [[8, 8, 8], [7, 5, 6], [13, 17, 3], [1, 9, 1], [4, 1, 4], [33, 64, 32]];

test('matmul computes X·W + b like the textbook triple loop, for any shape', () => {
  for (const [n, k, m] of SHAPES) {
    const x = randomArray(n * k, 1);
    const w = randomArray(k * m, 2);
    const b = randomArray(m, 3);
    const expected = new Float32Array(n * m);
    matmulNaive(x, w, b, expected, n, k, m);
    const y = new Float32Array(n * m);
    matmul(x, w, b, y, n, k, m);
    assertClose(y, expected, `${n}x${k}x${m}`);
    matmulNaive(x, w, null, expected, n, k, m);
    matmul(x, w, null, y, n, k, m);
    assertClose(y, expected, `${n}x${k}x${m} without bias`);
  }
});

test('matmul accumulates into Y and reads a row block of a larger W', () => {
  const [n, k, m] = [6, 3, 5];
  const x = randomArray(n * k, 4);
  const big = randomArray((k + 2) * m, 5);
  const block = big.slice(2 * m, (2 + k) * m);
  const start = randomArray(n * m, 6);
  const expected = new Float32Array(n * m);
  matmulNaive(x, block, null, expected, n, k, m);
  for (let i = 0; i < expected.length; i++) expected[i] += start[i];
  const y = start.slice();
  matmul(x, big, null, y, n, k, m, true, 2 * m);
  assertClose(y, expected, 'accumulated');
});

test('matmulTransB computes A·Bᵀ (the input gradient dY·Wᵀ)', () => {
  for (const [n, k, m] of SHAPES) {
    const a = randomArray(n * k, 7);
    const b = randomArray(m * k, 8);
    const expected = new Float32Array(n * m);
    matmulNaive(a, transpose(b, m, k), null, expected, n, k, m);
    const c = new Float32Array(n * m);
    matmulTransB(a, b, c, n, k, m);
    assertClose(c, expected, `transB ${n}x${k}x${m}`);
    matmulTransB(a, b, c, n, k, m, true);
    assertClose(c, expected.map((v) => 2 * v), `transB accumulate ${n}x${k}x${m}`);
  }
});

test('matmulTransA computes Aᵀ·B (the weight gradient Xᵀ·dY)', () => {
  for (const [n, k, m] of SHAPES) {
    const a = randomArray(n * k, 9);
    const b = randomArray(n * m, 10);
    const expected = new Float32Array(k * m);
    matmulNaive(transpose(a, n, k), b, null, expected, k, n, m);
    const c = new Float32Array(k * m);
    matmulTransA(a, b, c, n, k, m);
    assertClose(c, expected, `transA ${n}x${k}x${m}`);
  }
});

test('addColumnSums sums each column over the rows (the bias gradient)', () => {
  const a = Float32Array.from([1, 2, 3, 4, 5, 6]);
  const out = Float32Array.from([10, 10, 10]);
  addColumnSums(a, 2, 3, out);
  assert.deepEqual([...out], [5, 7, 9]);
  addColumnSums(a, 2, 3, out, true);
  assert.deepEqual([...out], [10, 14, 18]);
});
