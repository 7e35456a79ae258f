import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logSumExp } from '../../../src/core/losses.ts';
import { Rng } from '../../../src/core/rng.ts';
import { NCF } from '../../../src/models/deep/ncf.ts';
import { PointwiseBatches, pointwiseLoss } from '../../../src/models/deep/pointwise.ts';
import { createModel } from '../../../src/models/registry.ts';
import { NegativeSampler } from '../../../src/sampling/negatives.ts';
import { checkModelGradient, checkVectorGradient, randomArray, tinyInteractions } from '../../helpers/gradcheck.ts';
import { plantedSplit } from '../../helpers/deep-data.ts';
import { popularity, ranking } from '../../helpers/metrics.ts';

test("pointwiseLoss 'softmax' with offsets: the cross-entropy of the shifted logits, and its gradient matches finite differences", () => {
  const z = randomArray(6, 5, 2);
  const labels = Float32Array.of(1, 0, 0, 1, 0, 0);
  const offsets = Float32Array.of(0, -1.5, 0.7, 0, 2, -0.3);
  const grad = new Float32Array(6);
  const total = pointwiseLoss('softmax', z, labels, 6, grad, 3, offsets);
  const zc = Float64Array.from(z, (v, r) => v + offsets[r]);
  const expected = logSumExp(zc, 0, 3) - zc[0] + logSumExp(zc, 3, 3) - zc[3];
  assert.ok(Math.abs(total - expected) < 1e-5, `loss ${total} vs ${expected}`);
  const plain = pointwiseLoss('softmax', z, labels, 6, new Float32Array(6), 3);
  assert.ok(Math.abs(plain - total) > 0.1, 'the offsets change the loss');
  const z64 = Float64Array.from(z);
  const loss = (): number => pointwiseLoss('softmax', Float32Array.from(z64), labels, 6, new Float32Array(6), 3, offsets) / 6;
  checkVectorGradient(z64, grad, loss, 'dL/dz', 1e-3, { rtol: 1e-3, atol: 1e-6 });
});

test('offsets are refused for the losses that are not a softmax', () => {
  assert.throws(() => pointwiseLoss('bce', new Float32Array(2), new Float32Array(2), 2, new Float32Array(2), 1, new Float32Array(2)), /softmax/);
});

test('PointwiseBatches with logQ: positives get offset 0, each negative −log(k · Q_u(item)) from its sampler', () => {
  // User 0 saw items 0 and 1 of 10 (8 unseen); user 1 saw item 9 (9 unseen); popularity ∝ count^0.75.
  const train = tinyInteractions(2, 10, [
    [0, 0, 1],
    [0, 1, 1],
    [1, 9, 1],
    [1, 0, 1],
  ]);
  const sampler = new NegativeSampler(train, { kind: 'popularity', alpha: 0.75, rng: new Rng(2) });
  const k = 3;
  const batches = new PointwiseBatches(train, 64, k, sampler, true);
  batches.start(new Rng(4));
  const n = batches.next();
  assert.equal(n, 4 * (1 + k));
  const offsets = batches.offsets!;
  for (let r = 0; r < n; r++) {
    if (batches.labels[r] === 1) assert.equal(offsets[r], 0);
    else {
      const expected = -(Math.log(k) + sampler.logProbability(batches.users[r], batches.items[r]));
      assert.ok(Math.abs(offsets[r] - expected) < 1e-5, `row ${r}: ${offsets[r]} vs ${expected}`);
    }
  }
  // With exclude-positives the correction is −log(k / unseen): user 0 has 8 unseen items, user 1 has 8.
  const uniform = new PointwiseBatches(train, 64, k, new NegativeSampler(train, { kind: 'exclude-positives', rng: new Rng(2) }), true);
  uniform.start(new Rng(4));
  uniform.next();
  for (let r = 0; r < n; r++) if (uniform.labels[r] === 0) assert.ok(Math.abs(uniform.offsets![r] - Math.log(8 / k)) < 1e-5);
  assert.equal(new PointwiseBatches(train, 64, k, sampler).offsets, null, 'no offsets without logQ');
});

test('ncf with logQ: the per-group gradient of embeddings and dense weights matches finite differences', async () => {
  // Three items; user 1's positives are items 1 and 2, so item 0 is every sampled negative
  // (Q = 1 of the one unseen item) and its logit is shifted by −log(2 · 1) in both groups.
  const train = tinyInteractions(3, 3, [
    [1, 1, 1],
    [1, 2, 1],
  ]);
  const config = { factors: 4, layers: [6, 3], activation: 'tanh', optimizer: 'sgd', learningRate: 0.1, loss: 'softmax', negatives: 2, batchSize: 6, initStd: 0.3, logQ: true };
  const model = new NCF(config);
  const loss = (): number => {
    const s = model.score(Int32Array.of(1, 1, 1), Int32Array.of(0, 1, 2));
    const neg = s[0] - Math.log(2);
    const group = (pos: number): number => Math.log(Math.exp(s[pos]) + 2 * Math.exp(neg)) - s[pos];
    return (group(1) + group(2)) / 6;
  };
  await checkModelGradient(
    model,
    train,
    0.1,
    loss,
    [
      ['user.id', 4],
      ['item.id', 1],
      ['item.id', 10],
      ['mlp.0.weight', 3],
      ['mlp.1.weight', 2],
      ['mlp.out.weight', 0],
    ],
    [['mlp.out.bias', 0]],
  );
});

test('ncf with popularity-sampled negatives and logQ learns planted preferences and clearly beats popularity', async () => {
  const { train, test: held } = plantedSplit();
  const pop = ranking(popularity(train), train, held);
  const model = createModel('ncf', {
    factors: 16,
    layers: [32, 16],
    learningRate: 0.005,
    loss: 'softmax',
    negatives: 8,
    sampler: 'popularity',
    samplerAlpha: 0.5,
    logQ: true,
    epochs: 8,
  });
  await model.fit(train, { threads: 1 });
  const r = ranking(model, train, held);
  assert.ok(r.auc > pop.auc + 0.1, `AUC ${r.auc} vs popularity ${pop.auc}`);
  assert.ok(r.p10 > pop.p10 + 0.05, `P@10 ${r.p10} vs popularity ${pop.p10}`);
});

test('logQ without a sampled softmax is a clear configuration error', () => {
  assert.throws(() => createModel('ncf', { loss: 'bce', logQ: true }), /logQ.*softmax/);
});
