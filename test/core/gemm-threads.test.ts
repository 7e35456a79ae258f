import { test } from 'node:test';
import assert from 'node:assert/strict';
import { helperProducts, SPLIT_MIN_WORK, twoThreadsReady } from '../../src/core/gemm-threads.ts';
import { matmul, matmulTransA, matmulTransB, simdKernel, withGemmThreads } from '../../src/core/matmul.ts';
import { randomArray } from '../helpers/gradcheck.ts';

const skip = simdKernel() === null ? 'WebAssembly SIMD is unavailable (or TASTEBUD_WASM=0): there is no kernel to split' : false;

/** Every float equal, -0 and NaN included. */
function assertSameBits(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length);
  const differ = a.findIndex((v, i) => !Object.is(v, b[i]));
  assert.equal(differ, -1, `${what}: first difference at ${differ} (${a[differ]} vs ${b[differ]})`);
}

test('two-thread products equal one-thread products bit for bit, split by rows and by columns', { skip }, async () => {
  assert.ok(await twoThreadsReady(), 'the helper thread started');
  // Odd sizes (padding at both edges), a tall product split by rows, a wide one by columns, accumulate and bias.
  const shapes: [number, number, number][] = [
    [257, 303, 517],
    [4, 1001, 2999],
    [500, 600, 1682],
  ];
  let seed = 1;
  for (const [n, k, m] of shapes) {
    assert.ok(n * k * m >= SPLIT_MIN_WORK, `${n}×${k}×${m} is large enough to split`);
    const x = randomArray(n * k, seed++, 1);
    const w = randomArray(k * m, seed++, 1);
    const bias = randomArray(m, seed++, 1);
    const dy = randomArray(n * m, seed++, 1);
    const start = randomArray(n * m, seed++, 1);
    const runs: [string, (out: Float32Array) => void, number][] = [
      ['X·W + b', (y) => matmul(x, w, bias, y, n, k, m), n * m],
      ['Y + X·W', (y) => (y.set(start), matmul(x, w, null, y, n, k, m, true)), n * m],
      ['Xᵀ·dY', (g) => matmulTransA(x, dy, g, n, k, m), k * m],
      ['dY·Wᵀ', (d) => matmulTransB(dy, w, d, n, m, k), n * k],
    ];
    for (const [what, run, size] of runs) {
      const one = new Float32Array(size);
      const two = new Float32Array(size);
      run(one);
      const before = helperProducts();
      withGemmThreads(2, () => run(two));
      assert.ok(helperProducts() > before, `${what} ${n}×${k}×${m}: the helper took part of the product`);
      assertSameBits(one, two, `${what} ${n}×${k}×${m}`);
    }
  }
});

test('small products and products outside withGemmThreads stay on this thread', { skip }, async () => {
  assert.ok(await twoThreadsReady());
  const [n, k, m] = [64, 64, 64];
  const x = randomArray(n * k, 1, 1);
  const w = randomArray(k * m, 2, 1);
  const y = new Float32Array(n * m);
  const before = helperProducts();
  withGemmThreads(2, () => matmul(x, w, null, y, n, k, m));
  const big = randomArray(512 * 512, 3, 1);
  matmul(big, big, null, new Float32Array(512 * 512), 512, 512, 512);
  assert.equal(helperProducts(), before);
});
