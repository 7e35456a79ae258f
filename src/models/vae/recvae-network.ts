/**
 * The RecVAE network and loss (Shenbin et al. 2020, "RecVAE: a New Variational Autoencoder for
 * Top-N Recommendations with Implicit Feedback", WSDM), with the hand-derived backward pass:
 *
 *   encoder    [μ, log σ²] = RecVaeEncoder(dropout(x / ‖x‖))         (recvae-encoder.ts)
 *   latent     z = μ + ε ⊙ σ in training (ε ~ N(0, I)), z = μ when scoring
 *   decoder    logits = z·W_d + b_d                                    (one linear layer, as the paper)
 *              [+ x·S with the `skip` option: an item × item linear shortcut from the binary
 *              input row, diagonal fixed at 0, as the wide part of Wide & Deep (Cheng et al.
 *              2016); S belongs to the decoder (trained in decoder phases, on whole rows)]
 *   loss       per user  −Σ_i w_ui x_ui log softmax(logits)_i
 *                        (w_ui = 1; with `keptWeight` κ, w_ui = κ for the positives dropout kept in
 *                        the encoder's input: emphasised denoising, Vincent et al. 2010, "Stacked
 *                        denoising autoencoders", JMLR; Steck 2020 for recommenders)
 *                        + β_u · Σ_d [log q(z_d | x) − log p(z_d)]        (a one-sample KL estimate)
 *              averaged over the batch, with β_u = γ·|x_u| (user-specific, §3.4) or a constant β
 *   prior      the composite prior (§3.3): p(z) = w₁ N(z; 0, I) + w₂ q_old(z | x) + w₃ N(z; 0, e^{10} I)
 *              with q_old the posterior of a frozen copy of the encoder from before the current
 *              encoder phase (`syncPrior`), weights (3/20, 3/4, 1/10) as the reference code.
 *
 * Gradients: `backward('encoder')` fills the encoder's (the decoder stays fixed in an encoder
 * phase), `backward('decoder')` the decoder's, `'both'` both (for the gradient check). The old
 * encoder never gets a gradient.
 *
 * The old encoder's posterior of a user depends only on the user's whole row and the old encoder,
 * which changes only at `syncPrior`, so training reuses it instead of running the old encoder on
 * every batch of every pass (`priorPosterior`): the same numbers, about a quarter of an epoch
 * saved at the paper's shape.
 */
import { logSumExp } from '../../core/losses.ts';
import { Dense } from '../../core/dense.ts';
import { rowIndependentMatmul } from '../../core/matmul.ts';
import { type OptimizerConfig, Param } from '../../core/params.ts';
import type { Rng } from '../../core/rng.ts';
import type { Csr } from '../../data/interactions.ts';
import type { ParamGradient } from './network.ts';
import { RecVaeEncoder } from './recvae-encoder.ts';

export interface RecVaeShape {
  numItems: number;
  hidden: number;
  depth: number;
  latent: number;
  /** An item × item linear shortcut from the input row to the logits (zero diagonal), trained with the decoder. */
  skip?: boolean;
  /** Each of a row's n input items enters as 1/n^e (default 0.5: unit L2 norm). */
  inputNormExponent?: number;
}

/** The composite prior's mixture: weights of the standard, old-posterior and wide normals; the wide one's log variance. */
export interface CompositePrior {
  weights: [number, number, number];
  wideLogVariance: number;
}

/** The reference implementation's mixture. */
export const REFERENCE_PRIOR: CompositePrior = { weights: [3 / 20, 3 / 4, 1 / 10], wideLogVariance: 10 };

const LOG_2PI = Math.log(2 * Math.PI);

/** log N(z; μ, e^lv) of one coordinate. */
function logNormal(z: number, mu: number, lv: number): number {
  return -0.5 * (lv + LOG_2PI + ((z - mu) * (z - mu)) / Math.exp(lv));
}

export type GradientPart = 'encoder' | 'decoder' | 'both';

/** Each training user's old-encoder posterior (2·latent floats) and the prior generation it belongs to (0: none), for one set of rows. */
interface PosteriorStore {
  rows: Csr;
  values: Float32Array;
  held: Int32Array;
}

export class RecVaeNet {
  /** Whether training reuses the old encoder's posteriors (`priorPosterior`); false recomputes them every batch (tests compare the two). */
  static reusePosteriors = true;

  readonly numItems: number;
  readonly latent: number;
  readonly encoder: RecVaeEncoder;
  /** The frozen encoder whose posterior is one component of the prior. */
  readonly oldEncoder: RecVaeEncoder;
  readonly decoder: Dense;
  /** The shortcut S (items × items, row j: what having item j adds to every logit; S_jj = 0), or null. */
  readonly skip: Param | null;
  private readonly gradSkip: Float32Array;
  /** L2 on S (weight decay on its gradient), set by the model. */
  skipL2 = 0;
  /** The likelihood's weight on positives the input dropout kept (1: RecVAE; rows that entered whole weigh 1), set by the model. */
  keptWeight = 1;
  readonly prior: CompositePrior;
  private readonly logWeights: number[];

  private targets: Csr | null = null;
  private users: ArrayLike<number> = new Int32Array(0);
  private enc: Float32Array = new Float32Array(0);
  private old: Float32Array = new Float32Array(0);
  private z = new Float32Array(0);
  private std = new Float32Array(0);
  private noise: Float32Array | null = null;
  private logits: Float32Array = new Float32Array(0);
  private dEnc = new Float32Array(0);
  private dz = new Float32Array(0);
  /** KL weight per batch row (β_u). */
  private klWeights = new Float32Array(0);
  private weights = new Float32Array(0);
  private capacity = 0;

  /** Rows the old encoder has run forward (for tests and benches: what reusing posteriors saves). */
  oldEncoderRows = 0;
  // The prior's generation (advanced by `syncPrior`), and whether the encoder still equals the old
  // one: set by `syncPrior`, cleared by an encoder step (and false at first, as a test may set the
  // two encoders apart by hand).
  private generation = 1;
  private priorInSync = false;
  // The batch's input dropout (0: the encoder saw the whole rows, as the old encoder does).
  private inputDropout = 0;
  private posteriors: PosteriorStore | null = null;
  private oldRows = new Float32Array(0);

  constructor(shape: RecVaeShape, optimizer: OptimizerConfig, rng: Rng, prior: CompositePrior = REFERENCE_PRIOR) {
    this.numItems = shape.numItems;
    this.latent = shape.latent;
    this.encoder = new RecVaeEncoder(shape, optimizer, rng);
    this.oldEncoder = new RecVaeEncoder(shape, { name: 'sgd', learningRate: 1 }, rng, 'prior.encoder');
    this.oldEncoder.copyFrom(this.encoder);
    this.decoder = new Dense(shape.latent, shape.numItems, rng, { optimizer, init: { kind: 'glorot' }, name: 'decoder' });
    // Zeros: the network starts as RecVAE, and the diagonal never gets a gradient, so it stays 0.
    this.skip = shape.skip ? new Param('decoder.skip', shape.numItems, shape.numItems, optimizer) : null;
    this.gradSkip = new Float32Array(this.skip === null ? 0 : shape.numItems * shape.numItems);
    this.prior = prior;
    this.logWeights = prior.weights.map((w) => Math.log(w));
  }

  /** The trainable parameters (what a model file stores): encoder, then decoder. */
  params(): Param[] {
    return [...this.encoder.params(), ...this.decoder.params(), ...(this.skip === null ? [] : [this.skip])];
  }

  gradients(): ParamGradient[] {
    const decoder = [
      { param: this.decoder.weight, grad: this.decoder.gradWeight },
      { param: this.decoder.bias, grad: this.decoder.gradBias },
    ];
    return [...this.encoder.gradients(), ...decoder, ...(this.skip === null ? [] : [{ param: this.skip, grad: this.gradSkip }])];
  }

  /** The old encoder of the prior ← the current encoder (the reference code's `update_prior`). */
  syncPrior(): void {
    this.oldEncoder.copyFrom(this.encoder);
    this.generation++;
    this.priorInSync = true;
  }

  private ensure(n: number): void {
    if (n <= this.capacity) return;
    this.capacity = n;
    const L = this.latent;
    this.z = new Float32Array(n * L);
    this.std = new Float32Array(n * L);
    this.dEnc = new Float32Array(n * 2 * L);
    this.dz = new Float32Array(n * L);
    this.klWeights = new Float32Array(n);
    this.oldRows = new Float32Array(n * 2 * L);
  }

  /**
   * The batch: each user's training row of `rows`, dropped out at `dropout` (with `rng`) for the
   * encoder. The prior's old encoder and the likelihood see the whole row. β_u = gamma·|x_u| when
   * gamma > 0, else `beta`.
   */
  setBatch(rows: Csr, users: ArrayLike<number>, n: number, dropout: number, rng: Rng | null, gamma = 0, beta = 0): void {
    this.ensure(n);
    this.targets = rows;
    this.users = users;
    this.inputDropout = dropout;
    this.encoder.setBatch(rows, users, n, dropout, rng);
    for (let r = 0; r < n; r++) {
      const u = users[r];
      const count = u < rows.rows ? rows.indptr[u + 1] - rows.indptr[u] : 0;
      this.klWeights[r] = gamma > 0 ? gamma * count : beta;
    }
  }

  /**
   * Logits (n × items). With `noise` (n × latent standard normals) a training pass: z = μ + ε·σ,
   * and the old encoder runs on the whole rows for the prior; without it z = μ (scoring). The
   * buffer belongs to the decoder and is overwritten by the next pass (and by `loss` with grad).
   */
  forward(n: number, noise: Float32Array | null = null): Float32Array {
    const L = this.latent;
    const enc = this.encoder.forward(n);
    this.enc = enc;
    this.noise = noise;
    const z = this.z;
    for (let r = 0; r < n; r++) {
      for (let d = 0; d < L; d++) {
        const mu = enc[r * 2 * L + d];
        if (noise === null) z[r * L + d] = mu;
        else {
          const s = Math.exp(0.5 * enc[r * 2 * L + L + d]);
          this.std[r * L + d] = s;
          z[r * L + d] = mu + noise[r * L + d] * s;
        }
      }
    }
    if (noise !== null) this.old = this.priorPosterior(n, enc);
    this.logits = this.decoder.forwardBatch(z, n);
    if (this.skip !== null) this.addSkip(n);
    return this.logits;
  }

  /** logits += x·S for each batch row, x its whole binary row (as EASE reads it, whatever the encoder's dropout). */
  private addSkip(n: number): void {
    const N = this.numItems;
    const S = this.skip!.data;
    const { indptr, indices } = this.targets!;
    const logits = this.logits;
    for (let r = 0; r < n; r++) {
      const u = this.users[r];
      if (u >= this.targets!.rows) continue;
      const o = r * N;
      for (let q = indptr[u]; q < indptr[u + 1]; q++) {
        const j = indices[q];
        const from = j * N;
        for (let i = 0; i < N; i++) logits[o + i] += S[from + i];
        // The diagonal is 0 in training; read as 0 whatever it holds, so S_jj is not a parameter at all.
        logits[o + j] -= S[from + j];
      }
    }
  }

  /** dLoss/dS = xᵀ·dLoss/dlogits (the batch's rows), the diagonal left at 0. */
  private skipGradient(n: number): void {
    const N = this.numItems;
    const grad = this.gradSkip;
    const { indptr, indices } = this.targets!;
    const dLogits = this.logits;
    grad.fill(0);
    for (let r = 0; r < n; r++) {
      const u = this.users[r];
      if (u >= this.targets!.rows) continue;
      const o = r * N;
      for (let q = indptr[u]; q < indptr[u + 1]; q++) {
        const to = indices[q] * N;
        for (let i = 0; i < N; i++) grad[to + i] += dLogits[o + i];
      }
    }
    for (let j = 0; j < N; j++) grad[j * N + j] = 0;
  }

  /**
   * [μ, log σ²] of the batch under the old encoder on the whole rows, for the prior, computed only
   * where nothing holds it already, and always the same numbers as running the old encoder on
   * this batch:
   * - right after `syncPrior` (a decoder pass) the encoder is the old one; when it also saw the
   *   whole rows (no dropout), its own output `enc` is the posterior;
   * - otherwise a user's posterior from an earlier batch of the same prior is reused, when every
   *   layer's product runs on the SIMD kernel (`rowIndependentMatmul`: a row's result does not
   *   depend on the batch it was in); the old encoder runs when a user of the batch has none.
   */
  private priorPosterior(n: number, enc: Float32Array): Float32Array {
    const width = 2 * this.latent;
    const reuse = RecVaeNet.reusePosteriors;
    const store = reuse && this.rowIndependent() ? this.posteriorStore(this.targets!) : null;
    let old: Float32Array;
    if (reuse && this.priorInSync && this.inputDropout === 0) old = enc;
    else if (store !== null && this.holdsBatch(store, n)) {
      for (let r = 0; r < n; r++) this.oldRows.set(store.values.subarray(this.users[r] * width, (this.users[r] + 1) * width), r * width);
      return this.oldRows;
    } else {
      this.oldEncoder.setBatch(this.targets!, this.users, n, 0, null);
      old = this.oldEncoder.forward(n);
      this.oldEncoderRows += n;
    }
    if (store !== null) {
      for (let r = 0; r < n; r++) {
        const u = this.users[r];
        if (u >= store.held.length) continue;
        store.values.set(old.subarray(r * width, (r + 1) * width), u * width);
        store.held[u] = this.generation;
      }
    }
    return old;
  }

  /** Whether every dense product of the encoder computes its rows independently of the batch. */
  private rowIndependent(): boolean {
    return [...this.oldEncoder.dense, this.oldEncoder.output].every((d) => rowIndependentMatmul(d.inDim, d.outDim));
  }

  /** The posteriors held for `rows` (a new, empty store for another set of rows). */
  private posteriorStore(rows: Csr): PosteriorStore {
    if (this.posteriors?.rows !== rows) this.posteriors = { rows, values: new Float32Array(rows.rows * 2 * this.latent), held: new Int32Array(rows.rows) };
    return this.posteriors;
  }

  /** Whether the store holds the current prior's posterior of every user in the batch. */
  private holdsBatch(store: PosteriorStore, n: number): boolean {
    for (let r = 0; r < n; r++) {
      const u = this.users[r];
      if (u >= store.held.length || store.held[u] !== this.generation) return false;
    }
    return true;
  }

  /**
   * The batch's mean negative ELBO after a training `forward`. With `grad`, the logits buffer is
   * overwritten by dLoss/dlogits and dLoss/dz's KL part is kept for `backward`.
   */
  loss(n: number, grad = false): number {
    const N = this.numItems;
    const rows = this.targets!;
    const { indptr, indices } = rows;
    const logits = this.logits;
    let total = 0;
    for (let r = 0; r < n; r++) {
      const u = this.users[r];
      const start = u < rows.rows ? indptr[u] : 0;
      const end = u < rows.rows ? indptr[u + 1] : 0;
      const o = r * N;
      const lse = logSumExp(logits, o, N);
      const weights = this.targetWeights(r, start, end);
      let count = 0;
      let hit = 0;
      for (let q = start; q < end; q++) {
        const w = weights === null ? 1 : weights[q - start];
        count += w;
        hit += w * logits[o + indices[q]];
      }
      total += count * lse - hit;
      if (grad) {
        const scale = 1 / n;
        for (let i = 0; i < N; i++) logits[o + i] = count * Math.exp(logits[o + i] - lse) * scale;
        for (let q = start; q < end; q++) logits[o + indices[q]] -= (weights === null ? 1 : weights[q - start]) * scale;
      }
    }
    if (this.noise !== null) for (let r = 0; r < n; r++) total += this.klWeights[r] * this.klRow(r, grad ? 1 / n : 0);
    return total / n;
  }

  /**
   * The likelihood weights of batch row r's positives (targets start…end), or null when all are 1:
   * `keptWeight` for those the encoder's input kept after dropout, 1 for the hidden ones.
   */
  private targetWeights(r: number, start: number, end: number): Float32Array | null {
    if (this.keptWeight === 1 || this.inputDropout === 0) return null;
    const kept = this.encoder.input.keptItems(r);
    if (kept === null) return null;
    if (this.weights.length < end - start) this.weights = new Float32Array(end - start);
    const { indices } = this.targets!;
    // The kept items are a subsequence of the row, in its order.
    let k = 0;
    for (let q = start; q < end; q++) {
      const isKept = k < kept.length && kept[k] === indices[q];
      if (isKept) k++;
      this.weights[q - start] = isKept ? this.keptWeight : 1;
    }
    return this.weights;
  }

  /**
   * Σ_d log q(z_d) − log p(z_d) of batch row r. With scale > 0 also writes this term's partial
   * derivatives (× β_u·scale) into dEnc (w.r.t. μ and log σ² holding z fixed) and dz.
   */
  private klRow(r: number, scale: number): number {
    const L = this.latent;
    const enc = this.enc;
    const old = this.old;
    const z = this.z;
    const [lw0, lw1, lw2] = this.logWeights;
    const wideLv = this.prior.wideLogVariance;
    const w = this.klWeights[r] * scale;
    let kl = 0;
    for (let d = 0; d < L; d++) {
      const zd = z[r * L + d];
      const mu = enc[r * 2 * L + d];
      const lv = enc[r * 2 * L + L + d];
      const oldMu = old[r * 2 * L + d];
      const oldLv = old[r * 2 * L + L + d];
      const a0 = lw0 + logNormal(zd, 0, 0);
      const a1 = lw1 + logNormal(zd, oldMu, oldLv);
      const a2 = lw2 + logNormal(zd, 0, wideLv);
      const m = Math.max(a0, a1, a2);
      const e0 = Math.exp(a0 - m);
      const e1 = Math.exp(a1 - m);
      const e2 = Math.exp(a2 - m);
      const sum = e0 + e1 + e2;
      const logPrior = m + Math.log(sum);
      kl += logNormal(zd, mu, lv) - logPrior;
      if (scale === 0) continue;
      const inv = Math.exp(-lv);
      const diff = zd - mu;
      // ∂ log q/∂z = −(z−μ)/σ², ∂ log q/∂μ = (z−μ)/σ², ∂ log q/∂ log σ² = −½ + ½(z−μ)²/σ²
      // ∂ log p/∂z = −Σ_k r_k (z − m_k)/v_k with r_k the mixture's responsibilities.
      const dLogPrior = -(e0 * zd + (e1 * (zd - oldMu)) / Math.exp(oldLv) + (e2 * zd) / Math.exp(wideLv)) / sum;
      this.dz[r * L + d] = w * (-diff * inv - dLogPrior);
      this.dEnc[r * 2 * L + d] = w * diff * inv;
      this.dEnc[r * 2 * L + L + d] = w * (-0.5 + 0.5 * diff * diff * inv);
    }
    return kl;
  }

  /** Backward after `loss(n, true)`: the gradients of `part`. */
  backward(n: number, part: GradientPart): void {
    const L = this.latent;
    const needEncoder = part !== 'decoder';
    if (this.skip !== null && part !== 'encoder') this.skipGradient(n);
    const dzLikelihood = this.decoder.backwardBatch(this.logits, n, needEncoder);
    if (!needEncoder) return;
    const dz = this.dz;
    const dEnc = this.dEnc;
    const noise = this.noise;
    for (let r = 0; r < n; r++) {
      for (let d = 0; d < L; d++) {
        const k = r * L + d;
        const g = dzLikelihood![k] + (noise === null ? 0 : dz[k]);
        const muAt = r * 2 * L + d;
        if (noise === null) {
          dEnc[muAt] = g;
          dEnc[muAt + L] = 0;
        } else {
          dEnc[muAt] += g;
          dEnc[muAt + L] += 0.5 * g * noise[k] * this.std[k];
        }
      }
    }
    this.encoder.backward(dEnc, n);
  }

  /** One optimizer step on `part` with the last gradients; l2 on weights only. */
  update(part: GradientPart, l2: number): void {
    if (part !== 'decoder') {
      this.encoder.update(l2);
      this.priorInSync = false;
    }
    if (part !== 'encoder') {
      this.decoder.updateAll(l2);
      this.skip?.updateAll(this.gradSkip, this.skipL2);
    }
  }
}
