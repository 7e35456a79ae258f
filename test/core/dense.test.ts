import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Dense } from '../../src/core/dense.ts';
import { Rng } from '../../src/core/rng.ts';
import { checkEntries, randomArray } from '../helpers/gradcheck.ts';

const SGD = { name: 'sgd' as const, learningRate: 0.1 };

/** L = Σ c ⊙ (X·W + b) for a fixed random c, so dL/dY = c. */
function setup(n: number, inDim: number, outDim: number) {
  const layer = new Dense(inDim, outDim, new Rng(3), { optimizer: SGD });
  layer.bias.data.set(randomArray(outDim, 11, 0.5));
  const x = randomArray(n * inDim, 12);
  const c = randomArray(n * outDim, 13);
  const loss = (): number => {
    const y = layer.forwardBatch(x, n);
    let s = 0;
    for (let i = 0; i < n * outDim; i++) s += c[i] * y[i];
    return s;
  };
  return { layer, x, c, loss };
}

test('Dense forward is X·W + b row by row', () => {
  const layer = new Dense(2, 3, new Rng(1), { optimizer: SGD });
  layer.weight.data.set([1, 2, 3, 4, 5, 6]);
  layer.bias.data.set([0.5, 0, -1]);
  const y = layer.forwardBatch(Float32Array.from([1, 1, 2, 0]), 2);
  assert.deepEqual([...y.subarray(0, 6)], [5.5, 7, 8, 2.5, 4, 5]);
});

test('Dense gradients for weights, bias and inputs match finite differences', () => {
  for (const [n, inDim, outDim] of [
    [5, 7, 3],
    [8, 4, 8],
  ]) {
    const { layer, x, c, loss } = setup(n, inDim, outDim);
    loss();
    const dx = layer.backwardBatch(c.slice(), n)!.slice(0, n * inDim);
    checkEntries(loss, layer.weight.data, layer.gradWeight, `dW ${n}x${inDim}x${outDim}`, 12);
    checkEntries(loss, layer.bias.data, layer.gradBias, `db ${n}x${inDim}x${outDim}`);
    checkEntries(loss, x, dx, `dX ${n}x${inDim}x${outDim}`, 12);
  }
});

test('updateAll takes one optimizer step on weights and bias (L2 on weights only)', () => {
  const { layer, c, loss } = setup(4, 3, 2);
  loss();
  layer.backwardBatch(c.slice(), 4, false);
  const w0 = layer.weight.data.slice();
  const b0 = layer.bias.data.slice();
  layer.updateAll(0.5);
  for (let i = 0; i < w0.length; i++) assert.ok(Math.abs(layer.weight.data[i] - (w0[i] - 0.1 * (layer.gradWeight[i] + 0.5 * w0[i]))) < 1e-6);
  for (let j = 0; j < b0.length; j++) assert.ok(Math.abs(layer.bias.data[j] - (b0[j] - 0.1 * layer.gradBias[j])) < 1e-6);
});

test('weights start He-scaled (std ≈ √(2/fanIn)) and biases at zero', () => {
  const layer = new Dense(200, 100, new Rng(9), { optimizer: SGD });
  const w = layer.weight.data;
  const std = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
  assert.ok(Math.abs(std - Math.sqrt(2 / 200)) < 0.01, `std ${std}`);
  assert.ok(layer.bias.data.every((v) => v === 0));
  assert.throws(() => new Dense(0, 3, new Rng(1), { optimizer: SGD }), RangeError);
});
