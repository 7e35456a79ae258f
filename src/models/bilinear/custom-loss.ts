/**
 * Training a bilinear model with a custom triplet loss (library API, the same `CustomTripletLoss`
 * as the deep match model: terms ℓ_k(s⁺_k, s⁻_k) of row-wise scores, with or without a
 * gradient). The built-in losses run in the fused kernel and its Hogwild workers, which cannot
 * call back into user code; this is a single-threaded JS loop instead.
 *
 * Per batch of positives (u, i⁺) with one sampled negative j⁻ each, every score and every
 * representation is taken at the batch's start, the loss gives dℓ/ds⁺ and dℓ/ds⁻ once for the
 * batch, and each triplet then steps its own rows (user, i⁺, j⁻, biases) with its own gradient —
 * per-triplet SGD like the built-in BPR kernel, so a hand-written BPR trains like `loss: 'bpr'`.
 * Because the gradients are all of the batch-start point, the sum of a batch's plain-SGD steps is
 * exactly one step on the summed loss (what the doctor's gradient check relies on).
 */
import { ConfigError } from '../../contracts/errors.ts';
import { cosineSimilarity, cosineSimilarityGrad, dotSimilarityGrad } from '../../core/similarity.ts';
import type { NegativeSampler } from '../../sampling/negatives.ts';
import { lossGradient, lossTerms, type CustomTripletLoss } from '../deep/custom-loss.ts';
import type { KernelSpec } from './kernel.ts';
import type { BilinearTables } from './tables.ts';

/** Triplets per call of the loss: large enough that calling user code is cheap, small enough that batch-start gradients stay fresh. */
export const CUSTOM_LOSS_BATCH = 256;

export class CustomLossTrainer {
  private readonly loss: CustomTripletLoss;
  private readonly spec: KernelSpec;
  private readonly t: BilinearTables;
  private readonly sampler: NegativeSampler;
  private readonly dim: number;
  private readonly batch: number;
  // Batch-start representations (batch × dim) and scores.
  private readonly uRep: Float32Array;
  private readonly iRep: Float32Array;
  private readonly jRep: Float32Array;
  private readonly neg: Int32Array;
  private readonly sPos: Float64Array;
  private readonly sNeg: Float64Array;
  // Per-triplet gradient scratch.
  private readonly gU: Float32Array;
  private readonly gU2: Float32Array;
  private readonly gI: Float32Array;
  private readonly gJ: Float32Array;

  constructor(loss: CustomTripletLoss, spec: KernelSpec, tables: BilinearTables, sampler: NegativeSampler, batch = CUSTOM_LOSS_BATCH) {
    this.loss = loss;
    this.spec = spec;
    this.t = tables;
    this.sampler = sampler;
    this.dim = tables.user.dim;
    this.batch = batch;
    const dim = this.dim;
    this.uRep = new Float32Array(batch * dim);
    this.iRep = new Float32Array(batch * dim);
    this.jRep = new Float32Array(batch * dim);
    this.neg = new Int32Array(batch);
    this.sPos = new Float64Array(batch);
    this.sNeg = new Float64Array(batch);
    this.gU = new Float32Array(dim);
    this.gU2 = new Float32Array(dim);
    this.gI = new Float32Array(dim);
    this.gJ = new Float32Array(dim);
  }

  /** Train on positives order[start..end) of (users, items); returns the summed loss (at each batch's start). */
  run(users: Int32Array, items: Int32Array, order: Int32Array, start: number, end: number): number {
    let total = 0;
    for (let s = start; s < end; s += this.batch) total += this.step(users, items, order, s, Math.min(end, s + this.batch));
    return total;
  }

  private step(users: Int32Array, items: Int32Array, order: Int32Array, start: number, end: number): number {
    const b = end - start;
    const { dim, t } = this;
    const pos = this.sPos.subarray(0, b);
    const neg = this.sNeg.subarray(0, b);
    for (let k = 0; k < b; k++) {
      const u = users[order[start + k]];
      const i = items[order[start + k]];
      const j = this.sampler.sample(u);
      this.neg[k] = j;
      t.user.forward(u, this.uRep, k * dim);
      t.item.forward(i, this.iRep, k * dim);
      t.item.forward(j, this.jRep, k * dim);
      const ub = t.userBias !== null ? t.userBias.value(u) : 0;
      pos[k] = ub + this.similarity(k, this.iRep) + (t.itemBias !== null ? t.itemBias.value(i) : 0);
      neg[k] = ub + this.similarity(k, this.jRep) + (t.itemBias !== null ? t.itemBias.value(j) : 0);
    }
    // Copies: user code may keep or modify what it is given.
    const terms = lossTerms(this.loss, pos.slice(), neg.slice());
    const g = lossGradient(this.loss, pos.slice(), neg.slice());
    let total = 0;
    for (let k = 0; k < b; k++) {
      const term = terms[k];
      if (!Number.isFinite(term)) throw new ConfigError(`custom loss "${this.loss.name}": term ${k} is ${term} at s⁺ = ${pos[k]}, s⁻ = ${neg[k]}`);
      total += term;
      this.update(users[order[start + k]], items[order[start + k]], this.neg[k], k, g.pos[k], g.neg[k]);
    }
    return total;
  }

  private similarity(k: number, rep: Float32Array): number {
    const dim = this.dim;
    const o = k * dim;
    if (this.spec.similarity === 'cosine') return cosineSimilarity(this.uRep, o, rep, o, dim);
    let s = 0;
    for (let d = 0; d < dim; d++) s += this.uRep[o + d] * rep[o + d];
    return s;
  }

  /** dℓ/ds⁺ = gPos and dℓ/ds⁻ = gNeg through the similarity (at the batch-start representations) into the rows, with their L2. */
  private update(u: number, i: number, j: number, k: number, gPos: number, gNeg: number): void {
    const { dim, t, spec, gU, gU2, gI, gJ } = this;
    const sim = spec.similarity === 'cosine' ? cosineSimilarityGrad : dotSimilarityGrad;
    const o = k * dim;
    sim(this.uRep, o, this.iRep, o, dim, gPos, gU, 0, gI, 0);
    sim(this.uRep, o, this.jRep, o, dim, gNeg, gU2, 0, gJ, 0);
    for (let d = 0; d < dim; d++) gU[d] += gU2[d];
    t.user.backward(u, gU, 0, spec.userL2);
    t.item.backward(i, gI, 0, spec.itemL2);
    t.item.backward(j, gJ, 0, spec.itemL2);
    if (t.itemBias !== null) {
      t.itemBias.backward(i, gPos, spec.biasL2);
      t.itemBias.backward(j, gNeg, spec.biasL2);
    }
    // The user bias shifts both scores: its gradient is their sum (zero for a pairwise loss of s⁺ − s⁻).
    const gb = gPos + gNeg;
    if (t.userBias !== null && gb !== 0) t.userBias.backward(u, gb, spec.biasL2);
  }
}
