import { ConfigError } from '../contracts/errors.ts';
import { csrHas, type Csr, type Interactions } from '../data/interactions.ts';
import type { Rng } from '../core/rng.ts';

/**
 * - `uniform`: any item, positives included (cheapest; fine when each user saw few items).
 * - `exclude-positives`: uniform over the items the user has no train interaction with.
 * - `popularity`: item i with probability ∝ count(i)^alpha (word2vec-style; alpha 0.75 default)
 *   among the items the user has no train interaction with (`excludePositives: false` lets
 *   positives through). Harder negatives than uniform: popular items the user skipped.
 */
export type NegativeSamplerKind = 'uniform' | 'exclude-positives' | 'popularity';

export interface NegativeSamplerOptions {
  kind: NegativeSamplerKind;
  /** Popularity exponent: weight = trainCount^alpha (default 0.75). */
  alpha?: number;
  /** For `popularity`: reject the user's positives (default true). */
  excludePositives?: boolean;
  rng: Rng;
  /** Random draws before the exact fallback for users who saw almost everything (default 32). */
  maxTries?: number;
}

/** What a sampler needs of the training data. */
export interface SamplerSource {
  /** Training interactions by user, rows sorted. */
  csr: Csr;
  numItems: number;
  /** Interactions per item, for popularity sampling. */
  itemCounts?: Int32Array;
}

/**
 * Draws negative items for a user. Rejection sampling against the user's sorted CSR row keeps
 * a draw O(log degree); when a user has seen most of the catalogue (or rejection keeps failing)
 * it falls back to picking uniformly among the unseen items directly, so it always terminates.
 * A user who has seen every item gets a uniform item: there is no negative to give.
 */
export class NegativeSampler {
  readonly kind: NegativeSamplerKind;
  readonly numItems: number;
  private readonly csr: Csr;
  private readonly rng: Rng;
  private readonly exclude: boolean;
  private readonly maxTries: number;
  // Vose alias table for popularity draws: O(1) per draw.
  private readonly aliasProb: Float64Array | null = null;
  private readonly alias: Int32Array | null = null;
  /** Popularity weights (null: uniform), for the exact fallback over a heavy user's unseen items. */
  private readonly weights: Float64Array | null = null;
  private readonly totalWeight: number = 0;

  /**
   * `train`: the training interactions, or just their by-user CSR and item count (what a worker
   * thread has); popularity then needs `itemCounts`.
   */
  constructor(train: Interactions | SamplerSource, options: NegativeSamplerOptions) {
    this.kind = options.kind;
    const source: SamplerSource = 'byUser' in train ? { csr: train.byUser(), numItems: train.numItems } : train;
    this.csr = source.csr;
    this.numItems = source.numItems;
    this.rng = options.rng;
    this.maxTries = options.maxTries ?? 32;
    if (this.numItems < 1) throw new ConfigError('cannot sample negatives from an empty item catalogue');
    switch (options.kind) {
      case 'uniform':
        this.exclude = false;
        break;
      case 'exclude-positives':
        this.exclude = true;
        break;
      case 'popularity': {
        this.exclude = options.excludePositives ?? true;
        const alpha = options.alpha ?? 0.75;
        if (!(alpha >= 0)) throw new ConfigError(`popularity alpha must be ≥ 0, got ${alpha}`);
        const counts = 'byUser' in train ? train.itemCounts() : train.itemCounts;
        if (!counts) throw new ConfigError('popularity sampling needs item counts');
        const w = new Float64Array(this.numItems);
        for (let i = 0; i < w.length; i++) w[i] = counts[i] > 0 ? Math.pow(counts[i], alpha) : 0;
        const table = buildAlias(w);
        this.aliasProb = table.prob;
        this.alias = table.alias;
        this.weights = w;
        for (let i = 0; i < w.length; i++) this.totalWeight += w[i];
        break;
      }
      default:
        throw new ConfigError(`unknown negative sampler "${(options as { kind: string }).kind}" (expected uniform, exclude-positives or popularity)`);
    }
  }

  /** One negative item index for `user`. */
  sample(user: number): number {
    if (!this.exclude) return this.draw();
    const { indptr } = this.csr;
    const degree = indptr[user + 1] - indptr[user];
    if (degree === 0) return this.draw();
    // Rejection is cheap while most items are unseen; past half the catalogue go exact.
    if (degree * 2 < this.numItems) {
      for (let t = 0; t < this.maxTries; t++) {
        const item = this.draw();
        if (!csrHas(this.csr, user, item)) return item;
      }
    }
    return this.weights !== null && this.totalWeight > 0 ? this.unseenWeighted(user) : this.unseenUniform(user);
  }

  /**
   * One draw from the base distribution, without the check against the user's positives: for
   * WARP, which scores a draw first and checks it (`isExcluded`) only when it violates the
   * margin, as LightFM does — most draws never need the check.
   */
  drawUnchecked(): number {
    return this.draw();
  }

  /** Whether `sample(user)` would reject `item` (it is one of the user's positives and this sampler excludes them). */
  isExcluded(user: number, item: number): boolean {
    return this.exclude && csrHas(this.csr, user, item);
  }

  /**
   * log of the probability that `sample(user)` returns `item`: the base distribution renormalised
   * over the user's unseen items when positives are excluded (rejection sampling and the exact
   * fallback both draw from exactly that). For a sampled softmax's log-Q correction (deep/ncf).
   */
  logProbability(user: number, item: number): number {
    const norm = this.logNormaliser(user);
    if (this.weights === null || norm.uniform) return norm.value;
    const w = this.weights[item];
    // An item of weight 0 is drawn only by the uniform fallback.
    return w > 0 ? Math.log(w) - norm.value : -Math.log(this.numItems);
  }

  /** Per user: log of the normaliser (popularity) or the log-probability of each item (uniform). */
  private logNormaliser(user: number): { value: number; uniform: boolean } {
    // A positive's negatives are asked for one after another: compute once per user in a row.
    if (this.lastNorm.user !== user) this.lastNorm = { user, ...this.computeLogNormaliser(user) };
    return this.lastNorm;
  }

  private lastNorm = { user: -1, value: 0, uniform: true };

  private computeLogNormaliser(user: number): { value: number; uniform: boolean } {
    const all = this.weights === null ? { value: -Math.log(this.numItems), uniform: true } : { value: Math.log(this.totalWeight), uniform: false };
    if (!this.exclude) return all;
    const { indptr, indices } = this.csr;
    const start = indptr[user];
    const end = indptr[user + 1];
    if (end === start) return all;
    let distinct = 0;
    let seenWeight = 0;
    for (let p = start; p < end; p++) {
      if (p > start && indices[p] === indices[p - 1]) continue;
      distinct++;
      if (this.weights !== null) seenWeight += this.weights[indices[p]];
    }
    if (distinct >= this.numItems) return { value: -Math.log(this.numItems), uniform: true };
    if (this.weights === null) return { value: -Math.log(this.numItems - distinct), uniform: true };
    const free = this.totalWeight - seenWeight;
    // As `sample`: with (almost) no unseen weight left, uniform over the unseen items.
    if (!(free > 1e-9 * this.totalWeight)) return { value: -Math.log(this.numItems - distinct), uniform: true };
    return { value: Math.log(free), uniform: false };
  }

  /** `k` negatives for `user` into out[offset .. offset+k). */
  sampleMany(user: number, k: number, out: Int32Array, offset = 0): void {
    for (let j = 0; j < k; j++) out[offset + j] = this.sample(user);
  }

  /** An item by this sampler's base distribution, ignoring the user. */
  private draw(): number {
    if (this.alias === null) return this.rng.int(this.numItems);
    const k = this.rng.int(this.numItems);
    return this.rng.next() < this.aliasProb![k] ? k : this.alias[k];
  }

  /**
   * By popularity weight over the items not in the user's row, exactly, in O(numItems): the
   * rare fallback for users who saw most of the catalogue (or whose unseen items are unpopular).
   * Uniform over the unseen items when all of them have weight 0.
   */
  private unseenWeighted(user: number): number {
    const { indptr, indices } = this.csr;
    const w = this.weights!;
    const start = indptr[user];
    const end = indptr[user + 1];
    let seenWeight = 0;
    for (let p = start; p < end; p++) if (p === start || indices[p] !== indices[p - 1]) seenWeight += w[indices[p]];
    const free = this.totalWeight - seenWeight;
    if (!(free > 1e-9 * this.totalWeight)) return this.unseenUniform(user);
    let r = this.rng.next() * free;
    let last = -1;
    for (let i = 0, p = start; i < this.numItems; i++) {
      while (p < end && indices[p] < i) p++;
      if (p < end && indices[p] === i) continue;
      if (w[i] <= 0) continue;
      last = i;
      r -= w[i];
      if (r < 0) return i;
    }
    // Rounding left r a hair above zero: the last unseen item with weight.
    return last >= 0 ? last : this.unseenUniform(user);
  }

  /** Uniform over items not in the user's (sorted) row: the r-th gap in O(degree). */
  private unseenUniform(user: number): number {
    const { indptr, indices } = this.csr;
    const start = indptr[user];
    const end = indptr[user + 1];
    // Distinct seen items (a row may repeat an item when the data has duplicate interactions).
    let distinct = 0;
    for (let p = start; p < end; p++) if (p === start || indices[p] !== indices[p - 1]) distinct++;
    const free = this.numItems - distinct;
    if (free <= 0) return this.rng.int(this.numItems);
    // The r-th unseen item: step past every seen item at or below the candidate (row is sorted).
    let item = this.rng.int(free);
    for (let p = start; p < end; p++) {
      if (p > start && indices[p] === indices[p - 1]) continue;
      if (indices[p] <= item) item++;
      else break;
    }
    return item;
  }
}

/** Vose's alias method over non-negative weights (uniform when all are zero). */
export function buildAlias(weights: Float64Array): { prob: Float64Array; alias: Int32Array } {
  const n = weights.length;
  const prob = new Float64Array(n);
  const alias = new Int32Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) total += weights[i];
  if (!(total > 0)) {
    prob.fill(1);
    for (let i = 0; i < n; i++) alias[i] = i;
    return { prob, alias };
  }
  const scaled = new Float64Array(n);
  const small = new Int32Array(n);
  const large = new Int32Array(n);
  let ns = 0;
  let nl = 0;
  for (let i = 0; i < n; i++) {
    scaled[i] = (weights[i] * n) / total;
    if (scaled[i] < 1) small[ns++] = i;
    else large[nl++] = i;
  }
  while (ns > 0 && nl > 0) {
    const s = small[--ns];
    const l = large[--nl];
    prob[s] = scaled[s];
    alias[s] = l;
    scaled[l] = scaled[l] + scaled[s] - 1;
    if (scaled[l] < 1) small[ns++] = l;
    else large[nl++] = l;
  }
  while (nl > 0) {
    const l = large[--nl];
    prob[l] = 1;
    alias[l] = l;
  }
  while (ns > 0) {
    const s = small[--ns];
    prob[s] = 1;
    alias[s] = s;
  }
  return { prob, alias };
}
