import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultSeparator, readDelimitedRows, readInteractions, type ReadInteractionsOptions } from '../../src/data/readers/delimited.ts';
import { ConfigError, DataFormatError } from '../../src/contracts/errors.ts';
import { IdMap } from '../../src/data/idmap.ts';
import type { Interactions } from '../../src/data/interactions.ts';

const dir = mkdtempSync(join(tmpdir(), 'tastebud-readers-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let fileCount = 0;
function file(content: string | Buffer, ext = '.csv'): string {
  const path = join(dir, `f${fileCount++}${ext}`);
  writeFileSync(path, content);
  return path;
}

function rowsOf(x: Interactions): [string, string, number, number][] {
  const out: [string, string, number, number][] = [];
  for (let k = 0; k < x.length; k++) out.push([x.userIds.id(x.users[k]), x.itemIds.id(x.items[k]), x.values[k], x.times ? x.times[k] : NaN]);
  return out;
}

/** Asserts that `promise` rejects with a DataFormatError at `line` (and `field`, when given) whose message matches. */
async function rejectsAt(promise: Promise<unknown>, message: RegExp, line?: number, field?: string): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof DataFormatError, `expected DataFormatError, got ${e}`);
    assert.match(e.message, message);
    assert.equal(e.line, line);
    if (field !== undefined) assert.equal(e.field, field);
    return true;
  });
}

const MAPPED: ReadInteractionsOptions = { columns: { user: 0, item: 1, rating: 2, time: 3 } };

test('the default separator follows the extension', () => {
  assert.equal(defaultSeparator('ml-100k/u.data'), '\t');
  assert.equal(defaultSeparator('ua.base'), '\t');
  assert.equal(defaultSeparator('x.TSV'), '\t');
  assert.equal(defaultSeparator('x.csv'), ',');
  assert.equal(defaultSeparator('ratings'), ',');
});

test('readDelimitedRows returns the header apart and streams each row with the line it starts on', async () => {
  const seen: [number, string[]][] = [];
  const result = await readDelimitedRows(file('a,b\r\n1,2\r\n\r\n3,"4\r\n5"\r\n'), { header: true }, (f, line) => seen.push([line, f.slice()]));
  assert.deepEqual(result, { rows: 2, header: ['a', 'b'] });
  assert.deepEqual(seen, [
    [2, ['1', '2']],
    [4, ['3', '4\r\n5']],
  ]);
});

test('a UTF-8 byte-order mark does not end up in the first header name', async () => {
  const { header } = await readDelimitedRows(file('\uFEFFuser,item\n1,2\n'), { header: true }, () => {});
  assert.deepEqual(header, ['user', 'item']);
});

test('latin-1 files decode byte for byte; invalid UTF-8 is an error that suggests latin1', async () => {
  const path = file(Buffer.from('"1";"39\xdf704064";"0"\r\n', 'latin1'));
  const fields: string[] = [];
  await readDelimitedRows(path, { separator: ';', encoding: 'latin1' }, (f) => fields.push(...f));
  assert.deepEqual(fields, ['1', '39ß704064', '0']);
  await rejectsAt(
    readDelimitedRows(path, { separator: ';' }, () => {}),
    /not valid UTF-8.*encoding: 'latin1'/,
    1,
  );
});

test('a UTF-8 character split across read chunks decodes whole', async () => {
  // 1 MiB chunks: put a 2-byte character right across the first boundary.
  const pad = 'x'.repeat((1 << 20) - 3);
  const path = file(`${pad},é\nu,i\n`);
  const last: string[] = [];
  await readDelimitedRows(path, {}, (f) => last.push(f[f.length - 1]));
  assert.deepEqual(last, ['é', 'i']);
});

test('readInteractions maps columns by position, in file order', async () => {
  const { interactions, report } = await readInteractions(file('1\t10\t5\t881250949\n2\t10\t3\t891717742\n1\t20\t4\t878887116\n', '.data'), MAPPED);
  assert.deepEqual(rowsOf(interactions), [
    ['1', '10', 5, 881250949],
    ['2', '10', 3, 891717742],
    ['1', '20', 4, 878887116],
  ]);
  assert.equal(interactions.numUsers, 2);
  assert.equal(interactions.numItems, 2);
  assert.deepEqual(
    { ...report, file: undefined },
    { file: undefined, rowsRead: 3, rowsSkipped: 0, skippedExamples: [], duplicates: 0, duplicatePolicy: 'last', negativeValues: 0 },
  );
});

test('readInteractions maps columns by header name (header implied) in any order', async () => {
  const path = file('date,rating,recipe_id,user_id,review\n2003/2/19,4,r1,u1,"good, really"\n2003-02-20,0,r2,u1,\n');
  const { interactions } = await readInteractions(path, { columns: { user: 'user_id', item: 'recipe_id', rating: 'rating', time: 'date' } });
  assert.deepEqual(rowsOf(interactions), [
    ['u1', 'r1', 4, Date.UTC(2003, 1, 19) / 1000],
    ['u1', 'r2', 0, Date.UTC(2003, 1, 20) / 1000],
  ]);
});

test("'::' separated files (MovieLens 1M style) and ratingDefault without a rating column", async () => {
  const path = file('1::1193::5::978300760\n1::661::3::978302109\n', '.dat');
  const { interactions } = await readInteractions(path, { separator: '::', columns: { user: 0, item: 1 }, ratingDefault: 2 });
  assert.deepEqual(rowsOf(interactions), [
    ['1', '1193', 2, NaN],
    ['1', '661', 2, NaN],
  ]);
  assert.equal(interactions.times, null);
});

test("timeFormat: 'unix', 'iso' and 'auto'; an empty time field means unknown", async () => {
  const path = file('u,i,t\na,x,1000\nb,y,2001-09-09T01:46:40Z\nc,z,\n');
  const cols = { user: 'u', item: 'i', time: 't' };
  const auto = await readInteractions(path, { columns: cols });
  assert.deepEqual([...auto.interactions.times!], [1000, 1e9, NaN]);
  await rejectsAt(readInteractions(path, { columns: cols, timeFormat: 'unix' }), /time "2001-09-09T01:46:40Z" is not unix seconds/, 3, 't');
  await rejectsAt(readInteractions(path, { columns: cols, timeFormat: 'iso' }), /time "1000" is not a date/, 2, 't');
});

test('an empty file, or one with only a header, is an error', async () => {
  await rejectsAt(readInteractions(file(''), MAPPED), /file is empty/);
  await rejectsAt(readInteractions(file('\n\r\n\n'), MAPPED), /file is empty/);
  await rejectsAt(readInteractions(file('user,item\n'), { columns: { user: 'user', item: 'item' } }), /header but no data rows/);
});

test('a column name missing from the header is an error listing the header', async () => {
  const path = file('user_id,recipe_id,date\n1,2,2003/2/19\n');
  await rejectsAt(
    readInteractions(path, { columns: { user: 'user_id', item: 'recipe_id', rating: 'rating' } }),
    /the rating column "rating" is not in the header \(columns: user_id, recipe_id, date\)/,
    1,
    'rating',
  );
  await rejectsAt(readInteractions(path, { header: true, columns: { user: 0, item: 1, rating: 5 } }), /position 5 is past the last of the header's 3 columns/, 1);
});

test('a column name without a header is a configuration error', async () => {
  await assert.rejects(readInteractions(file('1,2\n'), { header: false, columns: { user: 'u', item: 'i' } }), ConfigError);
});

test('a row with too few fields names the line and the missing column', async () => {
  await rejectsAt(readInteractions(file('1,10,5,100\n2,20\n'), MAPPED), /expected at least 4 fields separated by ",", found 2/, 2, 'rating (column 2)');
});

test('a non-numeric rating names line and field', async () => {
  const path = file('user,item,stars\n1,10,5\n1,11,five\n');
  await rejectsAt(readInteractions(path, { columns: { user: 'user', item: 'item', rating: 'stars' } }), /rating "five" is not a number/, 3, 'stars');
  await rejectsAt(readInteractions(file('1,10,\n'), { columns: { user: 0, item: 1, rating: 2 } }), /rating "" is not a number/, 1);
});

test('an unparseable time names line and field', async () => {
  await rejectsAt(readInteractions(file('1,10,5,2003/13/45\n'), MAPPED), /time "2003\/13\/45" is not unix seconds or a date/, 1, 'time (column 3)');
  await rejectsAt(readInteractions(file('1,10,5,soon\n'), MAPPED), /time "soon"/, 1);
});

test('an empty user or item id is an error', async () => {
  await rejectsAt(readInteractions(file('1,10\n,11\n'), { columns: { user: 0, item: 1 } }), /user id is empty/, 2, 'user (column 0)');
  await rejectsAt(readInteractions(file('1,10\n2,\n'), { columns: { user: 0, item: 1 } }), /item id is empty/, 2, 'item (column 1)');
});

test('ids absent from a given mapping are errors with addUnknownIds: false, and are added otherwise', async () => {
  const path = file('1,10\n2,10\n3,99\n');
  const userIds = new IdMap(['1', '2', '3']);
  const itemIds = new IdMap(['10']);
  await rejectsAt(readInteractions(path, { columns: { user: 0, item: 1 }, userIds, itemIds, addUnknownIds: false }), /item "99" is not in the id mapping/, 3, 'item');
  const { interactions } = await readInteractions(path, { columns: { user: 0, item: 1 }, userIds, itemIds });
  assert.equal(interactions.itemIds, itemIds);
  assert.deepEqual(itemIds.toArray(), ['10', '99']);
});

test("onError: 'skip' counts bad rows, keeps the first 5 messages and reads the rest", async () => {
  const lines = ['1,10,5,100'];
  for (let k = 0; k < 7; k++) lines.push(`2,${k},bad${k},100`);
  lines.push('3,10', '4,10,4,never', '5,10,4,200');
  const { interactions, report } = await readInteractions(file(lines.join('\n')), { ...MAPPED, onError: 'skip' });
  assert.deepEqual(rowsOf(interactions), [
    ['1', '10', 5, 100],
    ['5', '10', 4, 200],
  ]);
  assert.equal(report.rowsRead, 11);
  assert.equal(report.rowsSkipped, 9);
  assert.equal(report.skippedExamples.length, 5);
  assert.match(report.skippedExamples[0], /line 2, field "rating \(column 2\)": rating "bad0" is not a number/);
  // Skipped rows add no ids.
  assert.deepEqual(interactions.userIds.toArray(), ['1', '5']);
});

test("onError: 'skip' also skips ids outside the mapping; a file with nothing left is an error", async () => {
  const path = file('1,10\n2,10\n');
  const opts = { columns: { user: 0, item: 1 }, userIds: new IdMap(['1']), itemIds: new IdMap(['10']), addUnknownIds: false, onError: 'skip' } as const;
  const { interactions, report } = await readInteractions(path, opts);
  assert.equal(interactions.length, 1);
  assert.match(report.skippedExamples[0], /user "2" is not in the id mapping/);
  await rejectsAt(readInteractions(path, { ...opts, userIds: new IdMap(['9']) }), /all 2 rows were skipped; the first error: .*user "1"/);
});

test('duplicate policies apply to files and are counted in the report', async () => {
  const path = file('u,i,r\na,x,1\na,y,2\na,x,5\na,x,3\n');
  const cols = { user: 'u', item: 'i', rating: 'r' };
  const last = await readInteractions(path, { columns: cols });
  assert.deepEqual(
    rowsOf(last.interactions).map((r) => r[2]),
    [2, 3],
  );
  assert.equal(last.report.duplicates, 2);
  const max = await readInteractions(path, { columns: cols, duplicates: 'max' });
  assert.deepEqual(
    rowsOf(max.interactions).map((r) => r[2]),
    [2, 5],
  );
  assert.equal(max.report.duplicatePolicy, 'max');
  const sum = await readInteractions(path, { columns: cols, duplicates: 'sum' });
  assert.deepEqual(
    rowsOf(sum.interactions).map((r) => r[2]),
    [2, 9],
  );
  const keep = await readInteractions(path, { columns: cols, duplicates: 'keep' });
  assert.equal(keep.interactions.length, 4);
  assert.equal(keep.report.duplicates, 2);
  await rejectsAt(readInteractions(path, { columns: cols, duplicates: 'error' }), /duplicate interaction for user "a" and item "x" \(lines 2 and 4\)/, 4);
});

test('ratings read exactly as Number() reads them, whatever their form', async () => {
  const texts = ['4', '0', '3.5', '7.000000', '0.1', '1.23', '2.675', '12345678901234.5', '-2', '1e3', ' 4', '+1.5', '.5', '5.'];
  const path = file(texts.map((t, k) => `u,${k},${t}`).join('\n'));
  const { interactions: x } = await readInteractions(path, { columns: { user: 0, item: 1, rating: 2 } });
  assert.deepEqual(
    [...x.values],
    texts.map((t) => Math.fround(Number(t))),
  );
  // And the same through the quoted (string) path.
  const quoted = file(texts.map((t, k) => `u,${k},"${t}"`).join('\n'));
  const q = await readInteractions(quoted, { columns: { user: 0, item: 1, rating: 2 } });
  assert.deepEqual([...q.interactions.values], [...x.values]);
});

test('quoted ids and ratings are unquoted before parsing', async () => {
  const path = file('"User-ID";"ISBN";"Book-Rating"\r\n"276725";"034545104X";"0"\r\n"276726";"0155061224";"5"\r\n');
  const { interactions } = await readInteractions(path, { separator: ';', columns: { user: 'User-ID', item: 'ISBN', rating: 'Book-Rating' } });
  assert.deepEqual(rowsOf(interactions), [
    ['276725', '034545104X', 0, NaN],
    ['276726', '0155061224', 5, NaN],
  ]);
});
