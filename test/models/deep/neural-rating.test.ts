import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bceWithLogits, mse } from '../../../src/core/losses.ts';
import { binarize } from '../../../src/data/labels.ts';
import { featureMatrixFromRows } from '../../../src/data/features.ts';
import { ConfigError } from '../../../src/contracts/errors.ts';
import { evaluatePointwise } from '../../../src/eval/pointwise.ts';
import { NeuralRating } from '../../../src/models/deep/neural-rating.ts';
import { checkModelGradient, tinyInteractions } from '../../helpers/gradcheck.ts';
import { plantedSplit } from '../../helpers/deep-data.ts';
import { assertPairsMatchBatch, assertReloadScoresEqual } from '../../helpers/deep-scoring.ts';

const GRAD_CONFIG = { factors: 4, layers: [5, 3], activation: 'tanh', optimizer: 'sgd', learningRate: 0.1, batchSize: 2, initStd: 0.3 };

/** Two ratings in one batch (the output starts at their mean, so both have a real error). */
function twoRatings() {
  const train = tinyInteractions(3, 4, [
    [1, 2, 5],
    [0, 3, 1],
  ]);
  const itemFeatures = featureMatrixFromRows(train.itemIds, [{ id: 'i2', features: ['genre=a', ['genre=b', 0.5]] }]);
  return { train, itemFeatures };
}

function meanLoss(model: NeuralRating, kind: 'mse' | 'bce', labels: [number, number]): () => number {
  return () => {
    const s = model.score(Int32Array.of(1, 0), Int32Array.of(2, 3));
    const f = kind === 'mse' ? mse : bceWithLogits;
    return (f(s[0], labels[0]) + f(s[1], labels[1])) / 2;
  };
}

test('neural-rating (concat, embedding skip, biases, hybrid items): the MSE gradient matches finite differences', async () => {
  const { train, itemFeatures } = twoRatings();
  const model = new NeuralRating({ ...GRAD_CONFIG, combine: 'concat', skip: 'embeddings' });
  model.itemFeatures = itemFeatures;
  await checkModelGradient(
    model,
    train,
    0.1,
    meanLoss(model, 'mse', [5, 1]),
    [
      ['user.id', 4],
      ['user.id', 2],
      ['item.id', 9],
      ['item.id', 13],
      ['item.features', 1],
      ['item.features', 6],
      ['user.bias.id', 1],
      ['item.bias.id', 2],
      ['item.bias.features', 1],
      ['mlp.0.weight', 7],
      ['mlp.1.weight', 3],
      ['mlp.out.weight', 0],
      ['skip.weight', 5],
      ['skip.bias', 0],
    ],
    [
      ['user.id', 8],
      ['item.id', 0],
    ],
  );
});

test('neural-rating (dot combine, dot skip): the gradient matches finite differences, also for BCE', async () => {
  const { train } = twoRatings();
  const model = new NeuralRating({ ...GRAD_CONFIG, combine: 'dot', skip: 'dot', biases: false });
  await checkModelGradient(model, train, 0.1, meanLoss(model, 'mse', [5, 1]), [
    ['user.id', 5],
    ['user.id', 1],
    ['item.id', 10],
    ['item.id', 14],
    ['mlp.0.weight', 2],
    ['mlp.0.bias', 1],
    ['mlp.out.bias', 0],
  ]);
  const labels = binarize(train, 4);
  const logistic = new NeuralRating({ ...GRAD_CONFIG, combine: 'dot', loss: 'bce' });
  assert.equal(logistic.config.task, 'ranking');
  await checkModelGradient(logistic, labels, 0.1, meanLoss(logistic, 'bce', [1, 0]), [
    ['user.id', 5],
    ['item.id', 14],
    ['mlp.0.weight', 2],
    ['user.bias.id', 1],
  ]);
});

test('neural-rating with MSE beats the global-mean RMSE on planted ratings (concat and dot)', async () => {
  const { train, test: held } = plantedSplit({ ratings: true });
  let mean = 0;
  for (const v of train.values) mean += v;
  mean /= train.length;
  const baseline = Math.sqrt(held.values.reduce((s, v) => s + (v - mean) ** 2, 0) / held.length);
  for (const combine of ['concat', 'dot']) {
    const model = new NeuralRating({ factors: 16, layers: [32, 16], learningRate: 0.002, dropout: 0.2, l2: 0.01, combine, skip: combine === 'dot' ? 'dot' : 'none', epochs: 12 });
    assert.equal(model.config.task, 'rating');
    await model.fit(train, { threads: 1 });
    const rmse = evaluatePointwise(model, held, { scoreKind: 'rating' }).metrics.rmse;
    assert.ok(rmse < 0.9 * baseline, `${combine}: RMSE ${rmse} vs global mean ${baseline}`);
  }
});

test('neural-rating: batched scores equal pairwise scores, save → load is identical, cold items get scores', async () => {
  const { data, train } = plantedSplit({ ratings: true, users: 60, itemFeatures: 8 });
  for (const [combine, skip] of [
    ['dot', 'embeddings'],
    ['concat', 'dot'],
  ]) {
    const model = new NeuralRating({ factors: 8, layers: [8], combine, skip, epochs: 2 });
    await model.fit(train, { threads: 1, itemFeatures: data.itemFeatures });
    const users = Int32Array.of(3, 40);
    const all = assertPairsMatchBatch(model, users, Int32Array.of(5, 150), 1e-4, `${combine}: `);
    const f = data.itemFeatures!;
    assert.ok(model.scoreNewItem(f.indices.slice(f.indptr[1], f.indptr[2]), null, users).every(Number.isFinite));
    await assertReloadScoresEqual(model, users, all);
  }
});

test('neural-rating with BCE on raw ratings says to transform the labels first', async () => {
  const ratings = tinyInteractions(2, 2, [
    [0, 0, 4],
    [1, 1, 2],
  ]);
  await assert.rejects(
    new NeuralRating({ loss: 'bce', epochs: 1 }).fit(ratings, { threads: 1 }),
    (e: unknown) => e instanceof ConfigError && /\[0, 1\]/.test(e.message) && /binarize/.test(e.message),
  );
  assert.throws(() => new NeuralRating({ combine: 'sum' }), ConfigError);
  assert.throws(() => new NeuralRating({ skip: 'all' }), ConfigError);
  assert.throws(() => new NeuralRating({ loss: 'hinge' }), ConfigError);
});
