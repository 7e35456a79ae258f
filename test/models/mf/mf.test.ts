import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MatrixFactorization } from '../../../src/models/mf/mf.ts';
import { createModel } from '../../../src/models/registry.ts';
import { loadModel } from '../../../src/models/load.ts';
import { evaluatePointwise } from '../../../src/eval/pointwise.ts';
import { Rng } from '../../../src/core/rng.ts';
import { IdMap } from '../../../src/data/idmap.ts';
import { Interactions } from '../../../src/data/interactions.ts';
import { mae, mse } from '../../../src/core/losses.ts';
import { plantedRatings } from '../../helpers/bilinear-data.ts';
import { assertGradClose, FLOAT32_GRAD_TOLERANCE, FLOAT32_STEP, numericGradients } from '../../helpers/gradcheck.ts';

const data = plantedRatings({ users: 200, items: 150, perUser: 40, seed: 11 });

function globalMeanRmse(): number {
  let mean = 0;
  for (const v of data.train.values) mean += v;
  mean /= data.train.length;
  let se = 0;
  for (const v of data.test.values) se += (v - mean) ** 2;
  return Math.sqrt(se / data.test.length);
}

for (const loss of ['mse', 'mae'] as const) {
  test(`mf (${loss}): one SGD step moves each parameter by −lr × the finite-difference gradient`, async () => {
    // Two ratings on disjoint users and items, so their updates do not interact.
    const userIds = new IdMap(['a', 'b']);
    const itemIds = new IdMap(['x', 'y']);
    const train = new Interactions({ users: Int32Array.from([0, 1]), items: Int32Array.from([0, 1]), values: Float32Array.from([5, 1]), userIds, itemIds });
    const lr = 1e-3;
    const model = new MatrixFactorization({ factors: 3, loss, optimizer: 'sgd', learningRate: lr, l2: 0, initStd: 0.5 });
    await model.fit(train, { epochs: 0, threads: 1 });
    const params = [model.P!, model.Q!, model.userBias!, model.itemBias!];
    const rng = new Rng(4);
    for (const p of params) for (let k = 0; k < p.data.length; k++) p.data[k] = rng.uniform(-0.5, 0.5);
    const lossOf = (): number => {
      const pred = model.score(train.users, train.items);
      let s = 0;
      for (let k = 0; k < 2; k++) s += loss === 'mse' ? mse(pred[k], train.values[k]) : mae(pred[k], train.values[k]);
      return s;
    };
    model.config.clip = false;
    const numeric = numericGradients(
      lossOf,
      params.map((p) => p.data),
      FLOAT32_STEP,
    );
    const before = params.map((p) => Float64Array.from(p.data));
    model.trainEpoch({ epoch: 1, rng: new Rng(1), threads: 1, options: {}, progress() {} });
    params.forEach((p, k) => {
      for (let e = 0; e < p.data.length; e++) assertGradClose(-(p.data[e] - before[k][e]) / lr, numeric[k][e], `${p.name}[${e}]`, FLOAT32_GRAD_TOLERANCE);
    });
  });
}

for (const config of [
  {},
  { loss: 'mae', learningRate: 0.02 },
  { optimizer: 'adam', learningRate: 0.005, factors: 16 },
  { optimizer: 'adagrad', learningRate: 0.05, factors: 16 },
] as const) {
  test(`mf ${JSON.stringify(config)} predicts held-out ratings far better than the global mean`, async () => {
    const model = createModel('mf', { epochs: 25, ...config });
    assert.equal(model.config.task, 'rating');
    await model.fit(data.train, { threads: 1, seed: 1 });
    const rmse = evaluatePointwise(model, data.test).metrics.rmse;
    const base = globalMeanRmse();
    assert.ok(rmse < 0.8 * base, `RMSE ${rmse.toFixed(4)} vs global mean ${base.toFixed(4)}`);
  });
}

test('mf predictions are clipped to the training range by score(), never by scoreItems()', async () => {
  const model = createModel('mf', { epochs: 5 });
  await model.fit(data.train, { threads: 1 });
  const all = new Float32Array(model.numItems);
  const users = new Int32Array(model.numItems);
  const items = Int32Array.from({ length: model.numItems }, (_, i) => i);
  for (let u = 0; u < 20; u++) {
    model.scoreItems(u, all);
    users.fill(u);
    const clipped = model.score(users, items);
    for (let i = 0; i < all.length; i++) assert.equal(clipped[i], Math.fround(Math.min(5, Math.max(1, all[i]))));
  }
});

test('mf: a seed reproduces training; save → load predicts identically', async () => {
  const a = createModel('mf', { epochs: 3, factors: 8 });
  const b = createModel('mf', { epochs: 3, factors: 8 });
  await a.fit(data.train, { threads: 1, seed: 5 });
  await b.fit(data.train, { threads: 1, seed: 5 });
  assert.deepEqual(a.getState().tensors.P.data, b.getState().tensors.P.data);
  const dir = await mkdtemp(path.join(tmpdir(), 'tastebud-mf-'));
  try {
    await a.save(dir);
    const loaded = await loadModel(dir);
    assert.deepEqual(loaded.score(data.test.users, data.test.items), a.score(data.test.users, data.test.items));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
