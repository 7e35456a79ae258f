import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ItemKnn } from '../../../src/models/baselines/item-knn.ts';
import { fitQuietly, fromMatrix, scoresOf } from '../../helpers/baselines.ts';

const close = (a: number, b: number, eps = 1e-6): boolean => Math.abs(a - b) < eps;

// Item columns: i0 = {u0, u1, u3}, i1 = {u0, u1, u2}, i2 = {u1, u2}.
const data = fromMatrix([
  [1, 1, 0],
  [1, 1, 1],
  [0, 1, 1],
  [1, 0, 0],
]);
const s01 = 2 / 3; // 2 shared users / (√3·√3)
const s02 = 1 / Math.sqrt(6); // 1 / (√3·√2)
const s12 = 2 / Math.sqrt(6);

test("item–item similarity is the cosine of the items' user columns, symmetric, without self-similarity", async () => {
  const model = await fitQuietly(new ItemKnn(), data);
  assert.ok(close(model.similarity(0, 1), s01));
  assert.ok(close(model.similarity(0, 2), s02));
  assert.ok(close(model.similarity(1, 2), s12));
  for (const [i, j] of [
    [0, 1],
    [0, 2],
    [1, 2],
  ])
    assert.equal(model.similarity(i, j), model.similarity(j, i));
  assert.equal(model.similarity(1, 1), 0);
});

test('shrinkage adds to the denominator, damping similarities', async () => {
  const model = await fitQuietly(new ItemKnn({ shrinkage: 1 }), data);
  assert.ok(close(model.similarity(0, 1), 2 / (3 + 1)));
  assert.ok(close(model.similarity(1, 2), 2 / (Math.sqrt(6) + 1)));
});

test("score(u, j) sums the similarities of j to the user's items", async () => {
  const model = await fitQuietly(new ItemKnn(), data);
  const u2 = scoresOf(model, 2); // items {1, 2}
  assert.ok(close(u2[0], s01 + s02));
  assert.ok(close(u2[1], s12));
  assert.ok(close(u2[2], s12));
  const u3 = scoresOf(model, 3); // item {0}
  assert.ok(close(u3[0], 0) && close(u3[1], s01) && close(u3[2], s02));
  assert.equal(model.recommend('u3', { k: 1 })[0].item, 'i1');
});

test('only the top `neighbors` of each item are kept', async () => {
  const model = await fitQuietly(new ItemKnn({ neighbors: 1 }), data);
  assert.ok(close(model.similarity(0, 1), s01), 'i0 keeps i1');
  assert.equal(model.similarity(0, 2), 0, 'i0 drops i2');
  assert.ok(close(model.similarity(2, 1), s12), 'i2 keeps i1');
  const u3 = scoresOf(model, 3);
  assert.ok(close(u3[1], s01) && u3[2] === 0);
});

test('similar items come from the table, most similar first', async () => {
  const model = await fitQuietly(new ItemKnn(), data);
  assert.deepEqual(
    model.similarItems('i1', 5).map((r) => r.item),
    ['i2', 'i0'],
  );
  assert.ok(close(model.similarItems('i0', 1)[0].score, s01));
});
