import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createModel } from '../../../src/models/registry.ts';
import { loadModel } from '../../../src/models/load.ts';
import { generateSynthetic } from '../../../src/data/synthetic.ts';
import { fitQuietly, scoresOf } from '../../helpers/baselines.ts';

const implicit = generateSynthetic({ users: 60, items: 40, factors: 4, interactionsPerUser: 8, itemFeatures: 4, seed: 9 });
const rated = generateSynthetic({ users: 60, items: 40, factors: 4, interactionsPerUser: 8, ratings: true, seed: 9 });

const cases: { type: string; config: Record<string, unknown>; data: typeof implicit; features?: boolean }[] = [
  { type: 'random', config: {}, data: implicit },
  { type: 'popularity', config: {}, data: implicit },
  { type: 'popularity', config: { task: 'rating', shrinkage: 3 }, data: rated },
  { type: 'user-knn', config: { similarity: 'jaccard', neighbors: 5 }, data: implicit },
  { type: 'user-knn', config: { task: 'rating', neighbors: 5 }, data: rated },
  { type: 'item-knn', config: { neighbors: 5, shrinkage: 2 }, data: implicit },
  { type: 'logistic-regression', config: { epochs: 2 }, data: implicit, features: true },
  { type: 'ials', config: { factors: 4, iterations: 2 }, data: implicit },
  { type: 'ease', config: { lambda: 10 }, data: implicit },
];

for (const { type, config, data, features } of cases) {
  test(`${type} ${JSON.stringify(config)}: save → load gives identical scores`, async (t) => {
    const dir = await mkdtemp(path.join(tmpdir(), `tastebud-${type}-`));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const model = await fitQuietly(createModel(type, config), data.interactions, features ? { itemFeatures: data.itemFeatures } : {});
    assert.ok(new Set(scoresOf(model, 7)).size > 2, 'the fitted model gives varied scores (so equality below means something)');
    await model.save(dir);
    const loaded = await loadModel(dir);
    assert.equal(loaded.type, type);
    assert.deepEqual(loaded.config, model.config);
    for (const u of [0, 7, 59]) assert.deepEqual(scoresOf(loaded, u), scoresOf(model, u), `user ${u}`);
    const users = Int32Array.of(3, 3, 41, 12);
    const items = Int32Array.of(0, 39, 5, 17);
    assert.deepEqual(loaded.score(users, items), model.score(users, items));
    assert.deepEqual(loaded.recommend('u7', { k: 5 }), model.recommend('u7', { k: 5 }));
  });
}
