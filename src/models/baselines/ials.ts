import type { Csr, Interactions } from '../../data/interactions.ts';
import type { Rng } from '../../core/rng.ts';
import { ConfigError } from '../../contracts/errors.ts';
import { Recommender, requireTensor } from '../recommender.ts';
import { defineModel, resolveConfig } from '../spec.ts';
import type { EpochContext } from '../../train/types.ts';
import type { HistoryEntry, ModelState } from '../../contracts/types.ts';
import type { HistoryAttribution } from '../recommender.ts';
import { choleskySolve } from './dense.ts';
import { matmulTransBWide, packTransB } from '../../core/matmul.ts';
import { dotRowsInto } from '../../core/gemv.ts';
import type { DataShape, FitOptions, ValidationCost } from '../../train/types.ts';
import { ialsValidationCost } from './validation-cost.ts';
import { type ConfidenceKind, type ConfidenceOptions, confidenceDefaults, confidenceSchema, weighted } from './confidence.ts';

/** Index order of the `confidence_kind` tensor in the model file. */
const CONFIDENCE_KINDS: ConfidenceKind[] = ['binary', 'linear', 'log', 'bm25'];

export type IalsConfig = {
  factors: number;
  /** λ on ‖x_u‖² and ‖y_i‖² (added to YᵀY in every row's system). */
  regularization: number;
  /**
   * Frequency-scaled regularisation ν (Rendle, Krichene, Zhang & Koren 2022, "Revisiting the
   * Performance of iALS on Item Recommendation Benchmarks"): row u's λ is multiplied by
   * (Σ_i c_ui / n)^ν, its total confidence over the n columns relative to a row with no
   * interactions, so heavy users and popular items are held closer to 0. 0 (default) is the
   * constant λ of Hu et al.; the paper's setting is 1.
   */
  regularizationExponent: number;
  /** Confidence c_ui = 1 + α·w_ui for observed pairs (1 elsewhere), w the value weighted by `confidence`. */
  alpha: number;
  /** Alternations (users, then items); each is one epoch of the fit loop. */
  iterations: number;
  /** 'cg': a few conjugate-gradient steps warm-started from the current row (implicit's default); 'cholesky': the exact row solve. */
  solver: 'cg' | 'cholesky';
  cgSteps: number;
  /** Std of the normal initialisation of both factor tables. */
  initStd: number;
  task: 'ranking';
  /** Fit-loop epochs: null (default) means the same as `iterations`. */
  epochs: number | null;
} & ConfidenceOptions;

/** The config a built model holds: `epochs` resolved. */
export type IalsResolvedConfig = Omit<IalsConfig, 'epochs'> & { epochs: number };

/**
 * Implicit ALS (Hu, Koren & Volinsky 2008, "Collaborative Filtering for Implicit Feedback
 * Datasets"): minimise Σ_{u,i} c_ui (p_ui − x_u·y_i)² + λ(‖X‖² + ‖Y‖²) with p_ui = 1 for observed
 * pairs. Solving for x_u uses YᵀY + λI (shared by all users) plus Σ_{i ∈ I_u} (c_ui − 1) y_i y_iᵀ
 * over the user's own items only, so a row costs O(|I_u|·f) with CG (as in `implicit`'s
 * least_squares_cg) or O(|I_u|·f² + f³) exactly. Math is float64 in per-model scratch buffers:
 * nothing is allocated per row.
 */
export class Ials extends Recommender {
  readonly type = 'ials';
  /** An epoch reads only the factors and the CSR views prepare kept: training can continue after a fit (fit option `resume`). */
  readonly resumable = true;
  readonly config: IalsResolvedConfig;
  private userFactors = new Float32Array(0);
  private itemFactors = new Float32Array(0);
  private byUser: Csr | null = null;
  private byItem: Csr | null = null;
  // Scratch: f × f Gram (+ a copy for Cholesky) and CG vectors.
  private gramBase = new Float64Array(0);
  private system = new Float64Array(0);
  private x = new Float64Array(0);
  private r = new Float64Array(0);
  private p = new Float64Array(0);
  private ap = new Float64Array(0);
  // The user rows of a scoreUsers block.
  private rows = new Float32Array(0);
  /** YᵀY of the current item factors for fold-in (null: stale). */
  private itemGram: Float64Array | null = null;

  constructor(config: Partial<IalsConfig> = {}) {
    super();
    const c = resolveConfig(ialsSpec, config);
    this.config = { ...c, epochs: c.epochs ?? c.iterations };
  }

  /** The count weighting the last fit used (kept in the model file); fold-in weighs history the same way. */
  confidenceUsed: ConfidenceKind | null = null;

  prepare(raw: Interactions, rng: Rng, options: FitOptions): void {
    const f = this.config.factors;
    for (const v of raw.values) {
      if (!(v >= 0)) throw new ConfigError(`ials: interaction values are confidences and must be ≥ 0, found ${v}`);
    }
    const { data: train, kind, why } = weighted(raw, this.config);
    this.confidenceUsed = kind;
    (options.log ?? ((line: string) => process.stderr.write(line + '\n')))(`ials: confidence ${kind} (${why})`);
    this.byUser = train.byUser();
    this.byItem = train.byItem();
    this.userFactors = new Float32Array(train.numUsers * f);
    this.itemFactors = new Float32Array(train.numItems * f);
    const std = this.config.initStd;
    for (let k = 0; k < this.userFactors.length; k++) this.userFactors[k] = rng.normal(0, std);
    for (let k = 0; k < this.itemFactors.length; k++) this.itemFactors[k] = rng.normal(0, std);
    this.gramBase = new Float64Array(f * f);
    this.system = new Float64Array(f * f);
    this.x = new Float64Array(f);
    this.r = new Float64Array(f);
    this.p = new Float64Array(f);
    this.ap = new Float64Array(f);
  }

  /** An alternation against one score (a dot product), for validationUsers 'auto' (validation-cost.ts). */
  validationCost(shape: DataShape): ValidationCost {
    return ialsValidationCost(shape, this.config);
  }

  /** One alternation: every user row given the items, then every item row given the users. */
  trainEpoch(ctx: EpochContext): number {
    if (!this.byUser || !this.byItem) throw new Error('ials: prepare was not called');
    this.itemGram = null;
    this.solveSide(this.userFactors, this.itemFactors, this.byUser);
    ctx.progress(0.5);
    this.solveSide(this.itemFactors, this.userFactors, this.byItem);
    ctx.progress(1);
    return this.loss() / Math.max(1, this.byUser.indices.length);
  }

  /** Solve every row of `rows` (a factor table) against the fixed `cols` table, rows of `csr` giving each row's observed columns. */
  private solveSide(rows: Float32Array, cols: Float32Array, csr: Csr): void {
    const f = this.config.factors;
    const { alpha, solver, cgSteps } = this.config;
    const base = this.gramBase;
    gramOf(cols, csr.cols, f, base);
    const { indptr, indices, values } = csr;
    const { x, r, p, ap, system } = this;
    for (let u = 0; u < csr.rows; u++) {
      const start = indptr[u];
      const end = indptr[u + 1];
      const ro = u * f;
      const reg = this.rowRegularization(csr, u);
      if (solver === 'cholesky') {
        // (YᵀY + λ_u I + Σ (c−1) y yᵀ) x = Σ c·y  (p = 1 on observed pairs).
        system.set(base);
        for (let d = 0; d < f; d++) system[d * f + d] += reg;
        r.fill(0);
        for (let q = start; q < end; q++) {
          const c = 1 + alpha * values[q];
          const yo = indices[q] * f;
          for (let a = 0; a < f; a++) {
            const ya = cols[yo + a];
            r[a] += c * ya;
            const w = (c - 1) * ya;
            for (let b = 0; b <= a; b++) system[a * f + b] += w * cols[yo + b];
          }
        }
        if (!choleskySolve(system, f, r)) throw new ConfigError('ials: a row system is not positive definite; use regularization > 0');
        for (let a = 0; a < f; a++) rows[ro + a] = r[a];
        continue;
      }
      // Conjugate gradient on the same system, warm-started from the current row.
      for (let a = 0; a < f; a++) x[a] = rows[ro + a];
      symv(base, f, x, r);
      for (let a = 0; a < f; a++) r[a] = -r[a] - reg * x[a];
      for (let q = start; q < end; q++) {
        const c = 1 + alpha * values[q];
        const yo = indices[q] * f;
        const coef = c - (c - 1) * rowDot(cols, yo, x, f);
        for (let a = 0; a < f; a++) r[a] += coef * cols[yo + a];
      }
      let rsOld = vecDot(r, r, f);
      if (rsOld < 1e-20) continue;
      p.set(r);
      for (let it = 0; it < cgSteps; it++) {
        symv(base, f, p, ap);
        for (let a = 0; a < f; a++) ap[a] += reg * p[a];
        for (let q = start; q < end; q++) {
          const yo = indices[q] * f;
          const coef = alpha * values[q] * rowDot(cols, yo, p, f);
          for (let a = 0; a < f; a++) ap[a] += coef * cols[yo + a];
        }
        const step = rsOld / vecDot(p, ap, f);
        for (let a = 0; a < f; a++) {
          x[a] += step * p[a];
          r[a] -= step * ap[a];
        }
        const rsNew = vecDot(r, r, f);
        if (rsNew < 1e-20) break;
        const beta = rsNew / rsOld;
        for (let a = 0; a < f; a++) p[a] = r[a] + beta * p[a];
        rsOld = rsNew;
      }
      for (let a = 0; a < f; a++) rows[ro + a] = x[a];
    }
  }

  /** λ for row `row` of `csr`: constant, or scaled by the row's total confidence (regularizationExponent). */
  private rowRegularization(csr: Csr, row: number): number {
    const { regularization, regularizationExponent: nu, alpha } = this.config;
    if (nu === 0) return regularization;
    let mass = csr.cols;
    for (let q = csr.indptr[row]; q < csr.indptr[row + 1]; q++) mass += alpha * csr.values[q];
    return regularization * (mass / csr.cols) ** nu;
  }

  /**
   * The full objective without visiting unobserved pairs: Σ_all (x_u·y_i)² = ⟨XᵀX, YᵀY⟩, then
   * each observed pair swaps its s² term for c(1 − s)², plus λ(‖X‖² + ‖Y‖²).
   */
  private loss(): number {
    const f = this.config.factors;
    const { alpha } = this.config;
    const xtx = new Float64Array(f * f);
    const yty = this.gramBase;
    gramOf(this.userFactors, this.numUsers, f, xtx);
    gramOf(this.itemFactors, this.numItems, f, yty);
    let total = 0;
    for (let k = 0; k < f * f; k++) total += xtx[k] * yty[k];
    const { indptr, indices, values } = this.byUser!;
    for (let u = 0; u < this.byUser!.rows; u++) {
      for (let q = indptr[u]; q < indptr[u + 1]; q++) {
        const s = factorDot(this.userFactors, u * f, this.itemFactors, indices[q] * f, f);
        total += (1 + alpha * values[q]) * (1 - s) * (1 - s) - s * s;
      }
    }
    return total + this.penalty(this.userFactors, this.byUser!) + this.penalty(this.itemFactors, this.byItem!);
  }

  /** Σ_rows λ_row ‖row‖² of one factor table. */
  private penalty(table: Float32Array, csr: Csr): number {
    const f = this.config.factors;
    let total = 0;
    for (let row = 0; row < csr.rows; row++) total += this.rowRegularization(csr, row) * factorDot(table, row * f, table, row * f, f);
    return total;
  }

  /**
   * The normal equations of a user with this history against the fixed item factors, as a
   * training row's (implicit's `recalculate_user`): A = YᵀY + λ_h·I + Σ_h (c_h − 1)·y_h y_hᵀ and
   * b = Σ_h c_h·y_h, with c_h = 1 + α·weight_h (p = 1 on the history's items).
   */
  /** A history weight as training weighed values (bm25 needs corpus statistics: log stands in for it). */
  private historyWeight(weight: number): number {
    const kind = this.confidenceUsed ?? this.config.confidence;
    if (kind === 'binary') return 1;
    if (kind === 'linear') return weight;
    return Math.log1p(weight / this.config.logEpsilon);
  }

  private historySystem(history: HistoryEntry[]): { a: Float64Array; b: Float64Array; confidence: Float64Array } {
    const f = this.config.factors;
    const { alpha, regularization, regularizationExponent: nu } = this.config;
    const y = this.itemFactors;
    if (!this.itemGram) {
      this.itemGram = new Float64Array(f * f);
      gramOf(y, this.numItems, f, this.itemGram);
    }
    const a = Float64Array.from(this.itemGram);
    const b = new Float64Array(f);
    const w = Float64Array.from(history, (h) => this.historyWeight(h.weight));
    const confidence = w.map((v) => 1 + alpha * v);
    let mass = this.numItems;
    for (const v of w) mass += alpha * v;
    const reg = nu === 0 ? regularization : regularization * (mass / this.numItems) ** nu;
    for (let d = 0; d < f; d++) a[d * f + d] += reg;
    for (let r = 0; r < history.length; r++) {
      const c = confidence[r];
      const yo = history[r].index * f;
      for (let p = 0; p < f; p++) {
        const yp = y[yo + p];
        b[p] += c * yp;
        const w = (c - 1) * yp;
        for (let q = 0; q <= p; q++) a[p * f + q] += w * y[yo + q];
      }
    }
    return { a, b, confidence };
  }

  /** Fold-in, exact: x = A⁻¹b (the Cholesky row solve, whatever the training solver), then x·Y. */
  protected override scoreHistory(history: HistoryEntry[], out: Float32Array): void {
    const f = this.config.factors;
    const { a, b } = this.historySystem(history);
    if (!choleskySolve(a, f, b)) throw new ConfigError('ials: the fold-in system is not positive definite (negative history weights?); use weights ≥ 0');
    const x = Float32Array.from(b);
    const items = Math.min(out.length, this.itemFactors.length / f);
    dotRowsInto(x, 0, this.itemFactors, f, items, out);
    out.fill(0, items);
  }

  /**
   * Exact, as implicit's `explain`: with x = A⁻¹b, score_j = y_j·x = Σ_h c_h·(y_jᵀA⁻¹y_h), so
   * history item h contributes c_h·(y_jᵀA⁻¹y_h) and the terms sum to the folded-in score.
   */
  protected override explainHistory(history: HistoryEntry[], item: number): HistoryAttribution {
    const f = this.config.factors;
    const { a, confidence } = this.historySystem(history);
    const z = Float64Array.from(this.itemFactors.subarray(item * f, (item + 1) * f));
    if (!choleskySolve(a, f, z)) throw new ConfigError('ials: the fold-in system is not positive definite (negative history weights?); use weights ≥ 0');
    const contributions = Float64Array.from(history, (h, r) => confidence[r] * rowDot(this.itemFactors, h.index * f, z, f));
    let score = 0;
    for (const c of contributions) score += c;
    return { score, contributions, method: 'exact' };
  }

  scoreItems(user: number, out: Float32Array): void {
    const f = this.config.factors;
    const items = Math.min(out.length, this.itemFactors.length / f);
    if (user * f >= this.userFactors.length) {
      out.fill(0);
      return;
    }
    dotRowsInto(this.userFactors, user * f, this.itemFactors, f, items, out);
    out.fill(0, items);
  }

  /**
   * Batched scores: the users' factor rows times Yᵀ in one GEMM (src/core/matmul.ts
   * `matmulTransBWide`). Y is packed per call (O(items · factors), small next to the product),
   * so it is never stale after an epoch or setState.
   */
  override scoreUsers(users: Int32Array, out: Float32Array): void {
    const f = this.config.factors;
    const items = this.itemFactors.length / f;
    const inRange = users.every((u) => u >= 0 && u * f < this.userFactors.length);
    if (items !== this.numItems || !inRange) return super.scoreUsers(users, out);
    if (this.rows.length < users.length * f) this.rows = new Float32Array(users.length * f);
    const rows = this.rows;
    for (let b = 0; b < users.length; b++) rows.set(this.userFactors.subarray(users[b] * f, (users[b] + 1) * f), b * f);
    matmulTransBWide(rows, packTransB(this.itemFactors, items, f), out, users.length);
  }

  protected override scorePairs(users: Int32Array, items: Int32Array): Float32Array {
    const f = this.config.factors;
    const out = new Float32Array(users.length);
    for (let k = 0; k < out.length; k++) {
      const uo = users[k] * f;
      const io = items[k] * f;
      out[k] = uo < this.userFactors.length && io < this.itemFactors.length ? factorDot(this.userFactors, uo, this.itemFactors, io, f) : 0;
    }
    return out;
  }

  override itemVectors(): { data: Float32Array; dim: number } {
    return { data: this.itemFactors, dim: this.config.factors };
  }

  /** User factors (users × factors, row-major). */
  userVectors(): { data: Float32Array; dim: number } {
    return { data: this.userFactors, dim: this.config.factors };
  }

  getState(): ModelState {
    const f = this.config.factors;
    return {
      tensors: {
        user_factors: { shape: [this.userFactors.length / f, f], data: this.userFactors },
        item_factors: { shape: [this.itemFactors.length / f, f], data: this.itemFactors },
        ...(this.confidenceUsed ? { confidence_kind: { shape: [1], data: Float32Array.of(CONFIDENCE_KINDS.indexOf(this.confidenceUsed)) } } : {}),
      },
    };
  }

  setState(state: ModelState): void {
    const f = this.config.factors;
    this.userFactors = requireTensor(state, 'user_factors', [this.numUsers, f], Float32Array).slice();
    this.itemFactors = requireTensor(state, 'item_factors', [this.numItems, f], Float32Array).slice();
    const kind = state.tensors.confidence_kind?.data[0];
    this.confidenceUsed = kind === undefined ? null : (CONFIDENCE_KINDS[kind] ?? null);
    this.itemGram = null;
  }
}

/** out (f × f) = Mᵀ·M for M (rows × f, row-major), in float64. */
function gramOf(m: Float32Array, rows: number, f: number, out: Float64Array): void {
  out.fill(0);
  for (let r = 0; r < rows; r++) {
    const o = r * f;
    for (let a = 0; a < f; a++) {
      const va = m[o + a];
      if (va === 0) continue;
      const row = a * f;
      for (let b = 0; b <= a; b++) out[row + b] += va * m[o + b];
    }
  }
  for (let a = 0; a < f; a++) for (let b = 0; b < a; b++) out[b * f + a] = out[a * f + b];
}

/** y = A·x for symmetric A (f × f). */
function symv(a: Float64Array, f: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < f; i++) {
    let s = 0;
    const o = i * f;
    for (let d = 0; d < f; d++) s += a[o + d] * x[d];
    y[i] = s;
  }
}

// One dot product per operand pairing, so each stays monomorphic for V8 (a shared helper
// called with both Float32Array and Float64Array runs measurably slower).

/** Row of a factor table · a float64 vector. */
function rowDot(table: Float32Array, o: number, v: Float64Array, f: number): number {
  let s = 0;
  for (let d = 0; d < f; d++) s += table[o + d] * v[d];
  return s;
}

function vecDot(a: Float64Array, b: Float64Array, f: number): number {
  let s = 0;
  for (let d = 0; d < f; d++) s += a[d] * b[d];
  return s;
}

/** Row of one factor table · row of another. */
function factorDot(a: Float32Array, ao: number, b: Float32Array, bo: number, f: number): number {
  let s = 0;
  for (let d = 0; d < f; d++) s += a[ao + d] * b[bo + d];
  return s;
}

export const ialsSpec = defineModel({
  type: 'ials',
  description: 'implicit ALS (Hu, Koren & Volinsky 2008) with conjugate-gradient or exact row solves',
  task: 'ranking',
  // Tuned on ML-100K lightfm-ua (P@10 0.149–0.154 for regularization 40–75 at alpha 10); the
  // right regularization grows with the number of items and the confidence scale.
  defaults: {
    factors: 64,
    regularization: 50,
    regularizationExponent: 0,
    alpha: 10,
    iterations: 15,
    solver: 'cg',
    cgSteps: 3,
    initStd: 0.01,
    task: 'ranking',
    epochs: null,
    ...confidenceDefaults,
  } as IalsConfig,
  schema: {
    factors: { kind: 'int', min: 1, help: 'latent dimensions' },
    regularization: { kind: 'number', min: 0, help: 'λ on every row of both factor tables' },
    regularizationExponent: { kind: 'number', min: 0, help: "ν: scale a row's λ by its relative total confidence^ν (Rendle et al. 2022; 0 = constant λ)" },
    alpha: { kind: 'number', min: 0, help: 'confidence c = 1 + α·w on observed pairs, w the value weighted by `confidence`' },
    ...confidenceSchema,
    iterations: { kind: 'int', min: 0, help: 'alternations (users, then items), one per epoch' },
    solver: { kind: 'enum', values: ['cg', 'cholesky'], help: 'a few warm-started conjugate-gradient steps, or the exact row solve' },
    cgSteps: { kind: 'int', min: 1, help: 'conjugate-gradient steps per row (solver cg)' },
    initStd: { kind: 'number', min: 0, help: 'std of the normal initialisation of both factor tables' },
    task: { kind: 'enum', values: ['ranking'], help: 'ranking only' },
    epochs: { kind: 'int', min: 0, nullable: true, help: 'fit-loop epochs; null: the same as iterations' },
  },
  create: (config) => new Ials(config),
});
