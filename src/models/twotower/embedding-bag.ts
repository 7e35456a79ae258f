/**
 * Embedding tables for the two towers with gradients kept row-sparse: a batch accumulates into
 * the rows it touched, and `update` takes one lazy optimizer step per touched row (per-row Adam
 * step counts, Param.updateRow). A row's representation is its id vector (when the table has
 * ids) plus Σ_f w_f · e_f over its metadata features (LightFM's hybrid sum, as
 * core/hybrid.ts), so a row known only by features still gets a vector.
 */
import { ConfigError } from '../../contracts/errors.ts';
import type { FeatureMatrix } from '../../contracts/types.ts';
import { Param, type OptimizerConfig } from '../../core/params.ts';
import { SparseGradTable } from '../../core/sparse-grad.ts';
import { checkFeatureRows } from '../../core/hybrid.ts';
import type { Rng } from '../../core/rng.ts';

export interface EmbeddingBagOptions {
  rows: number;
  dim: number;
  /** Give each row its own id vector. */
  identity: boolean;
  features: FeatureMatrix | null;
  optimizer: OptimizerConfig;
  name: string;
  /** Allocate the tables and optimizer state in shared memory (for Hogwild worker threads). */
  shared?: boolean;
}

/** id vector + Σ feature vectors per row, with sparse gradients. */
export class EmbeddingBag {
  readonly dim: number;
  readonly rows: number;
  readonly features: FeatureMatrix | null;
  readonly id: SparseGradTable | null;
  readonly feat: SparseGradTable | null;

  constructor(options: EmbeddingBagOptions) {
    const { rows, dim, features, optimizer, name } = options;
    if (!options.identity && !features) throw new ConfigError(`${name}: without identity vectors the table needs metadata features`);
    checkFeatureRows(name, features ?? null, rows);
    this.dim = dim;
    this.rows = rows;
    this.features = features;
    const shared = { shared: options.shared ?? false };
    this.id = options.identity ? new SparseGradTable(new Param(`${name}.id`, rows, dim, optimizer, shared)) : null;
    this.feat = features ? new SparseGradTable(new Param(`${name}.features`, features.numFeatures, dim, optimizer, shared)) : null;
  }

  params(): Param[] {
    return [this.id?.param, this.feat?.param].filter((p): p is Param => p !== undefined);
  }

  init(std: number, rng: Rng): void {
    for (const p of this.params()) p.init({ kind: 'normal', std }, rng);
  }

  /** out[offset .. +dim) = row's representation. */
  forward(row: number, out: Float32Array, offset: number): void {
    const dim = this.dim;
    if (this.id) {
      const w = this.id.param.data;
      for (let d = 0; d < dim; d++) out[offset + d] = w[row * dim + d];
    } else out.fill(0, offset, offset + dim);
    const f = this.features;
    if (this.feat && f) {
      const w = this.feat.param.data;
      for (let p = f.indptr[row]; p < f.indptr[row + 1]; p++) {
        const base = f.indices[p] * dim;
        const x = f.weights[p];
        for (let d = 0; d < dim; d++) out[offset + d] += x * w[base + d];
      }
    }
  }

  /** A row known only by features (cold start): Σ w_f e_f. */
  forwardFeatures(indices: ArrayLike<number>, weights: ArrayLike<number> | null, out: Float32Array, offset: number): void {
    const dim = this.dim;
    out.fill(0, offset, offset + dim);
    if (!this.feat) {
      if (indices.length > 0)
        throw new ConfigError(`${this.id?.param.name ?? 'table'}: the model was trained without metadata features, so it cannot represent a row from features`);
      return;
    }
    const w = this.feat.param.data;
    for (let k = 0; k < indices.length; k++) {
      const fi = indices[k];
      if (!(Number.isInteger(fi) && fi >= 0 && fi < this.feat.param.rows)) throw new ConfigError(`feature index ${fi} is out of range (0..${this.feat.param.rows - 1})`);
      const x = weights ? weights[k] : 1;
      for (let d = 0; d < dim; d++) out[offset + d] += x * w[fi * dim + d];
    }
  }

  /** Accumulate dLoss/d(representation of row) = g[offset .. +dim). */
  backward(row: number, g: Float32Array, offset: number): void {
    this.id?.accumulate(row, g, offset, 1);
    const f = this.features;
    if (this.feat && f) for (let p = f.indptr[row]; p < f.indptr[row + 1]; p++) this.feat.accumulate(f.indices[p], g, offset, f.weights[p]);
  }

  clear(): void {
    this.id?.clear();
    this.feat?.clear();
  }

  update(l2: number): void {
    this.id?.update(l2);
    this.feat?.update(l2);
  }
}
