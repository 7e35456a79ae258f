import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.ts';
import { ConfigError } from '../../src/contracts/errors.ts';
import { IdMap } from '../../src/data/idmap.ts';
import { Interactions } from '../../src/data/interactions.ts';
import { leaveKOut, overlappingPairs, perUserSplit, predefinedSplit, randomSplit, splitSizes, temporalPerUserLastK, temporalSplit } from '../../src/data/splits.ts';
import type { Split } from '../../src/data/types.ts';

/** Random interactions: distinct pairs, user u has 3 + (u mod 7) of them, random times. */
function makeData(users = 60, items = 40, seed = 1, duplicateEvery = 0): Interactions {
  const rng = new Rng(seed);
  const us: number[] = [];
  const is: number[] = [];
  const ts: number[] = [];
  for (let u = 0; u < users; u++) {
    const perm = rng.permutation(items);
    for (let j = 0; j < 3 + (u % 7); j++) {
      us.push(u);
      is.push(perm[j]);
      ts.push(1_000_000 + rng.int(1_000_000));
      if (duplicateEvery && us.length % duplicateEvery === 0) {
        us.push(u);
        is.push(perm[j]);
        ts.push(1_000_000 + rng.int(1_000_000));
      }
    }
  }
  return new Interactions({
    users: Int32Array.from(us),
    items: Int32Array.from(is),
    values: Float32Array.from(us, (_, k) => 1 + (k % 5)),
    times: Float64Array.from(ts),
    userIds: new IdMap(Array.from({ length: users }, (_, u) => `u${u}`)),
    itemIds: new IdMap(Array.from({ length: items }, (_, i) => `i${i}`)),
  });
}

function pairKeys(data: Interactions): string[] {
  return Array.from(data.users, (u, k) => `${u}:${data.items[k]}:${data.values[k]}:${data.times![k]}`).sort();
}

/** Every interaction lands in exactly one part, and no pair crosses parts. */
function assertPartition(data: Interactions, split: Split): void {
  const parts = [split.train, split.test, ...(split.validation ? [split.validation] : [])];
  assert.deepEqual(parts.flatMap(pairKeys).sort(), pairKeys(data));
  assert.equal(overlappingPairs(split.train, split.test), 0, 'a test pair is also in train');
  if (split.validation) {
    assert.equal(overlappingPairs(split.train, split.validation), 0, 'a validation pair is also in train');
    assert.equal(overlappingPairs(split.validation, split.test), 0, 'a test pair is also in validation');
  }
  for (const part of parts) assert.equal(part.userIds, data.userIds, 'parts share the id maps');
}

function perUser(data: Interactions): number[] {
  return Array.from(data.userCounts());
}

test('randomSplit cuts round(n · ratio) pairs into test and validation, reproducibly by seed', () => {
  const data = makeData();
  const split = randomSplit(data, { testRatio: 0.2, validationRatio: 0.1, seed: 7 });
  assertPartition(data, split);
  assert.equal(split.test.length, Math.round(data.length * 0.2));
  assert.equal(split.validation!.length, Math.round(data.length * 0.1));
  const again = randomSplit(data, { testRatio: 0.2, validationRatio: 0.1, seed: 7 });
  assert.deepEqual(again.test.users, split.test.users);
  assert.deepEqual(again.test.items, split.test.items);
  const other = randomSplit(data, { testRatio: 0.2, validationRatio: 0.1, seed: 8 });
  assert.notDeepEqual(Array.from(other.test.items), Array.from(split.test.items));
});

test('every splitter keeps the copies of a repeated pair on one side', () => {
  const data = makeData(60, 40, 3, 4);
  const copies = data.length - new Set(Array.from(data.users, (u, k) => `${u}:${data.items[k]}`)).size;
  assert.ok(copies > 20, 'the fixture has repeated pairs');
  const splits = [
    randomSplit(data, { testRatio: 0.3, validationRatio: 0.1, seed: 1 }),
    perUserSplit(data, { testRatio: 0.3, validationRatio: 0.2, seed: 1 }),
    leaveKOut(data, { k: 2, seed: 1, validation: true }),
    temporalSplit(data, { testRatio: 0.3, validationRatio: 0.1 }),
    temporalPerUserLastK(data, { k: 1, validation: 1 }),
  ];
  for (const split of splits) assertPartition(data, split);
});

test('perUserSplit holds out round(n · ratio) of each user and leaves every user in train', () => {
  const data = makeData();
  const split = perUserSplit(data, { testRatio: 0.25, seed: 42 });
  assertPartition(data, split);
  const all = perUser(data);
  const testCounts = perUser(split.test);
  const trainCounts = perUser(split.train);
  for (let u = 0; u < all.length; u++) {
    assert.equal(testCounts[u], Math.round(all[u] * 0.25), `user ${u}`);
    assert.ok(trainCounts[u] >= 1);
  }
  assert.equal(splitSizes(split).coldTestUsers, 0);
});

test('perUserSplit leaves users below minInteractions wholly in train', () => {
  const data = makeData();
  const split = perUserSplit(data, { testRatio: 0.5, seed: 1, minInteractions: 6 });
  const all = perUser(data);
  const testCounts = perUser(split.test);
  for (let u = 0; u < all.length; u++) assert.equal(testCounts[u] > 0, all[u] >= 6, `user ${u} with ${all[u]}`);
});

test('leaveKOut holds out exactly k per user (and k for validation), keeping one for training', () => {
  const data = makeData();
  const split = leaveKOut(data, { k: 2, seed: 5, validation: true });
  assertPartition(data, split);
  const all = perUser(data);
  const t = perUser(split.test);
  const v = perUser(split.validation!);
  for (let u = 0; u < all.length; u++) {
    const eligible = all[u] > 4;
    assert.equal(t[u], eligible ? 2 : 0);
    assert.equal(v[u], eligible ? 2 : 0);
  }
});

test('temporalSplit puts everything at or after the cutoff in test', () => {
  const data = makeData();
  const split = temporalSplit(data, { testRatio: 0.2 });
  assertPartition(data, split);
  const cutoff = Math.min(...split.test.times!);
  assert.ok(Math.max(...split.train.times!) < cutoff);
  assert.ok(Math.abs(split.test.length - 0.2 * data.length) <= 2);
  const byTime = temporalSplit(data, { cutoff: 1_500_000 });
  assert.equal(byTime.test.length, data.times!.filter((t) => t >= 1_500_000).length);
  const withValidation = temporalSplit(data, { testRatio: 0.2, validationRatio: 0.2 });
  assert.ok(Math.max(...withValidation.validation!.times!) < Math.min(...withValidation.test.times!));
  assert.ok(Math.max(...withValidation.train.times!) < Math.min(...withValidation.validation!.times!));
});

test("temporalPerUserLastK tests each user's latest k pairs", () => {
  const data = makeData();
  const split = temporalPerUserLastK(data, { k: 1 });
  assertPartition(data, split);
  const latestTrain = new Map<number, number>();
  split.train.users.forEach((u, p) => latestTrain.set(u, Math.max(latestTrain.get(u) ?? -Infinity, split.train.times![p])));
  assert.equal(split.test.length, data.userIds.size);
  split.test.users.forEach((u, p) => assert.ok(split.test.times![p] >= latestTrain.get(u)!, `user ${u}`));
});

test('splitSizes counts parts, users and cold test users', () => {
  const data = makeData(200, 30);
  const split = randomSplit(data, { testRatio: 0.5, seed: 3 });
  const sizes = splitSizes(split);
  assert.equal(sizes.train + sizes.test, data.length);
  assert.equal(sizes.validation, undefined);
  const trainUsers = new Set(split.train.users);
  const cold = new Set(Array.from(split.test.users).filter((u) => !trainUsers.has(u)));
  assert.equal(sizes.coldTestUsers, cold.size);
  assert.ok(sizes.coldTestUsers > 0, 'with 3-item users and a 50% random cut, some users are cold');
  assert.equal(sizes.trainUsers, trainUsers.size);
});

test('impossible options are ConfigErrors', () => {
  const data = makeData();
  assert.throws(() => randomSplit(data, { testRatio: 1.2, seed: 1 }), ConfigError);
  assert.throws(() => randomSplit(data, { testRatio: 0.5, validationRatio: 0.5, seed: 1 }), ConfigError);
  assert.throws(() => leaveKOut(data, { k: 0, seed: 1 }), ConfigError);
  assert.throws(() => temporalSplit(data, {}), /cutoff time or a testRatio/);
  const timeless = new Interactions({ users: data.users, items: data.items, userIds: data.userIds, itemIds: data.itemIds });
  assert.throws(() => temporalSplit(timeless, { testRatio: 0.1 }), /needs interaction times/);
});

test('predefinedSplit names the splits a dataset has', async () => {
  const data = makeData();
  const dataset = {
    name: 'toy',
    interactions: data,
    report: { rowsRead: 0, rowsSkipped: 0, skippedExamples: [], duplicates: 0 },
    splits: { a: async () => randomSplit(data, { testRatio: 0.1, seed: 1 }) },
  };
  assert.equal((await predefinedSplit(dataset, 'a')).test.length, Math.round(data.length * 0.1));
  await assert.rejects(predefinedSplit(dataset, 'b'), /has no split "b" \(it has: a\)/);
});
