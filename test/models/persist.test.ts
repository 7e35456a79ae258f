import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ToyModel, interactionsFrom } from '../helpers/toy-model.ts';
import { loadModel } from '../../src/models/load.ts';
import { createModel } from '../../src/models/registry.ts';
import { generateSynthetic } from '../../src/data/synthetic.ts';

const train = interactionsFrom(
  [
    [0, 0],
    [0, 1],
    [1, 2],
  ],
  2,
  4,
);

async function trainedToy(): Promise<{ model: ToyModel; dir: string }> {
  const model = new ToyModel({ script: [[0.1, 0.2, 0.3, 0.4]] });
  await model.fit(train, { epochs: 1, log: () => {} });
  const dir = await mkdtemp(join(tmpdir(), 'tastebud-model-'));
  await model.save(dir);
  return { model, dir };
}

test('save → load gives the same model: scores, ids, seen items, config, history', async () => {
  const { model, dir } = await trainedToy();
  const loaded = await loadModel(dir);
  assert.equal(loaded.type, 'toy');
  assert.deepEqual(loaded.config, model.config);
  assert.deepEqual(loaded.itemIds.toArray(), ['i0', 'i1', 'i2', 'i3']);
  assert.deepEqual(loaded.recommend('u0', { k: 5 }), model.recommend('u0', { k: 5 }));
  assert.deepEqual(
    loaded.recommend('u0', { k: 5 }).map((r) => r.item),
    ['i3', 'i2'],
    'u0 saw i0 and i1',
  );
  assert.equal(loaded.history?.epochs.length, 1);
});

test('the manifest names the format, version, type and tensor shapes', async () => {
  const { dir } = await trainedToy();
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
  assert.equal(manifest.format, 'tastebud-model');
  assert.equal(manifest.formatVersion, 1);
  assert.deepEqual(manifest.tensors.scores, [4]);
});

test('a newer format version, a missing tensor or a wrong shape is refused with a clear message', async () => {
  const { dir } = await trainedToy();
  const path = join(dir, 'manifest.json');
  const manifest = JSON.parse(await readFile(path, 'utf8'));
  await writeFile(path, JSON.stringify({ ...manifest, formatVersion: 99 }));
  await assert.rejects(loadModel(dir), /format version 99 is newer/);
  await writeFile(path, JSON.stringify({ ...manifest, tensors: { ...manifest.tensors, extra: [3] } }));
  await assert.rejects(loadModel(dir), /lacks tensor "extra"/);
  await writeFile(path, JSON.stringify({ ...manifest, itemIds: ['a', 'b'], tensors: { ...manifest.tensors, scores: [4] } }));
  await assert.rejects(loadModel(dir), /tensor "scores" has shape \[4\], expected \[2\]/);
  await assert.rejects(loadModel(join(dir, 'nope')), /no such model directory/);
});

test('unknown users and items get clear errors', async () => {
  const { model } = await trainedToy();
  assert.throws(() => model.recommend('nobody'), /unknown user "nobody"/);
  assert.throws(() => model.similarItems('i0'), /no item vectors/);
});

test('a diverged history keeps its non-finite losses through the model file: numbers again on load, strings in the JSON', async () => {
  const data = generateSynthetic({ users: 60, items: 40, factors: 4, interactionsPerUser: 8, seed: 3 });
  const model = createModel('mf', { learningRate: 1e6, epochs: 3 });
  await model.fit(data.interactions, { seed: 1, log: () => {} });
  assert.equal(model.status, 'diverged');
  const dir = join(await mkdtemp(join(tmpdir(), 'tastebud-nan-')), 'm');
  await model.save(dir);
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
  assert.deepEqual(
    manifest.history.epochs.map((e: { loss: unknown }) => e.loss),
    ['NaN'],
  );
  const loaded = await loadModel(dir);
  // The history's type says a number: NaN, not the null that JSON would have made of it.
  assert.ok(loaded.history !== null && Number.isNaN(loaded.history.epochs[0].loss) && typeof loaded.history.epochs[0].loss === 'number');
  assert.equal(loaded.status, 'diverged');
});
