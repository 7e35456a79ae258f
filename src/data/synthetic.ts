/**
 * Synthetic interactions with planted low-rank structure, for tests and benchmarks that need
 * data of any size with a known right answer.
 *
 * The generative story (all draws from one seeded Rng):
 * - K clusters ("genres") with centres c_k ~ N(0, I/d); item i belongs to cluster k_i and has
 *   factors v_i = c_{k_i} + N(0, 0.25·I/d); item popularity is Zipf: the r-th most popular item
 *   has weight (r+1)^−popularitySkew.
 * - user u likes 1–2 clusters with random weights π: u = Σ π_j c_j + N(0, 0.09·I/d).
 * - each interaction: with probability `noise`, a uniformly random item; otherwise a cluster
 *   k with probability ∝ (cluster popularity) · exp(β u·c_k), then an item of k by popularity,
 *   accepted with probability σ(γ u·(v_i − c_k)) so that high u·v_i wins within the cluster too.
 *   A user never repeats an item.
 * - ratings (optional): round(1 + 4 σ(3(u·v_i − 0.5)) + N(0, 0.3 + noise)) clamped to 1–5.
 * Per-user sampling costs O(K·d) once and O(d) per interaction (alias tables, no O(items) scans),
 * and the columns stream into typed arrays sized up front, so 20 M interactions fit.
 */
import { Rng } from '../core/rng.ts';
import { ConfigError } from '../contracts/errors.ts';
import { FeatureBuilder } from './features.ts';
import { IdMap } from './idmap.ts';
import { Interactions } from './interactions.ts';
import type { Dataset } from './types.ts';
import type { FeatureMatrix } from '../contracts/types.ts';

export interface SyntheticOptions {
  users: number;
  items: number;
  /** Latent dimension d (default 16). */
  factors?: number;
  /** Number of item clusters K (default = factors). */
  clusters?: number;
  /** Mean interactions per user (default 20); counts are log-normal, at least 2, at most items/2. */
  interactionsPerUser?: number;
  /** Zipf exponent of item popularity (default 1; 0 = uniform). */
  popularitySkew?: number;
  /** Fraction of interactions that are uniformly random (default 0.1); also widens rating noise. */
  noise?: number;
  /** Number of item feature values (field `category`, from the item's cluster); 0/absent = none. */
  itemFeatures?: number;
  /** Number of user feature values (field `segment`, from the user's favourite cluster). */
  userFeatures?: number;
  seed?: number;
  /** Emit 1–5 ratings instead of value 1. */
  ratings?: boolean;
  /** Emit timestamps (seconds, 2001–2003). */
  time?: boolean;
}

/** The planted model: what a perfect recommender would know. */
export interface SyntheticTruth {
  factors: number;
  /** users × factors, row-major. */
  userFactors: Float32Array;
  /** items × factors, row-major. */
  itemFactors: Float32Array;
  itemCluster: Int32Array;
  /** Each user's favourite cluster. */
  userCluster: Int32Array;
  /** Zipf popularity weight of each item (sums to 1). */
  popularity: Float64Array;
}

export interface SyntheticDataset extends Dataset {
  truth: SyntheticTruth;
}

const PREFERENCE_SHARPNESS = 8; // β: how strongly users stick to their clusters
const WITHIN_CLUSTER_SHARPNESS = 8; // γ
const ACCEPT_TRIES = 8;
const DISTINCT_TRIES = 64;
const T0 = 1_000_000_000;
const SPAN = 2 * 365 * 86_400;

export function generateSynthetic(options: SyntheticOptions): SyntheticDataset {
  const { users, items, factors: d = 16, interactionsPerUser = 20, popularitySkew = 1, noise = 0.1, seed = 42 } = options;
  const K = options.clusters ?? d;
  check(Number.isInteger(users) && users >= 1, `users must be a positive integer, got ${users}`);
  check(Number.isInteger(items) && items >= 2, `items must be an integer ≥ 2, got ${items}`);
  check(Number.isInteger(d) && d >= 1 && Number.isInteger(K) && K >= 1, `factors and clusters must be positive integers`);
  check(interactionsPerUser >= 1, `interactionsPerUser must be ≥ 1, got ${interactionsPerUser}`);
  check(noise >= 0 && noise <= 1, `noise must be in [0, 1], got ${noise}`);
  check(popularitySkew >= 0, `popularitySkew must be ≥ 0, got ${popularitySkew}`);
  const rng = new Rng(seed);

  // Clusters and items.
  const centres = gaussian(rng, K * d, 1 / Math.sqrt(d));
  const itemCluster = new Int32Array(items);
  for (let i = 0; i < items; i++) itemCluster[i] = rng.int(K);
  const itemFactors = new Float32Array(items * d);
  for (let i = 0; i < items; i++) {
    for (let f = 0; f < d; f++) itemFactors[i * d + f] = centres[itemCluster[i] * d + f] + rng.normal(0, 0.5 / Math.sqrt(d));
  }
  const popularity = new Float64Array(items);
  const rank = rng.permutation(items);
  let total = 0;
  for (let i = 0; i < items; i++) total += popularity[i] = Math.pow(rank[i] + 1, -popularitySkew);
  for (let i = 0; i < items; i++) popularity[i] /= total;
  // Items grouped by cluster, each group with its own alias table over popularity.
  const clusterStart = new Int32Array(K + 1);
  for (let i = 0; i < items; i++) clusterStart[itemCluster[i] + 1]++;
  for (let k = 0; k < K; k++) clusterStart[k + 1] += clusterStart[k];
  const clusterItems = new Int32Array(items);
  const fill = clusterStart.slice(0, K);
  for (let i = 0; i < items; i++) clusterItems[fill[itemCluster[i]]++] = i;
  const clusterMass = new Float64Array(K);
  for (let i = 0; i < items; i++) clusterMass[itemCluster[i]] += popularity[i];
  const clusterAlias = new AliasTables(
    Float64Array.from(clusterItems, (i) => popularity[i]),
    clusterStart,
  );
  // Centre-relative score of each item, so the within-cluster acceptance is one dot product.
  const offsets = new Float32Array(items * d);
  for (let i = 0; i < items; i++) for (let f = 0; f < d; f++) offsets[i * d + f] = itemFactors[i * d + f] - centres[itemCluster[i] * d + f];

  // Users and their interaction counts.
  const userFactors = new Float32Array(users * d);
  const userCluster = new Int32Array(users);
  for (let u = 0; u < users; u++) {
    const liked = 1 + rng.int(2);
    let best = -1;
    let sum = 0;
    const weights = Array.from({ length: liked }, () => rng.uniform(0.2, 1));
    for (const w of weights) sum += w;
    for (let j = 0; j < liked; j++) {
      const k = rng.int(K);
      if (best < 0 || weights[j] > weights[best]) (best = j), (userCluster[u] = k);
      for (let f = 0; f < d; f++) userFactors[u * d + f] += (weights[j] / sum) * centres[k * d + f];
    }
    for (let f = 0; f < d; f++) userFactors[u * d + f] += rng.normal(0, 0.3 / Math.sqrt(d));
  }
  const maxPerUser = Math.max(1, Math.floor(items / 2));
  const sigma = 0.7;
  const mu = Math.log(interactionsPerUser) - (sigma * sigma) / 2;
  const counts = new Int32Array(users);
  let capacity = 0;
  for (let u = 0; u < users; u++) capacity += counts[u] = Math.min(maxPerUser, Math.max(Math.min(2, maxPerUser), Math.round(Math.exp(mu + sigma * rng.normal()))));

  // Interactions.
  const outUsers = new Int32Array(capacity);
  const outItems = new Int32Array(capacity);
  const outValues = new Float32Array(capacity).fill(1);
  const outTimes = options.time ? new Float64Array(capacity) : null;
  const seenBy = new Int32Array(items).fill(-1);
  const cdf = new Float64Array(K);
  let n = 0;
  for (let u = 0; u < users; u++) {
    const uf = u * d;
    let acc = 0;
    for (let k = 0; k < K; k++) {
      let dot = 0;
      for (let f = 0; f < d; f++) dot += userFactors[uf + f] * centres[k * d + f];
      cdf[k] = acc += clusterMass[k] * Math.exp(PREFERENCE_SHARPNESS * dot);
    }
    const start = T0 + rng.next() * SPAN * 0.8;
    const window = SPAN * rng.uniform(0.02, 0.2);
    for (let j = 0; j < counts[u]; j++) {
      let item = -1;
      for (let attempt = 0; attempt < DISTINCT_TRIES && item < 0; attempt++) {
        const candidate = rng.next() < noise ? rng.int(items) : preferred(u);
        if (seenBy[candidate] !== u) item = candidate;
      }
      if (item < 0) continue; // the user's reachable catalogue is exhausted: fewer rows, not a loop
      seenBy[item] = u;
      outUsers[n] = u;
      outItems[n] = item;
      if (options.ratings) {
        const s = dotRows(userFactors, uf, itemFactors, item * d, d);
        const r = 1 + 4 / (1 + Math.exp(-3 * (s - 0.5))) + rng.normal(0, 0.3 + noise);
        outValues[n] = Math.min(5, Math.max(1, Math.round(r)));
      }
      if (outTimes) outTimes[n] = Math.floor(start + rng.next() * window);
      n++;
    }
  }

  function preferred(u: number): number {
    const k = searchCdf(cdf, rng.next() * cdf[K - 1]);
    let item = -1;
    for (let t = 0; t < ACCEPT_TRIES; t++) {
      item = clusterItems[clusterAlias.sample(k, rng)];
      const s = dotRows(userFactors, u * d, offsets, item * d, d);
      if (rng.next() < 1 / (1 + Math.exp(-WITHIN_CLUSTER_SHARPNESS * s))) break;
    }
    return item;
  }

  const userIds = new IdMap(Array.from({ length: users }, (_, u) => `u${u}`));
  const itemIds = new IdMap(Array.from({ length: items }, (_, i) => `i${i}`));
  const interactions = new Interactions({
    users: n === capacity ? outUsers : outUsers.slice(0, n),
    items: n === capacity ? outItems : outItems.slice(0, n),
    values: n === capacity ? outValues : outValues.slice(0, n),
    times: outTimes ? (n === capacity ? outTimes : outTimes.slice(0, n)) : undefined,
    userIds,
    itemIds,
  });
  const dataset: SyntheticDataset = {
    name: `synthetic-${users}x${items}-seed${seed}`,
    interactions,
    report: { rowsRead: n, rowsSkipped: 0, skippedExamples: [], duplicates: 0 },
    truth: { factors: d, userFactors, itemFactors, itemCluster, userCluster, popularity },
  };
  if (options.ratings) dataset.ratingScale = { min: 1, max: 5 };
  if (options.itemFeatures) dataset.itemFeatures = clusterFeatures(itemIds, itemCluster, K, options.itemFeatures, 'category', noise, rng);
  if (options.userFeatures) dataset.userFeatures = clusterFeatures(userIds, userCluster, K, options.userFeatures, 'segment', noise, rng);
  return dataset;
}

/** The planted affinity u·v of a user and an item. */
export function plantedScore(truth: SyntheticTruth, user: number, item: number): number {
  return dotRows(truth.userFactors, user * truth.factors, truth.itemFactors, item * truth.factors, truth.factors);
}

/**
 * One categorical feature per row from its cluster: with `values` ≤ K clusters share values,
 * with more each cluster splits into sub-values. A `noise` fraction of rows get a random value.
 */
function clusterFeatures(ids: IdMap, cluster: Int32Array, K: number, values: number, field: string, noise: number, rng: Rng): FeatureMatrix {
  const builder = new FeatureBuilder(ids);
  const perCluster = Math.max(1, Math.floor(values / K));
  for (let r = 0; r < cluster.length; r++) {
    const v = rng.next() < noise ? rng.int(values) : values <= K ? cluster[r] % values : cluster[r] + K * rng.int(perCluster);
    builder.categorical(ids.id(r), field, `c${v}`);
  }
  return builder.build();
}

/**
 * Walker/Vose alias tables for several groups at once: group g covers weights
 * `starts[g]..starts[g+1]`; `sample(g)` returns a position within that group in O(1).
 */
class AliasTables {
  private readonly prob: Float64Array;
  private readonly alias: Int32Array;
  private readonly starts: Int32Array;

  constructor(weights: Float64Array, starts: Int32Array) {
    this.starts = starts;
    this.prob = new Float64Array(weights.length);
    this.alias = new Int32Array(weights.length);
    for (let g = 0; g + 1 < starts.length; g++) this.buildGroup(weights, starts[g], starts[g + 1]);
  }

  sample(group: number, rng: Rng): number {
    const start = this.starts[group];
    const size = this.starts[group + 1] - start;
    const x = rng.next() * size;
    const j = Math.floor(x);
    return start + (x - j < this.prob[start + j] ? j : this.alias[start + j]);
  }

  private buildGroup(weights: Float64Array, lo: number, hi: number): void {
    const size = hi - lo;
    if (size === 0) return;
    let sum = 0;
    for (let k = lo; k < hi; k++) sum += weights[k];
    const scaled = new Float64Array(size);
    const small: number[] = [];
    const large: number[] = [];
    for (let j = 0; j < size; j++) {
      scaled[j] = sum > 0 ? (weights[lo + j] * size) / sum : 1;
      (scaled[j] < 1 ? small : large).push(j);
    }
    while (small.length && large.length) {
      const s = small.pop()!;
      const l = large[large.length - 1];
      this.prob[lo + s] = scaled[s];
      this.alias[lo + s] = l;
      scaled[l] -= 1 - scaled[s];
      if (scaled[l] < 1) small.push(large.pop()!);
    }
    for (const j of [...small, ...large]) (this.prob[lo + j] = 1), (this.alias[lo + j] = j);
  }
}

function searchCdf(cdf: Float64Array, x: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cdf[mid] > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function dotRows(a: Float32Array, aOff: number, b: Float32Array, bOff: number, d: number): number {
  let s = 0;
  for (let f = 0; f < d; f++) s += a[aOff + f] * b[bOff + f];
  return s;
}

function gaussian(rng: Rng, n: number, std: number): Float32Array {
  const out = new Float32Array(n);
  for (let k = 0; k < n; k++) out[k] = rng.normal(0, std);
  return out;
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new ConfigError(`generateSynthetic: ${message}`);
}
