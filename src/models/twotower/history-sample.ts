/**
 * A bounded history for the user tower while training (`historyLimit`): a uniform sample, without
 * replacement, of at most H positions of a user's row, drawn afresh for each batch the user is in.
 * Covington, Adams & Sargin (2016, "Deep Neural Networks for YouTube Recommendations") average a
 * capped watch history (the most recent 50) for the same reason: a user's cost and the rows a
 * step updates stay bounded however long the history grows. Timestamps are optional in tastebud
 * (synthetic data and fold-in histories have none), so the sample is uniform rather than the most
 * recent H; its mean is an unbiased estimate of the whole history's mean, which scoring uses.
 *
 * Floyd's algorithm (`Rng.distinct`) draws k distinct positions in O(k) with a mark per position;
 * they come back in increasing order, so their items (CSR rows are sorted by item) are read forwards
 * through the table.
 */
import type { Rng } from '../../core/rng.ts';

export class HistorySampler {
  readonly limit: number;
  private readonly rng: Rng;
  private marks = new Uint8Array(0);

  constructor(limit: number, rng: Rng) {
    if (!(Number.isInteger(limit) && limit >= 1)) throw new RangeError(`history limit must be a whole number ≥ 1, got ${limit}`);
    this.limit = limit;
    this.rng = rng;
  }

  /** out[0 .. k) = k = limit distinct positions of 0 .. n (n > limit), increasing. */
  sample(n: number, out: Int32Array): void {
    const k = this.limit;
    if (this.marks.length < n) this.marks = new Uint8Array(Math.max(n, 2 * this.marks.length));
    this.rng.distinct(n, k, out, this.marks);
    out.subarray(0, k).sort();
  }
}
