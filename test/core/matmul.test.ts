import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addColumnSums,
  matmul,
  matmulBiasRelu,
  matmulJs,
  matmulNaive,
  matmulTransA,
  matmulTransAJs,
  matmulTransB,
  matmulTransBJs,
  simdKernel,
  type Mat,
} from '../../src/core/matmul.ts';
import { WasmGemm } from '../../src/core/wasm-gemm.ts';
import { randomArray } from '../helpers/gradcheck.ts';

function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = a[r * cols + c];
  return t;
}

// The SIMD kernel accumulates in float32, the JavaScript kernels in float64.
function assertClose(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= 2e-5 * (1 + Math.abs(expected[i])), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
}

interface Kernels {
  matmul(x: Mat, w: Mat, bias: Mat | null, y: Mat, n: number, k: number, m: number, accumulate: boolean, wOffset: number): void;
  matmulTransB(a: Mat, b: Mat, c: Mat, n: number, k: number, m: number, accumulate: boolean): void;
  matmulTransA(a: Mat, b: Mat, c: Mat, n: number, k: number, m: number, accumulate: boolean): void;
}

const wasm = WasmGemm.create();
const IMPLEMENTATIONS: [string, Kernels | null][] = [
  ['javascript', { matmul: matmulJs, matmulTransB: matmulTransBJs, matmulTransA: matmulTransAJs }],
  ['wasm-simd', wasm],
  ['dispatch', { matmul, matmulTransB, matmulTransA }],
];

test('WebAssembly SIMD is available on the supported Node versions (else the JavaScript kernels run)', () => {
  assert.ok(wasm !== null, 'WasmGemm.create() returned null: WebAssembly SIMD missing?');
  assert.ok(process.env.TASTEBUD_WASM === '0' || simdKernel() !== null);
});

// Shapes cover whole 4×4 tiles, ragged edges in every dimension, and single rows/columns.
// The last one outgrows the SIMD kernel's initial scratch memory (1 MiB), so it must grow.
const SHAPES: [number, number, number][] = [
  [8, 8, 8],
  [7, 5, 6],
  [13, 17, 3],
  [1, 9, 1],
  [4, 1, 4],
  // A score layer (one output column) and its input gradient: the dispatcher's matrix-vector paths.
  [37, 32, 1],
  [37, 1, 32],
  [33, 64, 32],
  [64, 70, 9],
  [5, 300, 12],
  [256, 512, 260],
];

test('matmul computes X·W + b like the textbook triple loop, for any shape, in every implementation', () => {
  for (const [impl, K] of IMPLEMENTATIONS)
    for (const [n, k, m] of SHAPES) {
      if (!K) continue;
      const x = randomArray(n * k, 1);
      const w = randomArray(k * m, 2);
      const b = randomArray(m, 3);
      const expected = new Float32Array(n * m);
      matmulNaive(x, w, b, expected, n, k, m);
      const y = new Float32Array(n * m);
      K.matmul(x, w, b, y, n, k, m, false, 0);
      assertClose(y, expected, `${impl} ${n}x${k}x${m}`);
      matmulNaive(x, w, null, expected, n, k, m);
      K.matmul(x, w, null, y, n, k, m, false, 0);
      assertClose(y, expected, `${impl} ${n}x${k}x${m} without bias`);
    }
});

test('matmul accumulates into Y (with or without bias) and reads a row block of a larger W', () => {
  for (const [impl, K] of IMPLEMENTATIONS)
    for (const [n, k, m] of [
      [6, 3, 5],
      [40, 24, 16],
      [9, 7, 1],
    ]) {
      if (!K) continue;
      const x = randomArray(n * k, 4);
      const big = randomArray((k + 2) * m, 5);
      const block = big.slice(2 * m, (2 + k) * m);
      const start = randomArray(n * m, 6);
      const expected = new Float32Array(n * m);
      matmulNaive(x, block, null, expected, n, k, m);
      for (let i = 0; i < expected.length; i++) expected[i] += start[i];
      const y = start.slice();
      K.matmul(x, big, null, y, n, k, m, true, 2 * m);
      assertClose(y, expected, `${impl} accumulated`);
      const bias = randomArray(m, 9);
      const withBias = start.slice();
      K.matmul(x, big, bias, withBias, n, k, m, true, 2 * m);
      assertClose(
        withBias,
        expected.map((v, i) => v + bias[i % m]),
        `${impl} accumulated with bias`,
      );
    }
});

test('matmulTransB computes A·Bᵀ (the input gradient dY·Wᵀ) in every implementation', () => {
  for (const [impl, K] of IMPLEMENTATIONS)
    for (const [n, k, m] of SHAPES) {
      if (!K) continue;
      const a = randomArray(n * k, 7);
      const b = randomArray(m * k, 8);
      const expected = new Float32Array(n * m);
      matmulNaive(a, transpose(b, m, k), null, expected, n, k, m);
      const c = new Float32Array(n * m);
      K.matmulTransB(a, b, c, n, k, m, false);
      assertClose(c, expected, `${impl} transB ${n}x${k}x${m}`);
      K.matmulTransB(a, b, c, n, k, m, true);
      assertClose(
        c,
        expected.map((v) => 2 * v),
        `${impl} transB accumulate ${n}x${k}x${m}`,
      );
    }
});

test('matmulTransA computes Aᵀ·B (the weight gradient Xᵀ·dY) in every implementation', () => {
  for (const [impl, K] of IMPLEMENTATIONS)
    for (const [n, k, m] of SHAPES) {
      if (!K) continue;
      const a = randomArray(n * k, 9);
      const b = randomArray(n * m, 10);
      const expected = new Float32Array(k * m);
      matmulNaive(transpose(a, n, k), b, null, expected, k, n, m);
      const c = new Float32Array(k * m);
      K.matmulTransA(a, b, c, n, k, m, false);
      assertClose(c, expected, `${impl} transA ${n}x${k}x${m}`);
      K.matmulTransA(a, b, c, n, k, m, true);
      assertClose(
        c,
        expected.map((v) => 2 * v),
        `${impl} transA accumulate ${n}x${k}x${m}`,
      );
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

test('matmulBiasRelu is max(X·W + b, 0), fused in the SIMD kernel or after the JavaScript one, for any shape', () => {
  let negatives = 0;
  for (const [n, k, m] of [...SHAPES, [255, 64, 64], [255, 64, 32], [2048, 64, 32]] as [number, number, number][]) {
    const x = randomArray(n * k, 11);
    const w = randomArray(k * m, 12);
    const b = randomArray(m, 13);
    const expected = new Float32Array(n * m);
    matmulNaive(x, w, b, expected, n, k, m);
    for (let i = 0; i < expected.length; i++) if (expected[i] < 0) (expected[i] = 0), negatives++;
    const y = new Float32Array(n * m).fill(Number.NaN);
    matmulBiasRelu(x, w, b, y, n, k, m);
    assertClose(y, expected, `relu ${n}x${k}x${m}`);
    matmulNaive(x, w, null, expected, n, k, m);
    for (let i = 0; i < expected.length; i++) expected[i] = Math.max(0, expected[i]);
    matmulBiasRelu(x, w, null, y, n, k, m);
    assertClose(y, expected, `relu ${n}x${k}x${m} without bias`);
  }
  assert.ok(negatives > 1000, 'the cases exercise the clamp');
});
