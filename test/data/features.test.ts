import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/contracts/errors.ts';
import { IdMap } from '../../src/data/idmap.ts';
import { bucketRange, FeatureBuilder, featureIndex, featureMatrixFromRows, featuresOf, identityFeatures, rowFeatures } from '../../src/data/features.ts';

const names = (features: Array<{ name: string }> | undefined) => features?.map((f) => f.name);

test('categorical, multi-valued and bucketed numeric fields become field=value features', () => {
  const users = new IdMap(['u1', 'u2', 'u3']);
  const b = new FeatureBuilder(users, { buckets: { age: { edges: [18, 25, 35, 45, 50, 56] } } });
  b.categorical('u1', 'gender', 'F');
  b.numeric('u1', 'age', 24);
  b.multi('u1', 'likes', ['jazz', 'film']);
  b.categorical('u2', 'gender', 'M');
  b.numeric('u2', 'age', 61);
  b.numeric('u3', 'age', 12);
  const m = b.build();
  assert.equal(m.rows, 3);
  assert.deepEqual(names(featuresOf(m, users, 'u1'))?.sort(), ['age=18-24', 'gender=F', 'likes=film', 'likes=jazz']);
  assert.deepEqual(names(featuresOf(m, users, 'u2'))?.sort(), ['age=56+', 'gender=M']);
  assert.deepEqual(names(featuresOf(m, users, 'u3')), ['age=<18']);
  assert.equal(featuresOf(m, users, 'nobody'), undefined);
  assert.deepEqual(m.fields, ['gender', 'likes', 'age']);
  for (let f = 0; f < m.numFeatures; f++) assert.ok(m.vocabulary[f].startsWith(`${m.fields[m.fieldOf[f]]}=`));
  // Numeric buckets are listed in ascending order.
  assert.deepEqual(
    m.vocabulary.filter((v) => v.startsWith('age=')),
    ['age=<18', 'age=18-24', 'age=56+'],
  );
});

test('rows missing from the metadata get no features; unknown metadata ids are skipped and counted', () => {
  const items = new IdMap(['a', 'b', 'c']);
  const b = new FeatureBuilder(items);
  b.categorical('a', 'color', 'red');
  assert.equal(b.categorical('zzz', 'color', 'blue'), false);
  b.multi('zzz', 'tag', ['x', 'y']);
  b.categorical('yyy', 'color', 'blue');
  const m = b.build();
  assert.equal(b.skippedUnknown, 2);
  assert.deepEqual(rowFeatures(m, 1), []);
  assert.equal(m.indptr[3], 1);
  assert.equal(featureIndex(m, 'color=blue'), -1, 'features of skipped rows do not enter the vocabulary');
});

test('identity features come first (index = row) and cover rows without metadata', () => {
  const items = new IdMap(['a', 'b']);
  const b = new FeatureBuilder(items, { identity: 'item' });
  b.categorical('a', 'color', 'red');
  const m = b.build();
  assert.deepEqual(m.vocabulary, ['item=a', 'item=b', 'color=red']);
  assert.deepEqual(m.fields, ['item', 'color']);
  assert.deepEqual(names(rowFeatures(m, 0)), ['item=a', 'color=red']);
  assert.deepEqual(names(rowFeatures(m, 1)), ['item=b']);
  assert.deepEqual(identityFeatures(items).vocabulary, ['id=a', 'id=b']);
});

test('multi-valued weighting and l1 row normalization', () => {
  const items = new IdMap(['m']);
  const equal = new FeatureBuilder(items);
  equal.multi('m', 'genre', ['Drama', 'War', 'Romance', 'Drama']);
  const m = equal.build();
  const w = Object.fromEntries(rowFeatures(m, 0).map((f) => [f.name, f.weight]));
  assert.deepEqual(w, { 'genre=Drama': 2, 'genre=War': 1, 'genre=Romance': 1 }, 'a repeated value adds up');
  const split = new FeatureBuilder(items);
  split.multi('m', 'genre', ['Drama', 'War'], { weighting: 'equal' });
  assert.deepEqual(
    rowFeatures(split.build(), 0).map((f) => f.weight),
    [0.5, 0.5],
  );
  const normalized = new FeatureBuilder(items, { identity: true, normalize: 'l1' });
  normalized.multi('m', 'genre', ['Drama', 'War', 'Romance']);
  const weights = rowFeatures(normalized.build(), 0).map((f) => f.weight);
  assert.equal(weights.length, 4);
  assert.ok(Math.abs(weights.reduce((s, x) => s + x, 0) - 1) < 1e-6);
});

test('decade and quantile buckets', () => {
  const ids = new IdMap(Array.from({ length: 8 }, (_, k) => `r${k}`));
  const decades = new FeatureBuilder(ids, { buckets: { year: { width: 10 } } });
  [1995, 1999, 1987, 2001].forEach((y, k) => decades.numeric(`r${k}`, 'year', y));
  decades.numeric('r4', 'year', NaN);
  const d = decades.build();
  assert.deepEqual(d.vocabulary, ['year=1980-1989', 'year=1990-1999', 'year=2000-2009']);
  assert.deepEqual(rowFeatures(d, 4), []);
  const quartiles = new FeatureBuilder(ids, { buckets: { x: { quantiles: 4 } } });
  for (let k = 0; k < 8; k++) quartiles.numeric(`r${k}`, 'x', k * 0.5);
  const q = quartiles.build();
  assert.equal(q.numFeatures, 4);
  const counts = q.vocabulary.map((_, f) => Array.from(q.indices).filter((i) => i === f).length);
  assert.deepEqual(counts, [2, 2, 2, 2]);
  assert.equal(q.vocabulary[0], 'x=<1');
});

test('bad bucket specs and unbucketed numeric fields are ConfigErrors', () => {
  const ids = new IdMap(['a']);
  assert.throws(() => new FeatureBuilder(ids, { buckets: { age: { edges: [30, 20] } } }), ConfigError);
  assert.throws(() => new FeatureBuilder(ids).numeric('a', 'age', 3), /no bucket spec/);
});

test('featureMatrixFromRows reads named features with optional weights', () => {
  const ids = new IdMap(['x', 'y']);
  const m = featureMatrixFromRows(ids, [
    { id: 'y', features: ['genre=Drama', ['tag=noir', 0.5]] },
    { id: 'q', features: ['genre=Comedy'] },
  ]);
  assert.deepEqual(rowFeatures(m, 0), []);
  assert.deepEqual(
    rowFeatures(m, 1).map((f) => [f.name, f.field, f.weight]),
    [
      ['genre=Drama', 'genre', 1],
      ['tag=noir', 'tag', 0.5],
    ],
  );
  assert.equal(featureIndex(m, 'genre=Comedy'), -1);
});

test('buckets of fractional values are labelled as half-open ranges', () => {
  const ids = new IdMap(['a', 'b']);
  const b = new FeatureBuilder(ids, { buckets: { score: { edges: [1, 2] } } });
  b.numeric('a', 'score', 1.5);
  b.numeric('b', 'score', 2);
  assert.deepEqual(b.build().vocabulary, ['score=[1,2)', 'score=2+']);
});

test('bucketRange reads back every label the builder writes: the value lies in its own bucket and in no other', () => {
  const specs = { edges: { edges: [18, 25, 35, 56] }, width: { width: 10 }, quantiles: { quantiles: 4 }, fractional: { edges: [1, 2.5] } };
  const values = [-3, 0, 12, 17.5, 18, 24, 25, 34.9, 35, 55, 56, 70, 1995, 2003];
  for (const [name, spec] of Object.entries(specs)) {
    const ids = new IdMap(values.map((_, k) => `r${k}`));
    const b = new FeatureBuilder(ids, { buckets: { x: spec } });
    values.forEach((v, k) => b.numeric(`r${k}`, 'x', name === 'fractional' ? v / 10 : v));
    const m = b.build();
    const labels = m.vocabulary.filter((v) => v.startsWith('x=')).map((v) => v.slice(2));
    values.forEach((raw, k) => {
      const v = name === 'fractional' ? raw / 10 : raw;
      const own = rowFeatures(m, k)[0].name.slice(2);
      const holding = labels.filter((label) => {
        const r = bucketRange(label);
        assert.ok(r, `${name}: ${label} is read back`);
        return v >= r.lo && v < r.hi;
      });
      assert.deepEqual(holding, [own], `${name}: ${v}`);
    });
  }
  assert.equal(bucketRange('Drama'), null);
  assert.deepEqual(bucketRange('1995'), { lo: 1995, hi: 1996 });
  assert.deepEqual(bucketRange('-10--1'), { lo: -10, hi: 0 });
});
