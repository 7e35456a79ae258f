/**
 * What a model optimises, read from its config, and that loss measured on a batch of the data
 * through the model's own scores: the loss at initialisation and after training are then
 * numbers the doctor can compare with what they should be (BCE ≈ ln 2, BPR ≈ ln 2, hinge ≈
 * margin, MSE ≈ the variance of the labels when the output starts at their mean, a sampled
 * softmax ≈ ln(1 + negatives), an autoencoder's multinomial likelihood ≈ ln(items) per interaction,
 * WARP ≈ its rank weight at rank N − 1 times the margin).
 */
import { bceWithLogits, bpr, hinge, logSumExp, warpWeight } from '../core/losses.ts';
import type { Rng } from '../core/rng.ts';
import type { Interactions } from '../data/interactions.ts';
import { lossTerms, type CustomTripletLoss } from '../models/deep/custom-loss.ts';
import type { Recommender } from '../models/recommender.ts';

export type Objective =
  /** Positives against `negatives` sampled items each: labels 1 and 0 ('bce', 'mse'), or a softmax over each positive's group ('softmax'). */
  | { kind: 'sampled'; loss: 'bce' | 'mse' | 'softmax'; negatives: number }
  /** The interactions' own values as labels (ratings, or 0/1 labels). */
  | { kind: 'values'; loss: 'bce' | 'mse' | 'mae' }
  /** (user, positive, sampled negative) triplets. */
  | { kind: 'triplet'; loss: 'bpr' | 'margin'; margin: number }
  | { kind: 'custom'; loss: CustomTripletLoss }
  /**
   * Each user's items under a softmax over the whole catalogue, per interaction: what the
   * autoencoders (Mult-VAE/DAE, RecVAE) train, whose batches are users, and what the two-tower
   * model's sampled softmax estimates, whose batches are positive pairs.
   */
  | { kind: 'multinomial'; batches: 'users' | 'pairs' }
  /** WARP: the rank-weighted hinge of each positive against the first of up to `maxSampled` uniform draws that violates the margin. */
  | { kind: 'warp'; margin: number; maxSampled: number; maxWeight: number }
  /** The adaptive hinge (Spotlight): the hinge of each positive against the highest-scoring of `negatives` uniform draws. */
  | { kind: 'adaptive-hinge'; negatives: number; margin: number }
  /** A loss the doctor cannot recompute (closed forms, neighbourhoods). */
  | { kind: 'other' };

export function objectiveOf(model: Recommender, custom?: CustomTripletLoss | null): Objective {
  if (custom) return { kind: 'custom', loss: custom };
  const c = model.config as Record<string, unknown>;
  const loss = typeof c.loss === 'string' ? c.loss : null;
  if (model.type === 'multvae' || model.type === 'recvae') return { kind: 'multinomial', batches: 'users' };
  if (model.type === 'two-tower') return { kind: 'multinomial', batches: 'pairs' };
  if (model.type === 'bpr') return { kind: 'triplet', loss: 'bpr', margin: 0 };
  if (loss === 'warp' && typeof c.margin === 'number' && typeof c.maxSampled === 'number' && typeof c.maxWarpWeight === 'number') {
    return { kind: 'warp', margin: c.margin, maxSampled: c.maxSampled, maxWeight: c.maxWarpWeight };
  }
  if ((model.type === 'triplet' || model.type === 'match') && (loss === 'margin' || loss === 'bpr' || model.type === 'triplet')) {
    return { kind: 'triplet', loss: loss === 'bpr' ? 'bpr' : 'margin', margin: typeof c.margin === 'number' ? c.margin : 1 };
  }
  // The same losses by name on the other types: NCF, NeuMF and DeepFM can train BPR on (positive,
  // one negative); the generic bilinear model takes any of the bilinear losses.
  if (loss === 'bpr') return { kind: 'triplet', loss: 'bpr', margin: 0 };
  if (loss === 'adaptive-hinge' && typeof c.negatives === 'number' && typeof c.margin === 'number') return { kind: 'adaptive-hinge', negatives: c.negatives, margin: c.margin };
  if (loss === 'margin') return { kind: 'triplet', loss: 'margin', margin: typeof c.margin === 'number' ? c.margin : 1 };
  if (loss === 'logistic') return { kind: 'sampled', loss: 'bce', negatives: typeof c.negatives === 'number' ? c.negatives : 1 };
  if (loss === 'softmax' && typeof c.negatives === 'number' && c.negatives > 0) return { kind: 'sampled', loss, negatives: c.negatives };
  if (loss === 'bce' || loss === 'mse' || loss === 'mae') {
    if (typeof c.negatives === 'number' && c.negatives > 0 && loss !== 'mae') return { kind: 'sampled', loss, negatives: c.negatives };
    return { kind: 'values', loss };
  }
  return { kind: 'other' };
}

export function objectiveName(o: Objective): string {
  switch (o.kind) {
    case 'sampled':
      if (o.loss === 'softmax') return `a softmax of each positive against ${o.negatives} sampled negatives`;
      return `${o.loss.toUpperCase()} on positives and ${o.negatives} sampled negatives each`;
    case 'values':
      return `${o.loss.toUpperCase()} on the interactions' values`;
    case 'triplet':
      return o.loss === 'bpr' ? 'BPR on triplets' : `hinge (margin ${o.margin}) on triplets`;
    case 'custom':
      return `custom loss "${o.loss.name}" on triplets`;
    case 'adaptive-hinge':
      return `the adaptive hinge (margin ${o.margin}) against the hardest of ${o.negatives} sampled negatives`;
    case 'warp':
      return `WARP (margin ${o.margin}, up to ${o.maxSampled} draws for a violating negative)`;
    case 'multinomial':
      return o.batches === 'users'
        ? "the multinomial likelihood of each user's items over the catalogue"
        : 'the softmax over the whole catalogue that it trains (sampled or exact)';
    default:
      return 'a loss the doctor does not recompute';
  }
}

/** The loss expected at initialisation, and why (null: not known). */
export function expectedInitial(o: Objective, labels: Interactions): { value: number; why: string } | null {
  if (o.kind === 'multinomial') {
    const n = labels.numItems;
    return { value: Math.log(n), why: `with logits near equal each of a user's items has probability 1/${n}: ln ${n}` };
  }
  if (o.kind === 'adaptive-hinge') return { value: o.margin, why: `at s⁺ ≈ s⁻ a hinge against even the hardest draw is the margin` };
  if (o.kind === 'warp') {
    const weight = Math.min(warpWeight(labels.numItems, 1), o.maxWeight);
    return { value: weight * o.margin, why: `at s⁺ ≈ s⁻ the first draw violates the margin: the rank weight ${weight.toFixed(2)} × the margin ${o.margin}` };
  }
  if (o.kind === 'sampled' && o.loss === 'softmax') {
    return { value: Math.log(1 + o.negatives), why: `a softmax over a positive and ${o.negatives} negatives with logits near equal is ln ${1 + o.negatives}` };
  }
  if (o.kind === 'sampled') return o.loss === 'bce' ? { value: Math.LN2, why: 'BCE of logits near 0 is ln 2' } : null;
  if (o.kind === 'triplet') return o.loss === 'bpr' ? { value: Math.LN2, why: 'BPR at s⁺ ≈ s⁻ is ln 2' } : { value: o.margin, why: `a hinge at s⁺ ≈ s⁻ is the margin` };
  if (o.kind === 'values') {
    const { mean, variance } = moments(labels.values);
    if (o.loss === 'mse') return { value: variance, why: `MSE with the output at the mean label is the labels' variance` };
    if (o.loss === 'bce') {
      const p = Math.min(1 - 1e-9, Math.max(1e-9, mean));
      return { value: -(p * Math.log(p) + (1 - p) * Math.log(1 - p)), why: `BCE with the output at the base rate ${p.toFixed(2)} is its entropy (ln 2 = 0.693 with logits at 0)` };
    }
  }
  return null;
}

/** Mean and variance of values. */
export function moments(values: ArrayLike<number>): { mean: number; variance: number } {
  let s = 0;
  for (let k = 0; k < values.length; k++) s += values[k];
  const mean = s / Math.max(1, values.length);
  let v = 0;
  for (let k = 0; k < values.length; k++) v += (values[k] - mean) ** 2;
  return { mean, variance: v / Math.max(1, values.length) };
}

/** Rows (user, item, label) the objective sees for up to `limit` interactions, in user order; negatives drawn uniformly. */
function batch(o: Objective, data: Interactions, rng: Rng, limit: number): { users: Int32Array; pos: Int32Array; neg: Int32Array; labels: Float32Array } {
  const picks = picksByUser(data, rng, limit);
  const users = Int32Array.from(picks, (p) => data.users[p]);
  const pos = Int32Array.from(picks, (p) => data.items[p]);
  const neg = Int32Array.from(picks, () => rng.int(data.numItems));
  const labels = Float32Array.from(picks, (p) => data.values[p]);
  void o;
  return { users, pos, neg, labels };
}

/** Users scored at once for the multinomial loss (bounds the users × items logits). */
const MULTINOMIAL_CHUNK = 64;

/**
 * −log softmax(scores)_i averaged over up to `limit` interactions (u, i): each distinct user's
 * scores over every item are computed once, `MULTINOMIAL_CHUNK` users at a time.
 */
function multinomialLoss(model: Recommender, data: Interactions, rng: Rng, limit: number): number {
  const picks = picksByUser(data, rng, limit);
  const byUser = new Map<number, number[]>();
  for (const p of picks) {
    const list = byUser.get(data.users[p]);
    if (list) list.push(data.items[p]);
    else byUser.set(data.users[p], [data.items[p]]);
  }
  const users = Int32Array.from(byUser.keys());
  const N = data.numItems;
  const scores = new Float32Array(Math.min(MULTINOMIAL_CHUNK, users.length) * N);
  let total = 0;
  for (let s = 0; s < users.length; s += MULTINOMIAL_CHUNK) {
    const chunk = users.subarray(s, s + MULTINOMIAL_CHUNK);
    model.scoreUsers(chunk, scores);
    for (let r = 0; r < chunk.length; r++) {
      const lse = logSumExp(scores, r * N, N);
      for (const i of byUser.get(chunk[r])!) total += lse - scores[r * N + i];
    }
  }
  return total / picks.length;
}

/**
 * Up to `limit` interactions drawn at random, in user order: a model without a cheap pairwise
 * score (`Recommender.score`'s default) then scores each user's items once per call, not per pair.
 */
function picksByUser(data: Interactions, rng: Rng, limit: number): Int32Array {
  const picks = rng.permutation(data.length).subarray(0, Math.min(limit, data.length));
  return picks.sort((a, b) => data.users[a] - data.users[b] || a - b);
}

/** Up to `limit` positives drawn in user order (`picksByUser`): their users and their scores. */
function scoredPositives(model: Recommender, data: Interactions, rng: Rng, limit: number): { users: Int32Array; sPos: Float32Array } {
  const picks = picksByUser(data, rng, limit);
  const users = Int32Array.from(picks, (p) => data.users[p]);
  return {
    users,
    sPos: model.score(
      users,
      Int32Array.from(picks, (p) => data.items[p]),
    ),
  };
}

/**
 * Scores of up to `limit` positives, each followed by `negatives` items drawn uniformly for it:
 * rows of 1 + negatives, the positive first.
 */
function sampledGroups(model: Recommender, negatives: number, data: Interactions, rng: Rng, limit: number): { groups: Float64Array; n: number } {
  const { users, sPos } = scoredPositives(model, data, rng, limit);
  const n = users.length;
  const width = 1 + negatives;
  const groups = new Float64Array(n * width);
  for (let k = 0; k < n; k++) groups[k * width] = sPos[k];
  for (let j = 1; j <= negatives; j++) {
    const sNeg = model.score(
      users,
      Int32Array.from(users, () => rng.int(data.numItems)),
    );
    for (let k = 0; k < n; k++) groups[k * width + j] = sNeg[k];
  }
  return { groups, n };
}

/** −log softmax of each positive against its group of uniform draws (no log-Q: the uniform draw needs none). */
function sampledSoftmaxLoss(model: Recommender, negatives: number, data: Interactions, rng: Rng, limit: number): number {
  const { groups, n } = sampledGroups(model, negatives, data, rng, limit);
  const width = 1 + negatives;
  let total = 0;
  for (let k = 0; k < n; k++) total += logSumExp(groups, k * width, width) - groups[k * width];
  return total / n;
}

/** The hinge of each positive against the highest-scoring of its uniform draws. */
function adaptiveHingeLoss(model: Recommender, o: Extract<Objective, { kind: 'adaptive-hinge' }>, data: Interactions, rng: Rng, limit: number): number {
  const { groups, n } = sampledGroups(model, o.negatives, data, rng, limit);
  const width = 1 + o.negatives;
  let total = 0;
  for (let k = 0; k < n; k++) {
    let hardest = -Infinity;
    for (let j = 1; j < width; j++) hardest = Math.max(hardest, groups[k * width + j]);
    total += hinge(groups[k * width], hardest, o.margin);
  }
  return total / n;
}

/**
 * WARP as the trainer takes it, over up to `limit` positives: uniform draws (a draw at a time for
 * all positives still searching) until one scores above s⁺ − margin; the loss is the rank weight
 * of the draws it took (⌊(N − 1)/draws⌋, capped) times the margin violation, 0 when none violates.
 */
function warpLoss(model: Recommender, o: Extract<Objective, { kind: 'warp' }>, data: Interactions, rng: Rng, limit: number): number {
  const { users, sPos } = scoredPositives(model, data, rng, limit);
  const n = users.length;
  let searching = Int32Array.from({ length: n }, (_, k) => k);
  let total = 0;
  for (let draw = 1; draw <= o.maxSampled && searching.length > 0; draw++) {
    const sNeg = model.score(
      Int32Array.from(searching, (k) => users[k]),
      Int32Array.from(searching, () => rng.int(data.numItems)),
    );
    const still: number[] = [];
    searching.forEach((k, r) => {
      const violation = o.margin - sPos[k] + sNeg[r];
      if (violation > 0) total += Math.min(warpWeight(data.numItems, draw), o.maxWeight) * violation;
      else still.push(k);
    });
    searching = Int32Array.from(still);
  }
  return total / n;
}

/** The mean loss of the objective on up to `limit` interactions, through the model's scores (NaN: not computable). */
export function measureLoss(model: Recommender, o: Objective, data: Interactions, rng: Rng, limit = 4000): number {
  if (o.kind === 'other' || data.length === 0) return Number.NaN;
  if (o.kind === 'multinomial') return multinomialLoss(model, data, rng, limit);
  if (o.kind === 'sampled' && o.loss === 'softmax') return sampledSoftmaxLoss(model, o.negatives, data, rng, limit);
  if (o.kind === 'warp') return warpLoss(model, o, data, rng, limit);
  if (o.kind === 'adaptive-hinge') return adaptiveHingeLoss(model, o, data, rng, limit);
  const { users, pos, neg, labels } = batch(o, data, rng, limit);
  const sPos = model.score(users, pos);
  const sNeg = model.score(users, neg);
  const n = users.length;
  let total = 0;
  if (o.kind === 'sampled') {
    // Each positive counts once and its negatives `negatives` times, as in the trainer's rows.
    for (let k = 0; k < n; k++) {
      total += o.loss === 'bce' ? bceWithLogits(sPos[k], 1) + o.negatives * bceWithLogits(sNeg[k], 0) : (sPos[k] - 1) ** 2 + o.negatives * sNeg[k] ** 2;
    }
    return total / (n * (1 + o.negatives));
  }
  if (o.kind === 'values') {
    for (let k = 0; k < n; k++) {
      const s = sPos[k];
      const y = labels[k];
      total += o.loss === 'bce' ? bceWithLogits(s, y) : o.loss === 'mse' ? (s - y) ** 2 : Math.abs(s - y);
    }
    return total / n;
  }
  if (o.kind === 'triplet') {
    for (let k = 0; k < n; k++) total += o.loss === 'bpr' ? bpr(sPos[k], sNeg[k]) : hinge(sPos[k], sNeg[k], o.margin);
    return total / n;
  }
  const terms = lossTerms(o.loss, Float64Array.from(sPos), Float64Array.from(sNeg));
  for (let k = 0; k < n; k++) total += terms[k];
  return total / n;
}
