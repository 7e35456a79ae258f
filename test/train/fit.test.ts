import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ToyModel, interactionsFrom } from '../helpers/toy-model.ts';
import { ConfigError } from '../../src/contracts/errors.ts';
import type { Trainable } from '../../src/train/types.ts';

// Two users, four items; user 0 saw item 0, user 1 saw item 1; held out: user 0 → item 2, user 1 → item 2.
const train = interactionsFrom(
  [
    [0, 0],
    [1, 1],
  ],
  2,
  4,
);
const validation = interactionsFrom(
  [
    [0, 2],
    [1, 2],
  ],
  2,
  4,
);
const good = [0, 0, 1, 0.5]; // item 2 on top: AUC 1
const bad = [0, 0, -1, 0.5]; // item 2 at the bottom: AUC 0

test('early stopping stops after `patience` epochs without improvement and restores the best epoch', async () => {
  const model = new ToyModel({ script: [bad, good, bad, bad, bad, good] });
  const history = await model.fit(train, { epochs: 6, validation, earlyStopping: { patience: 2 }, log: () => {} });
  assert.equal(history.metric, 'auc');
  assert.deepEqual(
    history.epochs.map((e) => e.validation),
    [0, 1, 0, 0],
  );
  assert.equal(history.bestEpoch, 2);
  assert.equal(history.stoppedEarly, true);
  assert.deepEqual([...model.scores], good, 'the parameters of epoch 2 are back');
});

test('without restoreBest the last epoch stays', async () => {
  const model = new ToyModel({ script: [good, bad, bad] });
  const history = await model.fit(train, { epochs: 3, validation, earlyStopping: { patience: 5, restoreBest: false }, log: () => {} });
  assert.equal(history.bestEpoch, 3);
  assert.deepEqual([...model.scores], bad);
});

test('a NaN loss stops training with a divergence warning', async () => {
  const model = new ToyModel({ losses: [1, NaN, 1] });
  const lines: string[] = [];
  const history = await model.fit(train, { epochs: 3, log: (l) => lines.push(l) });
  assert.equal(history.epochs.length, 2);
  assert.match(history.warnings[0], /diverged at epoch 2/);
  assert.match(lines.join('\n'), /warning: training diverged/);
});

test('a validation AUC at chance is flagged', async () => {
  const constant = [0, 0, 0, 0];
  const model = new ToyModel({ script: [constant, constant, constant] });
  const history = await model.fit(train, { epochs: 3, validation, log: () => {} });
  assert.equal(history.epochs[2].validation, 0.5);
  assert.ok(history.warnings.some((w) => /no better than chance/.test(w)));
});

test('a callback can stop training, and each epoch is recorded', async () => {
  const seen: number[] = [];
  const model = new ToyModel();
  const history = await model.fit(train, { epochs: 10, log: () => {}, callbacks: { onEpochEnd: (r) => (seen.push(r.epoch), r.epoch < 3) } });
  assert.deepEqual(seen, [1, 2, 3]);
  assert.equal(history.epochs.length, 3);
});

test('impossible fit options are refused clearly', async () => {
  await assert.rejects(new ToyModel().fit(train, { epochs: -1 }), ConfigError);
  await assert.rejects(new ToyModel().fit(train, { threads: 0 }), /threads must be/);
  await assert.rejects(new ToyModel().fit(train.subset([])), /empty training set/);
  await assert.rejects(new ToyModel().fit(train, { validation, validationMetric: 'precision' }), /needs a cut-off/);
});

test('more threads than cores are capped at the core count, with a warning', async () => {
  const { availableParallelism } = await import('node:os');
  const cores = availableParallelism();
  const seen: number[] = [];
  const model = new ToyModel({ script: [good] });
  const trainEpoch = model.trainEpoch.bind(model);
  model.trainEpoch = (ctx) => (seen.push(ctx.threads), trainEpoch(ctx));
  const history = await model.fit(train, { epochs: 1, threads: cores + 62, log: () => {} });
  assert.deepEqual(seen, [cores]);
  assert.ok(
    history.warnings.some((w) => w.includes(`threads ${cores + 62} is more than the ${cores} cores`)),
    history.warnings.join('\n'),
  );
});

test("a model's fitWarnings is asked once, after prepare and before epoch 1, and its warnings reach every channel", async () => {
  const order: string[] = [];
  const model = new ToyModel({ script: [good, good] });
  const prepare = model.prepare.bind(model);
  model.prepare = (data, rng) => (order.push('prepare'), prepare(data, rng));
  const trainEpoch = model.trainEpoch.bind(model);
  model.trainEpoch = (ctx) => (order.push(`epoch ${ctx.epoch}`), trainEpoch(ctx));
  const trainable: Trainable = model; // the hook as the fit loop sees it
  trainable.fitWarnings = (plan) => {
    order.push(`fitWarnings ${plan.epochs}`);
    return [`a schedule that needs more than ${plan.epochs} epochs`];
  };
  const lines: string[] = [];
  const seen: string[] = [];
  const history = await model.fit(train, { epochs: 2, log: (l) => lines.push(l), callbacks: { onWarning: (w) => seen.push(w) } });
  assert.deepEqual(order, ['prepare', 'fitWarnings 2', 'epoch 1', 'epoch 2']);
  assert.deepEqual(history.warnings, ['a schedule that needs more than 2 epochs']);
  assert.deepEqual(seen, history.warnings);
  assert.match(lines.join('\n'), /warning: a schedule that needs more than 2 epochs/);
});

test('fit records a fingerprint of the training data that ignores row order', async () => {
  const a = new ToyModel({ script: [good] });
  await a.fit(train, { epochs: 1, log: () => {}, provenance: { source: 'toy', split: 'all', positiveThreshold: null } });
  const b = new ToyModel({ script: [good] });
  await b.fit(
    interactionsFrom(
      [
        [1, 1],
        [0, 0],
      ],
      2,
      4,
    ),
    { epochs: 1, log: () => {} },
  );
  const c = new ToyModel({ script: [good] });
  await c.fit(
    interactionsFrom(
      [
        [1, 1],
        [0, 1],
      ],
      2,
      4,
    ),
    { epochs: 1, log: () => {} },
  );
  assert.equal(a.trainingData?.source, 'toy');
  assert.equal(a.trainingData?.interactions, 2);
  assert.equal(a.trainingData?.pairsHash, b.trainingData?.pairsHash);
  assert.notEqual(a.trainingData?.pairsHash, c.trainingData?.pairsHash);
});

test('a fit whose memory estimate exceeds the budget is refused before anything is allocated, with the estimate and advice', async () => {
  const { createModel } = await import('../../src/models/registry.ts');
  const ease = createModel('ease');
  await assert.rejects(
    ease.fit(train, { memoryBudget: 100, log: () => {} }),
    (e: Error) =>
      e instanceof ConfigError &&
      /^ease needs about [\d.]+ [KMG]?B for 2 users × 4 items \(items × items matrices.*more than the 100 B allowed by the memory budget: keep fewer items/.test(e.message),
  );
  await ease.fit(train, { memoryBudget: 2 ** 20, log: () => {} });
  const knn = createModel('item-knn', { neighbors: 1 });
  await assert.rejects(knn.fit(train, { memoryBudget: 10, log: () => {} }), /item-knn needs about .* neighbour table/);
  // A model without an estimate is not refused, but the budget is not passed over in silence.
  const lines: string[] = [];
  await createModel('popularity').fit(train, { memoryBudget: 10, log: (line) => lines.push(line) });
  assert.ok(lines.includes('note: popularity has no memory estimate, so the memory budget was not checked'), lines.join('\n'));
});
