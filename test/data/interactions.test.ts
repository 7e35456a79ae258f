import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCsr, csrHas, Interactions } from '../../src/data/interactions.ts';
import { IdMap } from '../../src/data/idmap.ts';
import { interactionsFrom } from '../helpers/toy-model.ts';

test('CSR rows hold sorted columns with values and the original positions alongside', () => {
  const csr = buildCsr(Int32Array.of(1, 0, 1, 1, 0), Int32Array.of(5, 3, 2, 4, 1), Float32Array.of(10, 20, 30, 40, 50), 3, 6);
  assert.deepEqual([...csr.indptr], [0, 2, 5, 5]);
  assert.deepEqual([...csr.indices], [1, 3, 2, 4, 5]);
  assert.deepEqual([...csr.values], [50, 20, 30, 40, 10]);
  assert.deepEqual([...csr.order], [4, 1, 2, 3, 0]);
  assert.ok(csrHas(csr, 1, 4));
  assert.ok(!csrHas(csr, 1, 3));
  assert.ok(!csrHas(csr, 2, 0), 'an empty row has nothing');
});

test('repeated columns in a row keep input order (stable)', () => {
  const csr = buildCsr(Int32Array.of(0, 0, 0), Int32Array.of(2, 1, 2), Float32Array.of(1, 2, 3), 1, 3);
  assert.deepEqual([...csr.indices], [1, 2, 2]);
  assert.deepEqual([...csr.values], [2, 1, 3]);
});

test('byUser and byItem views agree with the columns, and counts cover the whole id space', () => {
  const data = interactionsFrom(
    [
      [0, 1],
      [2, 0],
      [0, 0],
    ],
    4,
    3,
  );
  assert.deepEqual([...data.byItem().indptr], [0, 2, 3, 3]);
  assert.deepEqual([...data.userCounts()], [2, 0, 1, 0]);
  assert.deepEqual([...data.subset([2, 0]).items], [0, 1]);
  assert.equal(data.byUser(), data.byUser(), 'views are cached');
});

test('IdMap keeps first-seen order and round-trips through JSON', () => {
  const ids = new IdMap(['b', 'a']);
  assert.equal(ids.add('a'), 1);
  assert.equal(ids.add('c'), 2);
  assert.deepEqual(IdMap.fromJSON(JSON.parse(JSON.stringify(ids))).toArray(), ['b', 'a', 'c']);
  assert.throws(() => ids.id(7), /outside the id map/);
});

test('concat joins two parts of one split in order, keeping times only when both have them', () => {
  const data = new Interactions({
    users: Int32Array.of(0, 1, 1, 2),
    items: Int32Array.of(2, 0, 1, 2),
    values: Float32Array.of(1, 2, 3, 4),
    times: Float64Array.of(10, 20, 30, 40),
    userIds: new IdMap(['u0', 'u1', 'u2']),
    itemIds: new IdMap(['i0', 'i1', 'i2']),
  });
  const a = data.subset([3, 0]);
  const b = data.subset([1]);
  const joined = a.concat(b);
  assert.deepEqual([...joined.users], [2, 0, 1]);
  assert.deepEqual([...joined.items], [2, 2, 0]);
  assert.deepEqual([...joined.values], [4, 1, 2]);
  assert.deepEqual([...joined.times!], [40, 10, 20]);
  assert.equal(joined.userIds, data.userIds);
  assert.equal(a.concat(b.withValues(Float32Array.of(9))).values[2], 9);
  const untimed = new Interactions({ users: Int32Array.of(0), items: Int32Array.of(0), values: Float32Array.of(1), userIds: data.userIds, itemIds: data.itemIds });
  assert.equal(a.concat(untimed).times, null);
  const other = new Interactions({ users: Int32Array.of(0), items: Int32Array.of(0), userIds: new IdMap(['u0']), itemIds: new IdMap(['i0']) });
  assert.throws(() => a.concat(other), /not two parts of one split/);
});
