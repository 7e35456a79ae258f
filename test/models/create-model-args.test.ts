/** createModel called from plain JavaScript with the wrong kinds of arguments: said plainly, not as a TypeError. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/contracts/errors.ts';
import { createModel } from '../../src/models/registry.ts';

const loose = createModel as unknown as (...args: unknown[]) => unknown;

test('createModel without a type, or with a type that is not a string, names the mistake', () => {
  assert.throws(
    () => loose(),
    (e: unknown) => e instanceof ConfigError && /the model type must be a string such as "bpr" \(got nothing\)/.test(e.message),
  );
  assert.throws(
    () => loose(42),
    (e: unknown) => e instanceof ConfigError && /must be a string .*\(got number 42\)/.test(e.message),
  );
});

test('createModel with hyperparameters that are not an object names the mistake', () => {
  assert.throws(
    () => loose('warp', 5),
    (e: unknown) => e instanceof ConfigError && /createModel\("warp"\): the hyperparameters must be an object .*\(got number 5\)/.test(e.message),
  );
  assert.throws(() => loose('warp', [16]), /\(got an array\)/);
  assert.throws(() => loose('warp', null), /\(got null\)/);
  // Left out, they are the defaults.
  assert.equal((loose('warp', undefined) as { type: string }).type, 'warp');
});
