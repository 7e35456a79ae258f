import { bceWithLogits, bceWithLogitsGrad, bpr, hinge, hingeGrad, warpWeight } from '../../core/losses.ts';
import { cosineSimilarity, cosineSimilarityGrad, dotSimilarityGrad } from '../../core/similarity.ts';
import type { NegativeSampler } from '../../sampling/negatives.ts';
import { FusedDot } from './fused.ts';
import type { BilinearTables } from './tables.ts';

export type BilinearLoss = 'logistic' | 'bpr' | 'warp' | 'margin' | 'adaptive-hinge';
export type SimilarityKind = 'dot' | 'cosine';

/** The loss settings the per-positive loop needs (JSON-able: workers get a copy). */
export interface KernelSpec {
  loss: BilinearLoss;
  similarity: SimilarityKind;
  margin: number;
  /** Sampled negatives per positive for `logistic` and `adaptive-hinge`. */
  negatives: number;
  /** WARP: draws before giving up on finding a margin violation. */
  maxSampled: number;
  /** WARP: cap on the rank weight (LightFM clips its loss at 10). */
  maxWarpWeight: number;
  userL2: number;
  itemL2: number;
  biasL2: number;
}

/**
 * The hot loop of every bilinear model: for each training positive (u, i) in a shard of the
 * shuffled order, sample negatives, compute the loss's gradient with respect to the scores and
 * push it into the user, item and bias rows. The same code runs on the main thread
 * (`threads: 1`, reproducible) and in each Hogwild worker. It allocates nothing per example.
 *
 * Two paths: plain id embeddings with dot similarity and SGD/Adagrad take a fused loop that
 * reads and updates the three rows in one pass; everything else (hybrid features, cosine,
 * Adam) goes through HybridEmbedding forward/backward with scratch vectors.
 */
export class BilinearKernel {
  readonly spec: KernelSpec;
  private readonly t: BilinearTables;
  private readonly sampler: NegativeSampler;
  private readonly dim: number;
  private readonly numItems: number;
  private readonly lossCode: number;
  private readonly cosine: boolean;
  /** The fused path, or null when the tables need the generic one. */
  private readonly fused: FusedDot | null;
  private readonly fast: boolean;
  // Generic-path scratch: user, positive and negative representations and their gradients.
  private readonly uRep: Float32Array;
  private readonly iRep: Float32Array;
  private readonly jRep: Float32Array;
  private readonly gU: Float32Array;
  private readonly gU2: Float32Array;
  private readonly gI: Float32Array;
  private readonly gJ: Float32Array;
  private readonly candidates: Int32Array;
  /** WARP's current block of draws and their scores (fused path). */
  private readonly blockDraws = new Int32Array(4);
  private readonly blockScores = new Float64Array(4);
  /** WARP rank weight by number of draws (index = trials). */
  private readonly warpWeights: Float64Array;
  private ub = 0;
  private uBias = 0;
  private u = 0;

  constructor(spec: KernelSpec, tables: BilinearTables, sampler: NegativeSampler, epsilon: number) {
    this.spec = spec;
    this.t = tables;
    this.sampler = sampler;
    this.dim = tables.user.dim;
    this.numItems = tables.item.rows;
    this.lossCode = LOSS_CODES[spec.loss];
    if (this.lossCode === undefined) throw new Error(`unknown loss ${spec.loss}`);
    this.cosine = spec.similarity === 'cosine';
    this.fused = FusedDot.supports(tables, this.cosine) ? new FusedDot(tables, { user: spec.userL2, item: spec.itemL2, bias: spec.biasL2 }, epsilon) : null;
    this.fast = this.fused !== null;
    const dim = this.dim;
    this.uRep = new Float32Array(dim);
    this.iRep = new Float32Array(dim);
    this.jRep = new Float32Array(dim);
    this.gU = new Float32Array(dim);
    this.gU2 = new Float32Array(dim);
    this.gI = new Float32Array(dim);
    this.gJ = new Float32Array(dim);
    this.candidates = new Int32Array(Math.max(1, spec.negatives));
    this.warpWeights = new Float64Array(spec.maxSampled + 1);
    for (let k = 1; k <= spec.maxSampled; k++) this.warpWeights[k] = Math.min(warpWeight(this.numItems, k), spec.maxWarpWeight);
  }

  /** Train on positives order[start..end) of (users, items); returns the summed loss. */
  run(users: Int32Array, items: Int32Array, order: Int32Array, start: number, end: number): number {
    let loss = 0;
    const code = this.lossCode;
    this.setLearningRate();
    const fused = this.fused;
    if (code === WARP && fused !== null) {
      // WARP's fused path needs neither the user bias (it cancels) nor the generic set-up.
      for (let t = start; t < end; t++) {
        const k = order[t];
        loss += this.warpStepFused(fused, users[k], items[k]);
      }
      return loss;
    }
    for (let t = start; t < end; t++) {
      const k = order[t];
      const u = users[k];
      const i = items[k];
      this.beginUser(u);
      if (code === BPR) loss += this.bprStep(u, i, this.sampler.sample(u));
      else if (code === WARP) loss += this.warpStep(u, i);
      else if (code === MARGIN) loss += this.hingeStep(u, i, this.sampler.sample(u));
      else if (code === ADAPTIVE) loss += this.adaptiveStep(u, i);
      else loss += this.logisticStep(u, i);
    }
    return loss;
  }

  /**
   * One update on the triplet (u, i⁺, j⁻) under this kernel's loss, returning the loss before
   * the update. For `warp` the weight is that of a violation found on the first draw; for
   * `logistic` it is BCE(s⁺, 1) + BCE(s⁻, 0). Used by the gradient tests.
   */
  tripletStep(u: number, i: number, j: number): number {
    this.setLearningRate();
    this.beginUser(u);
    switch (this.lossCode) {
      case BPR:
        return this.bprStep(u, i, j);
      case WARP: {
        const sI = this.score(i, this.iRep);
        const sJ = this.score(j, this.jRep);
        const w = this.warpWeights[1];
        const l = w * hinge(sI, sJ, this.spec.margin);
        if (l > 0) this.update(i, -w, j, w);
        return l;
      }
      case LOGISTIC: {
        const sI = this.score(i, this.iRep);
        const sJ = this.score(j, this.jRep);
        this.update(i, bceWithLogitsGrad(sI, 1), j, bceWithLogitsGrad(sJ, 0));
        return bceWithLogits(sI, 1) + bceWithLogits(sJ, 0);
      }
      default:
        return this.hingeStep(u, i, j);
    }
  }

  /** The loss tripletStep would report, without updating (for finite differences). */
  tripletLoss(u: number, i: number, j: number): number {
    this.beginUser(u);
    const sI = this.score(i, this.iRep);
    const sJ = this.score(j, this.jRep);
    switch (this.lossCode) {
      case BPR:
        return bpr(sI, sJ);
      case WARP:
        return this.warpWeights[1] * hinge(sI, sJ, this.spec.margin);
      case LOGISTIC:
        return bceWithLogits(sI, 1) + bceWithLogits(sJ, 0);
      default:
        return hinge(sI, sJ, this.spec.margin);
    }
  }

  /** BPR (Rendle 2009): −log σ(s⁺ − s⁻); one exp serves both the loss and its gradient. */
  private bprStep(_u: number, i: number, j: number): number {
    const x = this.fused !== null ? this.fused.bprDifference(this.ub, i, j) : this.score(j, this.jRep) - this.score(i, this.iRep); // s⁻ − s⁺
    let loss: number;
    let g: number; // d loss / d(s⁺ − s⁻) = −σ(s⁻ − s⁺)
    if (x > 0) {
      const e = Math.exp(-x);
      loss = x + Math.log1p(e);
      g = -1 / (1 + e);
    } else {
      const e = Math.exp(x);
      loss = Math.log1p(e);
      g = -e / (1 + e);
    }
    this.update(i, g, j, -g);
    return loss;
  }

  /**
   * WARP (Weston et al. 2011, as in LightFM): draw negatives until one scores within the margin
   * of the positive, then take a hinge step weighted by the rank estimated from the draw count.
   */
  private warpStep(u: number, i: number): number {
    if (this.fused !== null) return this.warpStepFused(this.fused, u, i);
    const sI = this.score(i, this.iRep);
    const margin = this.spec.margin;
    const max = this.spec.maxSampled;
    const sampler = this.sampler;
    for (let trials = 1; trials <= max; trials++) {
      // Score first, check against the user's positives only on a violation (LightFM's order):
      // a drawn positive counts as a trial, and the check is skipped for most draws.
      const j = sampler.drawUnchecked();
      const sJ = this.score(j, this.jRep);
      if (sJ > sI - margin) {
        if (j === i || sampler.isExcluded(u, j)) continue;
        const w = this.warpWeights[trials];
        this.update(i, -w, j, w);
        return w * (margin - sI + sJ);
      }
    }
    return 0;
  }

  /**
   * `warpStep` on the fused path, the same draws-until-violation rule with less work per draw:
   * the first draw is scored in the positive's pass over the user row (early in training it
   * usually violates), later ones in blocks of four (two, one near maxSampled) in one pass each,
   * so every user entry is loaded once per block. The trial count is still the position of the
   * violating draw; the rest of its block is wasted (random numbers and part of a pass). The
   * opening pass also keeps Σp² for the row-wise update. The user bias shifts every score
   * equally, so it is left out.
   */
  private warpStepFused(f: FusedDot, u: number, i: number): number {
    const ub = u * this.dim;
    const sampler = this.sampler;
    const max = this.spec.maxSampled;
    let j = sampler.drawUnchecked();
    const threshold = f.scorePositiveAndDraw(ub, i, j) - this.spec.margin; // a draw violates when sJ > threshold
    let sJ = f.second;
    let trials = 1;
    // Score first, check against the user's positives only on a violation (LightFM's order):
    // a drawn positive counts as a trial, and the check is skipped for most draws.
    if (!(sJ > threshold) || j === i || sampler.isExcluded(u, j)) {
      j = -1;
      const c = this.blockDraws;
      const s = this.blockScores;
      while (trials < max && j < 0) {
        const left = max - trials;
        const n = left >= 4 ? 4 : left >= 2 ? 2 : 1;
        for (let k = 0; k < n; k++) c[k] = sampler.drawUnchecked();
        if (n === 4) {
          s[0] = f.score4(ub, c[0], c[1], c[2], c[3]);
          // Late in training most blocks hold no violation: skip them without the per-draw loop.
          if (s[0] <= threshold && f.second <= threshold && f.third <= threshold && f.fourth <= threshold) {
            trials += 4;
            continue;
          }
          s[1] = f.second;
          s[2] = f.third;
          s[3] = f.fourth;
        } else if (n === 2) {
          s[0] = f.score2(ub, c[0], c[1]);
          s[1] = f.second;
        } else {
          s[0] = f.score(ub, c[0]);
        }
        for (let k = 0; k < n; k++) {
          trials++;
          const x = c[k];
          if (s[k] > threshold && x !== i && !sampler.isExcluded(u, x)) {
            j = x;
            sJ = s[k];
            break;
          }
        }
      }
      if (j < 0) {
        f.clearNorm();
        return 0;
      }
    }
    this.u = u;
    this.ub = ub;
    const w = this.warpWeights[trials];
    this.update(i, -w, j, w);
    return w * (sJ - threshold);
  }

  /** Triplet margin (hinge) loss on one negative: max(0, m − s⁺ + s⁻). */
  private hingeStep(_u: number, i: number, j: number): number {
    const sI = this.score(i, this.iRep);
    const sJ = this.score(j, this.jRep);
    const g = hingeGrad(sI, sJ, this.spec.margin);
    if (g !== 0) this.update(i, g, j, -g);
    return hinge(sI, sJ, this.spec.margin);
  }

  /** Adaptive hinge (Spotlight): hinge against the highest-scoring of `negatives` draws. */
  private adaptiveStep(u: number, i: number): number {
    const n = this.spec.negatives;
    const c = this.candidates;
    this.sampler.sampleMany(u, n, c, 0);
    let best = c[0];
    let bestScore = -Infinity;
    for (let k = 0; k < n; k++) {
      const s = this.score(c[k], this.jRep);
      if (s > bestScore) {
        bestScore = s;
        best = c[k];
      }
    }
    return this.hingeStep(u, i, best);
  }

  /** Pointwise logistic: BCE(s⁺, 1) then BCE(s⁻, 0) for each sampled negative. */
  private logisticStep(u: number, i: number): number {
    const sI = this.score(i, this.iRep);
    this.update(i, bceWithLogitsGrad(sI, 1), -1, 0);
    let loss = bceWithLogits(sI, 1);
    const n = this.spec.negatives;
    for (let k = 0; k < n; k++) {
      const j = this.sampler.sample(u);
      if (this.t.userBias !== null || !this.fast) this.beginUser(u); // the user moved: refresh
      const sJ = this.score(j, this.jRep);
      this.update(-1, 0, j, bceWithLogitsGrad(sJ, 0));
      loss += bceWithLogits(sJ, 0);
    }
    return loss;
  }

  private beginUser(u: number): void {
    this.u = u;
    this.ub = u * this.dim;
    if (!this.fast) this.t.user.forward(u, this.uRep, 0);
    this.uBias = this.t.userBias !== null ? this.t.userBias.value(u) : 0;
  }

  /** s(u, item) = sim(user, item) + item bias + user bias; `rep` receives the item's vector. */
  private score(item: number, rep: Float32Array): number {
    const dim = this.dim;
    let s = this.uBias;
    if (this.fused !== null) return s + this.fused.score(this.ub, item);
    this.t.item.forward(item, rep, 0);
    if (this.cosine) s += cosineSimilarity(this.uRep, 0, rep, 0, dim);
    else for (let d = 0; d < dim; d++) s += this.uRep[d] * rep[d];
    if (this.t.itemBias !== null) s += this.t.itemBias.value(item);
    return s;
  }

  /**
   * Apply dL/ds(u,i) = gI and dL/ds(u,j) = gJ (i or j = −1 when absent) to the user, item and
   * bias rows. Reads the representations `score` left in iRep / jRep.
   */
  private update(i: number, gI: number, j: number, gJ: number): void {
    const u = this.u;
    if (this.fused !== null) this.fused.update(u, this.ub, i, gI, j, gJ);
    else this.updateGeneric(i, gI, j, gJ);
    // A user bias shifts both scores equally, so pairwise losses give it no gradient.
    const gb = (i >= 0 ? gI : 0) + (j >= 0 ? gJ : 0);
    if (this.t.userBias !== null && gb !== 0) this.t.userBias.backward(u, gb, this.spec.biasL2);
  }

  private updateGeneric(i: number, gI: number, j: number, gJ: number): void {
    const dim = this.dim;
    const { uRep, iRep, jRep, gU, gU2 } = this;
    const sim = this.cosine ? cosineSimilarityGrad : dotSimilarityGrad;
    gU.fill(0);
    if (i >= 0) sim(uRep, 0, iRep, 0, dim, gI, gU, 0, this.gI, 0);
    if (j >= 0) {
      sim(uRep, 0, jRep, 0, dim, gJ, gU2, 0, this.gJ, 0);
      for (let d = 0; d < dim; d++) gU[d] += gU2[d];
    }
    this.t.user.backward(this.u, gU, 0, this.spec.userL2);
    if (i >= 0) this.t.item.backward(i, this.gI, 0, this.spec.itemL2);
    if (j >= 0) this.t.item.backward(j, this.gJ, 0, this.spec.itemL2);
    const ib = this.t.itemBias;
    if (ib !== null) {
      if (i >= 0) ib.backward(i, gI, this.spec.biasL2);
      if (j >= 0) ib.backward(j, gJ, this.spec.biasL2);
    }
  }

  private setLearningRate(): void {
    if (this.fused !== null) this.fused.lr = this.t.user.params()[0].learningRate;
  }
}

const BPR = 0;
const WARP = 1;
const MARGIN = 2;
const ADAPTIVE = 3;
const LOGISTIC = 4;
const LOSS_CODES: Record<BilinearLoss, number> = { bpr: BPR, warp: WARP, margin: MARGIN, 'adaptive-hinge': ADAPTIVE, logistic: LOGISTIC };
