import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createModel } from '../../src/models/registry.ts';
import { MIN_PARALLEL_POSITIVES } from '../../src/models/deep/parallel.ts';
import { plantedSplit } from '../helpers/deep-data.ts';
import { assertLearnsOnTwoThreads } from '../helpers/hogwild.ts';
import { popularity, ranking } from '../helpers/metrics.ts';

// Enough positives for the Hogwild path (MIN_PARALLEL_POSITIVES), small enough for seconds.
const split = plantedSplit({ users: 1500, items: 300 });
const CONFIG = { factors: 16, layers: [32, 16], learningRate: 0.005, epochs: 3 };

test('the planted split is big enough to train over threads', () => {
  assert.ok(split.train.length >= MIN_PARALLEL_POSITIVES, `${split.train.length} positives`);
});

test('ncf and neumf trained Hogwild on two threads learn as well as on one, and clearly beat popularity', async () => {
  for (const type of ['ncf', 'neumf']) await assertLearnsOnTwoThreads(type, CONFIG, split, { aucSlack: 0.02 });
});

test('one thread is reproducible: the same seed gives the same scores', async () => {
  const { train } = split;
  const a = createModel('ncf', { ...CONFIG, epochs: 1 });
  const b = createModel('ncf', { ...CONFIG, epochs: 1 });
  await a.fit(train, { threads: 1, seed: 5 });
  await b.fit(train, { threads: 1, seed: 5 });
  const u = Int32Array.from({ length: 50 }, (_, k) => k);
  assert.deepEqual(Array.from(a.score(u, u)), Array.from(b.score(u, u)));
});

test('a hybrid ncf (item metadata features) trains over two threads: the workers rebuild the features', async () => {
  const { data, train, test: held } = plantedSplit({ users: 1500, items: 300, itemFeatures: 8 });
  const pop = ranking(popularity(train), train, held);
  const model = createModel('ncf', { ...CONFIG, epochs: 2 });
  await model.fit(train, { threads: 2, seed: 3, itemFeatures: data.itemFeatures });
  const r = ranking(model, train, held);
  assert.ok(r.auc > pop.auc + 0.1, `hybrid ncf 2 threads AUC ${r.auc} vs popularity ${pop.auc}`);
});
