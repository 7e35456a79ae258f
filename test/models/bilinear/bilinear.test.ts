import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BilinearModel } from '../../../src/models/bilinear/model.ts';
import { createModel, getModelSpec } from '../../../src/models/registry.ts';
import { fullSchema } from '../../../src/models/spec.ts';
import { loadModel } from '../../../src/models/load.ts';
import { ConfigError } from '../../../src/contracts/errors.ts';
import { Rng } from '../../../src/core/rng.ts';
import { plantedImplicit } from '../../helpers/bilinear-data.ts';
import { popularity, ranking } from '../../helpers/metrics.ts';

const data = plantedImplicit({ users: 300, items: 200, perUser: 24, seed: 7 });
const baseline = ranking(popularity(data.train), data.train, data.test);

const learners: [string, Record<string, unknown>][] = [
  ['warp', {}],
  ['bpr', {}],
  ['logistic', {}],
  ['triplet', {}],
  ['bilinear', { loss: 'adaptive-hinge' }],
  ['bilinear', { loss: 'margin', similarity: 'dot' }],
  ['bpr', { optimizer: 'sgd', learningRate: 0.05, sampler: 'uniform' }],
  ['warp', { optimizer: 'adam', learningRate: 0.01 }],
  ['warp', { optimizer: 'adagrad' }],
  ['bpr', { sampler: 'popularity', samplerAlpha: 0.5 }],
];

for (const [type, config] of learners) {
  test(`${type} ${JSON.stringify(config)} learns the planted tastes: beats popularity's per-user AUC and precision@10`, async () => {
    const model = createModel(type, { factors: 16, epochs: 20, ...config });
    await model.fit(data.train, { threads: 1, seed: 3 });
    const m = ranking(model, data.train, data.test);
    // Popularity scores about AUC 0.63, P@10 0.09 here; the planted structure allows ~0.88 / 0.27.
    assert.ok(m.auc >= baseline.auc + 0.15, `AUC ${m.auc.toFixed(4)} vs popularity ${baseline.auc.toFixed(4)}`);
    assert.ok(m.p10 >= baseline.p10 + 0.08, `P@10 ${m.p10.toFixed(4)} vs popularity ${baseline.p10.toFixed(4)}`);
  });
}

test('registered types are one class with different default losses', () => {
  const cases: [string, string, string][] = [
    ['bilinear', 'warp', 'dot'],
    ['warp', 'warp', 'dot'],
    ['bpr', 'bpr', 'dot'],
    ['logistic', 'logistic', 'dot'],
    ['triplet', 'margin', 'cosine'],
  ];
  for (const [type, loss, similarity] of cases) {
    const m = createModel(type);
    assert.ok(m instanceof BilinearModel);
    assert.equal(m.type, type);
    assert.equal(m.config.loss, loss);
    assert.equal(m.config.similarity, similarity);
    assert.equal(m.config.task, 'ranking');
    assert.equal(m.config.factors, 64);
  }
  assert.equal(createModel('bpr', { loss: 'warp' }).config.loss, 'warp', 'config overrides the type default');
});

test('bad hyperparameters fail with a ConfigError naming the option', () => {
  // Typed as plain records: the typed createModel would reject these at compile time.
  const build = (type: string, config: Record<string, unknown>) => createModel(type, config);
  assert.throws(
    () => build('bilinear', { loss: 'softmax' }),
    (e: Error) => e instanceof ConfigError && /loss must be one of .*got "softmax"/.test(e.message),
  );
  assert.throws(() => build('bpr', { factors: 0 }), /factors/);
  assert.throws(() => build('bpr', { similarity: 'l2' }), /similarity/);
  assert.throws(() => build('warp', { maxSampled: 0 }), /maxSampled/);
  assert.throws(() => new BilinearModel('bpr').scoreItems(0, new Float32Array(1)), /not trained/);
});

test('createModel is typed by model type: a literal type name checks the config at compile time', () => {
  const warp = createModel('warp', { factors: 8, loss: 'bpr', l2: 0.01 });
  const factors: number = warp.config.factors; // BilinearModel's complete config, not unknown
  assert.equal(factors, 8);
  // @ts-expect-error: not a bilinear hyperparameter
  assert.throws(() => createModel('warp', { factor: 8 }), /unknown hyperparameter "factor" \(did you mean "factors"\?\)/);
  // @ts-expect-error: loss is one of the bilinear losses
  assert.throws(() => createModel('warp', { loss: 'softmax' }), /loss must be one of/);
});

test('the spec defaults are the built config, with derived values documented as null', () => {
  for (const type of ['bilinear', 'warp', 'bpr', 'logistic', 'triplet'] as const) {
    const spec = getModelSpec(type);
    const config = createModel(type).config as Record<string, unknown>;
    assert.deepEqual(Object.keys(spec.defaults).sort(), Object.keys(config).sort());
    for (const [key, value] of Object.entries(spec.defaults)) {
      if (value === null && config[key] !== null) assert.match(fullSchema(spec)[key].help, /null: /, `${type}.${key} is derived, so its help says from what`);
      else assert.deepEqual(config[key], value, `${type}.${key}`);
    }
  }
  // Derived from the keys given: BPR given WARP's loss trains WARP's epochs.
  assert.equal(createModel('bpr', { loss: 'warp' }).config.epochs, 15);
  assert.equal(createModel('triplet', { similarity: 'dot' }).config.margin, 1);
  assert.equal(createModel('warp', { factors: 10 }).config.initScale, 0.05);
});

test('l2 is shorthand for userL2 and itemL2, and either given on its own wins', () => {
  const both = createModel('bpr', { l2: 0.01 }).config;
  assert.deepEqual([both.userL2, both.itemL2], [0.01, 0.01]);
  const mixed = createModel('bpr', { l2: 0.01, itemL2: 0.5 }).config;
  assert.deepEqual([mixed.userL2, mixed.itemL2], [0.01, 0.5]);
  assert.throws(() => createModel('warp', { l2: -1 }), /l2 must be a number ≥ 0/);
});

test('with threads: 1 a seed reproduces training bit for bit; another seed does not', async () => {
  const fit = async (seed: number) => {
    const m = createModel('warp', { factors: 8, epochs: 3 });
    await m.fit(data.train, { threads: 1, seed });
    return m.getState().tensors;
  };
  const [a, b, c] = [await fit(11), await fit(11), await fit(12)];
  assert.deepEqual(Object.keys(a), ['user.id', 'item.id', 'userBias.id', 'itemBias.id']);
  for (const name of Object.keys(a)) assert.deepEqual(a[name].data, b[name].data, `${name} differs between identical runs`);
  assert.notDeepEqual(a['item.id'].data, c['item.id'].data);
});

test('save → load gives identical scores', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'tastebud-bilinear-'));
  try {
    const model = createModel('bpr', { factors: 8, epochs: 2 });
    await model.fit(data.train, { threads: 1 });
    await model.save(dir);
    const loaded = await loadModel(dir);
    assert.equal(loaded.type, 'bpr');
    assert.deepEqual(loaded.config, model.config);
    for (const u of [0, 17, 299]) {
      const a = new Float32Array(model.numItems);
      const b = new Float32Array(model.numItems);
      model.scoreItems(u, a);
      loaded.scoreItems(u, b);
      assert.deepEqual(b, a);
    }
    assert.deepEqual(loaded.recommend('u5', { k: 5 }), model.recommend('u5', { k: 5 }));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('Hogwild training over worker threads learns as well and leaves no worker behind', async () => {
  const model = createModel('bpr', { factors: 16, epochs: 20, minParallelPositives: 0 });
  await model.fit(data.train, { threads: 2, seed: 3 });
  const m = ranking(model, data.train, data.test);
  assert.ok(m.auc >= baseline.auc + 0.15, `AUC ${m.auc.toFixed(4)} vs popularity ${baseline.auc.toFixed(4)}`);
  assert.equal((model as unknown as { pool: unknown }).pool, null, 'the pool is closed after fit');
});

test('positiveThreshold trains only on interactions with a high enough value', async () => {
  const values = Float32Array.from(data.train.values, (_, k) => (k % 2 === 0 ? 5 : 1));
  const rated = data.train.withValues(values);
  // Half the interactions are 5s; with them alone a BPR step per positive sees half the data.
  const model = createModel('bpr', { factors: 4, epochs: 1, positiveThreshold: 4 });
  let steps = 0;
  const counting = model as unknown as { trainingKernel: { run: (...a: unknown[]) => number } | null };
  await model.fit(rated, { threads: 1, epochs: 0 });
  const kernel = counting.trainingKernel!;
  const run = kernel.run.bind(kernel);
  kernel.run = (users: unknown, items: unknown, order: unknown, start: unknown, end: unknown) => {
    steps += (end as number) - (start as number);
    return run(users, items, order, start, end);
  };
  await model.trainEpoch({ epoch: 1, rng: new Rng(1), threads: 1, options: {}, progress() {} });
  assert.equal(steps, Math.ceil(data.train.length / 2));
  await assert.rejects(createModel('bpr', { positiveThreshold: 9 }).fit(rated, { threads: 1 }), /no training positives/);
});
