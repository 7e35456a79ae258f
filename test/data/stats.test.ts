import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IdMap } from '../../src/data/idmap.ts';
import { Interactions } from '../../src/data/interactions.ts';
import { describe, formatStats, quantiles } from '../../src/data/stats.ts';

function make(pairs: Array<[number, number, number]>, times?: number[]): Interactions {
  return new Interactions({
    users: Int32Array.from(pairs, (p) => p[0]),
    items: Int32Array.from(pairs, (p) => p[1]),
    values: Float32Array.from(pairs, (p) => p[2]),
    times: times ? Float64Array.from(times) : undefined,
    userIds: new IdMap(['a', 'b', 'c', 'never-active']),
    itemIds: new IdMap(['x', 'y', 'z', 'unrated']),
  });
}

test('describe counts active users and items, density over distinct pairs, and duplicates', () => {
  // User c rated x twice (a duplicate kept by the loader).
  const data = make([[0, 0, 5], [0, 1, 3], [1, 0, 4], [2, 0, 4], [2, 0, 5], [2, 2, 1]], [0, 86400, 2 * 86400, 3 * 86400, 4 * 86400, 10 * 86400]);
  const s = describe(data, { rowsRead: 8, rowsSkipped: 2, skippedExamples: [], duplicates: 1 });
  assert.equal(s.users, 3);
  assert.equal(s.items, 3);
  assert.equal(s.interactions, 6);
  assert.equal(s.density, 5 / 9);
  assert.deepEqual(s.ratingHistogram, { '1': 1, '3': 1, '4': 2, '5': 2 });
  assert.equal(s.valueQuantiles, null);
  assert.equal(s.duplicates, 1);
  assert.equal(s.rowsSkipped, 2);
  assert.deepEqual(s.perUserQuantiles, { min: 1, p25: 1, median: 2, p75: 3, p90: 3, max: 3 });
  assert.deepEqual(s.perItemQuantiles, { min: 1, p25: 1, median: 1, p75: 4, p90: 4, max: 4 });
  assert.deepEqual(s.timeRange, { min: 0, max: 864000 });
  const text = formatStats('toy', s).join('\n');
  assert.match(text, /toy: 6 interactions, 3 users, 3 items, density 55\.6%/);
  assert.match(text, /values: 1: 1, 3: 1, 4: 2, 5: 2/);
  assert.match(text, /time: 1970-01-01 – 1970-01-11/);
});

test('continuous values get quantiles instead of a histogram', () => {
  const pairs: Array<[number, number, number]> = Array.from({ length: 40 }, (_, k) => [k % 3, k % 4, k / 7]);
  const s = describe(make(pairs));
  assert.equal(s.ratingHistogram, null);
  assert.equal(s.valueQuantiles!.min, 0);
  assert.equal(s.valueQuantiles!.max, Math.fround(39 / 7));
  assert.equal(s.timeRange, null);
});

test('quantiles use the nearest rank', () => {
  assert.deepEqual(quantiles([10, 1, 2, 3, 4, 5, 6, 7, 8, 9]), { min: 1, p25: 3, median: 5, p75: 8, p90: 9, max: 10 });
  assert.ok(Number.isNaN(quantiles([]).median));
});
