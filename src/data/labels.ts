/**
 * Label transforms: turn explicit ratings into the labels a loss wants. Each returns new
 * Interactions sharing the id maps (and, where rows are kept, the user/item arrays).
 */
import { ConfigError } from '../contracts/errors.ts';
import type { Interactions } from './interactions.ts';

/**
 * value ≥ threshold → 1, else 0; keeps every row (for pointwise BCE on explicit data). The
 * threshold must be a finite number, and on non-empty data one that some value reaches: labels
 * that are all 0 train nothing, so that is refused with the values' range.
 */
export function binarize(data: Interactions, threshold: number): Interactions {
  checkThreshold('binarize', threshold);
  const out = transformValues(data, (v) => (v >= threshold ? 1 : 0));
  if (data.length > 0 && !out.values.includes(1)) {
    const { low, high } = valueRange(data);
    const values = low === high ? `every value is ${low}` : `their values run from ${low} to ${high}`;
    throw new ConfigError(`binarize: threshold ${threshold} labels none of the ${data.length} interactions positive: ${values}; give a threshold ≤ ${high}`);
  }
  return out;
}

/**
 * Keeps only rows with value ≥ threshold, each with value 1 (positive-only feedback). The
 * threshold must be a finite number (a missing or NaN one is refused: it would keep nothing).
 * A finite threshold above every value returns an empty set, not an error: a held-out set may
 * have no positives, and callers that train on the result check for it and say so in their own
 * terms (the CLI names --positive-threshold and the values' range).
 */
export function positivesOnly(data: Interactions, threshold: number): Interactions {
  checkThreshold('positivesOnly', threshold);
  const values = data.values;
  const kept = data.filter((p) => values[p] >= threshold);
  kept.values.fill(1);
  return kept;
}

/** A threshold that is not a finite number compares false with every value (NaN, undefined) or decides nothing (±∞). */
function checkThreshold(fn: string, threshold: number): void {
  if (!Number.isFinite(threshold)) {
    throw new ConfigError(`${fn}: the threshold must be a finite number (the least value that counts as positive, e.g. 4 for 1–5 ratings), got ${threshold}`);
  }
}

/** The least and greatest value, for errors about a threshold. */
function valueRange(data: Interactions): { low: number; high: number } {
  let low = Infinity;
  let high = -Infinity;
  for (const v of data.values) {
    if (v < low) low = v;
    if (v > high) high = v;
  }
  return { low, high };
}

/** Drops rows whose value is 0 — e.g. Book-Crossing's implicit "0" next to its 1–10 ratings. */
export function dropZeros(data: Interactions): Interactions {
  const values = data.values;
  return data.filter((p) => values[p] !== 0);
}

/** Keeps rows whose value is in [min, max]. */
export function keepValues(data: Interactions, range: { min?: number; max?: number }): Interactions {
  const { min = -Infinity, max = Infinity } = range;
  const values = data.values;
  return data.filter((p) => values[p] >= min && values[p] <= max);
}

/** The same pairs with `fn(value, position)` as their values. */
export function transformValues(data: Interactions, fn: (value: number, position: number) => number): Interactions {
  const out = new Float32Array(data.length);
  for (let p = 0; p < out.length; p++) out[p] = fn(data.values[p], p);
  return data.withValues(out);
}

export interface AdjustedSigmoidOptions {
  /** Midpoint: x = a maps to the middle of [lo, hi]. */
  a: number;
  /** Steepness. */
  b: number;
  lo?: number;
  hi?: number;
}

/**
 * `lo + (hi − lo) / (1 + exp((a − x) · b))`: squashes a score into [lo, hi]. With the defaults
 * lo = 1, hi = 10 it is the Book-Crossing tutorials' `1/(1+exp((a−x)·b))·9 + 1`, which maps a
 * model's raw output onto the 1–10 rating scale.
 */
export function adjustedSigmoid(x: number, options: AdjustedSigmoidOptions): number {
  const { a, b, lo = 1, hi = 10 } = options;
  return lo + (hi - lo) / (1 + Math.exp((a - x) * b));
}

/** Linearly maps values from [from.min, from.max] to [to.min, to.max] (default [0, 1]). */
export function rescale(data: Interactions, from: { min: number; max: number }, to: { min: number; max: number } = { min: 0, max: 1 }): Interactions {
  if (!(from.max > from.min)) throw new ConfigError(`rescale needs from.max > from.min, got [${from.min}, ${from.max}]`);
  const scale = (to.max - to.min) / (from.max - from.min);
  return transformValues(data, (v) => to.min + (v - from.min) * scale);
}

/**
 * Subtracts each user's mean value (users' rating habits differ: one's 3 is another's 5).
 * Returns the means (by user index; NaN for users without rows) to add back at prediction time.
 */
export function centerPerUser(data: Interactions): { interactions: Interactions; userMeans: Float32Array } {
  const sums = new Float64Array(data.numUsers);
  const counts = data.userCounts();
  for (let p = 0; p < data.length; p++) sums[data.users[p]] += data.values[p];
  const userMeans = new Float32Array(data.numUsers);
  for (let u = 0; u < userMeans.length; u++) userMeans[u] = counts[u] > 0 ? sums[u] / counts[u] : NaN;
  return { interactions: transformValues(data, (v, p) => v - userMeans[data.users[p]]), userMeans };
}

/** Mean and population standard deviation of the values (e.g. to pick a rating threshold). */
export function valueMoments(data: Interactions): { mean: number; std: number } {
  let sum = 0;
  let sq = 0;
  for (let p = 0; p < data.length; p++) {
    sum += data.values[p];
    sq += data.values[p] * data.values[p];
  }
  const n = Math.max(1, data.length);
  const mean = sum / n;
  return { mean, std: Math.sqrt(Math.max(0, sq / n - mean * mean)) };
}
