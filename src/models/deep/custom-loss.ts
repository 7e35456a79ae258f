/**
 * Custom triplet losses for the deep triplet models (match), through the library API: a loss is
 * per-triplet terms ℓ_k(s⁺_k, s⁻_k) of row-wise scores, with its gradient, or without one (then
 * central differences give it, and `tastebud doctor` checks either against the other). A loss
 * that returns one term per (positive, negative) pair of the batch — the batch × batch score
 * matrix of `dot(anchor, transpose(positive))` — is refused: each row's score is its own user's.
 *
 *   model.useLoss({ name: 'bpr', terms: (pos, neg) => pos.map((p, k) => Math.log1p(Math.exp(neg[k] - p))) });
 */
import { ConfigError } from '../../contracts/errors.ts';

export interface CustomTripletLoss {
  /** Shown in warnings and reports. */
  name: string;
  /** One loss term per triplet k, from its positive score pos[k] and negative score neg[k] (length b each). */
  terms(pos: Float64Array, neg: Float64Array): ArrayLike<number>;
  /** dℓ_k/ds⁺_k and dℓ_k/ds⁻_k; omit to use central differences of `terms`. */
  gradient?(pos: Float64Array, neg: Float64Array): { pos: ArrayLike<number>; neg: ArrayLike<number> };
}

/** Step of the central differences on scores (float64, so small). */
export const LOSS_STEP = 1e-4;

/** The terms of a batch, refusing a result of the wrong shape with what it most likely is. */
export function lossTerms(loss: CustomTripletLoss, pos: Float64Array, neg: Float64Array): ArrayLike<number> {
  const b = pos.length;
  const t = loss.terms(pos, neg);
  checkShape(loss, 'terms', t, b);
  return t;
}

function checkShape(loss: CustomTripletLoss, what: string, out: ArrayLike<number> | undefined, b: number): void {
  const n = out?.length;
  if (n === b) return;
  if (n !== undefined && b > 1 && n === b * b) {
    throw new ConfigError(
      `custom loss "${loss.name}": ${what} returned ${n} values for a batch of ${b} triplets — a batch × batch score matrix (every user's anchor against every row's item, as dot(anchor, transpose(positive)) computes); score each row with its own user: s⁺_k = score(user_k, positive_k), s⁻_k = score(user_k, negative_k), and return one term per row`,
    );
  }
  throw new ConfigError(`custom loss "${loss.name}": ${what} must return one number per triplet (${b}), got ${n === undefined ? typeof out : `${n} values`}`);
}

/** Central-difference dℓ_k/ds⁺_k and dℓ_k/ds⁻_k (terms are row-wise, so one shift of every row gives all of them). */
export function numericGradient(loss: CustomTripletLoss, pos: Float64Array, neg: Float64Array): { pos: Float64Array; neg: Float64Array } {
  const b = pos.length;
  const h = LOSS_STEP;
  const shifted = (a: Float64Array, by: number): Float64Array => a.map((v) => v + by);
  const diff = (up: ArrayLike<number>, down: ArrayLike<number>): Float64Array => Float64Array.from({ length: b }, (_, k) => (up[k] - down[k]) / (2 * h));
  return {
    pos: diff(lossTerms(loss, shifted(pos, h), neg), lossTerms(loss, shifted(pos, -h), neg)),
    neg: diff(lossTerms(loss, pos, shifted(neg, h)), lossTerms(loss, pos, shifted(neg, -h))),
  };
}

/** The loss's gradient: its own, checked for shape, or central differences. */
export function lossGradient(loss: CustomTripletLoss, pos: Float64Array, neg: Float64Array): { pos: ArrayLike<number>; neg: ArrayLike<number> } {
  if (!loss.gradient) return numericGradient(loss, pos, neg);
  const g = loss.gradient(pos, neg);
  checkShape(loss, 'gradient.pos', g?.pos, pos.length);
  checkShape(loss, 'gradient.neg', g?.neg, pos.length);
  return g;
}

/**
 * One batch of b triplets for the trainer: scores s (rows [0, b) positives, [b, 2b) negatives) in,
 * dL/ds of the batch-mean loss into dz, the summed loss out. A non-finite term is refused.
 */
export function customTripletStep(loss: CustomTripletLoss, s: Float32Array, b: number, dz: Float32Array): number {
  const pos = Float64Array.from(s.subarray(0, b));
  const neg = Float64Array.from(s.subarray(b, 2 * b));
  const terms = lossTerms(loss, pos, neg);
  const g = lossGradient(loss, pos, neg);
  let total = 0;
  for (let k = 0; k < b; k++) {
    if (!Number.isFinite(terms[k])) throw new ConfigError(`custom loss "${loss.name}": term ${k} is ${terms[k]} at s⁺ = ${pos[k]}, s⁻ = ${neg[k]}`);
    total += terms[k];
    dz[k] = g.pos[k] / b;
    dz[b + k] = g.neg[k] / b;
  }
  return total;
}
