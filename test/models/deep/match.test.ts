import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bpr } from '../../../src/core/losses.ts';
import { ConfigError } from '../../../src/contracts/errors.ts';
import { MatchModel } from '../../../src/models/deep/match.ts';
import { checkModelGradient, tinyInteractions } from '../../helpers/gradcheck.ts';
import { plantedSplit } from '../../helpers/deep-data.ts';
import { popularity, ranking } from '../../helpers/metrics.ts';
import { assertPairsMatchBatch, assertReloadScoresEqual } from '../../helpers/deep-scoring.ts';

test('match: the per-triplet BPR gradient (user, positive and negative rows, MLP) matches finite differences', async () => {
  // Two items: the one negative the sampler can draw for user 1 is item 1.
  const train = tinyInteractions(3, 2, [[1, 0, 1]]);
  const model = new MatchModel({
    userFactors: 3,
    itemFactors: 5,
    layers: [6, 4],
    activation: 'tanh',
    loss: 'bpr',
    optimizer: 'sgd',
    learningRate: 0.1,
    batchSize: 1,
    initStd: 0.3,
  });
  const loss = () => {
    const s = model.score(Int32Array.of(1, 1), Int32Array.of(0, 1));
    return bpr(s[0], s[1]);
  };
  await checkModelGradient(
    model,
    train,
    0.1,
    loss,
    [
      ['user.id', 3],
      ['user.id', 5],
      ['item.id', 0],
      ['item.id', 4],
      ['item.id', 6],
      ['item.id', 9],
      ['mlp.0.weight', 1],
      ['mlp.0.weight', 40],
      ['mlp.1.weight', 7],
      ['mlp.out.weight', 2],
    ],
    [
      ['user.id', 0],
      ['user.id', 8],
    ],
  );
});

test('match learns planted preferences with margin and BPR losses and clearly beats popularity', async () => {
  const { train, test: held } = plantedSplit();
  const pop = ranking(popularity(train), train, held);
  for (const loss of ['margin', 'bpr']) {
    const model = new MatchModel({ userFactors: 16, itemFactors: 8, layers: [32, 16], learningRate: 0.005, loss, epochs: 12 });
    await model.fit(train, { threads: 1 });
    const r = ranking(model, train, held);
    assert.ok(r.auc > pop.auc + 0.1, `${loss}: AUC ${r.auc} vs popularity ${pop.auc}`);
    assert.ok(r.p10 > pop.p10 + 0.05, `${loss}: P@10 ${r.p10} vs popularity ${pop.p10}`);
  }
});

test('match save → load gives identical scores; batched scores agree with pairwise scores; cold start works', async () => {
  const { data, train } = plantedSplit({ users: 80, itemFeatures: 8 });
  const model = new MatchModel({ userFactors: 8, itemFactors: 4, layers: [16], epochs: 2 });
  await model.fit(train, { threads: 1, itemFeatures: data.itemFeatures });
  const users = Int32Array.of(2, 9);
  const all = assertPairsMatchBatch(model, users, Int32Array.of(7, 11), 1e-5);
  const f = data.itemFeatures!;
  const cold = model.scoreNewItem(f.indices.slice(f.indptr[3], f.indptr[4]), null, users);
  assert.ok(cold.every(Number.isFinite));
  await assertReloadScoresEqual(model, users, all);
});

test('bad match configurations are ConfigErrors', () => {
  assert.throws(() => new MatchModel({ loss: 'bce' }), /loss must be one of 'margin', 'bpr'/);
  assert.throws(() => new MatchModel({ userFactors: 0 }), ConfigError);
  assert.throws(() => new MatchModel({ margin: 0 }), ConfigError);
});
