import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NegativeSampler } from '../../src/sampling/negatives.ts';
import { Rng } from '../../src/core/rng.ts';
import { IdMap } from '../../src/data/idmap.ts';
import { csrHas, Interactions } from '../../src/data/interactions.ts';

/** Item i has i + 1 interactions, from users 1 .. i + 1 (user 3 saw items 2–7: the exact fallback); user 0 saw items 2 and 5 (5 twice). */
function skewed(items: number): Interactions {
  const pairs: [number, number][] = [
    [0, 2],
    [0, 5],
    [0, 5],
  ];
  for (let i = 0; i < items; i++) for (let c = 0; c <= i; c++) pairs.push([1 + c, i]);
  return new Interactions({
    users: Int32Array.from(pairs, (p) => p[0]),
    items: Int32Array.from(pairs, (p) => p[1]),
    userIds: new IdMap(Array.from({ length: items + 1 }, (_, u) => `u${u}`)),
    itemIds: new IdMap(Array.from({ length: items }, (_, i) => `i${i}`)),
  });
}

for (const [kind, alpha] of [
  ['popularity', 0.5],
  ['popularity', 0.75],
  ['exclude-positives', 0],
  ['uniform', 0],
] as const) {
  test(`${kind}${kind === 'popularity' ? ` (alpha ${alpha})` : ''}: logProbability is the log of the frequency sample() draws each item with`, () => {
    const train = skewed(8);
    const sampler = new NegativeSampler(train, { kind, alpha, rng: new Rng(11) });
    const draws = 80000;
    for (const user of [0, 3]) {
      const counts = new Float64Array(8);
      for (let t = 0; t < draws; t++) counts[sampler.sample(user)]++;
      let mass = 0;
      for (let i = 0; i < 8; i++) {
        const seen = kind !== 'uniform' && csrHas(train.byUser(), user, i);
        if (seen) {
          assert.equal(counts[i], 0, `user ${user} drew seen item ${i}`);
          continue;
        }
        const p = Math.exp(sampler.logProbability(user, i));
        mass += p;
        assert.ok(Math.abs(counts[i] / draws - p) < 0.006, `user ${user} item ${i}: frequency ${counts[i] / draws} vs ${p}`);
      }
      assert.ok(Math.abs(mass - 1) < 1e-9, `user ${user}: probabilities sum to ${mass}`);
    }
  });
}

test('exclude-positives: logProbability is −log(unseen items), whatever the item', () => {
  const sampler = new NegativeSampler(skewed(8), { kind: 'exclude-positives', rng: new Rng(1) });
  // User 0 saw 2 distinct items of 8; user 1 saw every item.
  assert.ok(Math.abs(sampler.logProbability(0, 7) + Math.log(6)) < 1e-12);
  assert.ok(Math.abs(sampler.logProbability(1, 7) + Math.log(8)) < 1e-12);
});
