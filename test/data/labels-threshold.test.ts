import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/contracts/errors.ts';
import { binarize, positivesOnly } from '../../src/data/labels.ts';
import { interactionsFrom } from '../helpers/toy-model.ts';

const ratings = interactionsFrom([
  [0, 0, 1],
  [0, 1, 4],
  [1, 0, 5],
  [1, 2, 2],
]);

test('positivesOnly and binarize refuse a threshold that is not a finite number', () => {
  for (const fn of [positivesOnly, binarize]) {
    for (const t of [undefined, NaN, Infinity, -Infinity]) {
      assert.throws(
        () => fn(ratings, t as number),
        (e: unknown) =>
          e instanceof ConfigError && e.message === `${fn.name}: the threshold must be a finite number (the least value that counts as positive, e.g. 4 for 1–5 ratings), got ${t}`,
        `${fn.name}(${t})`,
      );
    }
  }
});

test('binarize with a threshold above every value says so, with the values’ range', () => {
  assert.throws(
    () => binarize(ratings, 6),
    (e: unknown) =>
      e instanceof ConfigError && e.message === 'binarize: threshold 6 labels none of the 4 interactions positive: their values run from 1 to 5; give a threshold ≤ 5',
  );
  const ones = interactionsFrom([
    [0, 0, 1],
    [1, 1, 1],
  ]);
  assert.throws(() => binarize(ones, 4), /^ConfigError: binarize: threshold 4 labels none of the 2 interactions positive: every value is 1; give a threshold ≤ 1$/);
  assert.deepEqual([...binarize(ratings, 5).values], [0, 0, 1, 0]);
  assert.equal(
    binarize(
      ratings.filter(() => false),
      4,
    ).length,
    0,
    'empty data stays empty',
  );
});

test('positivesOnly with a finite threshold above every value returns an empty set (callers word the error)', () => {
  assert.equal(positivesOnly(ratings, 6).length, 0);
  assert.deepEqual([...positivesOnly(ratings, 4).values], [1, 1]);
});
