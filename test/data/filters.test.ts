import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/contracts/errors.ts';
import { IdMap } from '../../src/data/idmap.ts';
import { Interactions } from '../../src/data/interactions.ts';
import { compactIds, kCore, kCoreOfTraining } from '../../src/data/filters.ts';

function fromPairs(pairs: Array<[number, number]>): Interactions {
  const users = Int32Array.from(pairs, (p) => p[0]);
  const items = Int32Array.from(pairs, (p) => p[1]);
  const numUsers = Math.max(...users) + 1;
  const numItems = Math.max(...items) + 1;
  return new Interactions({
    users,
    items,
    userIds: new IdMap(Array.from({ length: numUsers }, (_, u) => `u${u}`)),
    itemIds: new IdMap(Array.from({ length: numItems }, (_, i) => `i${i}`)),
  });
}

test('kCore iterates to a fixed point where every user and item meets its minimum', () => {
  // A 3×3 dense core (users 0-2 × items 0-2), plus a chain that unravels one step at a time:
  // user 3 has items 0,3; user 4 has items 3,4; item 4 is rated once → dropping it drops user 4,
  // which drops item 3 below 2, which drops user 3.
  const core: Array<[number, number]> = [];
  for (let u = 0; u < 3; u++) for (let i = 0; i < 3; i++) core.push([u, i]);
  const data = fromPairs([...core, [3, 0], [3, 3], [4, 3], [4, 4]]);
  const result = kCore(data, { minUserInteractions: 2, minItemInteractions: 2 });
  assert.equal(result.interactions.length, 9);
  assert.equal(result.removedInteractions, 4);
  assert.equal(result.removedUsers, 2);
  assert.equal(result.removedItems, 2);
  assert.ok(result.rounds >= 2, `took ${result.rounds} rounds`);
  assert.equal(result.converged, true);
  const u = result.interactions.userCounts();
  const i = result.interactions.itemCounts();
  for (const c of [...u, ...i]) assert.ok(c === 0 || c >= 2);
  assert.equal(result.interactions.userIds, data.userIds, 'indices stay valid');
});

test('kCore with nothing to remove returns the data unchanged in zero rounds', () => {
  const data = fromPairs([
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ]);
  const result = kCore(data, { minUserInteractions: 2, minItemInteractions: 2 });
  assert.equal(result.interactions, data);
  assert.equal(result.rounds, 0);
  assert.equal(result.removedInteractions, 0);
});

test('kCore can empty a dataset and rejects bad minimums', () => {
  const data = fromPairs([
    [0, 0],
    [1, 1],
  ]);
  assert.equal(kCore(data, { minUserInteractions: 2 }).interactions.length, 0);
  assert.throws(() => kCore(data, { minUserInteractions: 1.5 }), ConfigError);
});

test('kCore stops at maxRounds and says it did not converge', () => {
  const core: Array<[number, number]> = [];
  for (let u = 0; u < 3; u++) for (let i = 0; i < 3; i++) core.push([u, i]);
  const data = fromPairs([...core, [3, 0], [3, 3], [4, 3], [4, 4]]);
  const result = kCore(data, { minUserInteractions: 2, minItemInteractions: 2, maxRounds: 1 });
  assert.equal(result.converged, false);
  assert.equal(result.rounds, 1);
});

test('compactIds re-indexes to the ids that occur', () => {
  const data = fromPairs([
    [0, 0],
    [5, 7],
    [0, 7],
  ]);
  const compact = compactIds(data);
  assert.equal(compact.numUsers, 2);
  assert.equal(compact.numItems, 2);
  assert.deepEqual(compact.userIds.toArray(), ['u0', 'u5']);
  assert.deepEqual(compact.itemIds.toArray(), ['i0', 'i7']);
  assert.deepEqual(Array.from(compact.items), [0, 1, 1]);
});

test('kCoreOfTraining: the core is decided on the training part; held-out rows of removed users or items are dropped', () => {
  const core: Array<[number, number]> = [];
  for (let u = 0; u < 3; u++) for (let i = 0; i < 3; i++) core.push([u, i]);
  // Users 3 and 4 and items 3 and 4 unravel (as above).
  const train = fromPairs([...core, [3, 0], [3, 3], [4, 3], [4, 4]]);
  const heldOut = (pairs: Array<[number, number]>) =>
    new Interactions({ users: Int32Array.from(pairs, (p) => p[0]), items: Int32Array.from(pairs, (p) => p[1]), userIds: train.userIds, itemIds: train.itemIds });
  // A held-out row on item 4 many times over must not rescue it: only training rows count.
  const test = heldOut([
    [0, 1],
    [2, 2],
    [4, 0],
    [1, 4],
    [0, 4],
    [2, 4],
  ]);
  const validation = heldOut([
    [1, 2],
    [3, 1],
  ]);
  const out = kCoreOfTraining({ train, validation, test }, { minUserInteractions: 2, minItemInteractions: 2 });
  assert.equal(out.train.length, 9);
  assert.deepEqual([...out.test!.users], [0, 2]);
  assert.deepEqual([...out.test!.items], [1, 2]);
  assert.deepEqual([...out.validation!.users], [1]);
  assert.equal(
    out.note,
    'k-core of the training data (users ≥ 2, items ≥ 2 interactions): 4 of 13 rows removed (2 users, 2 items, 3 rounds); rows of removed users or items dropped: 1 validation, 4 test',
  );
  assert.equal(kCoreOfTraining({ train }, { minItemInteractions: 1 }).test, undefined);
  assert.throws(() => kCoreOfTraining({ train }, { minItemInteractions: 9 }), /the k-core of the 13 training interactions \(users ≥ 1, items ≥ 9\) is empty: lower the minimums/);
});
