/**
 * Planted data with heavy-tailed play counts: which items a user has comes from the synthetic
 * generator's planted clusters; how often they played each is mostly noise — a log-normal
 * per-user activity (σ 2) times a log-normal per pair, and a few "on repeat" items (2 % of them)
 * whose counts are 200× larger for everyone — with a little signal: items of the user's
 * favourite cluster are played 3× as often. A model that weighs pairs by raw count chases the
 * heavy pairs; binarising, log or BM25 weighting should not.
 */
import { Rng } from '../../src/core/rng.ts';
import { Interactions } from '../../src/data/interactions.ts';
import { perUserSplit } from '../../src/data/splits.ts';
import { generateSynthetic } from '../../src/data/synthetic.ts';

export function heavyTailedCounts(options: { users: number; items: number; perUser: number; seed: number }): Interactions {
  const synthetic = generateSynthetic({ users: options.users, items: options.items, factors: 8, interactionsPerUser: options.perUser, seed: options.seed });
  const base = synthetic.interactions;
  const { itemCluster, userCluster } = synthetic.truth;
  const rng = new Rng(options.seed + 1);
  const activity = Float64Array.from({ length: base.numUsers }, () => Math.exp(2 * rng.normal()));
  const onRepeat = Uint8Array.from({ length: base.numItems }, () => (rng.next() < 0.02 ? 1 : 0));
  const values = new Float32Array(base.length);
  for (let k = 0; k < base.length; k++) {
    const favourite = itemCluster[base.items[k]] === userCluster[base.users[k]] ? 3 : 1;
    const c = activity[base.users[k]] * Math.exp(rng.normal()) * favourite * (onRepeat[base.items[k]] ? 200 : 1);
    values[k] = Math.max(1, Math.round(c));
  }
  return new Interactions({ users: base.users, items: base.items, values, userIds: base.userIds, itemIds: base.itemIds });
}

/** Per-user 80/10/10 train / validation / test of `heavyTailedCounts`. */
export function heavyTailedSplit(options: { users: number; items: number; perUser: number; seed: number }) {
  return perUserSplit(heavyTailedCounts(options), { testRatio: 0.1, validationRatio: 0.1, seed: options.seed });
}
