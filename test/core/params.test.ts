import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Param, type OptimizerName } from '../../src/core/params.ts';
import { ConfigError } from '../../src/contracts/errors.ts';

// Minimise f(w) = ½‖w − target‖² row by row: every optimizer must get close.
for (const name of ['sgd', 'adagrad', 'adam'] as OptimizerName[]) {
  test(`${name} minimises a quadratic with row-sparse updates`, () => {
    const p = new Param('w', 2, 3, { name, learningRate: name === 'adagrad' ? 0.5 : 0.1 });
    const target = Float32Array.from([1, -2, 3, 0.5, 0.5, -1]);
    const grad = new Float32Array(3);
    for (let step = 0; step < 2000; step++) {
      const r = step % 2;
      for (let j = 0; j < 3; j++) grad[j] = p.data[r * 3 + j] - target[r * 3 + j];
      p.updateRow(r, grad, 0);
    }
    for (let i = 0; i < 6; i++) assert.ok(Math.abs(p.data[i] - target[i]) < 1e-2, `${name} w[${i}] = ${p.data[i]}`);
  });
}

test('L2 shrinks only the rows a step touches (lazy)', () => {
  const p = new Param('w', 2, 2, { name: 'sgd', learningRate: 0.1 });
  p.data.set([1, 1, 1, 1]);
  p.updateRow(0, new Float32Array(2), 0, 0.5);
  assert.deepEqual(
    [...p.data].map((x) => Math.round(x * 1e6) / 1e6),
    [0.95, 0.95, 1, 1],
  );
});

test('lazy Adam bias-corrects per row: a row first seen late takes a full-size first step', () => {
  const p = new Param('w', 2, 1, { name: 'adam', learningRate: 0.01 });
  const g = Float32Array.of(1);
  for (let i = 0; i < 100; i++) p.updateRow(0, g, 0);
  p.updateRow(1, g, 0);
  assert.ok(Math.abs(p.data[1] + 0.01) < 1e-6, `first Adam step of row 1 is −lr, got ${p.data[1]}`);
});

test('shared params are views of the same memory across fromBuffers', () => {
  const p = new Param('w', 3, 2, { name: 'adagrad', learningRate: 0.1 }, { shared: true });
  const q = Param.fromBuffers('w', 3, 2, { name: 'adagrad', learningRate: 0.1 }, p.buffers());
  q.updateRow(1, Float32Array.of(1, 1), 0);
  assert.deepEqual([...p.row(1)], [...q.row(1)]);
  assert.ok(p.data[2] !== 0);
});

test('impossible optimizer settings are rejected with a clear error', () => {
  assert.throws(() => new Param('w', 1, 1, { name: 'sgd', learningRate: 0 }), ConfigError);
  assert.throws(() => new Param('w', 1, 1, { name: 'rmsprop' as OptimizerName, learningRate: 0.1 }), /unknown optimizer "rmsprop"/);
});

test('updateRow scales the gradient by `scale` but not the L2 term', () => {
  const p = new Param('w', 1, 2, { name: 'sgd', learningRate: 0.1 });
  p.data.set([1, -2]);
  p.updateRow(0, Float32Array.of(1, 1), 0, 0.5, 3);
  // w − lr·(g·scale + l2·w)
  assert.ok(Math.abs(p.data[0] - (1 - 0.1 * (3 + 0.5))) < 1e-6);
  assert.ok(Math.abs(p.data[1] - (-2 - 0.1 * (3 - 1))) < 1e-6);
});

test('Adagrad starts from initialAccumulator: the first step is lr·g/√(a₀ + g²)', () => {
  for (const a0 of [0.1, 1]) {
    const p = new Param('w', 1, 1, { name: 'adagrad', learningRate: 0.05, initialAccumulator: a0 });
    p.updateRow(0, Float32Array.of(2), 0);
    assert.ok(Math.abs(p.data[0] + (0.05 * 2) / Math.sqrt(a0 + 4)) < 1e-6, `a₀ ${a0}: ${p.data[0]}`);
  }
});

test('updateAll with SGD or Adagrad matches updateRow on every row', () => {
  for (const name of ['sgd', 'adagrad', 'adam'] as OptimizerName[]) {
    const a = new Param('a', 3, 2, { name, learningRate: 0.1 });
    const b = new Param('b', 3, 2, { name, learningRate: 0.1 });
    a.data.set([1, 2, 3, 4, 5, 6]);
    b.data.set([1, 2, 3, 4, 5, 6]);
    const g = Float32Array.of(0.5, -1, 2, 0, 1, 1);
    a.updateAll(g, 0.01);
    for (let r = 0; r < 3; r++) b.updateRow(r, g, r * 2, 0.01);
    for (let i = 0; i < 6; i++) assert.ok(Math.abs(a.data[i] - b.data[i]) < 1e-6, `${name}[${i}]`);
  }
});
