/** Mistakes in input files get a message that says what to do, and nothing is lost or changed silently. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readInteractions, readInteractionsFile } from '../../src/data/readers/index.ts';
import { cliWording } from '../../src/data/readers/hints.ts';
import { firstInvalidUtf8 } from '../../src/data/readers/delimited.ts';
import { Rng } from '../../src/core/rng.ts';
import { isUtf8 } from 'node:buffer';
import { ConfigError, DataFormatError, DatasetNotFoundError } from '../../src/contracts/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'tastebud-mistakes-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function file(content: string | Buffer, ext = '.csv'): string {
  const path = join(dir, `m${n++}${ext}`);
  writeFileSync(path, content);
  return path;
}

const POS = { columns: { user: 0, item: 1, rating: 2 } };

async function message(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (e) {
    return (e as Error).message;
  }
  assert.fail('expected an error');
}

test('a rating beyond the float32 range is refused with file, line and field (not read as Infinity)', async () => {
  const path = file('1,10,5\n2,10,1e308\n3,10,-1e39\n');
  await assert.rejects(readInteractions(path, POS), (e: unknown) => {
    assert.ok(e instanceof DataFormatError);
    assert.equal(e.message, `${path}, line 2, field "rating (column 2)": rating 1e308 is too large: values are 32-bit floats (at most ±3.4e38)`);
    assert.equal(e.line, 2);
    return true;
  });
  const { interactions, report } = await readInteractions(path, { ...POS, onError: 'skip' });
  assert.equal(interactions.length, 1);
  assert.equal(report.rowsSkipped, 2);
  assert.match(report.skippedExamples[1], /line 3.*rating -1e39 is too large/);
  for (let k = 0; k < interactions.length; k++) assert.ok(Number.isFinite(interactions.values[k]));
});

test('a hexadecimal, binary or octal rating is not read as a number', async () => {
  for (const text of ['0x10', '0b1', '0O7']) {
    const path = file(`1,10,5\n2,10,${text}\n`);
    assert.equal(await message(readInteractions(path, POS)), `${path}, line 2, field "rating (column 2)": rating ${JSON.stringify(text)} is not a number`);
  }
});

test('one column mapped to two roles is refused', async () => {
  const path = file('customer,item\nu1,10\n');
  assert.equal(
    await message(readInteractions(path, { header: true, columns: { user: 'customer', item: 'customer' } })),
    'columns: user and item are both column "customer"; each role needs a column of its own',
  );
  assert.equal(await message(readInteractions(path, { columns: { user: 0, item: 0 } })), 'columns: user and item are both column 0; each role needs a column of its own');
});

test('a header read as data (no header declared) is named as the likely cause', async () => {
  const path = file('user,item,stars\n1,10,5\n');
  assert.equal(
    await message(readInteractions(path, POS)),
    `${path}, line 1, field "rating (column 2)": rating "stars" is not a number; if line 1 is a header, pass \`header: true\` (CLI: \`--header\`)`,
  );
});

test('NaN and inf text is not a rating, on the fast path and the quoted path alike', async () => {
  for (const text of ['NaN', 'inf', '-Infinity', '"nan"']) {
    const path = file(`1,10,5\n2,10,${text}\n`);
    assert.equal(await message(readInteractions(path, POS)), `${path}, line 2, field "rating (column 2)": rating ${JSON.stringify(text.replace(/"/g, ''))} is not a finite number`);
  }
  const huge = file('1,10,1e999\n');
  assert.match(await message(readInteractions(huge, POS)), /rating 1e999 is too large/);
});

test('negative ratings are kept and counted in the load report', async () => {
  const { interactions, report } = await readInteractions(file('1,10,5\n2,10,-1\n3,11,-2.5\n'), POS);
  assert.equal(interactions.length, 3);
  assert.equal(report.negativeValues, 2);
});

test('ids are trimmed by default, so "1, 10" and "1,10" name one item; keepIdWhitespace keeps them', async () => {
  const path = file('1,10,5\n2, 10,4\n 3 ,"10 ",3\n');
  const trimmed = (await readInteractions(path, POS)).interactions;
  assert.deepEqual(
    Array.from({ length: trimmed.itemIds.size }, (_, i) => trimmed.itemIds.id(i)),
    ['10'],
  );
  assert.equal(trimmed.userIds.id(2), '3');
  const kept = (await readInteractions(path, { ...POS, keepIdWhitespace: true })).interactions;
  assert.deepEqual(
    Array.from({ length: kept.itemIds.size }, (_, i) => kept.itemIds.id(i)),
    ['10', ' 10', '10 '],
  );
  assert.equal(kept.userIds.id(2), ' 3 ');
  const blank = file('1,10,5\n2,  ,4\n');
  assert.equal(await message(readInteractions(blank, POS)), `${blank}, line 2, field "item (column 1)": item id is empty`);
});

test('a tab-separated header read with "," names the separator to use', async () => {
  const path = file('user\titem\trating\n1\t10\t5\n', '.csv');
  const error = await message(readInteractions(path, { columns: { user: 'user', item: 'item', rating: 'rating' }, separator: ',' }));
  assert.equal(
    error,
    `${path}, line 1, field "user": the user column "user" is not in the header (columns: user\titem\trating); the header looks tab-separated: try \`separator: '\\t'\` (CLI: \`--sep '\\t'\`)`,
  );
  assert.match(cliWording(error), /the header looks tab-separated: try --sep '\\t'$/);
});

test('rows that do not split into enough fields suggest the separator they seem to use', async () => {
  const path = file('1;10;5\n', '.csv');
  const error = await message(readInteractions(path, POS));
  assert.match(cliWording(error), /expected at least 3 fields separated by ",", found 1; the line looks semicolon-separated: try --sep ';'$/);
});

test('a headerless file read with named columns suggests positions', async () => {
  const path = file('196\t242\t3\n186\t302\t3\n', '.tsv');
  const error = await message(readInteractions(path, { columns: { user: 'user', item: 'item', rating: 'rating' } }));
  assert.match(
    error,
    /the user column "user" is not in the header \(columns: 196, 242, 3\); this file seems to have no header: use `columns: \{ user: 0, item: 1, rating: 2 \}` \(CLI: `--columns 0,1,2`\)$/,
  );
  assert.match(cliWording(error), /this file seems to have no header: use --columns 0,1,2$/);
});

test('invalid UTF-8 is reported at its own line, also chunks into a large file', async () => {
  const lines = Array.from({ length: 200_000 }, (_, k) => `u${k},i${k % 89},${1 + (k % 5)}`);
  for (const at of [3, 150_001]) {
    const bytes = Buffer.from(lines.join('\n') + '\n');
    const offset = bytes.indexOf(`\n${lines[at - 1]}\n`) + 1 + lines[at - 1].indexOf(',') + 2;
    bytes[offset] = 0xe9; // latin-1 é inside the item id
    const path = file(bytes);
    assert.match(await message(readInteractions(path, POS)), new RegExp(`^${path}, line ${at}: the text is not valid UTF-8`));
  }
});

test('firstInvalidUtf8 finds the first byte outside well-formed UTF-8, as the decoder judges it', () => {
  const rng = new Rng(5);
  for (let trial = 0; trial < 2000; trial++) {
    // Led by an ASCII byte: leading continuation bytes would be the end of a character from the chunk before.
    const text = Buffer.from(`x${['a', 'é', '€', '𝄞', '\n'].map((c) => c.repeat(rng.int(3))).join('')}`);
    const bytes = Buffer.concat([text, Buffer.from([0x80 + rng.int(0x80)]), Buffer.from('tail')]);
    const bad = firstInvalidUtf8(bytes);
    assert.ok(bad >= text.length, `${bytes.toString('hex')}: ${bad} < ${text.length}`);
    assert.equal(bad < bytes.length, !isUtf8(bytes), bytes.toString('hex'));
  }
  assert.equal(firstInvalidUtf8(Buffer.from([0xe0, 0x80, 0x80])), 0, 'overlong');
  assert.equal(firstInvalidUtf8(Buffer.from([0xed, 0xa0, 0x80])), 0, 'a surrogate');
  assert.equal(firstInvalidUtf8(Buffer.from([0x61, 0xe2, 0x82])), 3, 'a character cut at the end is finished by the next chunk');
});

test('the latin-1 hint names the library option, and the CLI wording names the flag', async () => {
  const path = file(Buffer.from('1,caf\xe9,5\n', 'latin1'));
  const error = await message(readInteractions(path, POS));
  assert.match(error, /not valid UTF-8.*pass `encoding: 'latin1'` \(CLI: `--encoding latin1`\)$/);
  assert.match(cliWording(error), /if the file is latin-1, pass --encoding latin1$/);
});

test('a missing file or a directory is one plain error', async () => {
  const missing = join(dir, 'nope.csv');
  // Each read starts only when its rejection is awaited: started together, a later one could
  // reject before its handler is attached (an unhandled rejection, under load).
  for (const read of [
    () => readInteractions(missing, POS),
    () => readInteractionsFile(missing, POS),
    () => readInteractionsFile(join(dir, 'nope.dat'), POS),
    () => readInteractionsFile(join(dir, 'nope.parquet'), POS),
  ]) {
    await assert.rejects(read, (e: unknown) => e instanceof DatasetNotFoundError && /nope\.\w+: no such file$/.test(e.message));
  }
  await assert.rejects(readInteractions(dir, POS), (e: unknown) => e instanceof DataFormatError && e.message === `${dir}: is a directory, not a file`);
});

test('bad options are ConfigErrors, not RangeErrors', async () => {
  const path = file('1,10,5\n');
  await assert.rejects(readInteractions(path, { ...POS, separator: '' }), ConfigError);
  await assert.rejects(readInteractions(path, { ...POS, duplicates: 'first' as never }), ConfigError);
  await assert.rejects(readInteractions(path, { ...POS, timeFormat: 'epoch' as never }), ConfigError);
});
