import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HybridBias, HybridEmbedding } from '../../src/core/hybrid.ts';
import { Rng } from '../../src/core/rng.ts';
import type { FeatureMatrix } from '../../src/contracts/types.ts';
import { assertGradClose, FLOAT32_GRAD_TOLERANCE, FLOAT32_STEP, numericGradients } from '../helpers/gradcheck.ts';

// 3 rows over 4 features: row 0 = {f0: 1, f2: 0.5}, row 1 = {}, row 2 = {f1: 2, f3: -1}.
const features: FeatureMatrix = {
  rows: 3,
  numFeatures: 4,
  indptr: Int32Array.from([0, 2, 2, 4]),
  indices: Int32Array.from([0, 2, 1, 3]),
  weights: Float32Array.from([1, 0.5, 2, -1]),
  vocabulary: ['a', 'b', 'c', 'd'],
  fieldOf: new Int32Array(4),
  fields: ['f'],
};
const sgd = { name: 'sgd' as const, learningRate: 1e-3 };

test('a hybrid representation is the id vector plus the weighted feature vectors', () => {
  const e = new HybridEmbedding({ rows: 3, dim: 2, features, optimizer: sgd }).init({ kind: 'normal', std: 1 }, new Rng(1));
  const out = new Float32Array(2);
  e.forward(0, out);
  const id = e.id!.data;
  const f = e.feat!.data;
  for (let d = 0; d < 2; d++) assert.ok(Math.abs(out[d] - (id[d] + f[0 * 2 + d] + 0.5 * f[2 * 2 + d])) < 1e-6);
  e.forward(1, out);
  assert.deepEqual(Array.from(out), [id[2], id[3]], 'a row without features is its id vector');
});

test('features-only rows and cold-start rows come from metadata alone', () => {
  const e = new HybridEmbedding({ rows: 3, dim: 2, features, useIdentity: false, optimizer: sgd }).init({ kind: 'normal', std: 1 }, new Rng(2));
  assert.equal(e.id, null);
  const a = new Float32Array(2);
  const b = new Float32Array(2);
  e.forward(2, a);
  e.forwardFeatures([1, 3], [2, -1], b);
  assert.deepEqual(Array.from(a), Array.from(b));
  assert.throws(() => new HybridEmbedding({ rows: 3, dim: 2, useIdentity: false, optimizer: sgd }), /features are required/);
});

test('without features it is a plain embedding table', () => {
  const e = new HybridEmbedding({ rows: 5, dim: 3, optimizer: sgd }).init({ kind: 'normal', std: 1 }, new Rng(3));
  assert.equal(e.params().length, 1);
  const out = new Float32Array(4);
  e.forward(4, out, 1);
  assert.deepEqual(Array.from(out.subarray(1)), Array.from(e.id!.data.subarray(12, 15)));
});

test('backward applies the chain-rule gradient to the id row and each touched feature row', () => {
  // L = ½‖rep(row) − target‖²; with SGD (lr η, no L2) every parameter moves by −η·dL/dθ.
  for (const row of [0, 2]) {
    const e = new HybridEmbedding({ rows: 3, dim: 3, features, optimizer: sgd }).init({ kind: 'normal', std: 1 }, new Rng(row + 10));
    const target = Float64Array.from([0.3, -1, 2]);
    const rep = new Float64Array(3);
    const loss = (): number => {
      e.forward(row, rep);
      let s = 0;
      for (let d = 0; d < 3; d++) s += 0.5 * (rep[d] - target[d]) ** 2;
      return s;
    };
    // Numeric gradient of every parameter, before the update.
    const numeric = numericGradients(
      loss,
      e.params().map((p) => p.data),
      FLOAT32_STEP,
    );
    const before = e.params().map((p) => Float64Array.from(p.data));
    e.forward(row, rep);
    const grad = Float32Array.from(rep, (r, d) => r - target[d]);
    e.backward(row, grad, 0, 0);
    e.params().forEach((p, k) => {
      for (let i = 0; i < p.data.length; i++) {
        const analytic = -(p.data[i] - before[k][i]) / sgd.learningRate;
        assertGradClose(analytic, numeric[k][i], `${p.name}[${i}] row ${row}`, FLOAT32_GRAD_TOLERANCE);
      }
    });
  }
});

test('a hybrid bias sums the id bias and weighted feature biases, and trains both', () => {
  const b = new HybridBias({ rows: 3, features, optimizer: { name: 'sgd', learningRate: 0.5 } });
  const [id, feat] = b.params();
  id.data.set([1, 2, 3]);
  feat.data.set([10, 20, 30, 40]);
  assert.equal(b.value(0), 1 + 10 + 0.5 * 30);
  assert.equal(b.value(2), 3 + 2 * 20 - 40);
  assert.equal(b.valueFeatures([0, 3], null), 50);
  b.backward(2, 1);
  assert.deepEqual(Array.from(id.data), [1, 2, 2.5]);
  assert.deepEqual(Array.from(feat.data), [10, 19, 30, 40.5]);
});
