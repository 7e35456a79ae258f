import { test } from 'node:test';
import assert from 'node:assert/strict';
import { featureMatrixFromRows } from '../../../src/data/features.ts';
import { ConfigError } from '../../../src/contracts/errors.ts';
import { NCF } from '../../../src/models/deep/ncf.ts';
import { createModel } from '../../../src/models/registry.ts';
import { checkModelGradient, pairBceLoss, tinyInteractions } from '../../helpers/gradcheck.ts';
import { plantedSplit } from '../../helpers/deep-data.ts';
import { popularity, ranking } from '../../helpers/metrics.ts';
import { assertReloadScoresEqual } from '../../helpers/deep-scoring.ts';

const GRAD_CONFIG = { factors: 4, layers: [6, 3], activation: 'tanh', optimizer: 'sgd', learningRate: 0.1, negatives: 0, batchSize: 1, initStd: 0.3 };

function oneExample() {
  const train = tinyInteractions(3, 4, [[1, 2, 1]]);
  const itemFeatures = featureMatrixFromRows(train.itemIds, [
    { id: 'i0', features: ['genre=a'] },
    { id: 'i2', features: ['genre=a', ['genre=b', 0.5]] },
  ]);
  return { train, itemFeatures };
}

test('ncf: the per-example BCE gradient of embeddings and dense weights matches finite differences', async () => {
  const { train } = oneExample();
  const model = new NCF(GRAD_CONFIG);
  await checkModelGradient(
    model,
    train,
    0.1,
    pairBceLoss(model, 1, 2, 1),
    [
      ['user.id', 4],
      ['user.id', 7],
      ['item.id', 9],
      ['item.id', 11],
      ['mlp.0.weight', 0],
      ['mlp.0.weight', 29],
      ['mlp.0.bias', 2],
      ['mlp.1.weight', 4],
      ['mlp.out.weight', 1],
      ['mlp.out.bias', 0],
    ],
    [
      ['user.id', 0],
      ['item.id', 0],
    ],
  );
});

test('neumf: gradients through the GMF branch, the MLP branch and the fusion layer match finite differences', async () => {
  const { train, itemFeatures } = oneExample();
  const model = new NCF({ ...GRAD_CONFIG, gmfFactors: 3 }, 'neumf');
  model.itemFeatures = itemFeatures;
  await checkModelGradient(
    model,
    train,
    0.1,
    pairBceLoss(model, 1, 2, 1),
    [
      ['gmf.user.id', 3],
      ['gmf.item.id', 7],
      ['user.id', 5],
      ['item.id', 8],
      ['item.features', 1],
      ['item.features', 6],
      ['gmf.item.features', 2],
      ['fuse.weight', 0],
      ['fuse.weight', 4],
      ['fuse.bias', 0],
      ['mlp.0.weight', 3],
      ['mlp.1.bias', 1],
    ],
    [
      ['gmf.user.id', 0],
      ['item.id', 4],
    ],
  );
});

test('ncf and neumf learn planted preferences and clearly beat popularity', async () => {
  const { train, test: held } = plantedSplit();
  const pop = ranking(popularity(train), train, held);
  for (const type of ['ncf', 'neumf']) {
    const model = createModel(type, { factors: 16, layers: [32, 16], learningRate: 0.005, epochs: 10 });
    await model.fit(train, { threads: 1 });
    const r = ranking(model, train, held);
    assert.ok(r.auc > pop.auc + 0.1, `${type} AUC ${r.auc} vs popularity ${pop.auc}`);
    assert.ok(r.p10 > pop.p10 + 0.05, `${type} P@10 ${r.p10} vs popularity ${pop.p10}`);
  }
});

test('a hybrid ncf scores a cold-start item from its metadata, higher for users who like its cluster', async () => {
  const { data, train } = plantedSplit({ itemFeatures: 8 });
  const model = new NCF({ factors: 16, layers: [32, 16], learningRate: 0.005, epochs: 8 });
  await model.fit(train, { threads: 1, itemFeatures: data.itemFeatures });
  const f = data.itemFeatures!;
  const { itemCluster, userCluster } = data.truth;
  // Describe item 0 by its metadata alone, as if it were new.
  const indices = f.indices.slice(f.indptr[0], f.indptr[1]);
  const scores = model.scoreNewItem(indices);
  assert.equal(scores.length, model.numUsers);
  let fans = 0,
    nFans = 0,
    others = 0,
    nOthers = 0;
  scores.forEach((s, u) => (userCluster[u] === itemCluster[0] ? ((fans += s), nFans++) : ((others += s), nOthers++)));
  assert.ok(scores.every(Number.isFinite));
  assert.ok(fans / nFans > others / nOthers, `fans ${fans / nFans} vs others ${others / nOthers}`);
  assert.throws(() => new NCF({ epochs: 1 }).scoreNewItem([0]), ConfigError);
});

test('neumf save → load gives identical scores, full-catalogue and pairwise', async () => {
  const { data, train } = plantedSplit({ itemFeatures: 8, users: 80 });
  const model = new NCF({ factors: 8, layers: [16, 8], epochs: 2 }, 'neumf');
  await model.fit(train, { threads: 1, itemFeatures: data.itemFeatures });
  const users = Int32Array.of(0, 5, 17);
  const expected = new Float32Array(users.length * model.numItems);
  model.scoreUsers(users, expected);
  const loaded = await assertReloadScoresEqual(model, users, expected);
  assert.equal(loaded.type, 'neumf');
  const pairs = loaded.score(Int32Array.of(5, 17), Int32Array.of(3, 40));
  assert.ok(Math.abs(pairs[0] - expected[model.numItems + 3]) < 1e-5);
  assert.ok(Math.abs(pairs[1] - expected[2 * model.numItems + 40]) < 1e-5);
});

test('bad ncf configurations are ConfigErrors that say what to change', () => {
  assert.throws(() => new NCF({ loss: 'hinge' }), /loss must be one of 'bce', 'mse'/);
  assert.throws(() => new NCF({ layers: [] }), /at least one hidden layer/);
  assert.throws(() => new NCF({ negatives: -1 }), ConfigError);
  assert.throws(() => new NCF({ dropout: 1 }), ConfigError);
});

test('one-thread training with a seed is bit-for-bit reproducible, and early stopping restores the best epoch', async () => {
  const { train, test: held } = plantedSplit({ users: 60 });
  const run = async () => {
    const model = new NCF({ factors: 8, layers: [8], dropout: 0.2, epochs: 2 });
    await model.fit(train, { threads: 1, seed: 3 });
    return model.getState().tensors;
  };
  const [a, b] = [await run(), await run()];
  for (const name of Object.keys(a)) assert.deepEqual(a[name].data, b[name].data, name);
  const model = new NCF({ factors: 8, layers: [8], learningRate: 0.05, epochs: 6 });
  const history = await model.fit(train, { threads: 1, validation: held, earlyStopping: { patience: 2 } });
  assert.equal(history.metric, 'auc');
  const best = Math.max(...history.epochs.map((e) => e.validation!));
  assert.ok(Math.abs(ranking(model, train, held).auc - best) < 1e-9, 'the model holds the best epoch');
});
