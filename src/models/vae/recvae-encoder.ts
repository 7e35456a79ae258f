/**
 * RecVAE's encoder (Shenbin, Alekseev, Tutubalina, Malykh & Nikolenko 2020, "RecVAE: a New
 * Variational Autoencoder for Top-N Recommendations with Implicit Feedback", §3.2) with its
 * hand-derived backward pass:
 *
 *   x̃      = dropout(x / ‖x‖₂)                         (x: the user's binary training row)
 *   pre₀   = x̃·W₀ + b₀                                  (sparse: Σ of the kept items' rows of W₀)
 *   preₗ   = hₗ₋₁·Wₗ + bₗ + Σ_{k<l} h_k                  (l ≥ 1: dense, densely connected residuals)
 *   hₗ     = LayerNorm(swish(preₗ))                     (swish(a) = a·σ(a); LayerNorm ε = 0.1)
 *   [μ, log σ²] = h_last·W_out + b_out
 *
 * The paper's network is 5 such layers of 600 units and a 200-d latent. The same class serves as
 * the frozen "old" encoder of the composite prior (`copyFrom`), which is only run forward.
 */
import { Dense } from '../../core/dense.ts';
import { Param, type OptimizerConfig } from '../../core/params.ts';
import type { Rng } from '../../core/rng.ts';
import type { Csr } from '../../data/interactions.ts';
import type { ParamGradient } from './network.ts';
import { SparseInputLayer } from './sparse-input.ts';

/** The reference implementation's LayerNorm ε (large on purpose: it damps rows with tiny variance). */
export const LAYER_NORM_EPSILON = 0.1;

export interface RecVaeEncoderShape {
  numItems: number;
  /** Width of every hidden layer (paper: 600). */
  hidden: number;
  /** Number of swish + LayerNorm layers (paper: 5). */
  depth: number;
  latent: number;
  /** Each of a row's n input items enters as 1/n^e (default 0.5: unit L2 norm). */
  inputNormExponent?: number;
}

export class RecVaeEncoder {
  readonly numItems: number;
  readonly hidden: number;
  readonly depth: number;
  readonly latent: number;
  /** First layer, items × hidden, and its bias, over the sparse item rows. */
  readonly input: SparseInputLayer;
  /** Layers 1 … depth−1 (hidden × hidden). */
  readonly dense: Dense[] = [];
  /** LayerNorm gain and shift per layer (1 × hidden each) and their gradients. */
  readonly gains: Param[] = [];
  readonly shifts: Param[] = [];
  private readonly gainGrads: Float32Array[] = [];
  private readonly shiftGrads: Float32Array[] = [];
  /** h_last → [μ, log σ²] (2·latent). */
  readonly output: Dense;

  // Per layer: pre-activations, normalised activations, 1/σ per row, outputs; backward scratch.
  private pre: Float32Array[] = [];
  private xhat: Float32Array[] = [];
  private rstd: Float32Array[] = [];
  private h: Float32Array[] = [];
  private carry = new Float32Array(0);
  private dh = new Float32Array(0);
  private capacity = 0;

  constructor(shape: RecVaeEncoderShape, optimizer: OptimizerConfig, rng: Rng, name = 'encoder') {
    const { numItems, hidden, depth, latent } = shape;
    this.numItems = numItems;
    this.hidden = hidden;
    this.depth = depth;
    this.latent = latent;
    this.input = new SparseInputLayer(`${name}.input`, numItems, hidden, optimizer, rng, shape.inputNormExponent);
    for (let l = 0; l < depth; l++) {
      if (l > 0) this.dense.push(new Dense(hidden, hidden, rng, { optimizer, init: { kind: 'glorot' }, name: `${name}.${l}` }));
      this.gains.push(new Param(`${name}.norm${l}.gain`, 1, hidden, optimizer).init({ kind: 'constant', value: 1 }, rng));
      this.shifts.push(new Param(`${name}.norm${l}.shift`, 1, hidden, optimizer));
      this.gainGrads.push(new Float32Array(hidden));
      this.shiftGrads.push(new Float32Array(hidden));
    }
    this.output = new Dense(hidden, 2 * latent, rng, { optimizer, init: { kind: 'glorot' }, name: `${name}.out` });
  }

  params(): Param[] {
    const out = [this.input.weight, this.input.bias];
    for (let l = 0; l < this.depth; l++) {
      if (l > 0) out.push(...this.dense[l - 1].params());
      out.push(this.gains[l], this.shifts[l]);
    }
    out.push(...this.output.params());
    return out;
  }

  gradients(): ParamGradient[] {
    const out: ParamGradient[] = [
      { param: this.input.weight, grad: this.input.weightGrad },
      { param: this.input.bias, grad: this.input.biasGrad },
    ];
    for (let l = 0; l < this.depth; l++) {
      if (l > 0) out.push({ param: this.dense[l - 1].weight, grad: this.dense[l - 1].gradWeight }, { param: this.dense[l - 1].bias, grad: this.dense[l - 1].gradBias });
      out.push({ param: this.gains[l], grad: this.gainGrads[l] }, { param: this.shifts[l], grad: this.shiftGrads[l] });
    }
    out.push({ param: this.output.weight, grad: this.output.gradWeight }, { param: this.output.bias, grad: this.output.gradBias });
    return out;
  }

  /** Copies every weight of `other` (same shape): how the composite prior's old encoder is refreshed. */
  copyFrom(other: RecVaeEncoder): void {
    const mine = this.params();
    other.params().forEach((p, k) => mine[k].data.set(p.data));
  }

  private ensure(n: number): void {
    if (n <= this.capacity) return;
    this.capacity = n;
    const size = n * this.hidden;
    this.pre = Array.from({ length: this.depth }, () => new Float32Array(size));
    this.xhat = Array.from({ length: this.depth }, () => new Float32Array(size));
    this.h = Array.from({ length: this.depth }, () => new Float32Array(size));
    this.rstd = Array.from({ length: this.depth }, () => new Float32Array(n));
    this.carry = new Float32Array(size);
    this.dh = new Float32Array(size);
  }

  /** The batch's input rows (SparseInputLayer.setBatch). */
  setBatch(rows: Csr, users: ArrayLike<number>, n: number, dropout: number, rng: Rng | null): void {
    this.ensure(n);
    this.input.setBatch(rows, users, n, dropout, rng);
  }

  /** [μ, log σ²] (n × 2·latent) of the batch set by `setBatch`; the buffer belongs to the output layer. */
  forward(n: number): Float32Array {
    const H = this.hidden;
    const size = n * H;
    const pre0 = this.pre[0];
    this.input.forward(pre0, n);
    this.normalise(0, n);
    const sum = this.carry; // Σ_{k<l} h_k, the densely connected residual
    sum.set(this.h[0].subarray(0, size));
    for (let l = 1; l < this.depth; l++) {
      const pre = this.pre[l];
      pre.set(this.dense[l - 1].forwardBatch(this.h[l - 1], n).subarray(0, size));
      for (let k = 0; k < size; k++) pre[k] += sum[k];
      this.normalise(l, n);
      if (l + 1 < this.depth) for (let k = 0; k < size; k++) sum[k] += this.h[l][k];
    }
    return this.output.forwardBatch(this.h[this.depth - 1], n);
  }

  /** hₗ = LayerNorm(swish(preₗ)), keeping x̂ and 1/σ for backward. */
  private normalise(l: number, n: number): void {
    const H = this.hidden;
    const pre = this.pre[l];
    const xhat = this.xhat[l];
    const h = this.h[l];
    const g = this.gains[l].data;
    const s = this.shifts[l].data;
    const rstd = this.rstd[l];
    for (let r = 0; r < n; r++) {
      const o = r * H;
      let mean = 0;
      for (let j = 0; j < H; j++) {
        const a = pre[o + j];
        const act = a / (1 + Math.exp(-a));
        xhat[o + j] = act;
        mean += act;
      }
      mean /= H;
      let variance = 0;
      for (let j = 0; j < H; j++) variance += (xhat[o + j] - mean) ** 2;
      const inv = 1 / Math.sqrt(variance / H + LAYER_NORM_EPSILON);
      rstd[r] = inv;
      for (let j = 0; j < H; j++) {
        const x = (xhat[o + j] - mean) * inv;
        xhat[o + j] = x;
        h[o + j] = g[j] * x + s[j];
      }
    }
  }

  /** Backward from dLoss/d[μ, log σ²] (n × 2·latent): sets every gradient (the first layer's only in touched rows). */
  backward(dEnc: Float32Array, n: number): void {
    const H = this.hidden;
    const size = n * H;
    const dh = this.dh;
    const carry = this.carry; // Σ_{m>l} dpre_m
    dh.set(this.output.backwardBatch(dEnc, n, true)!.subarray(0, size));
    carry.fill(0, 0, size);
    for (let l = this.depth - 1; l >= 0; l--) {
      for (let k = 0; k < size; k++) dh[k] += carry[k];
      this.normaliseBackward(l, n, dh); // dh becomes dLoss/dpreₗ
      if (l === 0) break;
      for (let k = 0; k < size; k++) carry[k] += dh[k];
      dh.set(this.dense[l - 1].backwardBatch(dh, n, true)!.subarray(0, size));
    }
    this.input.backward(dh, n);
  }

  /** In place: d = dLoss/dhₗ → dLoss/dpreₗ, through LayerNorm and swish; accumulates the norm's gradients. */
  private normaliseBackward(l: number, n: number, d: Float32Array): void {
    const H = this.hidden;
    const pre = this.pre[l];
    const xhat = this.xhat[l];
    const g = this.gains[l].data;
    const gg = this.gainGrads[l];
    const gs = this.shiftGrads[l];
    gg.fill(0);
    gs.fill(0);
    for (let r = 0; r < n; r++) {
      const o = r * H;
      let meanD = 0;
      let meanDx = 0;
      for (let j = 0; j < H; j++) {
        const dy = d[o + j];
        gg[j] += dy * xhat[o + j];
        gs[j] += dy;
        const dx = dy * g[j];
        d[o + j] = dx;
        meanD += dx;
        meanDx += dx * xhat[o + j];
      }
      meanD /= H;
      meanDx /= H;
      const inv = this.rstd[l][r];
      for (let j = 0; j < H; j++) {
        const dAct = inv * (d[o + j] - meanD - xhat[o + j] * meanDx);
        const a = pre[o + j];
        const sig = 1 / (1 + Math.exp(-a));
        d[o + j] = dAct * sig * (1 + a * (1 - sig));
      }
    }
  }

  /** One optimizer step: lazy on the first layer's touched rows, dense elsewhere; l2 on weights only. */
  update(l2: number): void {
    this.input.update(l2);
    for (const d of this.dense) d.updateAll(l2);
    for (let l = 0; l < this.depth; l++) {
      this.gains[l].updateAll(this.gainGrads[l], 0);
      this.shifts[l].updateAll(this.shiftGrads[l], 0);
    }
    this.output.updateAll(l2);
  }
}
