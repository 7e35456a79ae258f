import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NegativeSampler } from '../../src/sampling/negatives.ts';
import { Rng } from '../../src/core/rng.ts';
import { IdMap } from '../../src/data/idmap.ts';
import { Interactions, csrHas } from '../../src/data/interactions.ts';
import { plantedImplicit } from '../helpers/bilinear-data.ts';

function interactions(pairs: [number, number][], users: number, items: number): Interactions {
  return new Interactions({
    users: Int32Array.from(pairs.map((p) => p[0])),
    items: Int32Array.from(pairs.map((p) => p[1])),
    userIds: new IdMap(Array.from({ length: users }, (_, u) => `u${u}`)),
    itemIds: new IdMap(Array.from({ length: items }, (_, i) => `i${i}`)),
  });
}

test('exclude-positives never returns one of the user’s train positives, over many draws', () => {
  const { train } = plantedImplicit({ users: 60, items: 80, perUser: 30 });
  const sampler = new NegativeSampler(train, { kind: 'exclude-positives', rng: new Rng(1) });
  const csr = train.byUser();
  const out = new Int32Array(50);
  for (let u = 0; u < train.numUsers; u++) {
    sampler.sampleMany(u, 50, out, 0);
    for (const item of out) {
      assert.ok(item >= 0 && item < train.numItems);
      assert.ok(!csrHas(csr, u, item), `user ${u} got positive ${item}`);
    }
  }
});

test('a user who saw almost everything still gets the few unseen items, uniformly, with duplicates in the data', () => {
  // User 0 saw items 0..9 except 3 and 7 (item 5 twice); user 1 saw nothing.
  const pairs: [number, number][] = [0, 1, 2, 4, 5, 5, 6, 8, 9].map((i) => [0, i] as [number, number]);
  const sampler = new NegativeSampler(interactions(pairs, 2, 10), { kind: 'exclude-positives', rng: new Rng(3) });
  const counts = new Map<number, number>();
  for (let t = 0; t < 4000; t++) {
    const i = sampler.sample(0);
    counts.set(i, (counts.get(i) ?? 0) + 1);
  }
  assert.deepEqual([...counts.keys()].sort(), [3, 7]);
  assert.ok(Math.abs(counts.get(3)! - 2000) < 200, `roughly even: ${[...counts]}`);
  const seen = new Set<number>();
  for (let t = 0; t < 500; t++) seen.add(sampler.sample(1));
  assert.equal(seen.size, 10, 'a user with no positives samples the whole catalogue');
});

test('a user who saw every item gets some item rather than looping forever', () => {
  const pairs: [number, number][] = [0, 1, 2].map((i) => [0, i] as [number, number]);
  const sampler = new NegativeSampler(interactions(pairs, 1, 3), { kind: 'exclude-positives', rng: new Rng(3) });
  const i = sampler.sample(0);
  assert.ok(i >= 0 && i < 3);
});

test('uniform sampling covers items evenly, positives included', () => {
  const sampler = new NegativeSampler(interactions([[0, 0]], 1, 5), { kind: 'uniform', rng: new Rng(9) });
  const counts = new Float64Array(5);
  for (let t = 0; t < 50000; t++) counts[sampler.sample(0)]++;
  for (const c of counts) assert.ok(Math.abs(c / 50000 - 0.2) < 0.01, `${Array.from(counts)}`);
});

test('popularity sampling with positives let through draws item i with probability ∝ count(i)^alpha', () => {
  // Item counts 1, 4, 16, 0 (by distinct users).
  const pairs: [number, number][] = [];
  const counts = [1, 4, 16, 0];
  counts.forEach((c, i) => {
    for (let u = 0; u < c; u++) pairs.push([u, i]);
  });
  for (const alpha of [1, 0.5]) {
    const sampler = new NegativeSampler(interactions(pairs, 16, 4), { kind: 'popularity', alpha, excludePositives: false, rng: new Rng(5) });
    const hist = new Float64Array(4);
    const draws = 60000;
    for (let t = 0; t < draws; t++) hist[sampler.sample(0)]++;
    const w = counts.map((c) => (c > 0 ? Math.pow(c, alpha) : 0));
    const total = w.reduce((a, b) => a + b, 0);
    for (let i = 0; i < 4; i++) {
      assert.ok(Math.abs(hist[i] / draws - w[i] / total) < 0.01, `alpha ${alpha}, item ${i}: ${hist[i] / draws} vs ${w[i] / total}`);
    }
  }
});

test('popularity sampling can also exclude the user’s positives', () => {
  const pairs: [number, number][] = [
    [0, 2],
    [1, 2],
    [2, 2],
    [0, 1],
    [1, 0],
  ];
  const sampler = new NegativeSampler(interactions(pairs, 3, 4), { kind: 'popularity', alpha: 1, excludePositives: true, rng: new Rng(2) });
  for (let t = 0; t < 2000; t++) {
    const i = sampler.sample(0);
    assert.ok(i !== 1 && i !== 2, `got positive ${i}`);
  }
});

test('the same seed gives the same draws', () => {
  const { train } = plantedImplicit({ users: 20, items: 30, perUser: 5 });
  const a = new NegativeSampler(train, { kind: 'exclude-positives', rng: new Rng(4) });
  const b = new NegativeSampler(train, { kind: 'exclude-positives', rng: new Rng(4) });
  for (let t = 0; t < 200; t++) assert.equal(a.sample(t % 20), b.sample(t % 20));
});

/** Item counts (by distinct users 1..) and user 0's positives, for the distribution tests below. */
function popularityData(counts: number[], userZero: number[]): Interactions {
  const pairs: [number, number][] = userZero.map((i) => [0, i]);
  counts.forEach((c, i) => {
    for (let u = 1; u <= c; u++) pairs.push([u, i]);
  });
  return interactions(pairs, 1 + Math.max(...counts), counts.length);
}

/** Draws for user 0, checked against count^alpha renormalised over the items user 0 did not see. */
function assertPopularityAmongUnseen(data: Interactions, alpha: number, draws: number, seed: number): void {
  const sampler = new NegativeSampler(data, { kind: 'popularity', alpha, rng: new Rng(seed) });
  const counts = data.itemCounts();
  const seen = new Set(Array.from(data.byUser().indices.subarray(data.byUser().indptr[0], data.byUser().indptr[1])));
  const w = Array.from(counts, (c, i) => (seen.has(i) || c === 0 ? 0 : Math.pow(c, alpha)));
  const total = w.reduce((a, b) => a + b, 0);
  const hist = new Float64Array(counts.length);
  for (let t = 0; t < draws; t++) hist[sampler.sample(0)]++;
  for (let i = 0; i < counts.length; i++) {
    const expected = w[i] / total;
    // 4 standard errors of a binomial proportion, so the check is tight yet not flaky.
    const se = Math.sqrt((expected * (1 - expected)) / draws);
    assert.ok(Math.abs(hist[i] / draws - expected) <= 4 * se + 1e-9, `alpha ${alpha}, item ${i}: ${hist[i] / draws} vs ${expected}`);
  }
}

test('popularity sampling (the default: positives excluded) follows count^alpha over the unseen items', () => {
  // 12 items with counts 1..12 (user 0 excluded); user 0 saw the two most popular and one other.
  const counts = Array.from({ length: 12 }, (_, i) => i + 1);
  for (const alpha of [0.75, 1]) assertPopularityAmongUnseen(popularityData(counts, [11, 10, 3]), alpha, 40000, 11);
});

test('popularity sampling stays exact for a user who saw most of the catalogue (the weighted fallback)', () => {
  // User 0 saw 8 of 10 items, so draws take the exact path over the unseen ones (items 2 and 7).
  const counts = [5, 9, 1, 4, 6, 2, 8, 3, 7, 10];
  assertPopularityAmongUnseen(popularityData(counts, [0, 1, 3, 4, 5, 6, 8, 9]), 0.75, 20000, 12);
  // Rejection keeps failing when the unseen items are rare: the fallback must still be weighted.
  const skewed = Array.from({ length: 40 }, (_, i) => (i < 2 ? 1 : 5000));
  const heavy = Array.from({ length: 15 }, (_, i) => i + 2);
  assertPopularityAmongUnseen(popularityData(skewed, heavy), 1, 20000, 13);
});

test('popularity sampling never returns a user’s own positives, over many users and draws', () => {
  const { train } = plantedImplicit({ users: 60, items: 80, perUser: 30 });
  const sampler = new NegativeSampler(train, { kind: 'popularity', rng: new Rng(21) });
  const csr = train.byUser();
  const out = new Int32Array(50);
  for (let u = 0; u < train.numUsers; u++) {
    sampler.sampleMany(u, 50, out, 0);
    for (const item of out) assert.ok(!csrHas(csr, u, item), `user ${u} got positive ${item}`);
  }
});

test('popularity negatives skew toward popular items compared with uniform ones', () => {
  const { train } = plantedImplicit({ users: 60, items: 80, perUser: 10 });
  const counts = train.itemCounts();
  const meanCount = (kind: 'popularity' | 'exclude-positives') => {
    const sampler = new NegativeSampler(train, { kind, rng: new Rng(8) });
    let total = 0;
    for (let t = 0; t < 6000; t++) total += counts[sampler.sample(t % train.numUsers)];
    return total / 6000;
  };
  assert.ok(meanCount('popularity') > 1.1 * meanCount('exclude-positives'), 'popular items are drawn more often');
});
