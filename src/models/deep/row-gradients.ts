/**
 * Sums a mini-batch's gradients per embedding row, so each touched row gets one optimizer step
 * per batch (lazy Adam semantics, as with sparse embeddings elsewhere) however often it occurs
 * in the batch. Memory: one Int32 slot per table row plus the touched rows' sums.
 */
export class RowGradients {
  readonly dim: number;
  private readonly slotOf: Int32Array;
  private touched: Int32Array;
  private sums: Float32Array;
  private count = 0;

  constructor(rows: number, dim: number, capacity = 256) {
    this.dim = dim;
    this.slotOf = new Int32Array(rows).fill(-1);
    this.touched = new Int32Array(capacity);
    this.sums = new Float32Array(capacity * dim);
  }

  /** Rows touched since the last `clear`. */
  get size(): number {
    return this.count;
  }

  /** The slot of row's sum, taken (and zeroed) on its first gradient in this batch. */
  private slotFor(row: number): number {
    let slot = this.slotOf[row];
    if (slot < 0) {
      slot = this.count++;
      if (slot >= this.touched.length) this.grow();
      this.slotOf[row] = slot;
      this.touched[slot] = row;
      this.sums.fill(0, slot * this.dim, (slot + 1) * this.dim);
    }
    return slot;
  }

  /** sums[row] += scale · grad[offset .. offset+dim). */
  add(row: number, grad: Float32Array, offset: number, scale = 1): void {
    const dim = this.dim;
    const base = this.slotFor(row) * dim;
    const s = this.sums;
    for (let d = 0; d < dim; d++) s[base + d] += scale * grad[offset + d];
  }

  /**
   * sums[ids[r]] += grad[r·stride + offset .. + dim) for r < n: a batch's rows in one call, the
   * slot looked up once per run of equal ids (a positive's user repeats over its negatives).
   */
  addRows(ids: Int32Array, n: number, grad: Float32Array, stride: number, offset: number): void {
    const dim = this.dim;
    let last = -1;
    let base = 0;
    for (let r = 0; r < n; r++) {
      const row = ids[r];
      if (row !== last) {
        base = this.slotFor(row) * dim;
        last = row;
      }
      const s = this.sums;
      const o = r * stride + offset;
      for (let d = 0; d < dim; d++) s[base + d] += grad[o + d];
    }
  }

  /** Hands the touched rows and their sums (row s's at s·dim) to `apply` in one call, then clears. */
  flushAll(apply: (rows: Int32Array, count: number, sums: Float32Array) => void): void {
    apply(this.touched, this.count, this.sums);
    this.clear();
  }

  /** Calls `apply(row, sums, offset)` for every touched row, then clears. */
  flush(apply: (row: number, sums: Float32Array, offset: number) => void): void {
    for (let s = 0; s < this.count; s++) apply(this.touched[s], this.sums, s * this.dim);
    this.clear();
  }

  clear(): void {
    for (let s = 0; s < this.count; s++) this.slotOf[this.touched[s]] = -1;
    this.count = 0;
  }

  private grow(): void {
    const touched = new Int32Array(this.touched.length * 2);
    touched.set(this.touched);
    this.touched = touched;
    const sums = new Float32Array(this.sums.length * 2);
    sums.set(this.sums);
    this.sums = sums;
  }
}
