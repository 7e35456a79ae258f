import { test } from 'node:test';
import assert from 'node:assert/strict';
import { featureIndex, featureMatrixFromRows } from '../../../src/data/features.ts';
import { ConfigError } from '../../../src/contracts/errors.ts';
import { DeepFM } from '../../../src/models/deep/deepfm.ts';
import { checkModelGradient, pairBceLoss, tinyInteractions } from '../../helpers/gradcheck.ts';
import { plantedSplit } from '../../helpers/deep-data.ts';
import { popularity, ranking } from '../../helpers/metrics.ts';
import { assertPairsMatchBatch, assertReloadScoresEqual } from '../../helpers/deep-scoring.ts';

test('deepfm: the per-example gradient (FM part, first order, deep part, multi-valued fields) matches finite differences', async () => {
  const train = tinyInteractions(3, 4, [[1, 2, 0.8]]);
  const itemFeatures = featureMatrixFromRows(train.itemIds, [
    { id: 'i0', features: ['genre=a', 'year=1990'] },
    { id: 'i2', features: ['genre=a', ['genre=b', 0.5], 'year=1990'] },
  ]);
  const userFeatures = featureMatrixFromRows(train.userIds, [{ id: 'u1', features: ['age=young'] }]);
  const k = 3;
  const model = new DeepFM({ factors: k, layers: [5, 3], activation: 'tanh', optimizer: 'sgd', learningRate: 0.1, negatives: 0, batchSize: 1, initStd: 0.3 });
  model.userFeatures = userFeatures;
  model.itemFeatures = itemFeatures;
  assert.deepEqual(new DeepFM({}).config.loss, 'bce');
  // Rows of the shared tables: users 0–2, items 3–6, then user features, then item features.
  const userRow = 1;
  const itemRow = 3 + 2;
  const ageRow = 7 + featureIndex(userFeatures, 'age=young');
  const genreB = 7 + userFeatures.numFeatures + featureIndex(itemFeatures, 'genre=b');
  const year = 7 + userFeatures.numFeatures + featureIndex(itemFeatures, 'year=1990');
  await checkModelGradient(
    model,
    train,
    0.1,
    pairBceLoss(model, 1, 2, 0.8),
    [
      ['embeddings', userRow * k],
      ['embeddings', itemRow * k + 2],
      ['embeddings', ageRow * k + 1],
      ['embeddings', genreB * k],
      ['embeddings', year * k + 2],
      ['linear', userRow],
      ['linear', genreB],
      ['bias', 0],
      ['deep.0.weight', 0],
      ['deep.0.weight', 33],
      ['deep.1.bias', 1],
      ['deep.out.weight', 2],
    ],
    [
      ['embeddings', 0],
      ['linear', 4],
    ],
  );
  assert.deepEqual(model.fieldNames(), ['user', 'user.age', 'item', 'item.genre', 'item.year']);
});

test('deepfm learns planted preferences (with and without item fields) and clearly beats popularity', async () => {
  const { data, train, test: held } = plantedSplit({ itemFeatures: 8 });
  const pop = ranking(popularity(train), train, held);
  for (const itemFeatures of [data.itemFeatures, undefined]) {
    const model = new DeepFM({ factors: 16, layers: [32, 16], learningRate: 0.005, epochs: 8 });
    const history = await model.fit(train, { threads: 1, itemFeatures });
    const r = ranking(model, train, held);
    const what = itemFeatures ? 'with item fields' : 'ids only';
    assert.ok(r.auc > pop.auc + 0.1, `${what}: AUC ${r.auc} vs popularity ${pop.auc}`);
    assert.ok(r.p10 > pop.p10 + 0.05, `${what}: P@10 ${r.p10} vs popularity ${pop.p10}`);
    assert.ok(history.epochs.at(-1)!.loss < history.epochs[0].loss, 'training loss falls');
  }
});

test('deepfm: batched full-catalogue scores equal pairwise scores; save → load is identical; cold items score by their fields', async () => {
  const { data, train } = plantedSplit({ users: 80, itemFeatures: 8 });
  const model = new DeepFM({ factors: 8, layers: [16, 8], epochs: 2 });
  await model.fit(train, { threads: 1, itemFeatures: data.itemFeatures });
  const users = Int32Array.of(1, 30, 79);
  const all = assertPairsMatchBatch(model, users, Int32Array.of(0, 50, 199), 1e-4);
  const f = data.itemFeatures!;
  const cold = model.scoreNewItem(f.indices.slice(f.indptr[0], f.indptr[1]), null, users);
  assert.ok(cold.every(Number.isFinite));
  assert.throws(() => model.scoreNewItem([f.numFeatures]), RangeError);
  await assertReloadScoresEqual(model, users, all);
});

test('deepfm rejects labels outside [0, 1] when trained on the values, and bad settings', async () => {
  const ratings = tinyInteractions(2, 2, [
    [0, 0, 4],
    [1, 1, 2],
  ]);
  await assert.rejects(new DeepFM({ negatives: 0, epochs: 1 }).fit(ratings, { threads: 1 }), /labels in \[0, 1\].*binarize/);
  assert.throws(() => new DeepFM({ loss: 'mse' }), ConfigError);
  assert.throws(() => new DeepFM({ layers: [] }), ConfigError);
});
