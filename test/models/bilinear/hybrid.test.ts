import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BilinearModel } from '../../../src/models/bilinear/model.ts';
import { loadModel } from '../../../src/models/load.ts';
import { likedGenreFeatures, plantedImplicit } from '../../helpers/bilinear-data.ts';
import { aucWithin } from '../../helpers/metrics.ts';

// The last 40 items never appear in train; their genre feature is all a model can know of them.
const data = plantedImplicit({ users: 300, items: 200, perUser: 24, coldItems: 40, seed: 9 });
const cold = { from: 160, to: 200 };

async function trained(config: Record<string, unknown>, withFeatures: boolean): Promise<BilinearModel> {
  const model = new BilinearModel('warp', { factors: 16, epochs: 15, ...config });
  await model.fit(data.train, { threads: 1, seed: 2, itemFeatures: withFeatures ? data.itemFeatures : undefined });
  return model;
}

test('cold-start items get better-than-random scores from item features', async () => {
  assert.ok(data.coldTest.length > 100, 'the fixture has test interactions on cold items');
  for (const identityFeatures of [true, false]) {
    const model = await trained({ identityFeatures }, true);
    const auc = aucWithin(model, data.train, data.test, cold.from, cold.to);
    assert.ok(auc > 0.75, `identityFeatures ${identityFeatures}: AUC among cold items ${auc.toFixed(4)}`);
  }
  // Without features the cold items' vectors carry nothing: ranking among them is chance.
  const plain = await trained({}, false);
  const auc = aucWithin(plain, data.train, data.test, cold.from, cold.to);
  assert.ok(Math.abs(auc - 0.5) < 0.1, `plain model on cold items: ${auc.toFixed(4)}`);
});

test('a brand-new item scored from its features alone matches a features-only item with the same features', async () => {
  const model = await trained({ identityFeatures: false }, true);
  const scores = new Float32Array(model.numItems);
  for (const u of [0, 42]) {
    model.scoreItems(u, scores);
    for (const item of [3, 170]) {
      const genre = data.clusterOf[item];
      assert.ok(Math.abs(model.scoreNewItem(u, [genre]) - scores[item]) < 1e-5);
    }
  }
});

test('a cold-start user known only by features is scored through the user feature embeddings', async () => {
  // User features = each user's favourite genre, guessed from train (the most frequent genre).
  const userFeatures = likedGenreFeatures(data);
  const model = new BilinearModel('warp', { factors: 16, epochs: 15 });
  await model.fit(data.train, { threads: 1, seed: 2, userFeatures, itemFeatures: data.itemFeatures });
  // A newcomer who likes genre g should see genre-g items on top.
  const scores = new Float32Array(model.numItems);
  let hits = 0;
  for (let g = 0; g < 8; g++) {
    model.scoreItemsFromFeatures([g], null, scores);
    const top = model.rankScores(scores, -1, { k: 10, excludeSeen: false });
    hits += top.filter((r) => data.clusterOf[r.index] === g).length;
  }
  assert.ok(hits / 80 > 0.5, `${hits} of 80 top-10 items are in the newcomer's genre (chance: 10)`);
});

test('a hybrid model saves and loads with its features, scoring identically', async () => {
  const model = await trained({ factors: 8, epochs: 2 }, true);
  const dir = await mkdtemp(path.join(tmpdir(), 'tastebud-hybrid-'));
  try {
    await model.save(dir);
    const loaded = (await loadModel(dir)) as BilinearModel;
    assert.ok(loaded.itemFeatures !== null);
    const a = new Float32Array(model.numItems);
    const b = new Float32Array(model.numItems);
    model.scoreItems(7, a);
    loaded.scoreItems(7, b);
    assert.deepEqual(b, a);
    assert.equal(loaded.scoreNewItem(7, [2]), model.scoreNewItem(7, [2]));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
