import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../../src/contracts/errors.ts';
import { deepSpecs } from '../../../src/models/deep/specs.ts';
import { createModel, listModels } from '../../../src/models/registry.ts';

const TYPES = ['deepfm', 'match', 'ncf', 'neumf', 'neural-rating'] as const;

test('every deep model has a spec in the registry, with a help text for each hyperparameter', () => {
  assert.deepEqual(Object.keys(deepSpecs).sort(), [...TYPES]);
  const infos = new Map(listModels().map((m) => [m.type, m]));
  for (const type of TYPES) {
    const info = infos.get(type)!;
    assert.ok(info, type);
    for (const key of Object.keys(info.defaults)) assert.ok(info.schema[key]?.help, `${type}.${key} has a schema entry with help`);
  }
});

test('derived hyperparameters (null in the defaults) are resolved in the model config', () => {
  assert.equal(createModel('neumf', { factors: 12 }).config.gmfFactors, 12);
  assert.equal(createModel('neumf', { factors: 12, gmfFactors: 5 }).config.gmfFactors, 5);
  const match = createModel('match', { factors: 16, itemFactors: 8 }).config;
  assert.deepEqual([match.userFactors, match.itemFactors], [16, 8]);
  const rating = createModel('neural-rating').config;
  assert.deepEqual([rating.initStd, rating.task], [0.05, 'rating']);
  const dot = createModel('neural-rating', { combine: 'dot', loss: 'bce' }).config;
  assert.deepEqual([dot.initStd, dot.task], [0.1, 'ranking']);
  assert.equal(createModel('neural-rating', { combine: 'dot', initStd: 0.2, loss: 'bce', task: 'rating' }).config.task, 'rating');
  assert.deepEqual([createModel('deepfm').config.factors, createModel('ncf').config.factors], [16, 32]);
});

test('deep configs are checked against the schema: unknown keys (with a did-you-mean), kinds and ranges', () => {
  assert.throws(
    () => createModel('ncf', { factorz: 8 } as never),
    (e: unknown) => e instanceof ConfigError && /unknown hyperparameter "factorz" \(did you mean "factors"\?\)/.test(e.message),
  );
  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['ncf', { factors: 1.5 }, /factors must be a whole number ≥ 1/],
    ['deepfm', { layers: [64, 0] }, /layers must be a list of positive whole numbers/],
    ['match', { optimizer: 'rmsprop' }, /optimizer must be one of 'sgd', 'adagrad', 'adam'/],
    ['neural-rating', { dropout: 1 }, /dropout must be a number ≥ 0 and < 1/],
    ['neumf', { gmfFactors: 0 }, /gmfFactors must be a whole number ≥ 1/],
    ['match', { margin: 0 }, /margin must be a number > 0/],
    ['deepfm', { useFeatures: 'yes' }, /useFeatures must be true or false/],
    ['ncf', { sampler: 'hard' }, /sampler must be one of/],
    ['neural-rating', { initStd: 0 }, /initStd must be a number > 0/],
    ['ncf', { layers: [] }, /at least one hidden layer/],
  ];
  for (const [type, config, message] of bad)
    assert.throws(
      () => createModel(type, config),
      (e: unknown) => e instanceof ConfigError && message.test(e.message),
      `${type} ${JSON.stringify(config)}`,
    );
  // neural-rating may have no hidden layers: the output layer reads the combined embeddings.
  assert.deepEqual(createModel('neural-rating', { layers: [] }).config.layers, []);
});
