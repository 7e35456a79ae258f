import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/contracts/errors.ts';
import { perUserSplit } from '../../src/data/splits.ts';
import { generateSynthetic } from '../../src/data/synthetic.ts';
import { Ials } from '../../src/models/baselines/ials.ts';
import { createModel } from '../../src/models/registry.ts';
import { curveData, registerCurveModels } from '../helpers/curve-model.ts';

const data = generateSynthetic({ users: 80, items: 60, factors: 4, interactionsPerUser: 12, seed: 3 }).interactions;
const split = perUserSplit(data, { testRatio: 0.2, seed: 3 });
const quiet = { threads: 1, seed: 7, log: () => {} };

test('resume: iALS fit for 3 epochs and continued for 2 equals a 5-epoch fit, bit for bit', async () => {
  const once = new Ials({ factors: 8 });
  await once.fit(split.train, { ...quiet, epochs: 5 });
  const twice = new Ials({ factors: 8 });
  await twice.fit(split.train, { ...quiet, epochs: 3 });
  const history = await twice.fit(split.train, { ...quiet, epochs: 2, resume: true });
  assert.deepEqual(twice.userVectors().data, once.userVectors().data);
  assert.deepEqual(twice.itemVectors().data, once.itemVectors().data);
  assert.deepEqual(
    history.epochs.map((e) => e.epoch),
    [1, 2, 3, 4, 5],
  );
  assert.deepEqual(
    history.epochs.map((e) => e.loss),
    once.history!.epochs.map((e) => e.loss),
  );
});

test('resume with validation: epochs numbered on from the restored best, never ending below where it started', async () => {
  const model = new Ials({ factors: 8 });
  const options = { ...quiet, validation: split.test, validationMetric: 'ndcg@10', earlyStopping: { patience: 2 } };
  const first = await model.fit(split.train, { ...options, epochs: 4 });
  const startValue = first.epochs[first.bestEpoch - 1].validation!;
  const more = await model.fit(split.train, { ...options, epochs: 6, resume: true });
  assert.equal(more.epochs[0].epoch, 1);
  assert.equal(more.epochs[first.bestEpoch].epoch, first.bestEpoch + 1, 'the new epochs follow the best epoch the model was restored to');
  assert.ok(more.bestEpoch >= first.bestEpoch);
  assert.ok(more.epochs[more.bestEpoch - 1].validation! >= startValue);
});

test('resume refuses a model that cannot continue, one never fit, and other data', async () => {
  const refused = (p: Promise<unknown>, pattern: RegExp) => assert.rejects(p, (e: Error) => e instanceof ConfigError && pattern.test(e.message));
  const ease = createModel('ease', {});
  await ease.fit(split.train, quiet);
  await refused(ease.fit(split.train, { ...quiet, resume: true }), /ease cannot continue training from where it stopped \(it is not resumable\): fit it again instead/);
  await refused(new Ials().fit(split.train, { ...quiet, resume: true }), /resume: ials has not been fit yet/);
  const model = new Ials({ factors: 4 });
  await model.fit(split.train, { ...quiet, epochs: 1 });
  await refused(model.fit(split.test, { ...quiet, resume: true }), /resume: ials was fit on other training data/);
});

test('resume past the best epoch: when no new epoch beats the start, the starting parameters are put back', async () => {
  registerCurveModels();
  const { train, validation } = curveData();
  const model = createModel('test-curve', { skill: 0.8 });
  const options = { ...quiet, validation, validationMetric: 'auc', earlyStopping: { patience: 50 } };
  const first = await model.fit(train, { ...options, epochs: 12 }); // the planted curve peaks at epoch 12
  assert.equal(first.bestEpoch, 12);
  const more = await model.fit(train, { ...options, epochs: 4, resume: true });
  assert.equal(more.epochs.length, 16);
  assert.equal(more.bestEpoch, 12);
  assert.ok(more.epochs.slice(12).every((e) => e.validation! < first.epochs[11].validation!));
  assert.equal(model.getState().tensors.trained.data[0], 12, 'restored to the parameters it started from');
});

test('resume: a bilinear model continues from its parameters, on one thread and with its worker threads started again', async () => {
  for (const threads of [1, 2]) {
    const model = createModel('bpr', { factors: 8, learningRate: 0.05, minParallelPositives: 0 });
    const first = await model.fit(split.train, { ...quiet, threads, epochs: 4 });
    const more = await model.fit(split.train, { ...quiet, threads, epochs: 3, resume: true });
    const losses = more.epochs.map((e) => e.loss);
    assert.deepEqual(
      more.epochs.map((e) => e.epoch),
      [1, 2, 3, 4, 5, 6, 7],
    );
    assert.deepEqual(
      losses.slice(0, 4),
      first.epochs.map((e) => e.loss),
    );
    // Continuing, not starting over: the resumed epochs go on below where the first fit ended.
    // A restart would begin near the first epoch's loss again.
    assert.ok(losses[4] < (losses[0] + losses[3]) / 2 && losses[6] < losses[3], `threads ${threads}: ${losses.map((l) => l.toFixed(4)).join(' ')}`);
  }
});

test('resume: a bilinear model loaded from a file was never prepared, and says so', async () => {
  const model = createModel('bpr', { factors: 4 });
  await model.fit(split.train, { ...quiet, epochs: 1 });
  const copy = createModel('bpr', { factors: 4 });
  Object.assign(copy, { userIds: model.userIds, itemIds: model.itemIds, history: model.history, trainingData: model.trainingData, seen: model.seen });
  copy.setState(model.getState());
  await assert.rejects(copy.fit(split.train, { ...quiet, epochs: 1, resume: true }), (e: Error) => e instanceof ConfigError && /cannot resume/.test(e.message));
});
