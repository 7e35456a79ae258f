import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/contracts/errors.ts';
import { collectParam, parseValue } from '../../src/cli/options.ts';

test('--param values: numbers, booleans, comma lists, and lists or mappings written as in a config file', () => {
  assert.equal(parseValue('64'), 64);
  assert.equal(parseValue('false'), false);
  assert.equal(parseValue('softmax'), 'softmax');
  assert.deepEqual(parseValue('64,32'), [64, 32]);
  assert.deepEqual(parseValue('[64, 32]'), [64, 32]);
  assert.deepEqual(parseValue('[64,32]'), [64, 32]);
  assert.deepEqual(parseValue('[]'), [], 'an empty list can only be written in brackets');
  assert.deepEqual(parseValue('{ min: 1, max: 2 }'), { min: 1, max: 2 });
  assert.deepEqual(collectParam('layers=[]', { factors: 8 }), { factors: 8, layers: [] });
});

test('a malformed bracketed --param value names the parameter', () => {
  assert.throws(
    () => collectParam('layers=[64, 32'),
    (e: unknown) => e instanceof ConfigError && /^--param layers: cannot read "\[64, 32" as a list or mapping/.test(e.message),
  );
});
