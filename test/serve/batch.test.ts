import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSynthetic } from '../../src/data/synthetic.ts';
import { createModel } from '../../src/models/registry.ts';
import { recommendAllUsers, recommendBatch } from '../../src/serve/batch.ts';
import { interactionsFrom } from '../helpers/toy-model.ts';

test('batch recommendations on worker threads equal the single-thread ones, in user order', async () => {
  const data = generateSynthetic({ users: 700, items: 300, factors: 4, interactionsPerUser: 10, seed: 2 });
  const model = createModel('item-knn');
  await model.fit(data.interactions, { log: () => {} });
  const dir = await mkdtemp(join(tmpdir(), 'tastebud-batch-'));
  await model.save(dir);
  const collect = async (threads: number): Promise<string> => {
    let text = '';
    await recommendAllUsers(model, dir, { k: 5, threads }, (chunk) => {
      text += chunk;
    });
    return text;
  };
  const one = await collect(1);
  const two = await collect(2);
  assert.equal(two, one);
  const lines = one.trim().split('\n');
  assert.equal(lines.length, 700);
  assert.equal(lines[0].split('\t')[0], model.userIds.id(0));
  const [user, items] = lines[3].split('\t');
  assert.deepEqual(
    items.split(','),
    model.recommend(user, { k: 5 }).map((r) => r.item),
  );
});

test('excluded pairs and seen items never appear, and a user with nothing left gets an empty list', async () => {
  const train = interactionsFrom(
    [
      [0, 0],
      [0, 1],
      [1, 0],
    ],
    2,
    3,
  );
  const model = createModel('popularity');
  await model.fit(train, { log: () => {} });
  const got = new Map<number, number[]>();
  const extra = interactionsFrom([[0, 2]], 2, 3);
  recommendBatch(model, { k: 3, exclude: [extra] }, (u, items) => got.set(u, [...items]));
  assert.deepEqual(got.get(0), [], 'user 0 saw items 0 and 1, and item 2 is excluded');
  assert.deepEqual(got.get(1), [1, 2]);
});
