import { ConfigError } from '../contracts/errors.ts';
import { simdKernel } from './matmul.ts';
import type { Rng } from './rng.ts';

export type OptimizerName = 'sgd' | 'adagrad' | 'adam';

export interface OptimizerConfig {
  name: OptimizerName;
  learningRate: number;
  /** Adam moment decay rates. */
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Adagrad's starting accumulator (LightFM uses 1; 0.1 is common elsewhere). */
  initialAccumulator?: number;
}

export type InitScheme =
  | { kind: 'zeros' }
  | { kind: 'constant'; value: number }
  | { kind: 'normal'; std: number }
  | { kind: 'uniform'; scale: number }
  /** Glorot/Xavier uniform over (fanIn = rows, fanOut = cols) for dense weights. */
  | { kind: 'glorot' }
  /** He (Kaiming) normal for ReLU layers. */
  | { kind: 'he' };

/**
 * Adam's bias corrections 1 / (1 − βᵗ) by table, t < CORRECTION_STEPS: the same doubles as
 * computing them, without two Math.pow per updated row (an embedding step updates a few hundred
 * rows per batch). One table per β, shared by every parameter; steps past it compute directly.
 */
const CORRECTION_STEPS = 1 << 16;

/**
 * Dense Adam steps over at least this many entries run in the SIMD kernel (float32, f32x4; the
 * copies in and out cost less than the JavaScript loop's square roots and divisions); smaller
 * parameters stay in JavaScript (float64, bit for bit `updateRow`).
 */
const SIMD_ADAM_MIN = 512;
const correctionTables = new Map<number, Float64Array>();

function correctionTable(beta: number): Float64Array {
  let table = correctionTables.get(beta);
  if (table === undefined) {
    table = new Float64Array(CORRECTION_STEPS);
    for (let t = 1; t < CORRECTION_STEPS; t++) table[t] = 1 / (1 - Math.pow(beta, t));
    correctionTables.set(beta, table);
  }
  return table;
}

/** Float32Array over a SharedArrayBuffer when `shared`, so worker threads can update it in place. */
export function allocFloat32(length: number, shared = false): Float32Array {
  return shared ? new Float32Array(new SharedArrayBuffer(length * 4)) : new Float32Array(length);
}

/**
 * A trainable 2-D parameter (rows × cols, row-major) with its optimizer state. Embedding tables
 * update row by row (`updateRow`): only the rows a step touched are read and written, with
 * per-row Adam step counts so bias correction stays right for rarely seen rows (lazy Adam).
 * Dense weights update all at once (`updateAll`). L2 is applied to the rows being updated
 * (lazily), never as a sweep over a whole table.
 */
export class Param {
  readonly name: string;
  readonly rows: number;
  readonly cols: number;
  readonly data: Float32Array;
  private readonly opt: Required<OptimizerConfig>;
  private readonly m: Float32Array | null;
  private readonly v: Float32Array | null;
  private readonly steps: Int32Array | null;
  /** Adam's bias-correction tables for beta1 and beta2 (null for other optimizers). */
  private readonly c1: Float64Array | null = null;
  private readonly c2: Float64Array | null = null;

  constructor(name: string, rows: number, cols: number, optimizer: OptimizerConfig, options: { shared?: boolean; data?: Float32Array } = {}) {
    if (!(optimizer.learningRate > 0)) throw new ConfigError(`learning rate must be > 0, got ${optimizer.learningRate}`);
    this.name = name;
    this.rows = rows;
    this.cols = cols;
    const n = rows * cols;
    const shared = options.shared ?? false;
    this.data = options.data ?? allocFloat32(n, shared);
    if (this.data.length !== n) throw new RangeError(`${name}: data length ${this.data.length} ≠ ${rows}×${cols}`);
    this.opt = {
      beta1: 0.9,
      beta2: 0.999,
      epsilon: optimizer.name === 'adagrad' ? 1e-7 : 1e-8,
      initialAccumulator: 0.1,
      ...optimizer,
    };
    switch (optimizer.name) {
      case 'sgd':
        this.m = this.v = null;
        this.steps = null;
        break;
      case 'adagrad':
        this.m = null;
        this.v = allocFloat32(n, shared).fill(this.opt.initialAccumulator);
        this.steps = null;
        break;
      case 'adam':
        this.m = allocFloat32(n, shared);
        this.v = allocFloat32(n, shared);
        this.steps = shared ? new Int32Array(new SharedArrayBuffer(rows * 4)) : new Int32Array(rows);
        this.c1 = correctionTable(this.opt.beta1);
        this.c2 = correctionTable(this.opt.beta2);
        break;
      default:
        throw new ConfigError(`unknown optimizer "${(optimizer as OptimizerConfig).name}" (expected sgd, adagrad or adam)`);
    }
  }

  get learningRate(): number {
    return this.opt.learningRate;
  }

  set learningRate(lr: number) {
    this.opt.learningRate = lr;
  }

  /** Fill with an initial distribution. */
  init(scheme: InitScheme, rng: Rng): this {
    const d = this.data;
    switch (scheme.kind) {
      case 'zeros':
        d.fill(0);
        break;
      case 'constant':
        d.fill(scheme.value);
        break;
      case 'normal':
        for (let i = 0; i < d.length; i++) d[i] = rng.normal(0, scheme.std);
        break;
      case 'uniform':
        for (let i = 0; i < d.length; i++) d[i] = rng.uniform(-scheme.scale, scheme.scale);
        break;
      case 'glorot': {
        const a = Math.sqrt(6 / (this.rows + this.cols));
        for (let i = 0; i < d.length; i++) d[i] = rng.uniform(-a, a);
        break;
      }
      case 'he': {
        const std = Math.sqrt(2 / this.rows);
        for (let i = 0; i < d.length; i++) d[i] = rng.normal(0, std);
        break;
      }
    }
    return this;
  }

  /**
   * One optimizer step on row `row` with gradient `grad[gradOffset .. gradOffset+cols)`, plus
   * `l2 · w` weight decay on that row. `scale` multiplies the gradient (e.g. 1/batch).
   */
  updateRow(row: number, grad: Float32Array, gradOffset: number, l2 = 0, scale = 1): void {
    const cols = this.cols;
    const base = row * cols;
    const w = this.data;
    const lr = this.opt.learningRate;
    if (this.m !== null) {
      // Adam with per-row step counts (lazy bias correction).
      const m = this.m;
      const v = this.v!;
      const b1 = this.opt.beta1;
      const b2 = this.opt.beta2;
      const t = ++this.steps![row];
      const c1 = t < CORRECTION_STEPS ? this.c1![t] : 1 / (1 - Math.pow(b1, t));
      const c2 = t < CORRECTION_STEPS ? this.c2![t] : 1 / (1 - Math.pow(b2, t));
      const eps = this.opt.epsilon;
      for (let j = 0; j < cols; j++) {
        const i = base + j;
        const g = grad[gradOffset + j] * scale + l2 * w[i];
        m[i] = b1 * m[i] + (1 - b1) * g;
        v[i] = b2 * v[i] + (1 - b2) * g * g;
        w[i] -= (lr * (m[i] * c1)) / (Math.sqrt(v[i] * c2) + eps);
      }
    } else if (this.v !== null) {
      const v = this.v;
      const eps = this.opt.epsilon;
      for (let j = 0; j < cols; j++) {
        const i = base + j;
        const g = grad[gradOffset + j] * scale + l2 * w[i];
        v[i] += g * g;
        w[i] -= (lr * g) / (Math.sqrt(v[i]) + eps);
      }
    } else {
      for (let j = 0; j < cols; j++) {
        const i = base + j;
        w[i] -= lr * (grad[gradOffset + j] * scale + l2 * w[i]);
      }
    }
  }

  /**
   * `updateRow(rows[s], grads, s·cols, l2)` for s < count: a batch's touched rows (row-summed
   * gradients laid out one after another), without a call per row — the same arithmetic.
   */
  updateRows(rows: Int32Array, count: number, grads: Float32Array, l2 = 0): void {
    if (this.m === null) {
      for (let s = 0; s < count; s++) this.updateRow(rows[s], grads, s * this.cols, l2);
      return;
    }
    const cols = this.cols;
    const w = this.data;
    const m = this.m;
    const v = this.v!;
    const steps = this.steps!;
    const { beta1: b1, beta2: b2, epsilon: eps, learningRate: lr } = this.opt;
    const c1s = this.c1!;
    const c2s = this.c2!;
    for (let s = 0; s < count; s++) {
      const row = rows[s];
      const base = row * cols;
      const go = s * cols;
      const t = ++steps[row];
      const c1 = t < CORRECTION_STEPS ? c1s[t] : 1 / (1 - Math.pow(b1, t));
      const c2 = t < CORRECTION_STEPS ? c2s[t] : 1 / (1 - Math.pow(b2, t));
      for (let j = 0; j < cols; j++) {
        const i = base + j;
        const g = grads[go + j] + l2 * w[i];
        m[i] = b1 * m[i] + (1 - b1) * g;
        v[i] = b2 * v[i] + (1 - b2) * g * g;
        w[i] -= (lr * (m[i] * c1)) / (Math.sqrt(v[i] * c2) + eps);
      }
    }
  }

  /** One optimizer step on every entry (dense layers), gradient laid out like `data`. */
  updateAll(grad: Float32Array, l2 = 0, scale = 1): void {
    if (this.m !== null) return this.adamAll(grad, l2, scale);
    const w = this.data;
    const lr = this.opt.learningRate;
    if (this.v !== null) {
      const v = this.v;
      const eps = this.opt.epsilon;
      for (let i = 0; i < w.length; i++) {
        const g = grad[i] * scale + l2 * w[i];
        v[i] += g * g;
        w[i] -= (lr * g) / (Math.sqrt(v[i]) + eps);
      }
    } else {
      for (let i = 0; i < w.length; i++) w[i] -= lr * (grad[i] * scale + l2 * w[i]);
    }
  }

  /**
   * Dense Adam over every entry in one flat loop: the arithmetic of `updateRow` on each row, with
   * the bias corrections computed once (every row advances together, so the row step counters
   * stay equal; row 0's counter is the step).
   */
  private adamAll(grad: Float32Array, l2: number, scale: number): void {
    const steps = this.steps!;
    const t = steps[0] + 1;
    for (let r = 0; r < this.rows; r++) steps[r] = t;
    const { beta1: b1, beta2: b2, epsilon: eps, learningRate: lr } = this.opt;
    const c1 = 1 / (1 - Math.pow(b1, t));
    const c2 = 1 / (1 - Math.pow(b2, t));
    const w = this.data;
    const m = this.m!;
    const v = this.v!;
    const n = w.length;
    const kernel = n >= SIMD_ADAM_MIN ? simdKernel() : null;
    if (kernel?.hasAdam) return kernel.adam(w, m, v, grad, n, lr, b1, b2, c1, c2, eps, l2, scale);
    for (let i = 0; i < n; i++) {
      const g = grad[i] * scale + l2 * w[i];
      // fround: the moments are stored as float32, and updateRow reads them back so.
      const mi = Math.fround(b1 * m[i] + (1 - b1) * g);
      const vi = Math.fround(b2 * v[i] + (1 - b2) * g * g);
      m[i] = mi;
      v[i] = vi;
      w[i] -= (lr * (mi * c1)) / (Math.sqrt(vi * c2) + eps);
    }
  }

  /**
   * Moves the weights and optimizer state into SharedArrayBuffers (a copy, once) unless they are
   * there already, and returns them for a worker thread's `adoptBuffers`.
   */
  shareBuffers(): ReturnType<Param['buffers']> {
    const toShared = <T extends Float32Array | Int32Array>(a: T | null): T | null => {
      if (a === null || a.buffer instanceof SharedArrayBuffer) return a;
      const copy = new (a.constructor as new (b: SharedArrayBuffer) => T)(new SharedArrayBuffer(a.byteLength));
      copy.set(a as never);
      return copy;
    };
    Object.assign(this, { data: toShared(this.data), m: toShared(this.m), v: toShared(this.v), steps: toShared(this.steps) });
    return this.buffers();
  }

  /** Points this parameter at another thread's shared buffers (same shape and optimizer), for Hogwild. */
  adoptBuffers(b: ReturnType<Param['buffers']>): void {
    const data = new Float32Array(b.data);
    if (data.length !== this.rows * this.cols || (b.m === null) !== (this.m === null) || (b.v === null) !== (this.v === null)) {
      throw new Error(`${this.name}: shared buffers do not match this parameter's shape or optimizer`);
    }
    Object.assign(this, { data, m: b.m ? new Float32Array(b.m) : null, v: b.v ? new Float32Array(b.v) : null, steps: b.steps ? new Int32Array(b.steps) : null });
  }

  /** A view of row `row` (no copy). */
  row(row: number): Float32Array {
    return this.data.subarray(row * this.cols, (row + 1) * this.cols);
  }

  /** Shared buffers of the weights and optimizer state, for handing to worker threads. */
  buffers(): { data: ArrayBufferLike; m: ArrayBufferLike | null; v: ArrayBufferLike | null; steps: ArrayBufferLike | null } {
    return { data: this.data.buffer, m: this.m?.buffer ?? null, v: this.v?.buffer ?? null, steps: this.steps?.buffer ?? null };
  }

  /** Rebuild a Param over buffers created by another thread's `buffers()`. */
  static fromBuffers(
    name: string,
    rows: number,
    cols: number,
    optimizer: OptimizerConfig,
    b: { data: ArrayBufferLike; m: ArrayBufferLike | null; v: ArrayBufferLike | null; steps: ArrayBufferLike | null },
  ): Param {
    const p = Object.create(Param.prototype) as Param;
    const opt = { beta1: 0.9, beta2: 0.999, epsilon: optimizer.name === 'adagrad' ? 1e-7 : 1e-8, initialAccumulator: 0.1, ...optimizer };
    Object.assign(p, {
      name,
      rows,
      cols,
      data: new Float32Array(b.data),
      opt,
      m: b.m ? new Float32Array(b.m) : null,
      v: b.v ? new Float32Array(b.v) : null,
      steps: b.steps ? new Int32Array(b.steps) : null,
      c1: optimizer.name === 'adam' ? correctionTable(opt.beta1) : null,
      c2: optimizer.name === 'adam' ? correctionTable(opt.beta2) : null,
    });
    return p;
  }
}
