import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logSumExp } from '../../../src/core/losses.ts';
import { NCF } from '../../../src/models/deep/ncf.ts';
import { pointwiseLoss } from '../../../src/models/deep/pointwise.ts';
import { MIN_PARALLEL_POSITIVES } from '../../../src/models/deep/parallel.ts';
import { createModel } from '../../../src/models/registry.ts';
import { checkModelGradient, checkVectorGradient, randomArray, tinyInteractions } from '../../helpers/gradcheck.ts';
import { plantedSplit } from '../../helpers/deep-data.ts';
import { popularity, ranking } from '../../helpers/metrics.ts';
import { assertReloadScoresEqual } from '../../helpers/deep-scoring.ts';

test("pointwiseLoss 'softmax': each group's cross-entropy, and its gradient matches finite differences", () => {
  // Two groups of three rows (a positive, then two negatives); the second group's target weights
  // are split and sum to 0.75, so the normaliser's weight (Σ y) is checked too.
  const z = randomArray(6, 3, 2);
  const labels = Float32Array.of(1, 0, 0, 0.5, 0.25, 0);
  const grad = new Float32Array(6);
  const total = pointwiseLoss('softmax', z, labels, 6, grad, 3);
  const expected = logSumExp(z, 0, 3) - z[0] + (0.75 * logSumExp(z, 3, 3) - 0.5 * z[3] - 0.25 * z[4]);
  assert.ok(Math.abs(total - expected) < 1e-5, `loss ${total} vs ${expected}`);
  const z64 = Float64Array.from(z);
  const loss = (): number => pointwiseLoss('softmax', Float32Array.from(z64), labels, 6, new Float32Array(6), 3) / 6;
  checkVectorGradient(z64, grad, loss, 'dL/dz', 1e-3, { rtol: 1e-3, atol: 1e-6 });
  // A one-hot group's gradient sums to zero: softmax is shift-invariant.
  assert.ok(Math.abs(grad[0] + grad[1] + grad[2]) < 1e-7);
});

test("ncf loss 'softmax': the per-group gradient of embeddings and dense weights matches finite differences", async () => {
  // Three items; user 1's positives are items 1 and 2, so item 0 is every sampled negative and
  // one batch holds both groups: [1, 0, 0] and [2, 0, 0].
  const train = tinyInteractions(3, 3, [
    [1, 1, 1],
    [1, 2, 1],
  ]);
  const config = { factors: 4, layers: [6, 3], activation: 'tanh', optimizer: 'sgd', learningRate: 0.1, loss: 'softmax', negatives: 2, batchSize: 6, initStd: 0.3 };
  const model = new NCF(config);
  const loss = (): number => {
    const s = model.score(Int32Array.of(1, 1, 1), Int32Array.of(0, 1, 2));
    const group = (pos: number): number => Math.log(Math.exp(s[pos]) + 2 * Math.exp(s[0])) - s[pos];
    return (group(1) + group(2)) / 6;
  };
  await checkModelGradient(
    model,
    train,
    0.1,
    loss,
    [
      ['user.id', 4],
      ['user.id', 7],
      ['item.id', 1],
      ['item.id', 5],
      ['item.id', 10],
      ['mlp.0.weight', 3],
      ['mlp.0.weight', 40],
      ['mlp.1.weight', 2],
      ['mlp.out.weight', 0],
    ],
    // The output bias cancels inside a softmax, and user 0 is in no group.
    [
      ['mlp.out.bias', 0],
      ['user.id', 0],
    ],
  );
});

test("ncf and neumf with loss 'softmax' learn planted preferences and clearly beat popularity", async () => {
  const { train, test: held } = plantedSplit();
  const pop = ranking(popularity(train), train, held);
  for (const type of ['ncf', 'neumf']) {
    const model = createModel(type, { factors: 16, layers: [32, 16], learningRate: 0.005, loss: 'softmax', negatives: 8, epochs: 8 });
    await model.fit(train, { threads: 1 });
    const r = ranking(model, train, held);
    assert.ok(r.auc > pop.auc + 0.1, `${type} AUC ${r.auc} vs popularity ${pop.auc}`);
    assert.ok(r.p10 > pop.p10 + 0.05, `${type} P@10 ${r.p10} vs popularity ${pop.p10}`);
  }
});

test("loss 'softmax' without sampled negatives is a clear configuration error", async () => {
  const train = tinyInteractions(3, 2, [[1, 1, 1]]);
  await assert.rejects(new NCF({ loss: 'softmax', negatives: 0, epochs: 1 }).fit(train, { threads: 1 }), /softmax.*negatives/);
});

test("ncf with loss 'softmax' and inputDropout trains Hogwild over two threads, learns, and saves and loads", async () => {
  // Big enough for the worker path (MIN_PARALLEL_POSITIVES): the workers get the loss and the tower's input dropout.
  const { train, test: held } = plantedSplit({ users: 1500, items: 300 });
  assert.ok(train.length >= MIN_PARALLEL_POSITIVES);
  const pop = ranking(popularity(train), train, held);
  const model = createModel('ncf', { factors: 16, layers: [32, 16], learningRate: 0.005, loss: 'softmax', negatives: 8, inputDropout: 0.1, epochs: 3 });
  await model.fit(train, { threads: 2, seed: 3 });
  const r = ranking(model, train, held);
  assert.ok(r.auc > pop.auc + 0.1, `AUC ${r.auc} vs popularity ${pop.auc}`);
  assert.ok(r.p10 > pop.p10 + 0.05, `P@10 ${r.p10} vs popularity ${pop.p10}`);
  const users = Int32Array.of(0, 1, 2);
  const all = new Float32Array(users.length * train.numItems);
  model.scoreUsers(users, all);
  const loaded = await assertReloadScoresEqual(model, users, all);
  assert.equal((loaded as unknown as { config: { loss: string; inputDropout: number } }).config.loss, 'softmax');
  assert.equal((loaded as unknown as { config: { loss: string; inputDropout: number } }).config.inputDropout, 0.1);
});
