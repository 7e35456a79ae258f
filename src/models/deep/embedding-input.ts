/**
 * An embedding input of a deep model: a HybridEmbedding (id vector, plus metadata feature
 * vectors when a FeatureMatrix is given) with batched gather and per-batch row-summed updates:
 * row-sparse (`lazy`, the default) or, with `dense`, one optimizer step on every row per batch
 * with zero gradients on the rows the batch did not touch — what PyTorch's and Keras's Adam do
 * on an ordinary (dense-gradient) embedding table.
 */
import { HybridEmbedding } from '../../core/hybrid.ts';
import type { OptimizerConfig, Param } from '../../core/params.ts';
import type { Rng } from '../../core/rng.ts';
import { ConfigError } from '../../contracts/errors.ts';
import type { FeatureMatrix } from '../../contracts/types.ts';
import { RowGradients } from './row-gradients.ts';

/**
 * How an embedding table's optimizer steps: `lazy` steps only the rows a batch touched (per-row
 * Adam step counts, moments of untouched rows frozen: TensorFlow's LazyAdam); `dense` steps every
 * row every batch (untouched rows' moments decay and they keep moving on their momentum; one
 * global step count), as PyTorch's Adam on an `nn.Embedding` without `sparse=True`.
 */
export type EmbeddingOptimizerMode = 'lazy' | 'dense';

export class EmbeddingInput {
  readonly table: HybridEmbedding;
  readonly dim: number;
  readonly mode: EmbeddingOptimizerMode;
  private readonly grads: RowGradients;
  /** `dense`: the whole table's gradient (zero outside the rows of the current batch). */
  private denseGrad: Float32Array | null = null;

  constructor(
    name: string,
    rows: number,
    dim: number,
    features: FeatureMatrix | null,
    optimizer: OptimizerConfig,
    rng: Rng,
    initStd: number,
    mode: EmbeddingOptimizerMode = 'lazy',
  ) {
    this.table = new HybridEmbedding({ rows, dim, optimizer, features, name }).init({ kind: 'normal', std: initStd }, rng);
    this.dim = dim;
    this.mode = mode;
    this.grads = new RowGradients(rows, dim);
    if (mode === 'dense') {
      if (this.table.feat !== null || this.table.id === null) {
        throw new ConfigError(`${name} embedding: embeddingOptimizer 'dense' needs a plain id table; with metadata features use 'lazy' (or useFeatures: false)`);
      }
      this.denseGrad = new Float32Array(rows * dim);
    }
  }

  get rows(): number {
    return this.table.rows;
  }

  get hasFeatures(): boolean {
    return this.table.feat !== null;
  }

  /** out[r·stride + offset ..] = representation of ids[r], for r < n. */
  gather(ids: Int32Array, n: number, out: Float32Array, stride: number, offset: number): void {
    const table = this.table;
    if (table.feat !== null || table.id === null) {
      for (let r = 0; r < n; r++) table.forward(ids[r], out, r * stride + offset);
      return;
    }
    // A plain id table (no metadata): copy the rows in one loop, no call per row.
    const w = table.id.data;
    const dim = this.dim;
    for (let r = 0; r < n; r++) {
      const from = ids[r] * dim;
      const to = r * stride + offset;
      for (let d = 0; d < dim; d++) out[to + d] = w[from + d];
    }
  }

  /** Adds dL/d(representation of ids[r]) = grad[r·stride + offset ..] to this batch's row sums. */
  accumulate(ids: Int32Array, n: number, grad: Float32Array, stride: number, offset: number): void {
    this.grads.addRows(ids, n, grad, stride, offset);
  }

  /** One optimizer step on every row touched since the last apply (L2 on those rows). */
  apply(l2: number): void {
    const table = this.table;
    const id = table.id;
    if (this.denseGrad !== null) return this.applyDense(id!, this.denseGrad, l2);
    if (table.feat === null && id !== null && table.idAcc === null) {
      // A plain id table: every touched row's step in one call.
      this.grads.flushAll((rows, count, sums) => id.updateRows(rows, count, sums, l2));
      return;
    }
    this.grads.flush((row, sums, offset) => table.backward(row, sums, offset, l2));
  }

  /**
   * `dense`: the batch's row sums scattered into the table-sized gradient, one step of every row
   * (Param.updateAll: one global Adam step count, L2 on every row), then the touched rows zeroed.
   */
  private applyDense(id: Param, grad: Float32Array, l2: number): void {
    const dim = this.dim;
    this.grads.flushAll((touched, n, sums) => {
      for (let s = 0; s < n; s++) grad.set(sums.subarray(s * dim, (s + 1) * dim), touched[s] * dim);
      id.updateAll(grad, l2);
      for (let s = 0; s < n; s++) grad.fill(0, touched[s] * dim, (touched[s] + 1) * dim);
    });
  }

  /** Every row's representation (rows × dim). */
  materialize(): Float32Array {
    return this.table.materialize();
  }

  /** The representation of an unseen row from metadata features alone (cold start). */
  fromFeatures(indices: ArrayLike<number>, weights: ArrayLike<number> | null, out: Float32Array, offset = 0): void {
    this.table.forwardFeatures(indices, weights, out, offset);
  }

  params(): Param[] {
    return this.table.params();
  }
}
