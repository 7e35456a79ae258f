/**
 * The fit loop's hardening against data and options it used to accept and misuse: a trained
 * model sharing its data's id maps, non-finite values, indices outside the id maps, feature
 * matrices of the wrong size or left over from an earlier fit, and unchecked fit options.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createModel, generateSynthetic, InteractionsBuilder, loadModel, randomSplit } from '../../src/index.ts';
import { ConfigError, DataFormatError } from '../../src/contracts/errors.ts';
import { IdMap } from '../../src/data/idmap.ts';
import { Interactions } from '../../src/data/interactions.ts';
import { HybridEmbedding } from '../../src/core/hybrid.ts';
import { EmbeddingBag } from '../../src/models/twotower/embedding-bag.ts';
import { FieldLayout } from '../../src/models/deep/fields.ts';
import type { FitOptions } from '../../src/train/types.ts';
import { withTempDir } from '../helpers/temp-dir.ts';

const quiet = { threads: 1, log: () => {} };
const small = () => generateSynthetic({ users: 40, items: 30, seed: 1, itemFeatures: 3, userFeatures: 2 });

test('IdMap.clone is an independent copy: ids added to either map later do not show in the other', () => {
  const original = new IdMap(['a', 'b']);
  const copy = original.clone();
  assert.equal(original.add('c'), 2);
  assert.equal(copy.size, 2);
  assert.equal(copy.get('c'), undefined);
  assert.equal(copy.has('c'), false);
  assert.throws(() => copy.id(2), /outside the id map \(size 2\)/);
  assert.deepEqual(copy.toArray(), ['a', 'b']);
  assert.deepEqual(JSON.parse(JSON.stringify(copy)), ['a', 'b']);
  // Extending the copy gives it storage of its own; the original keeps its own 'c' at 2.
  assert.equal(copy.add('d'), 2);
  assert.equal(copy.add('a'), 0);
  assert.deepEqual(copy.toArray(), ['a', 'b', 'd']);
  assert.deepEqual(original.toArray(), ['a', 'b', 'c']);
  assert.equal(original.get('d'), undefined);
  assert.equal(copy.clone().clone().get('d'), 2);
});

test('a trained model keeps its own id maps: extending the training data maps afterwards changes nothing in the model', async () => {
  const data = small().interactions;
  const model = createModel('bpr', { epochs: 2 });
  await model.fit(data, quiet);
  const before = model.similarItems('i1', 3);
  new InteractionsBuilder({ userIds: data.userIds, itemIds: data.itemIds }).add('new-user', 'new-item', 1, Number.NaN);
  assert.equal(data.numUsers, 41, 'the data maps grew');
  assert.equal(model.numUsers, 40);
  assert.equal(model.numItems, 30);
  assert.throws(
    () => model.similarItems('new-item', 3),
    (e: Error) => e instanceof ConfigError && /unknown item "new-item"/.test(e.message),
  );
  assert.deepEqual(model.similarItems('i1', 3), before);
  await withTempDir(async (dir) => {
    await model.save(dir);
    const loaded = await loadModel(dir);
    assert.equal(loaded.numItems, 30);
    assert.deepEqual(loaded.similarItems('i1', 3), before);
  });
});

test('values built in code must be finite: withValues, the constructor and fit name the first bad row and the count', async () => {
  const data = small().interactions;
  const values = data.values.slice();
  values[3] = Number.NaN;
  values[7] = Number.POSITIVE_INFINITY;
  const user = data.userIds.id(data.users[3]);
  const item = data.itemIds.id(data.items[3]);
  const named = (e: Error) =>
    e instanceof DataFormatError && e.message.includes(`2 of ${data.length} are NaN or ±Infinity`) && e.message.includes(`position 3 (user "${user}", item "${item}", value NaN)`);
  assert.throws(() => data.withValues(values), named);
  // `values` is a mutable array: fit looks again rather than train on NaN ("diverged, lower the learning rate").
  const mutated = data.subset(Array.from({ length: data.length }, (_, p) => p));
  mutated.values[3] = Number.NaN;
  const lines: string[] = [];
  await assert.rejects(
    createModel('mf', { epochs: 1 }).fit(mutated, { ...quiet, log: (l) => lines.push(l) }),
    (e: Error) => e instanceof DataFormatError && /training values must be finite/.test(e.message),
  );
  assert.deepEqual(
    lines.filter((l) => /diverged/.test(l)),
    [],
  );
  const { train, test } = randomSplit(data, { testRatio: 0.2, seed: 1 });
  test.values[0] = Number.NaN;
  await assert.rejects(createModel('bpr', { epochs: 1 }).fit(train, { ...quiet, validation: test }), /validation values must be finite/);
});

test('the Interactions constructor refuses indices outside its id maps, naming the position and the index', () => {
  const make = (users: number[], items: number[]) =>
    new Interactions({ users: Int32Array.from(users), items: Int32Array.from(items), userIds: new IdMap(['a']), itemIds: new IdMap(['x', 'y']) });
  assert.throws(
    () => make([0, 5], [0, 1]),
    (e: Error) => e instanceof DataFormatError && /users\[1\] is 5, outside the user id map \(1 ids/.test(e.message),
  );
  assert.throws(
    () => make([0, 0, 0], [1, 0, -1]),
    (e: Error) => e instanceof DataFormatError && /items\[2\] is -1, outside the item id map \(2 ids/.test(e.message),
  );
  assert.equal(make([0, 0], [1, 0]).length, 2);
});

test('a feature matrix needs exactly one row per id of its side, for every model', async () => {
  const a = generateSynthetic({ users: 40, items: 30, seed: 1 }).interactions;
  const b = generateSynthetic({ users: 50, items: 55, seed: 2, itemFeatures: 3, userFeatures: 2 });
  for (const type of ['bpr', 'deepfm', 'two-tower', 'ncf'] as const) {
    await assert.rejects(
      createModel(type, { epochs: 1 }).fit(a, { ...quiet, itemFeatures: b.itemFeatures }),
      (e: Error) => e instanceof ConfigError && /itemFeatures option has 55 rows, and the training data has 30 items/.test(e.message),
      type,
    );
  }
  await assert.rejects(createModel('bpr', { epochs: 1 }).fit(a, { ...quiet, userFeatures: b.userFeatures }), /userFeatures option has 50 rows, and the training data has 40 users/);
});

test('the embedding tables and the DeepFM field layout refuse a feature matrix with more rows than ids', () => {
  const features = generateSynthetic({ users: 10, items: 12, seed: 3, itemFeatures: 2 }).itemFeatures!;
  const optimizer = { name: 'sgd', learningRate: 0.1 } as const;
  assert.throws(() => new HybridEmbedding({ rows: 8, dim: 2, optimizer, features, name: 'item' }), /item: the feature matrix has 12 rows and the id map 8 ids/);
  assert.throws(() => new EmbeddingBag({ rows: 8, dim: 2, identity: true, features, optimizer, name: 'item' }), /item: the feature matrix has 12 rows and the id map 8 ids/);
  assert.throws(
    () => new FieldLayout(10, 8, null, features),
    (e: Error) => e instanceof ConfigError && /item feature matrix has 12 rows and the item id map 8 ids/.test(e.message),
  );
  assert.equal(new FieldLayout(10, 12, null, features).numFeatures, 22 + features.numFeatures);
});

test('a fit without features trains without them: a previous fit does not leave its features behind', async () => {
  const b = generateSynthetic({ users: 50, items: 55, seed: 2, itemFeatures: 3, userFeatures: 2 });
  const a = generateSynthetic({ users: 40, items: 30, seed: 1 }).interactions;
  const model = createModel('bpr', { epochs: 1 });
  await model.fit(b.interactions, { ...quiet, itemFeatures: b.itemFeatures, userFeatures: b.userFeatures });
  assert.equal(model.itemFeatures, b.itemFeatures);
  const lines: string[] = [];
  await model.fit(a, { ...quiet, log: (l) => lines.push(l) });
  assert.equal(model.itemFeatures, null);
  assert.equal(model.userFeatures, null);
  assert.ok(
    lines.some((l) => /trains without the item features its previous fit trained with/.test(l)),
    lines.join('\n'),
  );
  // The same data again without features: still none (the previous fit's are not carried).
  await model.fit(b.interactions, { ...quiet, itemFeatures: b.itemFeatures });
  await model.fit(b.interactions, quiet);
  assert.equal(model.itemFeatures, null);
  // Set by hand on a new model before its first fit, they are used (and checked).
  const fresh = createModel('bpr', { epochs: 1 });
  fresh.itemFeatures = b.itemFeatures!;
  await fresh.fit(b.interactions, quiet);
  assert.equal(fresh.itemFeatures, b.itemFeatures);
  const wrong = createModel('bpr', { epochs: 1 });
  wrong.itemFeatures = b.itemFeatures!;
  await assert.rejects(wrong.fit(a, quiet), /the model's itemFeatures \(set before its first fit\) has 55 rows, and the training data has 30 items/);
});

test('fit options are checked: the seed, unknown keys (with a suggestion) and early stopping', async () => {
  const data = small().interactions;
  const { train, test: validation } = randomSplit(data, { testRatio: 0.2, seed: 1 });
  const fit = (options: Record<string, unknown>) => createModel('bpr', { epochs: 1 }).fit(train, { ...quiet, ...options } as FitOptions);
  for (const seed of [1.5, '1', 'abc', Number.NaN, -1, 2 ** 32]) {
    await assert.rejects(fit({ seed }), (e: Error) => e instanceof ConfigError && /seed must be a whole number with 0 ≤ seed < 2\^32/.test(e.message), String(seed));
  }
  await fit({ seed: 0 });
  await fit({ seed: 2 ** 32 - 1 });
  await assert.rejects(fit({ thread: 2 }), (e: Error) => e instanceof ConfigError && /unknown fit option "thread" \(did you mean "threads"\?\)/.test(e.message));
  await assert.rejects(fit({ seeds: 2 }), /unknown fit option "seeds" \(did you mean "seed"\?\)/);
  await assert.rejects(fit({ earlyStopping: { patience: 2 } }), (e: Error) => e instanceof ConfigError && /earlyStopping needs validation data/.test(e.message));
  for (const patience of [0, 1.5, -1, '2', undefined]) {
    await assert.rejects(fit({ validation, earlyStopping: { patience } }), /earlyStopping.patience must be a whole number ≥ 1/, String(patience));
  }
  await assert.rejects(fit({ validation, earlyStopping: { patience: 2, restorBest: false } }), /unknown earlyStopping option "restorBest" \(did you mean "restoreBest"\?\)/);
  await fit({ validation, earlyStopping: { patience: 1 } });
  await fit({ earlyStopping: false });
});

test('a patience of all the epochs or more is noted: early stopping cannot end that fit', async () => {
  const data = generateSynthetic({ users: 40, items: 30, factors: 4, interactionsPerUser: 8, seed: 2 }).interactions;
  const { train, test: validation } = randomSplit(data, { testRatio: 0.2, seed: 1 });
  const lines: string[] = [];
  await createModel('bpr', { factors: 4, epochs: 3 }).fit(train, { threads: 1, seed: 1, validation, earlyStopping: { patience: 10 }, log: (l) => lines.push(l) });
  assert.ok(
    lines.some((l) => /earlyStopping\.patience 10 ≥ the 3 epochs of this fit: early stopping cannot end it early/.test(l)),
    lines.join('\n'),
  );
  const quiet: string[] = [];
  await createModel('bpr', { factors: 4, epochs: 3 }).fit(train, { threads: 1, seed: 1, validation, earlyStopping: { patience: 2 }, log: (l) => quiet.push(l) });
  assert.ok(!quiet.some((l) => /patience/.test(l)), quiet.join('\n'));
});
