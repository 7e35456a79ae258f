/**
 * Row-sparse gradients for a large table (an embedding, or a first layer over items): a batch
 * accumulates only into the rows it touches, and the optimizer steps only those rows (lazy,
 * per-row step counts through Param.updateRow), so a step costs the rows used, not the table.
 */
import type { Param } from './params.ts';

/** A Param with a full-size gradient buffer whose non-zero rows are listed in `touched`. */
export class SparseGradTable {
  readonly param: Param;
  readonly grad: Float32Array;
  private touched: Int32Array;
  private count = 0;
  private readonly mark: Uint8Array;

  constructor(param: Param) {
    this.param = param;
    this.grad = new Float32Array(param.data.length);
    this.touched = new Int32Array(Math.min(param.rows, 1024));
    this.mark = new Uint8Array(param.rows);
  }

  /** grad[row] += scale · g[offset .. +cols). */
  accumulate(row: number, g: Float32Array, offset: number, scale: number): void {
    const cols = this.param.cols;
    if (this.mark[row] === 0) {
      if (this.count === this.touched.length) {
        const t = new Int32Array(Math.min(this.param.rows, this.touched.length * 2));
        t.set(this.touched);
        this.touched = t;
      }
      this.mark[row] = 1;
      this.touched[this.count++] = row;
    }
    const base = row * cols;
    for (let d = 0; d < cols; d++) this.grad[base + d] += scale * g[offset + d];
  }

  /** Zero the touched rows' gradients. */
  clear(): void {
    const cols = this.param.cols;
    for (let k = 0; k < this.count; k++) {
      const r = this.touched[k];
      this.mark[r] = 0;
      this.grad.fill(0, r * cols, (r + 1) * cols);
    }
    this.count = 0;
  }

  /** One lazy optimizer step on each touched row (l2 on those rows), then clear. */
  update(l2: number): void {
    const cols = this.param.cols;
    for (let k = 0; k < this.count; k++) {
      const r = this.touched[k];
      this.param.updateRow(r, this.grad, r * cols, l2);
    }
    this.clear();
  }
}
