/**
 * The first encoder layer of the VAEs (Mult-VAE, Liang et al. 2018; RecVAE, Shenbin et al. 2020):
 * a user's item row, L2-normalised and with inverted dropout while training, times an
 * items × width weight, plus a bias. `normExponent` e generalises the normalisation: each of a
 * row's n items enters as 1/n^e (0.5: unit L2 norm, the papers'; 1: the mean, unit L1 norm; 0: the
 * raw binary row). The row is sparse, so the product sums the weight rows of
 * the user's items, and the weight's gradient and optimizer step touch only those rows.
 */
import { Param, type OptimizerConfig } from '../../core/params.ts';
import type { Rng } from '../../core/rng.ts';
import { SparseGradTable } from '../../core/sparse-grad.ts';
import type { Csr } from '../../data/interactions.ts';
import type { ParamSchema } from '../spec.ts';

/** `inputNormExponent`, the VAEs' hyperparameter for the layer's `normExponent`: declared once for both specs. */
export const INPUT_NORM_EXPONENT_SCHEMA: ParamSchema = {
  kind: 'number',
  min: 0,
  help: "each of a user's n input items enters the encoder as 1/n^e: 0.5 unit L2 norm (the paper's), 1 the mean, 0 the raw binary row",
};

export class SparseInputLayer {
  readonly weight: Param;
  readonly bias: Param;
  /** The weight's gradient (only the rows of the last batch's items are non-zero) and the bias's. */
  readonly weightGrad: Float32Array;
  readonly biasGrad: Float32Array;
  private readonly weightRows: SparseGradTable;
  // The batch: kept input items with their values, per user row (CSR).
  private inPtr = new Int32Array(1);
  private inItems = new Int32Array(0);
  private inValues = new Float32Array(0);
  // Per batch row: 1 when dropout acted on it (its kept items are a subset), 0 when it entered whole.
  private dropped = new Uint8Array(0);
  /**
   * Normalise the row after dropout (the kept items to unit norm, no 1/(1 − dropout) scale)
   * instead of before it (the references: unit norm, then inverted dropout, so a training row's
   * expected squared norm is 1/(1 − dropout) while a scored row's is 1). The masks are the same.
   */
  normalizeAfterDropout = false;
  /** With dropout, the chance that a row enters whole (no dropout, as scored rows do); one more draw per row when > 0. */
  wholeRowShare = 0;

  /** `name.weight` (items × width, Glorot) and `name.bias`, in that order from `rng`. */
  constructor(
    name: string,
    numItems: number,
    readonly width: number,
    optimizer: OptimizerConfig,
    rng: Rng,
    readonly normExponent = 0.5,
  ) {
    this.weight = new Param(`${name}.weight`, numItems, width, optimizer).init({ kind: 'glorot' }, rng);
    this.bias = new Param(`${name}.bias`, 1, width, optimizer);
    this.weightRows = new SparseGradTable(this.weight);
    this.weightGrad = this.weightRows.grad;
    this.biasGrad = new Float32Array(width);
  }

  /**
   * The batch's input rows: each user's row of `rows` (binary; a user beyond its rows or without
   * items has an empty row), L2-normalised, then with `rng` inverted dropout at `dropout` (each
   * item kept with probability 1 − dropout and scaled by 1/(1 − dropout)).
   */
  setBatch(rows: Csr, users: ArrayLike<number>, n: number, dropout: number, rng: Rng | null): void {
    if (this.inPtr.length < n + 1) {
      this.inPtr = new Int32Array(n + 1);
      this.dropped = new Uint8Array(n + 1);
    }
    const { indptr, indices } = rows;
    let total = 0;
    for (let r = 0; r < n; r++) if (users[r] < rows.rows) total += indptr[users[r] + 1] - indptr[users[r]];
    if (this.inItems.length < total) {
      this.inItems = new Int32Array(total);
      this.inValues = new Float32Array(total);
    }
    const drop = rng !== null && dropout > 0;
    const keepScale = drop ? 1 / (1 - dropout) : 1;
    let p = 0;
    this.inPtr[0] = 0;
    for (let r = 0; r < n; r++) {
      const u = users[r];
      const start = u < rows.rows ? indptr[u] : 0;
      const end = u < rows.rows ? indptr[u + 1] : 0;
      const dropRow = drop && !(this.wholeRowShare > 0 && rng!.next() < this.wholeRowShare);
      this.dropped[r] = dropRow ? 1 : 0;
      const value = end > start ? (dropRow ? keepScale : 1) / this.rowNorm(end - start) : 0;
      const first = p;
      for (let q = start; q < end; q++) {
        if (dropRow && rng!.next() < dropout) continue;
        this.inItems[p] = indices[q];
        this.inValues[p++] = value;
      }
      if (dropRow && this.normalizeAfterDropout && p > first) this.inValues.fill(1 / this.rowNorm(p - first), first, p);
      this.inPtr[r + 1] = p;
    }
  }

  /** n^e, the divisor of a row of n items (√n exactly at the default e = 0.5). */
  private rowNorm(n: number): number {
    return this.normExponent === 0.5 ? Math.sqrt(n) : n ** this.normExponent;
  }

  /**
   * The items of batch row r that dropout kept, in the row's order (a subsequence of it), or null
   * when the row entered whole.
   */
  keptItems(r: number): Int32Array | null {
    return this.dropped[r] === 1 ? this.inItems.subarray(this.inPtr[r], this.inPtr[r + 1]) : null;
  }

  /** out (n × width) = the batch's rows × weight + bias. */
  forward(out: Float32Array, n: number): void {
    const H = this.width;
    const w = this.weight.data;
    const b = this.bias.data;
    for (let r = 0; r < n; r++) {
      const o = r * H;
      for (let j = 0; j < H; j++) out[o + j] = b[j];
      for (let p = this.inPtr[r]; p < this.inPtr[r + 1]; p++) {
        const v = this.inValues[p];
        const row = this.inItems[p] * H;
        for (let j = 0; j < H; j++) out[o + j] += v * w[row + j];
      }
    }
  }

  /** Sets the gradients from dLoss/d(output) (n × width) of the last batch. */
  backward(dOut: Float32Array, n: number): void {
    const H = this.width;
    this.weightRows.clear();
    const gb = this.biasGrad;
    gb.fill(0);
    for (let r = 0; r < n; r++) {
      const o = r * H;
      for (let j = 0; j < H; j++) gb[j] += dOut[o + j];
      for (let p = this.inPtr[r]; p < this.inPtr[r + 1]; p++) this.weightRows.accumulate(this.inItems[p], dOut, o, this.inValues[p]);
    }
  }

  /** One optimizer step: lazy on the weight rows the batch touched (l2 on them), dense on the bias (no l2). */
  update(l2: number): void {
    this.weightRows.update(l2);
    this.bias.updateAll(this.biasGrad, 0);
  }
}
