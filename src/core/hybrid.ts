import { ConfigError } from '../contracts/errors.ts';
import type { FeatureMatrix } from '../contracts/types.ts';
import { Param, allocFloat32, type InitScheme, type OptimizerConfig } from './params.ts';
import type { Rng } from './rng.ts';

export interface HybridEmbeddingOptions {
  /** Rows of the id table (users or items). */
  rows: number;
  dim: number;
  optimizer: OptimizerConfig;
  /** Metadata features by row; null/undefined = a plain id embedding. */
  features?: FeatureMatrix | null;
  /** Give each row its own id vector on top of its features (LightFM's identity features, default true). */
  useIdentity?: boolean;
  /** Allocate over SharedArrayBuffer so worker threads can train in place. */
  shared?: boolean;
  /** Parameter name prefix, e.g. `user` → `user.id`, `user.features`. */
  name?: string;
  /**
   * Row-wise Adagrad instead of `optimizer`'s own state: one accumulator per row, growing by the
   * row gradient's mean square, scaling that row's step by 1/√acc (the embedding optimizer of
   * FBGEMM/TorchRec). One square root per row instead of one per entry; `optimizer` should be
   * plain SGD carrying the learning rate.
   */
  rowwise?: { initialAccumulator: number; epsilon?: number } | null;
}

/** Existing parameters (and row-wise accumulators) for an embedding to wrap. */
export interface HybridTables {
  id: Param | null;
  feat: Param | null;
  idAcc?: Float32Array | null;
  featAcc?: Float32Array | null;
}

/**
 * A LightFM-style hybrid representation: row r's vector is its id embedding (when
 * `useIdentity`) plus Σ_f w_rf · e_f over its metadata features. Rows that share features
 * share statistical strength, and a new row with only metadata still gets a vector
 * (`forwardFeatures`), which is how cold-start users and items are scored. Without features it
 * is a plain embedding table.
 */
/**
 * Refuses (ConfigError) a feature matrix that has not exactly one row per id of its id map
 * (`side`, when given, names which map: "user" or "item"). Every table built over features
 * checks it: a row too many or too few indexes other users' or items' features.
 */
export function checkFeatureRows(owner: string, features: FeatureMatrix | null, rows: number, side?: 'user' | 'item'): void {
  if (!features || features.rows === rows) return;
  const of = side ? `${side} ` : '';
  throw new ConfigError(
    `${owner}: the ${of}feature matrix has ${features.rows} rows and the ${of}id map ${rows} ids: it needs exactly one row per ${side ?? 'id'}, in the id map's order (build it from the training data's id map)`,
  );
}

export class HybridEmbedding {
  readonly dim: number;
  readonly rows: number;
  /** Id vectors (rows × dim), or null when identity features are off. */
  readonly id: Param | null;
  /** Feature vectors (numFeatures × dim), or null without features. */
  readonly feat: Param | null;
  readonly features: FeatureMatrix | null;
  /** Row-wise Adagrad accumulators (per id row / per feature row), or null. */
  readonly idAcc: Float32Array | null = null;
  readonly featAcc: Float32Array | null = null;
  private readonly rowEps: number;

  /**
   * `tables`: existing parameters to wrap instead of allocating (a worker thread rebuilding the
   * embedding over shared buffers, or a model restoring saved weights).
   */
  constructor(options: HybridEmbeddingOptions, tables?: HybridTables) {
    const name = options.name ?? 'embedding';
    const useIdentity = options.useIdentity ?? true;
    this.dim = options.dim;
    this.rows = options.rows;
    this.features = options.features ?? null;
    if (!useIdentity && !this.features) throw new ConfigError(`${name}: identity features are off, so metadata features are required`);
    checkFeatureRows(name, this.features, options.rows);
    const shared = options.shared ?? false;
    const rowwise = options.rowwise ?? null;
    this.rowEps = rowwise?.epsilon ?? 1e-7;
    if (tables) {
      this.id = tables.id;
      this.feat = tables.feat;
      this.idAcc = tables.idAcc ?? null;
      this.featAcc = tables.featAcc ?? null;
      if (rowwise && ((this.id && !this.idAcc) || (this.feat && !this.featAcc))) throw new Error(`${name}: row-wise accumulators missing`);
      return;
    }
    this.id = useIdentity ? new Param(`${name}.id`, options.rows, options.dim, options.optimizer, { shared }) : null;
    this.feat = this.features ? new Param(`${name}.features`, this.features.numFeatures, options.dim, options.optimizer, { shared }) : null;
    if (rowwise) {
      if (this.id) this.idAcc = allocFloat32(this.id.rows, shared).fill(rowwise.initialAccumulator);
      if (this.feat) this.featAcc = allocFloat32(this.feat.rows, shared).fill(rowwise.initialAccumulator);
    }
  }

  /** The trainable tables (id first). */
  params(): Param[] {
    const out: Param[] = [];
    if (this.id) out.push(this.id);
    if (this.feat) out.push(this.feat);
    return out;
  }

  init(scheme: InitScheme, rng: Rng): this {
    for (const p of this.params()) p.init(scheme, rng);
    return this;
  }

  /** out[outOffset .. +dim) = representation of row `row`. */
  forward(row: number, out: Float32Array | Float64Array, outOffset = 0): void {
    const dim = this.dim;
    if (this.id) {
      const w = this.id.data;
      const base = row * dim;
      for (let d = 0; d < dim; d++) out[outOffset + d] = w[base + d];
    } else {
      for (let d = 0; d < dim; d++) out[outOffset + d] = 0;
    }
    if (this.feat) {
      const f = this.features!;
      const w = this.feat.data;
      for (let p = f.indptr[row]; p < f.indptr[row + 1]; p++) {
        const base = f.indices[p] * dim;
        const x = f.weights[p];
        for (let d = 0; d < dim; d++) out[outOffset + d] += x * w[base + d];
      }
    }
  }

  /**
   * Apply dL/d(representation) = grad[gradOffset .. +dim) to the id row and every feature row
   * the representation touched (each scaled by its feature weight), with L2 on those rows.
   */
  backward(row: number, grad: Float32Array, gradOffset: number, l2 = 0): void {
    if (this.idAcc !== null || this.featAcc !== null) return this.backwardRowwise(row, grad, gradOffset, l2);
    if (this.id) this.id.updateRow(row, grad, gradOffset, l2);
    if (this.feat) {
      const f = this.features!;
      for (let p = f.indptr[row]; p < f.indptr[row + 1]; p++) this.feat.updateRow(f.indices[p], grad, gradOffset, l2, f.weights[p]);
    }
  }

  /**
   * Row-wise Adagrad: acc_r += mean_d(g_d²) (the loss gradient's; L2 stays outside the
   * accumulator), then an SGD step scaled by 1/(√acc_r + ε) — the L2 term too.
   */
  private backwardRowwise(row: number, grad: Float32Array, gradOffset: number, l2: number): void {
    const dim = this.dim;
    let ms = 0;
    for (let d = 0; d < dim; d++) ms += grad[gradOffset + d] * grad[gradOffset + d];
    ms /= dim;
    if (this.id) {
      const acc = this.idAcc!;
      acc[row] += ms;
      const s = 1 / (Math.sqrt(acc[row]) + this.rowEps);
      this.id.updateRow(row, grad, gradOffset, l2 * s, s);
    }
    if (this.feat) {
      const f = this.features!;
      const acc = this.featAcc!;
      for (let p = f.indptr[row]; p < f.indptr[row + 1]; p++) {
        const fi = f.indices[p];
        const x = f.weights[p];
        acc[fi] += x * x * ms;
        const s = 1 / (Math.sqrt(acc[fi]) + this.rowEps);
        this.feat.updateRow(fi, grad, gradOffset, l2 * s, x * s);
      }
    }
  }

  /** The representation of an unseen row from its metadata alone (cold start): Σ w_f e_f. */
  forwardFeatures(indices: ArrayLike<number>, weights: ArrayLike<number> | null, out: Float32Array | Float64Array, outOffset = 0): void {
    const dim = this.dim;
    for (let d = 0; d < dim; d++) out[outOffset + d] = 0;
    if (!this.feat) {
      if (indices.length > 0) throw new ConfigError('this embedding has no metadata features, so it cannot represent a row from features');
      return;
    }
    const w = this.feat.data;
    for (let k = 0; k < indices.length; k++) {
      const fi = indices[k];
      if (!(fi >= 0 && fi < this.feat.rows)) throw new RangeError(`feature index ${fi} is out of range (0..${this.feat.rows - 1})`);
      const x = weights ? weights[k] : 1;
      const base = fi * dim;
      for (let d = 0; d < dim; d++) out[outOffset + d] += x * w[base + d];
    }
  }

  /** All rows' representations (rows × dim), e.g. for scoring every item at once. */
  materialize(out: Float32Array = new Float32Array(this.rows * this.dim)): Float32Array {
    for (let r = 0; r < this.rows; r++) this.forward(r, out, r * this.dim);
    return out;
  }
}

/**
 * A hybrid scalar bias: id bias + Σ_f w_f · b_f (LightFM's user/item biases), a dim-1
 * HybridEmbedding with scalar accessors so hot loops avoid scratch arrays.
 */
export class HybridBias {
  readonly table: HybridEmbedding;
  private readonly g = new Float32Array(1);

  constructor(options: Omit<HybridEmbeddingOptions, 'dim'>, tables?: HybridTables) {
    this.table = new HybridEmbedding({ ...options, dim: 1, name: options.name ?? 'bias' }, tables);
  }

  params(): Param[] {
    return this.table.params();
  }

  value(row: number): number {
    const t = this.table;
    let s = t.id ? t.id.data[row] : 0;
    if (t.feat) {
      const f = t.features!;
      const w = t.feat.data;
      for (let p = f.indptr[row]; p < f.indptr[row + 1]; p++) s += f.weights[p] * w[f.indices[p]];
    }
    return s;
  }

  /** Apply dL/d(bias) = grad to the row's id bias and its feature biases. */
  backward(row: number, grad: number, l2 = 0): void {
    this.g[0] = grad;
    this.table.backward(row, this.g, 0, l2);
  }

  valueFeatures(indices: ArrayLike<number>, weights: ArrayLike<number> | null): number {
    const t = this.table;
    if (!t.feat) return 0;
    let s = 0;
    for (let k = 0; k < indices.length; k++) s += (weights ? weights[k] : 1) * t.feat.data[indices[k]];
    return s;
  }
}
