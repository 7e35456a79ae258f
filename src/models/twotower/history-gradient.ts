/**
 * One batch's gradient of the history table, kept compact. The gradient of a user's history mean
 * reaches every item of the user's history, so a batch of 256 rows touches ~16 K history rows
 * (~65 items per row's user: rows are drawn per interaction, so heavy users come up more often).
 * On a small catalogue many are the same items; on a large one they are mostly distinct (synthetic
 * data, ~40 per user: 3.6 K distinct at 4 K items, 8 K at 20 K, 10 K at 80 K), and each gets its
 * own Adam step over weights and moments spread across a table that no longer fits in cache.
 *
 * So the sums live in a buffer of the batch's distinct items only (no table-sized gradient to
 * read, write and clear), and the items get their slots in increasing order (`seal`), so that the
 * optimizer step (`Param.updateRows`, the arithmetic of `updateRow`) walks the weights and both
 * moments forwards through memory instead of jumping back and forth.
 */
import type { Param } from '../../core/params.ts';

export class HistoryGradient {
  readonly dim: number;
  /** Slot of each item in this batch, −1 when the batch does not touch it. */
  private readonly slotOf: Int32Array;
  private items: Int32Array;
  private sums: Float32Array;
  private count = 0;
  /** Whether `seal` ran since the last `reset`: only then do the sums belong to this batch. */
  private sealed = false;

  constructor(rows: number, dim: number) {
    this.dim = dim;
    this.slotOf = new Int32Array(rows).fill(-1);
    this.items = new Int32Array(1024);
    this.sums = new Float32Array(1024 * dim);
  }

  /** Distinct items registered since the last `reset`. */
  get size(): number {
    return this.count;
  }

  /** Forget the last batch's items (their sums are zeroed by the next `seal`). */
  reset(): void {
    for (let s = 0; s < this.count; s++) this.slotOf[this.items[s]] = -1;
    this.count = 0;
    this.sealed = false;
  }

  /** Marks `item` as one this batch may send a gradient to (before `seal`). */
  register(item: number): void {
    if (this.slotOf[item] >= 0) return;
    if (this.count === this.items.length) this.grow();
    this.slotOf[item] = this.count;
    this.items[this.count++] = item;
  }

  /** Gives the registered items their slots in increasing item order and zeroes their sums. */
  seal(): void {
    const items = this.items.subarray(0, this.count);
    items.sort();
    for (let s = 0; s < items.length; s++) this.slotOf[items[s]] = s;
    this.sums.fill(0, 0, this.count * this.dim);
    this.sealed = true;
  }

  /** sums[item] += scale · g[offset .. +dim); `item` must be registered. */
  add(item: number, g: Float32Array, offset: number, scale: number): void {
    const dim = this.dim;
    const base = this.slotOf[item] * dim;
    const s = this.sums;
    for (let d = 0; d < dim; d++) s[base + d] += scale * g[offset + d];
  }

  /** sums[indices[p]] += g[offset .. +dim) for p in [from, to): one user's whole history. */
  addEach(indices: Int32Array, from: number, to: number, g: Float32Array, offset: number): void {
    const dim = this.dim;
    const s = this.sums;
    for (let p = from; p < to; p++) {
      const base = this.slotOf[indices[p]] * dim;
      for (let d = 0; d < dim; d++) s[base + d] += g[offset + d];
    }
  }

  /** One optimizer step on every registered item, in increasing item order (none before a `seal`: no gradient yet). */
  step(param: Param, l2: number): void {
    if (this.sealed) param.updateRows(this.items, this.count, this.sums, l2);
    this.reset();
  }

  /** The gradient as a table-sized array (for the gradient check). */
  dense(): Float32Array {
    const out = new Float32Array(this.slotOf.length * this.dim);
    for (let s = 0; s < this.count; s++) out.set(this.sums.subarray(s * this.dim, (s + 1) * this.dim), this.items[s] * this.dim);
    return out;
  }

  private grow(): void {
    const items = new Int32Array(this.items.length * 2);
    items.set(this.items);
    this.items = items;
    const sums = new Float32Array(this.sums.length * 2);
    sums.set(this.sums);
    this.sums = sums;
  }
}
