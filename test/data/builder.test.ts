import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InteractionsBuilder, type DuplicatePolicy } from '../../src/data/builder.ts';
import { DataFormatError } from '../../src/contracts/errors.ts';
import { IdMap } from '../../src/data/idmap.ts';

/** (user id, item id, value) triples of the built interactions, in order. */
function triples(b: InteractionsBuilder): { rows: [string, string, number][]; duplicates: number } {
  const { interactions: x, duplicates } = b.build();
  const rows: [string, string, number][] = [];
  for (let k = 0; k < x.length; k++) rows.push([x.userIds.id(x.users[k]), x.itemIds.id(x.items[k]), x.values[k]]);
  return { rows, duplicates };
}

function withDuplicates(policy: DuplicatePolicy): InteractionsBuilder {
  const b = new InteractionsBuilder({ duplicates: policy });
  b.add('u1', 'a', 3, NaN, 1);
  b.add('u2', 'a', 1, NaN, 2);
  b.add('u1', 'a', 5, NaN, 3);
  b.add('u1', 'b', 2, NaN, 4);
  b.add('u1', 'a', 4, NaN, 5);
  return b;
}

test('ids get dense indices in first-seen order and rows keep input order', () => {
  const b = new InteractionsBuilder();
  b.add('alice', 'x', 4, 100, 1);
  b.add('bob', 'y', 2, 200, 2);
  b.add('alice', 'y', 5, NaN, 3);
  const { interactions: x, duplicates } = b.build();
  assert.equal(duplicates, 0);
  assert.deepEqual([...x.users], [0, 1, 0]);
  assert.deepEqual([...x.items], [0, 1, 1]);
  assert.deepEqual([...x.values], [4, 2, 5]);
  assert.deepEqual([...x.times!], [100, 200, NaN]);
  assert.deepEqual(x.userIds.toArray(), ['alice', 'bob']);
  assert.deepEqual(x.itemIds.toArray(), ['x', 'y']);
});

test('times are null when no row has one', () => {
  const b = new InteractionsBuilder();
  b.add('u', 'i', 1, NaN);
  assert.equal(b.build().interactions.times, null);
});

test('growth past the initial capacity keeps every row', () => {
  const b = new InteractionsBuilder();
  for (let k = 0; k < 5000; k++) b.add(String(k % 97), `i${k}`, k, k);
  const { interactions: x } = b.build();
  assert.equal(x.length, 5000);
  assert.equal(x.values[4999], 4999);
  assert.equal(x.userIds.id(x.users[4999]), String(4999 % 97));
  assert.equal(x.itemIds.id(x.items[4321]), 'i4321');
});

test('numeric-looking ids stay distinct strings: "7" and "007" are two users', () => {
  const b = new InteractionsBuilder();
  b.add('7', 'a', 1, NaN);
  b.add('007', 'a', 1, NaN);
  b.add('7', 'b', 1, NaN);
  const { interactions: x } = b.build();
  assert.deepEqual(x.userIds.toArray(), ['7', '007']);
  assert.deepEqual([...x.users], [0, 1, 0]);
});

test('given id maps are extended in place and keep their indexing', () => {
  const userIds = new IdMap(['bob', 'alice']);
  const itemIds = new IdMap(['x']);
  const b = new InteractionsBuilder({ userIds, itemIds });
  b.add('alice', 'x', 1, NaN);
  b.add('carol', 'z', 1, NaN);
  const { interactions: x } = b.build();
  assert.equal(x.userIds, userIds);
  assert.deepEqual([...x.users], [1, 2]);
  assert.deepEqual(userIds.toArray(), ['bob', 'alice', 'carol']);
  assert.deepEqual(itemIds.toArray(), ['x', 'z']);
});

test('addUnknownIds: false rejects ids outside the mapping, naming them', () => {
  const b = new InteractionsBuilder({ userIds: new IdMap(['1']), itemIds: new IdMap(['10']), addUnknownIds: false, file: 'r.csv' });
  b.add('1', '10', 1, NaN, 1);
  assert.throws(
    () => b.add('2', '10', 1, NaN, 7),
    (e: unknown) => {
      assert.ok(e instanceof DataFormatError);
      assert.equal(e.message, 'r.csv, line 7, field "user": user "2" is not in the id mapping');
      return true;
    },
  );
  assert.throws(() => b.add('1', '11', 1, NaN, 8), /item "11" is not in the id mapping/);
});

test("duplicates 'last' (default) keeps the latest row of a pair, at its position", () => {
  const { rows, duplicates } = triples(withDuplicates('last'));
  assert.equal(duplicates, 2);
  assert.deepEqual(rows, [
    ['u2', 'a', 1],
    ['u1', 'b', 2],
    ['u1', 'a', 4],
  ]);
  assert.deepEqual(triples(new InteractionsBuilder()).rows, []);
});

test("duplicates 'keep' keeps every row but still counts repeats", () => {
  const { rows, duplicates } = triples(withDuplicates('keep'));
  assert.equal(duplicates, 2);
  assert.equal(rows.length, 5);
});

test("duplicates 'max' keeps the row with the largest value", () => {
  const { rows, duplicates } = triples(withDuplicates('max'));
  assert.equal(duplicates, 2);
  assert.deepEqual(rows, [
    ['u2', 'a', 1],
    ['u1', 'a', 5],
    ['u1', 'b', 2],
  ]);
});

test("duplicates 'sum' adds the values into the latest row", () => {
  const { rows } = triples(withDuplicates('sum'));
  assert.deepEqual(rows, [
    ['u2', 'a', 1],
    ['u1', 'b', 2],
    ['u1', 'a', 12],
  ]);
});

test("duplicates 'error' names the pair and both lines", () => {
  assert.throws(
    () => withDuplicates('error').build(),
    (e: unknown) => {
      assert.ok(e instanceof DataFormatError);
      assert.match(e.message, /duplicate interaction for user "u1" and item "a" \(lines 1 and 3\)/);
      assert.equal(e.line, 3);
      return true;
    },
  );
});

test('unknown duplicates policy is refused', () => {
  assert.throws(() => new InteractionsBuilder({ duplicates: 'first' as DuplicatePolicy }), /unknown duplicates policy "first"/);
});

test('duplicates are found whether or not rows are grouped by user', () => {
  // Grouped input (skips the sort) and scattered input (sorted) must agree.
  const grouped = new InteractionsBuilder();
  const scattered = new InteractionsBuilder({ userIds: new IdMap(['0', '1', '2']) });
  const rows: [number, number][] = [];
  for (let u = 0; u < 3; u++) for (let i = 0; i < 50; i++) rows.push([u, (i * 7) % 30]);
  for (const [u, i] of rows) grouped.add(String(u), String(i), 1, NaN);
  for (let k = 0; k < rows.length; k++) {
    const [u, i] = rows[(k * 31) % rows.length]; // 31 is coprime with 150: a permutation
    scattered.add(String(u), String(i), 1, NaN);
  }
  const a = grouped.build();
  const b = scattered.build();
  assert.equal(a.duplicates, 60);
  assert.equal(b.duplicates, 60);
  assert.equal(a.interactions.length, 90);
  assert.equal(b.interactions.length, 90);
});

test('large and small integer ids map consistently, however many there are', () => {
  // Small ids take a by-value table, ids ≥ 2^22 a hash that must survive many resizes.
  const ids = Array.from({ length: 6000 }, (_, k) => String(k % 2 ? 2_000_000_000 + k * 7919 : k * 3));
  const b = new InteractionsBuilder({ duplicates: 'keep' });
  for (let round = 0; round < 2; round++) for (const id of ids) b.add(id, id, 1, NaN);
  const { interactions: x } = b.build();
  assert.equal(x.numUsers, 6000);
  for (let k = 0; k < x.length; k++) assert.equal(x.userIds.id(x.users[k]), ids[k % 6000]);
  assert.deepEqual([...x.users.subarray(6000, 6010)], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test('after build the builder is empty and can be filled again with the same id maps', () => {
  const b = new InteractionsBuilder();
  b.add('u', 'a', 1, NaN);
  const first = b.build().interactions;
  assert.equal(b.length, 0);
  for (let k = 0; k < 3000; k++) b.add('v', `i${k}`, 2, NaN);
  const second = b.build().interactions;
  assert.equal(first.length, 1);
  assert.equal(second.length, 3000);
  assert.equal(second.userIds, first.userIds);
  assert.deepEqual([second.users[0], second.users[2999]], [1, 1]);
  assert.equal(second.itemIds.id(second.items[2999]), 'i2999');
});
