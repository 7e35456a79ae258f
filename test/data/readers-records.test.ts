import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldsOf, RecordSplitter } from '../../src/data/readers/records.ts';
import { DataFormatError } from '../../src/contracts/errors.ts';

type Rec = [number, string[]];

/** Records of `pieces` fed one after another, as [start line, fields]. */
function split(pieces: string[], separator = ',', quote: string | null = '"', skipEmpty = true): Rec[] {
  const out: Rec[] = [];
  const s = new RecordSplitter(separator, quote, skipEmpty, (fields, line) => out.push([line, fields.slice()]));
  for (const p of pieces) s.push(p);
  s.end();
  return out;
}

const TRICKY = ['id,text,n\r\n', '1,plain,5\r\n', '2,"with, comma",4\r\n', '3,"two\r\nlines",3\n', '\n', '4,"say ""hi""",2\n', '5,"",1\n', '6,5" screen,0\n', '7,"x""",9'].join('');

const TRICKY_RECORDS: Rec[] = [
  [1, ['id', 'text', 'n']],
  [2, ['1', 'plain', '5']],
  [3, ['2', 'with, comma', '4']],
  [4, ['3', 'two\r\nlines', '3']],
  [7, ['4', 'say "hi"', '2']],
  [8, ['5', '', '1']],
  [9, ['6', '5" screen', '0']],
  [10, ['7', 'x"', '9']],
];

test('quoted fields hold separators, line breaks and doubled quotes; lines count from the record start', () => {
  assert.deepEqual(split([TRICKY]), TRICKY_RECORDS);
});

test('records come out the same wherever the text is cut into chunks', () => {
  for (let cut = 0; cut <= TRICKY.length; cut++) {
    assert.deepEqual(split([TRICKY.slice(0, cut), TRICKY.slice(cut)]), TRICKY_RECORDS, `cut at ${cut}`);
  }
  assert.deepEqual(split([...TRICKY]), TRICKY_RECORDS, 'one character at a time');
});

test('span mode (offsets for unquoted records) yields the same records at every chunk cut', () => {
  const spans = (pieces: string[]): Rec[] => {
    const out: Rec[] = [];
    const s = new RecordSplitter(',', '"', true, (fields, line) => out.push([line, fields.slice()]));
    s.spans = (text, bounds, count, line) => out.push([line, fieldsOf(text, bounds, count)]);
    for (const p of pieces) s.push(p);
    s.end();
    assert.equal(s.records, out.length);
    return out;
  };
  const wide = Array.from({ length: 40 }, (_, k) => `f${k}`).join(',') + '\n'; // more fields than the initial offsets buffer
  for (let cut = 0; cut <= TRICKY.length; cut++) {
    assert.deepEqual(spans([TRICKY.slice(0, cut), TRICKY.slice(cut)]), TRICKY_RECORDS, `cut at ${cut}`);
  }
  assert.deepEqual(spans([wide]), [[1, wide.trim().split(',')]]);
});

test('a multi-character separator such as "::" works, also across chunks', () => {
  const text = '1::10::5::978300760\n2::20::3::978300761\n';
  const want: Rec[] = [
    [1, ['1', '10', '5', '978300760']],
    [2, ['2', '20', '3', '978300761']],
  ];
  assert.deepEqual(split([text], '::'), want);
  for (let cut = 0; cut <= text.length; cut++) assert.deepEqual(split([text.slice(0, cut), text.slice(cut)], '::'), want);
});

test('quote: null reads quotes as text', () => {
  assert.deepEqual(split(['"a","b,c"\n'], ',', null), [[1, ['"a"', '"b', 'c"']]]);
});

test('empty lines are skipped by default and kept as one empty field on request', () => {
  assert.deepEqual(split(['a\n\nb\n']), [
    [1, ['a']],
    [3, ['b']],
  ]);
  assert.deepEqual(split(['a\n\r\nb\n'], ',', '"', false), [
    [1, ['a']],
    [2, ['']],
    [3, ['b']],
  ]);
});

test('a trailing separator gives an empty last field', () => {
  assert.deepEqual(split(['1,2,\n']), [[1, ['1', '2', '']]]);
});

test('an unclosed quote at the end of the file is an error naming the line it starts on', () => {
  assert.throws(
    () => split(['a,b\n1,"open\nnever closed\n']),
    (e: unknown) => e instanceof DataFormatError && e.line === 2 && /not closed/.test(e.message),
  );
});

test('separators that cannot work are refused', () => {
  assert.throws(() => split(['x'], ''), /cannot be empty/);
  assert.throws(() => split(['x'], '\n'), /line break/);
  assert.throws(() => split(['x'], ',', ','), /part of the separator/);
});
