/**
 * The Mult-VAE / Mult-DAE network (Liang et al. 2018, "Variational Autoencoders for
 * Collaborative Filtering") with its hand-derived backward pass.
 *
 *   input      x̃_u = dropout(x_u / ‖x_u‖₂)                  (x_u: the user's binary training row)
 *   encoder    h₁ = x̃_u·W₁ + b₁ (sparse: Σ of the kept items' rows of W₁), tanh, more tanh
 *              layers, then a linear layer to [μ, log σ²] (VAE, 2·latent) or to the code (DAE)
 *   latent     VAE: z = μ + ε ⊙ exp(½ log σ²) with ε ~ N(0, I) in training, z = μ when scoring;
 *              DAE: z = tanh(code)
 *   decoder    z → mirrored tanh layers → logits over all items (linear)
 *   loss       per user −Σ_i x_ui log softmax(logits)_i + β · ½ Σ_d (−log σ² + σ² + μ² − 1),
 *              averaged over the batch (the KL term only for the VAE)
 *
 * The first layer never multiplies a dense users × items matrix: its forward pass sums the rows
 * of the kept items and its gradient is accumulated only into those rows, which then get lazy
 * row-sparse optimizer steps (Param.updateRow; per-row Adam step counts). Every later layer is a
 * `Dense` inside an `Mlp` (batched matmul kernels, WebAssembly SIMD where available).
 *
 * With `sampledSoftmax: k` (k < items) the decoder's last layer is a `SampledItemOutput`
 * (sampled-softmax.ts): trained on each user's positives and k items shared by the batch, stored
 * item-major with lazy row-wise steps; scoring still computes every item's logit.
 */
import { logSumExp } from '../../core/losses.ts';
import { Mlp } from '../../core/mlp.ts';
import type { Param, OptimizerConfig } from '../../core/params.ts';
import type { Rng } from '../../core/rng.ts';
import type { Csr } from '../../data/interactions.ts';
import { SparseInputLayer } from './sparse-input.ts';
import { SampledItemOutput } from './sampled-softmax.ts';
import type { ModelState, Tensor } from '../../contracts/types.ts';
import { loadParams, paramTensors } from '../deep/state.ts';

export interface MultVaeShape {
  numItems: number;
  /** Encoder hidden sizes (the decoder mirrors them); may be empty. */
  layers: number[];
  latent: number;
  /** true: Mult-VAE; false: Mult-DAE (no sampling, no KL, tanh on the code). */
  variational: boolean;
  /** Items per batch in a sampled softmax while training; null, or ≥ numItems: the exact softmax. */
  sampledSoftmax?: number | null;
  /** Each of a row's n input items enters as 1/n^e (default 0.5: unit L2 norm). */
  inputNormExponent?: number;
}

/** A parameter with the gradient buffer the last `backward` filled (laid out like its data). */
export interface ParamGradient {
  param: Param;
  grad: Float32Array;
}

export class MultVaeNet {
  readonly numItems: number;
  readonly latent: number;
  readonly variational: boolean;
  /** First layer, items × h₀ (`encoder.input.weight`) and its bias, over the sparse item rows. */
  readonly input: SparseInputLayer;
  /** h₀ → … → encoder output (μ and log σ², or the code), or null when there are no hidden layers. */
  readonly encoder: Mlp | null;
  /** Latent → logits (exact model), or latent → the last hidden layer (sampled softmax). */
  readonly decoder: Mlp;
  /** The decoder's last layer when training with a sampled softmax (else null: it is `decoder`'s output layer). */
  readonly sampledOutput: SampledItemOutput | null;
  private readonly h0: number;
  private readonly encOut: number;

  // The batch's target rows.
  private targets: Csr | null = null;
  private users: Int32Array = new Int32Array(0);

  // Activations of the last forward pass (capacity ≥ batch × width).
  private h1: Float32Array = new Float32Array(0);
  private z = new Float32Array(0);
  private noise: Float32Array | null = null;
  private std = new Float32Array(0);
  private enc: Float32Array = new Float32Array(0);
  private logits: Float32Array = new Float32Array(0);
  /** The decoder's last hidden activations (sampled softmax: the output layer's input). */
  private hidden: Float32Array = new Float32Array(0);
  private dEnc: Float32Array = new Float32Array(0);
  private capacity = 0;

  /**
   * `sampledOptimizer`: the optimizer of the sampled output layer (weights and bias), when there is
   * one; default `optimizer`, as every other layer. Ignored by the exact network.
   */
  constructor(shape: MultVaeShape, optimizer: OptimizerConfig, rng: Rng, sampledOptimizer: OptimizerConfig = optimizer) {
    const { numItems, layers, latent, variational } = shape;
    this.numItems = numItems;
    this.latent = latent;
    this.variational = variational;
    this.encOut = variational ? 2 * latent : latent;
    this.h0 = layers.length > 0 ? layers[0] : this.encOut;
    this.input = new SparseInputLayer('encoder.input', numItems, this.h0, optimizer, rng, shape.inputNormExponent);
    this.encoder = layers.length > 0 ? new Mlp(rng, { inputDim: this.h0, layers: layers.slice(1), outputDim: this.encOut, activation: 'tanh', optimizer, name: 'encoder' }) : null;
    const k = shape.sampledSoftmax ?? null;
    const sampled = k !== null && k < numItems;
    this.decoder = new Mlp(rng, { inputDim: latent, layers: layers.slice().reverse(), outputDim: sampled ? 0 : numItems, activation: 'tanh', optimizer, name: 'decoder' });
    this.sampledOutput = sampled ? new SampledItemOutput('decoder.out', numItems, layers.length > 0 ? layers[0] : latent, k, sampledOptimizer, rng) : null;
  }

  /** Draws the next batch's shared sample (sampled softmax only; a no-op for the exact model). */
  drawSample(rng: Rng): void {
    this.sampledOutput?.drawSample(rng);
  }

  /** The weights in the model file's layout (the same names and shapes with or without a sampled softmax). */
  tensors(): Record<string, Tensor> {
    const out = this.sampledOutput;
    if (out === null) return paramTensors(this.params());
    return { ...paramTensors(this.params().filter((p) => p !== out.weight && p !== out.bias)), ...out.tensors() };
  }

  /** Loads `tensors()`'s layout, checking names and shapes. */
  loadState(state: ModelState): void {
    const out = this.sampledOutput;
    loadParams(
      state,
      this.params().filter((p) => out === null || (p !== out.weight && p !== out.bias)),
    );
    out?.load(state);
  }

  /** Every trainable Param, in the order a model file stores them. */
  params(): Param[] {
    const out = this.sampledOutput;
    return [this.input.weight, this.input.bias, ...(this.encoder?.params() ?? []), ...this.decoder.params(), ...(out ? [out.weight, out.bias] : [])];
  }

  /** Each Param with its gradient from the last `backward` (for tests and diagnostics). */
  gradients(): ParamGradient[] {
    const out: ParamGradient[] = [
      { param: this.input.weight, grad: this.input.weightGrad },
      { param: this.input.bias, grad: this.input.biasGrad },
    ];
    for (const mlp of [this.encoder, this.decoder]) {
      for (const layer of mlp?.layers() ?? []) out.push({ param: layer.weight, grad: layer.gradWeight }, { param: layer.bias, grad: layer.gradBias });
    }
    if (this.sampledOutput) {
      const g = this.sampledOutput.denseGradients();
      out.push({ param: this.sampledOutput.weight, grad: g.weight }, { param: this.sampledOutput.bias, grad: g.bias });
    }
    return out;
  }

  private ensure(n: number): void {
    if (n <= this.capacity) return;
    this.capacity = n;
    this.h1 = new Float32Array(n * this.h0);
    this.z = new Float32Array(n * this.latent);
    this.std = new Float32Array(n * this.latent);
    this.dEnc = new Float32Array(n * this.encOut);
  }

  /** The batch: users' rows of `rows` as input (SparseInputLayer.setBatch) and as targets. */
  setBatch(rows: Csr, users: Int32Array, n: number, dropout: number, rng: Rng | null): void {
    this.ensure(n);
    this.targets = rows;
    this.users = users;
    this.input.setBatch(rows, users, n, dropout, rng);
  }

  /**
   * Logits (n × items) of the batch set by `setBatch`. `noise` (n × latent standard normals)
   * makes it a training pass of the VAE, z = μ + ε·σ; without it z = μ (scoring). The returned
   * buffer belongs to the decoder and is overwritten by the next pass (and by `loss` with grad).
   * With a sampled softmax, `allItems: false` (a training pass) stops at the decoder's last
   * hidden layer and returns an empty array: the loss computes the logits it needs.
   */
  forward(n: number, noise: Float32Array | null = null, allItems = true): Float32Array {
    const h0 = this.h0;
    const L = this.latent;
    const h1 = this.h1;
    this.input.forward(h1, n);
    let enc = h1;
    if (this.encoder) {
      for (let k = 0; k < n * h0; k++) h1[k] = Math.tanh(h1[k]);
      enc = this.encoder.forwardBatch(h1, n);
    }
    this.enc = enc;
    const z = this.z;
    const E = this.encOut;
    this.noise = this.variational ? noise : null;
    for (let r = 0; r < n; r++) {
      for (let d = 0; d < L; d++) {
        const e = enc[r * E + d];
        if (!this.variational) z[r * L + d] = Math.tanh(e);
        else if (noise === null) z[r * L + d] = e;
        else {
          const s = Math.exp(0.5 * enc[r * E + L + d]);
          this.std[r * L + d] = s;
          z[r * L + d] = e + noise[r * L + d] * s;
        }
      }
    }
    const out = this.sampledOutput;
    if (out === null) {
      this.logits = this.decoder.forwardBatch(z, n);
      return this.logits;
    }
    this.hidden = this.decoder.forwardBatch(z, n);
    if (!allItems) return new Float32Array(0);
    if (this.logits.length < n * this.numItems) this.logits = new Float32Array(n * this.numItems);
    out.logits(this.hidden, n, this.logits);
    return this.logits;
  }

  /**
   * The batch's mean loss after `forward`: multinomial negative log-likelihood of each user's
   * training row plus β·KL (VAE). With `grad`, the logits buffer is overwritten by dLoss/dlogits.
   */
  loss(n: number, beta: number, grad = false): number {
    const kl = this.variational ? beta * this.kl(n) : 0;
    if (this.sampledOutput !== null) return (this.sampledOutput.loss(this.hidden, this.targets!, this.users, n, grad) + kl) / n;
    const N = this.numItems;
    const rows = this.targets!;
    const { indptr, indices } = rows;
    const logits = this.logits;
    let nll = 0;
    for (let r = 0; r < n; r++) {
      const u = this.users[r];
      const start = u < rows.rows ? indptr[u] : 0;
      const end = u < rows.rows ? indptr[u + 1] : 0;
      const count = end - start;
      const o = r * N;
      const lse = logSumExp(logits, o, N);
      let hit = 0;
      for (let q = start; q < end; q++) hit += logits[o + indices[q]];
      nll += count * lse - hit;
      if (grad) this.outputGradient(logits, o, lse, count, indices, start, end, 1 / n);
    }
    return (nll + kl) / n;
  }

  /** dlogits of one user's row, in place: (count · softmax − x) · scale. */
  protected outputGradient(logits: Float32Array, o: number, lse: number, count: number, items: Int32Array, start: number, end: number, scale: number): void {
    const N = this.numItems;
    for (let i = 0; i < N; i++) logits[o + i] = count * Math.exp(logits[o + i] - lse) * scale;
    for (let q = start; q < end; q++) logits[o + items[q]] -= scale;
  }

  /** Σ over the batch of KL(q(z|x) ‖ N(0, I)) = ½ Σ_d (−log σ² + σ² + μ² − 1). */
  private kl(n: number): number {
    const L = this.latent;
    const E = this.encOut;
    const enc = this.enc;
    let kl = 0;
    for (let r = 0; r < n; r++) {
      for (let d = 0; d < L; d++) {
        const mu = enc[r * E + d];
        const lv = enc[r * E + L + d];
        kl += 0.5 * (-lv + Math.exp(lv) + mu * mu - 1);
      }
    }
    return kl;
  }

  /**
   * Backward through the last `forward` after `loss(n, beta, true)`: sets every gradient (the
   * first layer's only in the rows of the batch's input items).
   */
  backward(n: number, beta: number): void {
    const dz = this.decoder.backwardBatch(this.sampledOutput?.inputGradient ?? this.logits, n, true)!;
    const dEnc = this.dEnc;
    this.latentBackward(dz, n, beta, dEnc);
    const h0 = this.h0;
    let dh1 = dEnc;
    if (this.encoder) {
      dh1 = this.encoder.backwardBatch(dEnc, n, true)!;
      const a = this.h1;
      for (let k = 0; k < n * h0; k++) dh1[k] *= 1 - a[k] * a[k];
    }
    this.input.backward(dh1, n);
  }

  /**
   * dLoss/d(encoder output) from dLoss/dz. VAE: dμ = dz + β·μ/n, d log σ² = dz·ε·σ/2 + β(σ² − 1)/(2n)
   * (the KL's share of the batch mean); DAE: dz·(1 − z²) through the tanh on the code.
   */
  protected latentBackward(dz: Float32Array, n: number, beta: number, dEnc: Float32Array): void {
    const L = this.latent;
    const E = this.encOut;
    if (!this.variational) {
      const z = this.z;
      for (let k = 0; k < n * L; k++) dEnc[k] = dz[k] * (1 - z[k] * z[k]);
      return;
    }
    const enc = this.enc;
    const noise = this.noise;
    const kl = beta / n;
    for (let r = 0; r < n; r++) {
      for (let d = 0; d < L; d++) {
        const mu = enc[r * E + d];
        const lv = enc[r * E + L + d];
        const g = dz[r * L + d];
        dEnc[r * E + d] = g + kl * mu;
        const reparam = noise === null ? 0 : 0.5 * g * noise[r * L + d] * this.std[r * L + d];
        dEnc[r * E + L + d] = reparam + 0.5 * kl * (Math.exp(lv) - 1);
      }
    }
  }

  /**
   * One optimizer step with the last gradients: lazy (row-sparse) on the first layer's touched
   * rows, dense on the rest; `l2` adds l2·w to the weights' gradients (not the biases').
   */
  update(l2: number): void {
    this.input.update(l2);
    this.encoder?.updateAll(l2);
    this.decoder.updateAll(l2);
    this.sampledOutput?.update(l2);
  }
}
