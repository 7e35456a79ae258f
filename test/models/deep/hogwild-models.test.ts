/**
 * Hogwild over two threads (deep/parallel.ts) for the deep models beyond ncf / neumf: DeepFM
 * (pointwise BCE and triplet BPR), match (triplets) and neural-rating (rows labelled by their
 * values). Each must learn at two threads as it does at one (beat popularity, or the global mean's
 * RMSE, on planted data), its workers must really train, and one thread must stay reproducible.
 * ncf's bpr loss trains over threads as triplets, and a learning-rate decay reaches the workers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluatePointwise } from '../../../src/eval/pointwise.ts';
import { MIN_PARALLEL_POSITIVES } from '../../../src/models/deep/parallel.ts';
import { createModel } from '../../../src/models/registry.ts';
import { plantedSplit } from '../../helpers/deep-data.ts';
import { assertLearnsOnTwoThreads } from '../../helpers/hogwild.ts';

// Enough positives for the Hogwild path, small enough for seconds.
const split = plantedSplit({ users: 1500, items: 300 });
const SMALL = { factors: 16, layers: [32, 16], learningRate: 0.005, epochs: 3 };
// A triplet batch holds half the rows of a pointwise one: a higher rate and an epoch more.
const TRIPLETS = { ...SMALL, learningRate: 0.01, epochs: 4 };

const RANKING_CASES: { name: string; type: string; config: Record<string, unknown>; features?: boolean }[] = [
  { name: 'deepfm (bce)', type: 'deepfm', config: SMALL },
  { name: 'deepfm (bpr, triplets)', type: 'deepfm', config: { ...TRIPLETS, loss: 'bpr' } },
  { name: 'deepfm with item fields', type: 'deepfm', config: SMALL, features: true },
  { name: 'match (margin, triplets)', type: 'match', config: TRIPLETS },
  { name: 'ncf (bpr, triplets)', type: 'ncf', config: { ...TRIPLETS, loss: 'bpr' } },
  { name: 'deepfm with a learning-rate decay', type: 'deepfm', config: { ...SMALL, lrDecay: 0.8 } },
];

test('the planted split is big enough to train over threads', () => {
  assert.ok(split.train.length >= MIN_PARALLEL_POSITIVES, `${split.train.length} positives`);
});

for (const c of RANKING_CASES) {
  test(`${c.name} trained Hogwild on two threads learns as well as on one and beats popularity`, async () => {
    const { data, train, test: held } = c.features ? plantedSplit({ users: 1500, items: 300, itemFeatures: 8 }) : { ...split, data: null };
    await assertLearnsOnTwoThreads(c.type, c.config, { train, test: held }, { itemFeatures: data?.itemFeatures });
  });
}

test('neural-rating trained Hogwild on two threads beats the global mean as on one thread', async () => {
  const { train, test: held } = plantedSplit({ users: 1500, items: 300, ratings: true });
  assert.ok(train.length >= MIN_PARALLEL_POSITIVES);
  let mean = 0;
  for (const v of train.values) mean += v;
  mean /= train.length;
  const baseline = Math.sqrt(held.values.reduce((s, v) => s + (v - mean) ** 2, 0) / held.length);
  const config = { factors: 16, layers: [32, 16], learningRate: 0.002, dropout: 0.2, l2: 0.01, epochs: 4 };
  const rmse: number[] = [];
  const models = [];
  for (const threads of [1, 2]) {
    const model = createModel('neural-rating', config);
    await model.fit(train, { threads, seed: 3 });
    models.push(model);
    rmse.push(evaluatePointwise(model, held, { scoreKind: 'rating' }).metrics.rmse);
  }
  assert.ok(rmse[1] < 0.9 * baseline, `2 threads RMSE ${rmse[1]} vs global mean ${baseline}`);
  assert.ok(rmse[1] < rmse[0] * 1.03, `RMSE 2 threads ${rmse[1]} vs 1 thread ${rmse[0]}`);
  const u = Int32Array.of(0, 1, 2);
  assert.notDeepEqual(Array.from(models[0].score(u, u)), Array.from(models[1].score(u, u)));
});

test('one thread stays reproducible for deepfm, match and neural-rating: the same seed gives the same scores', async () => {
  const { train } = split;
  for (const type of ['deepfm', 'match', 'neural-rating']) {
    const config = type === 'neural-rating' ? { ...SMALL, epochs: 1, loss: 'bce' } : { ...SMALL, epochs: 1 };
    const a = createModel(type, config);
    const b = createModel(type, config);
    await a.fit(train, { threads: 1, seed: 5 });
    await b.fit(train, { threads: 1, seed: 5 });
    const u = Int32Array.from({ length: 50 }, (_, k) => k);
    assert.deepEqual(Array.from(a.score(u, u)), Array.from(b.score(u, u)), type);
  }
});

test('a learning-rate decay reaches the workers: with lrDecay 1e-3, epoch 2 barely moves the weights on two threads', async () => {
  const { train } = split;
  // ‖weights after epoch 2 − after epoch 1‖ of a two-thread fit.
  async function secondEpochStep(lrDecay: number): Promise<number> {
    const model = createModel('deepfm', { ...SMALL, epochs: 2, lrDecay });
    const after: Float32Array[] = [];
    const onEpochEnd = () => {
      after.push(Float32Array.from(Object.values(model.getState().tensors).flatMap((t) => Array.from(t.data as Float32Array))));
    };
    await model.fit(train, { threads: 2, seed: 3, callbacks: { onEpochEnd } });
    let sq = 0;
    for (let k = 0; k < after[0].length; k++) sq += (after[1][k] - after[0][k]) ** 2;
    return Math.sqrt(sq);
  }
  const constant = await secondEpochStep(1);
  const decayed = await secondEpochStep(1e-3);
  assert.ok(constant > 0, 'the constant-rate fit moved');
  // Adam's step scales with the rate: ~1e-3 of the constant one. A worker still at the first
  // epoch's rate would train about half of epoch 2's batches at full size (ratio ~0.5).
  assert.ok(decayed < 0.02 * constant, `epoch 2 step ${decayed} with the decay vs ${constant} without`);
});
