import type { Csr, Interactions } from '../../data/interactions.ts';
import type { EpochContext } from '../../train/types.ts';
import { requireTensor } from '../recommender.ts';
import { defineModel, resolveConfig } from '../spec.ts';
import type { HistoryEntry, ModelState } from '../../contracts/types.ts';
import type { HistoryAttribution } from '../recommender.ts';
import { ClosedFormRecommender } from './closed-form.ts';
import { gram, gramLowerF32, invertSpd } from './dense.ts';
import { SpdInverse, spdInverseBytes } from '../../core/spd-inverse.ts';
import { ConfigError } from '../../contracts/errors.ts';
import type { DataShape, FitOptions, MemoryEstimate, ValidationCost } from '../../train/types.ts';
import { easeValidationCost } from './validation-cost.ts';
import type { Rng } from '../../core/rng.ts';

export type EaseConfig = {
  /** L2 weight λ on B (default 500; Steck reports 200–1000 works across datasets). */
  lambda: number;
  /**
   * EDLAE's emphasised-dropout rate p (Steck 2020, "Autoencoders that don't overfit towards the
   * Identity"): training with dropout p on the input is, in closed form, an extra per-item L2 of
   * p/(1−p)·(XᵀX)_ii, so popular items are regularised more. 0 (default) is plain EASE.
   */
  dropout: number;
  /**
   * Arithmetic of the inverse: 'float32' (default) runs a blocked sweep on the WebAssembly SIMD
   * GEMM over up to two threads (src/core/spd-inverse.ts); 'float64' the JavaScript Cholesky
   * inverse, ~4.5× the memory and several times slower on large catalogues. Where WebAssembly
   * SIMD is missing, float32 falls back to float64.
   */
  precision: 'float32' | 'float64';
  task: 'ranking';
  epochs: number;
};

/**
 * EASE (Steck 2019, "Embarrassingly Shallow Autoencoders for Sparse Data"): the item–item
 * weights B minimising ‖X − XB‖² + λ‖B‖² with diag(B) = 0 have the closed form
 * B = I − P·diag(1/diag(P)), P = (XᵀX + λI)⁻¹, i.e. B_ij = −P_ij / P_jj off the diagonal.
 * X is the binary user × item matrix (every training interaction counts as one); scores are
 * X_u·B. Items without training interactions decouple (their row of XᵀX is λ·e_i), so only the
 * block of items that occur is inverted; their rows and columns of B are 0.
 */
export class Ease extends ClosedFormRecommender {
  readonly type = 'ease';
  readonly config: EaseConfig;
  private b = new Float32Array(0);

  constructor(config: Partial<EaseConfig> = {}) {
    super();
    this.config = resolveConfig(easeSpec, config);
  }

  /**
   * float64: the Gram matrix, its Cholesky factor, the inverse's workspace and the inverse, then
   * B (float32). float32: one padded float32 matrix inverted in place, then B.
   */
  estimateMemory({ items }: DataShape): MemoryEstimate {
    const f32 = this.config.precision === 'float32';
    return {
      bytes: f32 ? spdInverseBytes(items) + 4 * items * items : 36 * items * items,
      what: f32
        ? 'items × items matrices: the float32 Gram matrix inverted in place, and the float32 weights'
        : 'items × items matrices: the float64 Gram matrix, its factor and inverse, and the float32 weights',
      advice: 'keep fewer items (drop rarely seen ones, e.g. with data filters), or use item-knn, rp3beta or ials, whose memory grows with items × neighbours or factors',
    };
  }

  /** The fit (Gram matrix and items³ inverse) against one score, for validationUsers 'auto' (validation-cost.ts). */
  validationCost(shape: DataShape): ValidationCost {
    return easeValidationCost(shape);
  }

  protected async fitData(train: Interactions, _rng: Rng, options: FitOptions, ctx: EpochContext): Promise<void> {
    const n = train.numItems;
    const { active, x } = activeBinary(train.byUser(), n);
    const m = active.length;
    const workspace = this.config.precision === 'float32' ? SpdInverse.create(m) : null;
    const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
    if (m >= 2000) {
      const how = workspace
        ? `float32 blocked sweep on the WebAssembly SIMD GEMM, ${Math.min(2, ctx.threads)} thread(s)${workspace.relaxed ? ', relaxed-SIMD FMA' : ''}`
        : 'float64 Cholesky inverse';
      log(`ease: inverting ${m} × ${m} (${how}), about ${formatGiB(this.estimateMemory({ users: 0, items: m, interactions: 0 }).bytes)}`);
    }
    if (workspace) {
      this.b = await this.fitFloat32(workspace, x, active, n, ctx);
      return;
    }
    let p: Float64Array;
    try {
      const g = gram(x, this.config.lambda, m);
      const emphasis = this.config.dropout / (1 - this.config.dropout);
      if (emphasis > 0) for (let i = 0; i < m; i++) g[i * m + i] += emphasis * (g[i * m + i] - this.config.lambda);
      p = invertSpd(g, m);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      throw new ConfigError(`ease: XᵀX + λI is not positive definite with lambda = ${this.config.lambda} (items with identical or nested user sets); use lambda > 0`);
    }
    ctx.progress(0.9);
    const b = new Float32Array(n * n);
    for (let r = 0; r < m; r++) {
      const row = active[r] * n;
      for (let c = 0; c < m; c++) if (c !== r) b[row + active[c]] = -p[r * m + c] / p[c * m + c];
    }
    this.b = b;
  }

  /** The same closed form with the Gram matrix built and inverted in float32 in the sweep's workspace. */
  private async fitFloat32(workspace: SpdInverse, x: Csr, active: Int32Array, n: number, ctx: EpochContext): Promise<Float32Array<ArrayBuffer>> {
    const m = active.length;
    const { a, ld } = workspace;
    gramLowerF32(x, a, ld, this.config.lambda);
    const emphasis = this.config.dropout / (1 - this.config.dropout);
    if (emphasis > 0) for (let i = 0; i < m; i++) a[i * ld + i] += emphasis * (a[i * ld + i] - this.config.lambda);
    ctx.progress(0.1);
    try {
      await workspace.invertNegated(ctx.threads);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      throw new ConfigError(`ease: XᵀX + λI is not positive definite with lambda = ${this.config.lambda} (items with identical or nested user sets); use lambda > 0`);
    }
    ctx.progress(0.9);
    // The workspace's lower triangle holds Q = −P; B_rc = −P_rc / P_cc = −Q_rc / Q_cc.
    const b = new Float32Array(n * n);
    const inverseDiagonal = new Float64Array(m);
    for (let c = 0; c < m; c++) inverseDiagonal[c] = 1 / a[c * ld + c];
    for (let r = 0; r < m; r++) {
      const row = active[r] * n;
      const lower = r * ld;
      for (let c = 0; c < r; c++) b[row + active[c]] = -a[lower + c] * inverseDiagonal[c];
      for (let c = r + 1; c < m; c++) b[row + active[c]] = -a[c * ld + r] * inverseDiagonal[c];
    }
    return b;
  }

  /** The item–item weight matrix B (items × items, row-major): score_j = Σ_{i ∈ I_u} B_ij. */
  get weights(): Float32Array {
    return this.b;
  }

  scoreItems(user: number, out: Float32Array): void {
    out.fill(0);
    const seen = this.seen;
    const n = Math.round(Math.sqrt(this.b.length));
    if (!seen || user >= seen.rows || n === 0) return;
    const { indptr, indices } = seen;
    const b = this.b;
    const width = Math.min(n, out.length);
    for (let p = indptr[user]; p < indptr[user + 1]; p++) {
      const row = indices[p] * n;
      for (let j = 0; j < width; j++) out[j] += b[row + j];
    }
  }

  /** Fold-in: score = x·B for the history row x (weights; a training row is all ones). */
  protected override scoreHistory(history: HistoryEntry[], out: Float32Array): void {
    out.fill(0);
    const n = Math.round(Math.sqrt(this.b.length));
    const b = this.b;
    const width = Math.min(n, out.length);
    for (const { index, weight } of history) {
      if (index >= n) continue;
      const row = index * n;
      for (let j = 0; j < width; j++) out[j] += weight * b[row + j];
    }
  }

  /** Exact: history item h contributes weight_h · B_hj, and the terms sum to the score. */
  protected override explainHistory(history: HistoryEntry[], item: number): HistoryAttribution {
    const n = Math.round(Math.sqrt(this.b.length));
    const contributions = Float64Array.from(history, (h) => (h.index < n && item < n ? h.weight * this.b[h.index * n + item] : 0));
    let score = 0;
    for (const c of contributions) score += c;
    return { score: Math.fround(score), contributions, method: 'exact' };
  }

  /** Rows of B as item vectors: items that predict the same others are similar. */
  override itemVectors(): { data: Float32Array; dim: number } | null {
    return this.b.length > 0 ? { data: this.b, dim: this.numItems } : null;
  }

  getState(): ModelState {
    const n = Math.round(Math.sqrt(this.b.length));
    return { tensors: { B: { shape: [n, n], data: this.b } } };
  }

  setState(state: ModelState): void {
    this.b = requireTensor(state, 'B', [this.numItems, this.numItems], Float32Array);
  }
}

/** The items that occur in training, and X restricted to them (binary, columns renumbered). */
function activeBinary(byUser: Csr, items: number): { active: Int32Array; x: Csr } {
  const position = new Int32Array(items).fill(-1);
  for (const i of byUser.indices) position[i] = 0;
  let m = 0;
  for (let i = 0; i < items; i++) if (position[i] === 0) position[i] = m++;
  const active = new Int32Array(m);
  for (let i = 0; i < items; i++) if (position[i] >= 0) active[position[i]] = i;
  // Renumbering keeps each row sorted because `position` is increasing in i.
  const indices = Int32Array.from(byUser.indices, (i) => position[i]);
  const values = new Float32Array(indices.length).fill(1);
  return { active, x: { ...byUser, cols: m, indices, values } };
}

export const easeSpec = defineModel({
  type: 'ease',
  description: 'EASE (Steck 2019): closed-form item–item linear autoencoder',
  task: 'ranking',
  defaults: { lambda: 500, dropout: 0, precision: 'float32', task: 'ranking', epochs: 1 } as EaseConfig,
  schema: {
    lambda: { kind: 'number', min: 0, help: 'L2 weight on B (200–1000 works across datasets)' },
    dropout: { kind: 'number', min: 0, max: 1, exclusiveMax: true, help: 'EDLAE emphasised dropout p: extra per-item L2 of p/(1−p)·(XᵀX)_ii; 0 is plain EASE' },
    precision: { kind: 'enum', values: ['float32', 'float64'], help: 'float32: WebAssembly SIMD sweep on up to 2 threads (fast); float64: JavaScript Cholesky inverse' },
    task: { kind: 'enum', values: ['ranking'], help: 'ranking only' },
    epochs: { kind: 'int', min: 0, help: 'closed form: one pass' },
  },
  create: (config) => new Ease(config),
});

function formatGiB(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
}
