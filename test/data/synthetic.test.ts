import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/contracts/errors.ts';
import { rowFeatures } from '../../src/data/features.ts';
import { csrHas } from '../../src/data/interactions.ts';
import { leaveKOut } from '../../src/data/splits.ts';
import { generateSynthetic, plantedScore } from '../../src/data/synthetic.ts';

const small = { users: 300, items: 500, factors: 8, interactionsPerUser: 20, popularitySkew: 1, noise: 0.05, seed: 11 };

test('the same seed gives the same data; another seed does not', () => {
  const a = generateSynthetic({ ...small, ratings: true, time: true, itemFeatures: 8 });
  const b = generateSynthetic({ ...small, ratings: true, time: true, itemFeatures: 8 });
  assert.deepEqual(a.interactions.users, b.interactions.users);
  assert.deepEqual(a.interactions.items, b.interactions.items);
  assert.deepEqual(a.interactions.values, b.interactions.values);
  assert.deepEqual(a.interactions.times, b.interactions.times);
  assert.deepEqual(a.itemFeatures, b.itemFeatures);
  const c = generateSynthetic({ ...small, seed: 12 });
  assert.notDeepEqual(Array.from(c.interactions.items.subarray(0, 100)), Array.from(a.interactions.items.subarray(0, 100)));
});

test('sizes follow the options; no user repeats an item', () => {
  const { interactions } = generateSynthetic(small);
  assert.equal(interactions.numUsers, 300);
  assert.equal(interactions.numItems, 500);
  const mean = interactions.length / 300;
  assert.ok(mean > 17 && mean < 23, `mean interactions per user ${mean}`);
  for (const c of interactions.userCounts()) assert.ok(c >= 2 && c <= 250);
  const pairs = new Set(Array.from(interactions.users, (u, k) => u * 500 + interactions.items[k]));
  assert.equal(pairs.size, interactions.length);
  assert.ok(interactions.values.every((v) => v === 1));
  assert.equal(interactions.times, null);
});

test('popularity is skewed: the top 10% of items take a large share of interactions', () => {
  const share = (skew: number) => {
    const counts = Array.from(generateSynthetic({ ...small, popularitySkew: skew }).interactions.itemCounts()).sort((a, b) => b - a);
    const total = counts.reduce((s, c) => s + c, 0);
    return counts.slice(0, 50).reduce((s, c) => s + c, 0) / total;
  };
  const flat = share(0);
  const skewed = share(1.2);
  assert.ok(skewed > flat + 0.15, `top-10% share: skew 0 → ${flat.toFixed(2)}, skew 1.2 → ${skewed.toFixed(2)}`);
});

test('the planted factors rank held-out interactions far better than popularity', () => {
  const data = generateSynthetic(small);
  const { train, test: heldOut } = leaveKOut(data.interactions, { k: 1, seed: 1 });
  const popularity = train.itemCounts();
  const seen = train.byUser();
  let trueAuc = 0;
  let popAuc = 0;
  for (let p = 0; p < heldOut.length; p++) {
    const u = heldOut.users[p];
    const pos = heldOut.items[p];
    const sPos = plantedScore(data.truth, u, pos);
    let t = 0;
    let q = 0;
    let negatives = 0;
    for (let i = 0; i < data.interactions.numItems; i++) {
      if (i === pos || csrHas(seen, u, i)) continue;
      negatives++;
      const s = plantedScore(data.truth, u, i);
      t += s < sPos ? 1 : s === sPos ? 0.5 : 0;
      q += popularity[i] < popularity[pos] ? 1 : popularity[i] === popularity[pos] ? 0.5 : 0;
    }
    trueAuc += t / negatives;
    popAuc += q / negatives;
  }
  trueAuc /= heldOut.length;
  popAuc /= heldOut.length;
  assert.ok(trueAuc > popAuc + 0.1, `AUC planted ${trueAuc.toFixed(3)} vs popularity ${popAuc.toFixed(3)}`);
});

test('ratings are 1–5 and higher where the planted affinity is higher', () => {
  const data = generateSynthetic({ ...small, ratings: true });
  const { interactions: r } = data;
  assert.deepEqual(data.ratingScale, { min: 1, max: 5 });
  assert.ok(r.values.every((v) => Number.isInteger(v) && v >= 1 && v <= 5));
  const byRating = new Map<number, number[]>();
  r.values.forEach((v, p) => byRating.set(v, [...(byRating.get(v) ?? []), plantedScore(data.truth, r.users[p], r.items[p])]));
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(mean(byRating.get(5)!) > mean(byRating.get(2) ?? byRating.get(1)!) + 0.2);
});

test('features follow the latent clusters', () => {
  const data = generateSynthetic({ ...small, clusters: 8, itemFeatures: 8, userFeatures: 16, noise: 0, time: true });
  const items = data.itemFeatures!;
  assert.equal(items.rows, 500);
  for (let i = 0; i < 500; i++) {
    const f = rowFeatures(items, i);
    assert.equal(f.length, 1);
    assert.equal(f[0].name, `category=c${data.truth.itemCluster[i]}`);
  }
  const users = data.userFeatures!;
  for (let u = 0; u < 300; u++) {
    const value = Number(rowFeatures(users, u)[0].name.replace('segment=c', ''));
    assert.equal(value % 8, data.truth.userCluster[u], 'each cluster splits into 2 segment values');
  }
  assert.ok(data.interactions.times!.every((t) => t >= 1e9 && t < 1e9 + 2 * 365 * 86400));
});

test('impossible options are ConfigErrors', () => {
  assert.throws(() => generateSynthetic({ users: 0, items: 10 }), ConfigError);
  assert.throws(() => generateSynthetic({ users: 10, items: 10, noise: 2 }), /noise/);
});

test('a tiny catalogue ends users early instead of looping', () => {
  const data = generateSynthetic({ users: 20, items: 4, interactionsPerUser: 50, seed: 1 });
  for (const c of data.interactions.userCounts()) assert.ok(c <= 2);
});
