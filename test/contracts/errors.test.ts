import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, DataFormatError, DatasetNotFoundError, ModelFileError, TastebudError } from '../../src/contracts/errors.ts';
import { suggest } from '../../src/contracts/suggest.ts';

test('every user-facing error is a TastebudError, named after its class', () => {
  for (const E of [ConfigError, DatasetNotFoundError, ModelFileError]) {
    const e = new E('bad');
    assert.ok(e instanceof TastebudError && e instanceof Error);
    assert.equal(e.name, E.name);
    assert.equal(e.message, 'bad');
  }
  assert.ok(!(new RangeError('x') instanceof TastebudError));
});

test('a DataFormatError names the file, line and field', () => {
  const e = new DataFormatError('expected a number, got "x"', { file: 'r.csv', line: 7, field: 'rating' });
  assert.ok(e instanceof TastebudError);
  assert.equal(e.message, 'r.csv, line 7, field "rating": expected a number, got "x"');
  assert.deepEqual([e.file, e.line, e.field], ['r.csv', 7, 'rating']);
  assert.equal(new DataFormatError('empty').message, 'empty');
});

test('suggest names a near miss and nothing for a far one', () => {
  assert.equal(suggest('factorz', ['factors', 'epochs']), ' (did you mean "factors"?)');
  assert.equal(suggest('zzz', ['factors', 'epochs']), '');
});
