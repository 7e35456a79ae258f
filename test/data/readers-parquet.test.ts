import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';
import { readParquetInteractions } from '../../src/data/readers/parquet.ts';
import { readInteractionsFile } from '../../src/data/readers/index.ts';
import { DataFormatError } from '../../src/contracts/errors.ts';
import { IdMap } from '../../src/data/idmap.ts';

const dir = mkdtempSync(join(tmpdir(), 'tastebud-parquet-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let count = 0;
function parquet(columnData: Parameters<typeof parquetWriteFile>[0]['columnData'], rowGroupSize?: number): string {
  const filename = join(dir, `p${count++}.parquet`);
  parquetWriteFile({ filename, columnData, rowGroupSize });
  return filename;
}

test('a Parquet file round-trips: string and integer ids, float ratings, timestamps, several row groups', async () => {
  const n = 2500;
  const users = Array.from({ length: n }, (_, k) => `u${k % 40}`);
  const items = Array.from({ length: n }, (_, k) => k % 300);
  const ratings = Array.from({ length: n }, (_, k) => (k % 9) / 2);
  const stamps = Array.from({ length: n }, (_, k) => new Date(Date.UTC(2020, 0, 1) + k * 60_000));
  const path = parquet(
    [
      { name: 'user', data: users, type: 'STRING' },
      { name: 'item', data: items, type: 'INT32' },
      { name: 'rating', data: ratings, type: 'DOUBLE' },
      { name: 'ts', data: stamps, type: 'TIMESTAMP' },
    ],
    1000,
  );
  const { interactions: x, report } = await readParquetInteractions(path, {
    columns: { user: 'user', item: 'item', rating: 'rating', time: 'ts' },
    duplicates: 'keep',
  });
  assert.equal(x.length, n);
  assert.equal(report.rowsRead, n);
  // u{k%40} with item k%300 repeats every lcm(40, 300) = 600 rows.
  assert.equal(report.duplicates, n - 600);
  for (const k of [0, 999, 1000, 2499]) {
    assert.equal(x.userIds.id(x.users[k]), users[k]);
    assert.equal(x.itemIds.id(x.items[k]), String(items[k]));
    assert.equal(x.values[k], ratings[k]);
    assert.equal(x.times![k], stamps[k].getTime() / 1000);
  }
});

test('readInteractionsFile dispatches .parquet files, with columns by position', async () => {
  const path = parquet([
    { name: 'a', data: [BigInt(7), BigInt(8)], type: 'INT64' },
    { name: 'b', data: ['x', 'y'], type: 'STRING' },
  ]);
  const { interactions: x } = await readInteractionsFile(path, { columns: { user: 0, item: 1 } });
  assert.deepEqual(x.userIds.toArray(), ['7', '8']);
  assert.deepEqual(x.itemIds.toArray(), ['x', 'y']);
  assert.deepEqual([...x.values], [1, 1]);
});

test('a missing Parquet column is an error listing the columns there are', async () => {
  const path = parquet([
    { name: 'user_id', data: ['a'], type: 'STRING' },
    { name: 'item_id', data: ['b'], type: 'STRING' },
  ]);
  await assert.rejects(readParquetInteractions(path, { columns: { user: 'user_id', item: 'item_id', rating: 'rating' } }), (e: unknown) => {
    assert.ok(e instanceof DataFormatError);
    assert.match(e.message, /the rating column "rating" is not in the file \(columns: user_id, item_id\)/);
    assert.equal(e.field, 'rating');
    return true;
  });
});

test('bad Parquet cells name their row; onError skip counts them', async () => {
  const path = parquet([
    { name: 'u', data: ['a', null, 'c'], type: 'STRING' },
    { name: 'i', data: ['x', 'y', 'z'], type: 'STRING' },
    { name: 'r', data: ['4', '5', 'n/a'], type: 'STRING' },
  ]);
  const columns = { user: 'u', item: 'i', rating: 'r' };
  await assert.rejects(readParquetInteractions(path, { columns }), /row 2: user id is missing/);
  const { interactions, report } = await readParquetInteractions(path, { columns, onError: 'skip' });
  assert.equal(interactions.length, 1);
  assert.equal(report.rowsSkipped, 2);
  assert.match(report.skippedExamples[1], /row 3: rating "n\/a" is not a number/);
});

test('Parquet ids outside a given mapping are errors with addUnknownIds: false', async () => {
  const path = parquet([
    { name: 'u', data: ['a', 'b'], type: 'STRING' },
    { name: 'i', data: ['x', 'x'], type: 'STRING' },
  ]);
  await assert.rejects(
    readParquetInteractions(path, { columns: { user: 'u', item: 'i' }, userIds: new IdMap(['a']), itemIds: new IdMap(['x']), addUnknownIds: false }),
    /row 2: user "b" is not in the id mapping/,
  );
});

test("duplicates 'error' names the Parquet rows of the pair", async () => {
  const path = parquet([
    { name: 'u', data: ['a', 'b', 'a'], type: 'STRING' },
    { name: 'i', data: ['x', 'x', 'x'], type: 'STRING' },
  ]);
  await assert.rejects(
    readParquetInteractions(path, { columns: { user: 'u', item: 'i' }, duplicates: 'error' }),
    /row 3: duplicate interaction for user "a" and item "x" \(rows 1 and 3\)/,
  );
});

test('a file that is not Parquet says so', async () => {
  const path = join(dir, 'fake.parquet');
  writeFileSync(path, 'user,item\n1,2\n');
  await assert.rejects(readParquetInteractions(path, { columns: { user: 0, item: 1 } }), /not a readable Parquet file/);
});
