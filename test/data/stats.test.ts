import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IdMap } from '../../src/data/idmap.ts';
import { Interactions } from '../../src/data/interactions.ts';
import { describe, formatStats, loadNotes, quantiles } from '../../src/data/stats.ts';

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
  const data = make(
    [
      [0, 0, 5],
      [0, 1, 3],
      [1, 0, 4],
      [2, 0, 4],
      [2, 0, 5],
      [2, 2, 1],
    ],
    [0, 86400, 2 * 86400, 3 * 86400, 4 * 86400, 10 * 86400],
  );
  const s = describe(data, { rowsRead: 8, rowsSkipped: 2, skippedExamples: [], duplicates: 1 });
  assert.equal(s.users, 3);
  assert.equal(s.items, 3);
  assert.equal(s.interactions, 6);
  assert.equal(s.density, 5 / 9);
  assert.deepEqual(s.ratingHistogram, [
    { value: 1, count: 1 },
    { value: 3, count: 1 },
    { value: 4, count: 2 },
    { value: 5, count: 2 },
  ]);
  assert.equal(s.valueQuantiles, null);
  assert.equal(s.duplicates, 1);
  assert.equal(s.rowsSkipped, 2);
  assert.deepEqual(s.perUserQuantiles, { min: 1, p25: 1, median: 2, p75: 3, p90: 3, max: 3 });
  assert.deepEqual(s.perItemQuantiles, { min: 1, p25: 1, median: 1, p75: 4, p90: 4, max: 4 });
  assert.deepEqual(s.timeRange, { min: 0, max: 864000 });
  const text = formatStats('toy', s).join('\n');
  assert.equal(
    text,
    [
      'toy',
      '  interactions      6',
      '  users             3',
      '  items             3',
      '  density       55.6%',
      '  per user      min 1, p25 1, median 2, p75 3, p90 3, max 3',
      '  per item      min 1, p25 1, median 1, p75 4, p90 4, max 4',
      '  time          1970-01-01 – 1970-01-11',
      '  duplicates    1',
      '  rows skipped  2',
      '  values:',
      '    1  1   16.7%',
      '    3  1   16.7%',
      '    4  2   33.3%',
      '    5  2   33.3%',
    ].join('\n'),
  );
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

test('the histogram is in numeric order (0.5 before 5), numbers are rounded, negatives are counted once', () => {
  const data = make([
    [0, 0, 5],
    [0, 1, 0.5],
    [1, 0, 4.5],
    [1, 1, -1],
    [2, 0, 10000],
  ]);
  const s = describe(data, { rowsRead: 5, rowsSkipped: 0, skippedExamples: [], duplicates: 0, negativeValues: 1 });
  assert.deepEqual(
    s.ratingHistogram!.map((h) => h.value),
    [-1, 0.5, 4.5, 5, 10000],
  );
  assert.equal(s.negativeValues, 1);
  const text = formatStats('mixed', s).join('\n');
  assert.ok(
    text.endsWith(['  values:', '        -1  1   20.0%', '       0.5  1   20.0%', '       4.5  1   20.0%', '         5  1   20.0%', '    10,000  1   20.0%'].join('\n')),
    text,
  );
  assert.match(text, /negative values {2}1 \(kept: negative feedback, or a mistake to filter out\)/);
  assert.deepEqual(loadNotes({ rowsRead: 5, rowsSkipped: 0, skippedExamples: [], duplicates: 0, negativeValues: 1 }), [
    '1 rating is negative; it is kept (some data uses negative feedback), filter them out if they are mistakes',
  ]);
  const cont = describe(make(Array.from({ length: 40 }, (_, k): [number, number, number] => [k % 3, k % 4, k / 7])));
  assert.match(formatStats('c', cont).join('\n'), /values +min 0, p25 1\.286, median 2\.714/);
});
