import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Mlp } from '../../src/core/mlp.ts';
import { Rng } from '../../src/core/rng.ts';
import { matmul } from '../../src/core/matmul.ts';
import { ConfigError } from '../../src/contracts/errors.ts';
import { checkEntries, randomArray } from '../helpers/gradcheck.ts';

const ADAM = { name: 'adam' as const, learningRate: 0.01 };

function gradientCase(activation: 'relu' | 'tanh' | 'sigmoid', dropout: number) {
  const n = 6;
  const mlp = new Mlp(new Rng(2), { inputDim: 5, layers: [7, 4], outputDim: 2, activation, dropout, optimizer: ADAM });
  for (const layer of mlp.layers()) layer.bias.data.set(randomArray(layer.outDim, 21, 0.3));
  const x = randomArray(n * 5, 22);
  const c = randomArray(n * 2, 23);
  // A fresh Rng with one seed per pass holds the dropout masks fixed across evaluations.
  const loss = (): number => {
    const y = mlp.forwardBatch(x, n, new Rng(99));
    let s = 0;
    for (let i = 0; i < n * 2; i++) s += c[i] * y[i];
    return s;
  };
  loss();
  const dx = mlp.backwardBatch(c.slice(), n)!.slice(0, n * 5);
  const grads = mlp.layers().map((l) => ({ w: l.gradWeight.slice(), b: l.gradBias.slice() }));
  mlp.layers().forEach((l, i) => {
    checkEntries(loss, l.weight.data, grads[i].w, `${activation} layer ${i} dW`, 10);
    checkEntries(loss, l.bias.data, grads[i].b, `${activation} layer ${i} db`, 4);
  });
  checkEntries(loss, x, dx, `${activation} dX`, 10);
}

test('MLP gradients (every layer, every activation, and the input) match finite differences', () => {
  gradientCase('tanh', 0);
  gradientCase('sigmoid', 0);
  gradientCase('relu', 0);
});

test('MLP gradients with dropout (a fixed mask) match finite differences', () => {
  gradientCase('tanh', 0.3);
});

test('dropout is off at inference: two inference passes agree and differ from a training pass', () => {
  const mlp = new Mlp(new Rng(4), { inputDim: 3, layers: [16], outputDim: 1, dropout: 0.5, optimizer: ADAM });
  const x = randomArray(12, 5);
  const a = mlp.forwardBatch(x, 4).slice(0, 4);
  const b = mlp.forwardBatch(x, 4).slice(0, 4);
  assert.deepEqual(a, b);
  const t = mlp.forwardBatch(x, 4, new Rng(1)).slice(0, 4);
  assert.notDeepEqual(t, a);
});

test('forwardFromFirst, given the first pre-activation, equals the full forward pass', () => {
  const mlp = new Mlp(new Rng(6), { inputDim: 4, layers: [8, 3], outputDim: 1, optimizer: ADAM });
  const x = randomArray(20, 7);
  const full = mlp.forwardBatch(x, 5).slice(0, 5);
  const first = mlp.hidden[0];
  const z = new Float32Array(5 * 8);
  matmul(x, first.weight.data, first.bias.data, z, 5, 4, 8);
  const fromFirst = mlp.forwardFromFirst(z, 5).slice(0, 5);
  for (let i = 0; i < 5; i++) assert.ok(Math.abs(full[i] - fromFirst[i]) < 1e-6);
});

test('training an MLP fits XOR (Adam, mini-batches through updateAll)', () => {
  const mlp = new Mlp(new Rng(8), { inputDim: 2, layers: [8], outputDim: 1, activation: 'tanh', optimizer: { name: 'adam', learningRate: 0.05 } });
  const x = Float32Array.from([0, 0, 0, 1, 1, 0, 1, 1]);
  const t = [0, 1, 1, 0];
  const g = new Float32Array(4);
  for (let step = 0; step < 500; step++) {
    const y = mlp.forwardBatch(x, 4, new Rng(step));
    for (let i = 0; i < 4; i++) g[i] = (2 * (y[i] - t[i])) / 4;
    mlp.backwardBatch(g, 4, false);
    mlp.updateAll();
  }
  const y = mlp.forwardBatch(x, 4);
  for (let i = 0; i < 4; i++) assert.ok(Math.abs(y[i] - t[i]) < 0.1, `xor(${x[2 * i]}, ${x[2 * i + 1]}) = ${y[i]}`);
});

test('layer sizes must be positive whole numbers', () => {
  assert.throws(() => new Mlp(new Rng(1), { inputDim: 2, layers: [4, 0], optimizer: ADAM }), ConfigError);
});
