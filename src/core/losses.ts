/**
 * Losses as small pure (value, gradient) pairs, one concept per function (after Spotlight's
 * `losses.py`). Each gradient is taken with respect to the loss's score inputs; models chain it
 * into their parameters. All functions work on plain numbers so they run in float64 and allocate
 * nothing, which keeps them usable inside the per-example hot loops.
 */

/** Logistic sigmoid, stable for large |x|. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** log(1 + e^x) without overflow (softplus). */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** log Σ exp(x[offset … offset + n)), shifted by the largest value so it never overflows (softmax's normaliser). */
export function logSumExp(x: ArrayLike<number>, offset: number, n: number): number {
  let max = -Infinity;
  for (let i = offset; i < offset + n; i++) if (x[i] > max) max = x[i];
  let sum = 0;
  for (let i = offset; i < offset + n; i++) sum += Math.exp(x[i] - max);
  return max + Math.log(sum);
}

/**
 * Binary cross-entropy on a logit: −[y log σ(z) + (1 − y) log(1 − σ(z))], written as
 * softplus(z) − y·z so it never takes log(0) (the form of PyTorch's BCEWithLogitsLoss).
 * `label` in [0, 1].
 */
export function bceWithLogits(logit: number, label: number): number {
  return softplus(logit) - label * logit;
}

/** d bceWithLogits / d logit = σ(z) − y. */
export function bceWithLogitsGrad(logit: number, label: number): number {
  return sigmoid(logit) - label;
}

/** Squared error (pred − target)², the explicit-feedback loss of Koren et al. 2009 (MF). */
export function mse(pred: number, target: number): number {
  const d = pred - target;
  return d * d;
}

/** d mse / d pred = 2 (pred − target). */
export function mseGrad(pred: number, target: number): number {
  return 2 * (pred - target);
}

/** Absolute error |pred − target|. */
export function mae(pred: number, target: number): number {
  return Math.abs(pred - target);
}

/** d mae / d pred = sign(pred − target) (0 at the kink, the subgradient SGD uses). */
export function maeGrad(pred: number, target: number): number {
  const d = pred - target;
  return d > 0 ? 1 : d < 0 ? -1 : 0;
}

/**
 * Bayesian Personalised Ranking, Rendle et al. 2009: −log σ(s⁺ − s⁻) = softplus(s⁻ − s⁺).
 * (Spotlight's `bpr_loss` uses 1 − σ(s⁺ − s⁻); we use the paper's log-likelihood.)
 */
export function bpr(pos: number, neg: number): number {
  return softplus(neg - pos);
}

/** d bpr / d(s⁺ − s⁻) = −σ(s⁻ − s⁺) = σ(x) − 1 with x = s⁺ − s⁻. (d/ds⁻ is its negation.) */
export function bprGrad(pos: number, neg: number): number {
  return -sigmoid(neg - pos);
}

/**
 * Hinge (triplet margin) loss, Weston et al. 2011 / Spotlight's `hinge_loss`:
 * max(0, m − s⁺ + s⁻).
 */
export function hinge(pos: number, neg: number, margin = 1): number {
  const v = margin - pos + neg;
  return v > 0 ? v : 0;
}

/** d hinge / d(s⁺ − s⁻): −1 while the margin is violated, else 0. */
export function hingeGrad(pos: number, neg: number, margin = 1): number {
  return margin - pos + neg > 0 ? -1 : 0;
}

/**
 * Adaptive hinge (Spotlight's `adaptive_hinge_loss`, after Weston et al. 2011's WARP idea):
 * hinge on the highest-scoring of several sampled negatives, so training focuses on the
 * negative the model currently confuses most. `negs[offset .. offset+count)`.
 */
export function adaptiveHinge(pos: number, negs: ArrayLike<number>, offset = 0, count = negs.length - offset, margin = 1): number {
  return hinge(pos, negs[hardestNegative(negs, offset, count)], margin);
}

/**
 * Gradient of adaptiveHinge: d/d s⁺ is hingeGrad(...), and only the hardest negative gets
 * the opposite sign (`gradNegs[hardest] = −that`, others 0). Returns d/d s⁺.
 */
export function adaptiveHingeGrad(pos: number, negs: ArrayLike<number>, gradNegs: Float32Array | Float64Array, offset = 0, count = negs.length - offset, margin = 1): number {
  const h = hardestNegative(negs, offset, count);
  const g = hingeGrad(pos, negs[h], margin);
  for (let k = offset; k < offset + count; k++) gradNegs[k] = 0;
  gradNegs[h] = -g;
  return g;
}

/** Position of the largest score in negs[offset .. offset+count) (first on ties). */
export function hardestNegative(negs: ArrayLike<number>, offset: number, count: number): number {
  let best = offset;
  for (let k = offset + 1; k < offset + count; k++) if (negs[k] > negs[best]) best = k;
  return best;
}

/**
 * WARP's rank weight (Weston, Bengio & Usunier 2011, "WSABIE"; LightFM's `warp` loss):
 * when the first margin-violating negative took `trials` draws, the positive's rank is
 * estimated as ⌊(N − 1)/trials⌋ and the loss is weighted by L(rank) = Σ_{i=1..rank} 1/i.
 * This is the exact harmonic sum (LightFM uses the log(rank) approximation); exact for
 * ranks up to 64, then ln(r) + γ + 1/(2r) − 1/(12r²), which is within 1e-9 of it.
 */
export function warpWeight(numItems: number, trials: number): number {
  const rank = Math.floor((numItems - 1) / Math.max(1, trials));
  if (rank <= 0) return 0;
  if (rank <= 64) {
    let s = 0;
    for (let i = 1; i <= rank; i++) s += 1 / i;
    return s;
  }
  return Math.log(rank) + 0.5772156649015329 + 1 / (2 * rank) - 1 / (12 * rank * rank);
}
