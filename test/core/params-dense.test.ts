import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Param } from '../../src/core/params.ts';
import { Rng } from '../../src/core/rng.ts';

const ADAM = { name: 'adam', learningRate: 0.01 } as const;

test('dense Adam over the whole matrix (updateAll) equals Adam row by row, bit for bit', () => {
  const rng = new Rng(1);
  const a = new Param('a', 5, 7, ADAM).init({ kind: 'normal', std: 1 }, rng);
  const b = new Param('b', 5, 7, ADAM, { data: a.data.slice() });
  const grad = new Float32Array(35);
  for (let step = 0; step < 6; step++) {
    for (let i = 0; i < grad.length; i++) grad[i] = rng.normal(0, 1);
    a.updateAll(grad, 0.01, 0.5);
    for (let r = 0; r < 5; r++) b.updateRow(r, grad, r * 7, 0.01, 0.5);
  }
  assert.deepEqual(Array.from(a.data), Array.from(b.data));
  // The state agrees too: one more identical step still matches.
  a.updateAll(grad);
  for (let r = 0; r < 5; r++) b.updateRow(r, grad, r * 7);
  assert.deepEqual(Array.from(a.data), Array.from(b.data));
});

test('shareBuffers moves a parameter into shared memory, keeping its values; adoptBuffers sees the same memory', () => {
  const rng = new Rng(2);
  const p = new Param('p', 3, 4, ADAM).init({ kind: 'normal', std: 1 }, rng);
  const before = Array.from(p.data);
  const buffers = p.shareBuffers();
  assert.ok(p.data.buffer instanceof SharedArrayBuffer);
  assert.deepEqual(Array.from(p.data), before);
  const q = new Param('p', 3, 4, ADAM);
  q.adoptBuffers(buffers);
  q.updateRow(1, new Float32Array(4).fill(1), 0);
  assert.deepEqual(Array.from(p.data), Array.from(q.data));
  assert.notEqual(p.data[4], before[4]);
  assert.throws(() => new Param('r', 2, 4, ADAM).adoptBuffers(buffers), /do not match/);
});

test('updateRows (a batch of touched rows in one call) equals updateRow row by row, bit for bit', () => {
  for (const optimizer of [ADAM, { name: 'adagrad', learningRate: 0.05 } as const, { name: 'sgd', learningRate: 0.1 } as const]) {
    const rng = new Rng(3);
    const a = new Param('a', 6, 5, optimizer).init({ kind: 'normal', std: 1 }, rng);
    const b = new Param('b', 6, 5, optimizer, { data: a.data.slice() });
    const rows = Int32Array.of(4, 0, 2);
    const sums = new Float32Array(15);
    for (let step = 0; step < 4; step++) {
      for (let i = 0; i < sums.length; i++) sums[i] = rng.normal(0, 1);
      a.updateRows(rows, step === 3 ? 2 : 3, sums, 0.01);
      for (let s = 0; s < (step === 3 ? 2 : 3); s++) b.updateRow(rows[s], sums, s * 5, 0.01);
    }
    assert.deepEqual(Array.from(a.data), Array.from(b.data), optimizer.name);
  }
});

// 64 × 33 spans three of the kernel's 1,024-float blocks; 37 × 29 = 1,073 ends in a block of 49 (not a multiple of 4 lanes).
for (const [rows, cols] of [
  [64, 33],
  [37, 29],
]) {
  test(`dense Adam in the SIMD kernel (≥ 512 entries, float32, ${rows} × ${cols}) follows the float64 row-by-row steps within float rounding`, () => {
    const rng = new Rng(4);
    const a = new Param('a', rows, cols, ADAM).init({ kind: 'normal', std: 1 }, rng);
    const b = new Param('b', rows, cols, ADAM, { data: a.data.slice() });
    const start = a.data.slice();
    const grad = new Float32Array(rows * cols);
    for (let step = 0; step < 5; step++) {
      for (let i = 0; i < grad.length; i++) grad[i] = rng.normal(0, 1);
      a.updateAll(grad, 0.01, 0.5);
      for (let r = 0; r < rows; r++) b.updateRow(r, grad, r * cols, 0.01, 0.5);
    }
    let moved = 0;
    for (let i = 0; i < a.data.length; i++) {
      assert.ok(Math.abs(a.data[i] - b.data[i]) <= 1e-6 * (1 + Math.abs(b.data[i])), `entry ${i}: ${a.data[i]} vs ${b.data[i]}`);
      moved += Math.abs(a.data[i] - start[i]) / a.data.length;
    }
    // Five steps of up to lr = 0.01: the entries moved by far more than the tolerance.
    assert.ok(moved > 5e-3, `mean movement ${moved}`);
  });
}
