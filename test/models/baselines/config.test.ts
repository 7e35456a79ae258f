import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../../src/contracts/errors.ts';
import { createModel, listModels } from '../../../src/models/registry.ts';
import { baselinesSpecs } from '../../../src/models/baselines/specs.ts';
import { checkValue, type ParamSchema } from '../../../src/models/spec.ts';

const BASELINES = ['random', 'popularity', 'user-knn', 'item-knn', 'logistic-regression', 'ials', 'ease'];

test('every baseline is registered and its config holds every hyperparameter with defaults filled in', () => {
  const known = new Set(listModels().map((m) => m.type));
  for (const type of BASELINES) {
    assert.ok(known.has(type), `${type} is registered`);
    const model = createModel(type);
    assert.equal(model.type, type);
    assert.ok(model.config.task === 'ranking' || model.config.task === 'rating', `${type} has a task`);
    assert.ok(Number.isInteger(model.config.epochs), `${type} has epochs for the fit loop`);
    // A model file stores the config and rebuilds from it: it must round-trip through JSON.
    const again = createModel(type, JSON.parse(JSON.stringify(model.config)));
    assert.deepEqual(again.config, model.config);
  }
});

test('closed-form baselines fit in one epoch; iALS runs one epoch per iteration', () => {
  for (const type of ['random', 'popularity', 'user-knn', 'item-knn', 'ease']) assert.equal(createModel(type).config.epochs, 1, type);
  assert.equal(createModel('ials', { iterations: 7 }).config.epochs, 7);
  assert.equal(createModel('ials', { iterations: 7, epochs: 3 }).config.epochs, 3);
});

test('impossible hyperparameters are ConfigErrors naming the model and the value', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['user-knn', { neighbors: 0 }, /user-knn: neighbors must be a whole number ≥ 1, got 0/],
    ['user-knn', { neighbors: 2.5 }, /neighbors must be a whole number/],
    ['user-knn', { similarity: 'pearson' }, /similarity must be one of 'jaccard', 'cosine'/],
    ['user-knn', { centered: 'yes' }, /centered must be true or false/],
    ['item-knn', { neighbors: -3 }, /item-knn: neighbors must be a whole number ≥ 1/],
    ['item-knn', { shrinkage: -1 }, /shrinkage must be a number ≥ 0/],
    ['item-knn', { task: 'rating' }, /task must be one of 'ranking'/],
    ['ease', { lambda: -1 }, /ease: lambda must be a number ≥ 0, got -1/],
    ['ease', { lambda: Number.NaN }, /lambda must be a number/],
    ['ials', { factors: 0 }, /ials: factors must be a whole number ≥ 1, got 0/],
    ['ials', { regularization: -0.1 }, /regularization must be a number ≥ 0/],
    ['ials', { alpha: -1 }, /alpha must be a number ≥ 0/],
    ['ials', { solver: 'lu' }, /solver must be one of 'cg', 'cholesky'/],
    ['ials', { cgSteps: 0 }, /cgSteps must be a whole number ≥ 1/],
    ['logistic-regression', { negatives: 0 }, /negatives must be a whole number ≥ 1/],
    ['logistic-regression', { learningRate: 0 }, /learningRate must be a number > 0/],
    ['logistic-regression', { optimizer: 'rmsprop' }, /optimizer must be one of/],
    ['popularity', { shrinkage: -2 }, /popularity: shrinkage must be a number ≥ 0/],
    ['popularity', { task: 'classification' }, /task must be one of 'ranking', 'rating'/],
    ['random', { epochs: -1 }, /epochs must be a whole number ≥ 0/],
  ];
  for (const [type, config, message] of cases) {
    assert.throws(
      () => createModel(type, config),
      (e: unknown) => e instanceof ConfigError && message.test(e.message),
      `${type} ${JSON.stringify(config)}`,
    );
  }
});

test('a misspelt hyperparameter is rejected instead of silently using the default', () => {
  // Through a plain string the config is not type-checked, so the run-time check is what is tested.
  assert.throws(
    () => createModel('ease' as string, { lamda: 300 }),
    (e: unknown) => e instanceof ConfigError && /ease: unknown hyperparameter "lamda" \(did you mean "lambda"\?\) \(known: .*lambda/.test(e.message),
  );
  assert.throws(() => createModel('user-knn' as string, { k: 10 }), /unknown hyperparameter "k"/);
  // The fit loop's own keys are accepted by every model.
  assert.equal((createModel('ease', { seed: 3, threads: 1 }).config as Record<string, unknown>).seed, 3);
});

test('logistic regression on explicit feedback allows zero negatives', () => {
  assert.equal(createModel('logistic-regression', { feedback: 'explicit', negatives: 0 }).config.negatives, 0);
});

test('every baseline spec documents each hyperparameter, and its defaults pass its own schema', () => {
  const types = Object.keys(baselinesSpecs).sort();
  assert.deepEqual(types, [...BASELINES, 'rp3beta'].sort());
  for (const spec of Object.values(baselinesSpecs)) {
    const schema = spec.schema as Record<string, ParamSchema>;
    for (const [key, entry] of Object.entries(schema)) {
      assert.ok(entry.help.length > 0, `${spec.type}.${key} has help`);
      assert.equal(checkValue(entry, (spec.defaults as Record<string, unknown>)[key]), null, `${spec.type}.${key} default`);
    }
  }
});

test('cross-field rules: iALS epochs null means iterations; implicit logistic regression needs a negative', () => {
  assert.equal(createModel('ials' as string, { iterations: 4, epochs: null }).config.epochs, 4);
  assert.throws(() => createModel('logistic-regression', { feedback: 'implicit', negatives: 0 }), /negatives must be a whole number ≥ 1 with feedback 'implicit'/);
  assert.throws(() => createModel('ease', { dropout: 1 }), /ease: dropout must be a number ≥ 0 and < 1, got 1/);
});
