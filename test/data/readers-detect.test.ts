import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sniffFormat } from '../../src/data/readers/detect.ts';
import { readInteractionsFile } from '../../src/data/readers/index.ts';

const sniff = (text: string | Buffer, complete = true) => sniffFormat(typeof text === 'string' ? Buffer.from(text) : text, complete);

test("'::' is detected on MovieLens 1M style lines", () => {
  assert.equal(sniff('1::1193::5::978300760\n1::661::3::978302109\n').separator, '::');
});

test('the separator is the one giving a steady field count, ignoring separators inside quotes', () => {
  const text = 'user,item,rating,review\n1,2,5,"good; very, very good"\n3,4,1,"bad; sad"\n5,6,2,meh\n';
  assert.deepEqual(sniff(text), { separator: ',', quote: '"', header: true, encoding: 'utf8' });
  assert.equal(sniff('a|b|c\n1|2|3\n').separator, '|');
  assert.equal(sniff('1\t2\t3\n4\t5\t6\n').separator, '\t');
});

test('a header is a first line of names only, above a line with numbers', () => {
  assert.equal(sniff('user\titem\trating\n1\t6264\t7.000000\n').header, true);
  assert.equal(sniff('196\t242\t3\t881250949\n186\t302\t3\t891717742\n').header, false);
  assert.equal(sniff('"276725";"034545104X";"0"\r\n"276726";"0155061224";"5"\r\n').header, false);
});

test('bytes that are not UTF-8 mean latin-1, but a character cut by the sample end does not', () => {
  assert.equal(sniff(Buffer.from('1;393\xdf704064;10\n', 'latin1')).encoding, 'latin1');
  const cut = Buffer.from('1,caf\u00e9\n'.slice(0, 6)); // ends with the first byte of é
  assert.equal(sniff(Buffer.concat([cut, Buffer.from([0xc3])]).subarray(0, 6), false).encoding, 'utf8');
});

test('readInteractionsFile sniffs the separator of a .dat file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tastebud-detect-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'ratings.dat');
  writeFileSync(path, '1::1193::5::978300760\n2::661::3::978302109\n');
  const { interactions: x } = await readInteractionsFile(path, { columns: { user: 0, item: 1, rating: 2, time: 3 } });
  assert.deepEqual(x.itemIds.toArray(), ['1193', '661']);
  assert.deepEqual([...x.values], [5, 3]);
  t.diagnostic('separator sniffed as ::');
});
