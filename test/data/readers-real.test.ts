// Reads the real dataset copies in ../shared/data (or $TASTEBUD_DATA_DIR); skipped when absent.
// Expected numbers were computed independently with Python's csv module.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readInteractions, readDelimitedRows } from '../../src/data/readers/delimited.ts';
import { detectFormat } from '../../src/data/readers/detect.ts';
import { readInteractionsFile } from '../../src/data/readers/index.ts';
import { dataPath, skipUnlessData } from '../helpers/data-dir.ts';

const ML100K = dataPath('ml-100k/u.data');
const BX = dataPath('book-crossing/raw-slice/BX-Book-Ratings.slice_users_43842-55178.csv');
const FOOD = dataPath('food-com/RAW_interactions.subset_13247.csv');
const FOOD_TEST = dataPath('food-com/interactions_test.no_date.csv');

function sum(values: Float32Array): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

test('ml-100k u.data: 100,000 ratings, 943 users, 1,682 items', { skip: skipUnlessData(ML100K) }, async () => {
  const { interactions: x, report } = await readInteractions(ML100K, { columns: { user: 0, item: 1, rating: 2, time: 3 } });
  assert.equal(x.length, 100_000);
  assert.equal(x.numUsers, 943);
  assert.equal(x.numItems, 1682);
  assert.equal(report.duplicates, 0);
  assert.equal(sum(x.values), 352_986);
  assert.equal(Math.min(...x.times!), 874_724_710);
  // First line: 196	242	3	881250949
  assert.deepEqual([x.userIds.id(x.users[0]), x.itemIds.id(x.items[0]), x.values[0], x.times![0]], ['196', '242', 3, 881250949]);
});

test('book-crossing raw slice: ";"-separated, quoted, CRLF, latin-1, no header', { skip: skipUnlessData(BX) }, async () => {
  const { interactions: x, report } = await readInteractions(BX, { separator: ';', encoding: 'latin1', columns: { user: 0, item: 1, rating: 2 } });
  assert.equal(x.length, 39_268);
  assert.equal(report.rowsRead, 39_268);
  assert.equal(x.numUsers, 4287);
  assert.equal(x.numItems, 29_248);
  assert.equal(sum(x.values), 114_500);
  let zeros = 0;
  for (const v of x.values) if (v === 0) zeros++;
  assert.equal(zeros, 24_157, 'implicit 0 ratings stay 0');
  assert.deepEqual([x.userIds.id(x.users[0]), x.itemIds.id(x.items[0])], ['43842', '0739432540']);
  // The slice's one non-ASCII byte (0xDF) is ß in latin-1.
  const isbn = x.itemIds.toArray().find((id) => /[^\x00-\x7f]/.test(id));
  assert.equal(isbn, '393ß704064');
  // A backslash-escaped ISBN reads as Python's csv reads it.
  assert.ok(x.itemIds.has('\\8804501367\\""'));
});

test('food.com reviews with quoted commas and line breaks: 13,247 records, as a CSV parser counts them', { skip: skipUnlessData(FOOD) }, async () => {
  const { interactions: x, report } = await readInteractions(FOOD, { columns: { user: 'user_id', item: 'recipe_id', rating: 'rating', time: 'date' } });
  assert.equal(report.rowsRead, 13_247); // the file has 13,528 physical lines
  assert.equal(x.length, 13_247);
  assert.equal(x.numUsers, 6303);
  assert.equal(x.numItems, 5395);
  assert.equal(sum(x.values), 55_782);
  // First row: 2001676733,531712,2017/8/18,5,...
  assert.equal(x.times![0], Date.UTC(2017, 7, 18) / 1000);
  let multiLine = 0;
  await readDelimitedRows(FOOD, { header: true }, (fields) => {
    if (fields[4].includes('\n')) multiLine++;
  });
  assert.equal(multiLine, 113);
});

test('food.com test split (header names with spaces): 12,455 rows', { skip: skipUnlessData(FOOD_TEST) }, async () => {
  const { interactions: x } = await readInteractions(FOOD_TEST, { columns: { user: 'user_id INT', item: 'recipe_id INT', rating: 'rating INT' } });
  assert.equal(x.length, 12_455);
});

test('detectFormat guesses separator, header and encoding of the real files', { skip: skipUnlessData(BX) || skipUnlessData(ML100K) || skipUnlessData(FOOD) }, async () => {
  assert.deepEqual(await detectFormat(ML100K), { separator: '\t', quote: '"', header: false, encoding: 'utf8' });
  // The slice's only non-ASCII byte lies past the first 64 KiB, so look at the whole file.
  assert.deepEqual(await detectFormat(BX, 1 << 22), { separator: ';', quote: '"', header: false, encoding: 'latin1' });
  assert.equal((await detectFormat(BX)).encoding, 'utf8');
  assert.deepEqual(await detectFormat(FOOD), { separator: ',', quote: '"', header: true, encoding: 'utf8' });
});

test('readInteractionsFile reads a text file by extension', { skip: skipUnlessData(ML100K) }, async () => {
  const { interactions } = await readInteractionsFile(ML100K, { columns: { user: 0, item: 1, rating: 2 } });
  assert.equal(interactions.length, 100_000);
});
