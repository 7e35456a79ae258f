import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CONTROL, helperProducts, SPLIT_MIN_WORK, STATE, twoThreadsReady } from '../../src/core/gemm-threads.ts';
import { startWorker } from '../../src/core/pool.ts';
import { SHARED_MAX_PAGES } from '../../src/core/wasm-gemm.ts';
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

test('the helper reports a failed part (state failed) and its own end (ready −1), so no caller waits on it forever', { skip }, async () => {
  const wasm = (globalThis as unknown as { WebAssembly: { Memory: new (d: object) => object } }).WebAssembly;
  const memory = new wasm.Memory({ initial: 1, maximum: SHARED_MAX_PAGES, shared: true });
  const control = new Int32Array(new SharedArrayBuffer(4 * CONTROL.length));
  const worker = startWorker(new URL('../../src/core/gemm-worker.ts', import.meta.url), { memory, control });
  worker.unref();
  while (Atomics.load(control, CONTROL.ready) === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(Atomics.load(control, CONTROL.ready), 1);
  // A part addressed past the end of the memory: the kernel traps, the helper says so.
  control.set([1 << 20, 0, 0, 4, 8, 8, 8, 1, 8, 8, 0], CONTROL.args);
  Atomics.store(control, CONTROL.state, STATE.posted);
  Atomics.notify(control, CONTROL.state);
  while (Atomics.load(control, CONTROL.state) === STATE.posted) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(Atomics.load(control, CONTROL.state), STATE.failed);
  // A helper that cannot even start (no memory to compile against) ends, and says so on the way out.
  const broken = new Int32Array(new SharedArrayBuffer(4 * CONTROL.length));
  const dead = startWorker(new URL('../../src/core/gemm-worker.ts', import.meta.url), { memory: null, control: broken });
  // (events.once would reject on the worker's 'error'; only its end matters here.)
  await new Promise((resolve) => {
    dead.on('error', () => {});
    dead.on('exit', resolve);
  });
  assert.equal(Atomics.load(broken, CONTROL.ready), -1);
  await worker.terminate();
});
