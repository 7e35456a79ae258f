import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/contracts/errors.ts';
import { generateSynthetic } from '../../src/data/synthetic.ts';
import { createModel } from '../../src/models/registry.ts';
import { recommendAllUsers, recommendBatch } from '../../src/serve/batch.ts';
import { ToyModel, interactionsFrom } from '../helpers/toy-model.ts';

const data = generateSynthetic({ users: 20, items: 15, factors: 4, interactionsPerUser: 5, seed: 3 });

test('recommendBatch refuses k 0, negative, NaN or missing, as recommend does', async () => {
  const model = createModel('popularity');
  await model.fit(data.interactions, { progress: false, log: () => {} });
  for (const k of [0, -3, NaN, undefined, 0.5]) {
    let emitted = 0;
    assert.throws(
      () => recommendBatch(model, { k } as { k: number }, () => emitted++),
      (e: unknown) => e instanceof ConfigError && e.message === `k must be ≥ 1, got ${k}`,
      String(k),
    );
    assert.throws(() => model.recommend(0, { k: k ?? NaN }), /^ConfigError: k must be ≥ 1/);
    assert.equal(emitted, 0);
    await assert.rejects(
      recommendAllUsers(model, '/nonexistent', { k: k as number, threads: 2 }, () => {}),
      (e: unknown) => e instanceof ConfigError && e.message === `k must be ≥ 1, got ${k}`,
    );
  }
  let lists = 0;
  recommendBatch(model, { k: 2.7 }, (_u, items) => {
    assert.equal(items.length, 2);
    lists++;
  });
  assert.equal(lists, 20, 'a fractional k ≥ 1 is rounded down, as recommend does');
});

test('recommendBatch refuses user indices the model does not have', async () => {
  const model = createModel('popularity');
  await model.fit(data.interactions, { progress: false, log: () => {} });
  for (const [users, message] of [
    [Int32Array.of(0, -1), "recommendBatch: users[1] = -1 is out of range: this model's user indices run from 0 to 19; translate external ids with model.userIndex(id)"],
    [Int32Array.of(20), "recommendBatch: users[0] = 20 is out of range: this model's user indices run from 0 to 19; translate external ids with model.userIndex(id)"],
  ] as const) {
    assert.throws(
      () => recommendBatch(model, { k: 3, users }, () => {}),
      (e: unknown) => e instanceof ConfigError && e.message === message,
    );
  }
});

test('recommendBatch leaves NaN-scored items out of the lists and ranks the rest', async () => {
  const model = new ToyModel({ epochs: 1, script: [[NaN, 1, NaN, 3, 2]] });
  await model.fit(interactionsFrom([[0, 4]], 1, 5), { progress: false, log: () => {} });
  const got: number[][] = [];
  recommendBatch(model, { k: 5 }, (_u, items) => got.push([...items]));
  assert.deepEqual(got, [[3, 1]]);
});
