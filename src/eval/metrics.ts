/**
 * Plain metric functions over arrays: the definitions every evaluator reuses, each small enough
 * to check by hand (test/eval/metrics.test.ts does). Two families:
 *
 * - pointwise: one prediction per (user, item) pair — RMSE, MAE, log loss, confusion counts and
 *   the rates built on them, ROC AUC and average precision over all pairs;
 * - ranked lists: `hits` holds 1/0 for the items of one user's top-k list, best first, and
 *   `numRelevant` is how many relevant items that user has among the candidates.
 */

// ---------------------------------------------------------------------------------------------
// Regression and probabilistic scores

/** Root mean squared error (NaN for empty input). */
export function rmse(pred: ArrayLike<number>, target: ArrayLike<number>): number {
  checkLengths(pred, target);
  let s = 0;
  for (let i = 0; i < pred.length; i++) {
    const d = pred[i] - target[i];
    s += d * d;
  }
  return Math.sqrt(s / pred.length);
}

/** Mean absolute error (NaN for empty input). */
export function mae(pred: ArrayLike<number>, target: ArrayLike<number>): number {
  checkLengths(pred, target);
  let s = 0;
  for (let i = 0; i < pred.length; i++) s += Math.abs(pred[i] - target[i]);
  return s / pred.length;
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/**
 * Mean binary cross-entropy of probabilities, clipped to [eps, 1 − eps] so a confident mistake
 * costs −log(eps) instead of infinity (the usual convention; Keras uses eps = 1e-7).
 */
export function logLoss(probabilities: ArrayLike<number>, labels: ArrayLike<number>, eps = 1e-7): number {
  checkLengths(probabilities, labels);
  let s = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = Math.min(1 - eps, Math.max(eps, probabilities[i]));
    s -= labels[i] > 0 ? Math.log(p) : Math.log(1 - p);
  }
  return s / labels.length;
}

/** Mean binary cross-entropy of logits, computed as softplus(±x): exact, no clipping needed. */
export function logLossFromLogits(logits: ArrayLike<number>, labels: ArrayLike<number>): number {
  checkLengths(logits, labels);
  let s = 0;
  for (let i = 0; i < labels.length; i++) s += softplus(labels[i] > 0 ? -logits[i] : logits[i]);
  return s / labels.length;
}

function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

// ---------------------------------------------------------------------------------------------
// Classification at a decision threshold

export interface Confusion {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

/** Confusion counts with "predicted positive" = score ≥ threshold, "actual positive" = label > 0. */
export function confusion(scores: ArrayLike<number>, labels: ArrayLike<number>, threshold: number): Confusion {
  checkLengths(scores, labels);
  const c = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = 0; i < labels.length; i++) {
    const predicted = scores[i] >= threshold;
    if (labels[i] > 0) predicted ? c.tp++ : c.fn++;
    else predicted ? c.fp++ : c.tn++;
  }
  return c;
}

/** tp / (tp + fp); 0 when nothing is predicted positive (scikit-learn's zero_division=0). */
export function precisionFromCounts(tp: number, fp: number): number {
  return tp + fp > 0 ? tp / (tp + fp) : 0;
}

/** tp / (tp + fn); 0 when there are no positives. */
export function recallFromCounts(tp: number, fn: number): number {
  return tp + fn > 0 ? tp / (tp + fn) : 0;
}

/** Harmonic mean of precision and recall, 2tp / (2tp + fp + fn); 0 when tp = 0. */
export function f1FromCounts(tp: number, fp: number, fn: number): number {
  return tp > 0 ? (2 * tp) / (2 * tp + fp + fn) : 0;
}

export function accuracyFromCounts(c: Confusion): number {
  const n = c.tp + c.fp + c.tn + c.fn;
  return n > 0 ? (c.tp + c.tn) / n : NaN;
}

/** F1 of the trivial classifier that predicts "positive" for everything: 2p / (1 + p), p = positive rate. */
export function allPositiveF1(positives: number, n: number): number {
  return f1FromCounts(positives, n - positives, 0);
}

// ---------------------------------------------------------------------------------------------
// Threshold-free classification

/**
 * ROC AUC = P(score of a random positive > score of a random negative), ties counting 1/2 — the
 * Mann–Whitney U statistic from mid-ranks, O(n log n). NaN when either class is empty or any
 * score is NaN.
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  checkLengths(scores, labels);
  const n = labels.length;
  let positives = 0;
  for (let i = 0; i < n; i++) {
    if (scores[i] !== scores[i]) return NaN;
    if (labels[i] > 0) positives++;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return NaN;
  const order = ascendingOrder(scores);
  // Sum of the positives' mid-ranks (1-based) over groups of equal scores.
  let rankSum = 0;
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && scores[order[end]] === scores[order[start]]) end++;
    const midRank = (start + 1 + end) / 2;
    for (let j = start; j < end; j++) if (labels[order[j]] > 0) rankSum += midRank;
    start = end;
  }
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * Average precision (the area under the precision–recall curve as scikit-learn's
 * `average_precision_score` computes it): Σ over distinct score thresholds, highest first, of
 * (recall gained) × (precision at that threshold). Tied scores enter together. NaN with no positives.
 */
export function averagePrecision(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  checkLengths(scores, labels);
  const n = labels.length;
  let positives = 0;
  for (let i = 0; i < n; i++) {
    if (scores[i] !== scores[i]) return NaN;
    if (labels[i] > 0) positives++;
  }
  if (positives === 0) return NaN;
  const order = ascendingOrder(scores);
  let ap = 0;
  let tp = 0;
  let seen = 0;
  for (let end = n; end > 0; ) {
    let start = end - 1;
    while (start > 0 && scores[order[start - 1]] === scores[order[end - 1]]) start--;
    let gained = 0;
    for (let j = start; j < end; j++) if (labels[order[j]] > 0) gained++;
    tp += gained;
    seen += end - start;
    ap += (gained / positives) * (tp / seen);
    end = start;
  }
  return ap;
}

/** Alias: the PR-AUC we report is average precision (no trapezoids, which overestimate). */
export const prAuc = averagePrecision;

/** Indices sorted by ascending score (ties by index), via a typed sort of (score, index) keys. */
function ascendingOrder(scores: ArrayLike<number>): Int32Array {
  const order = new Int32Array(scores.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((a, b) => scores[a] - scores[b] || a - b);
  return order;
}

// ---------------------------------------------------------------------------------------------
// Ranked lists: `hits[r]` is 1 when the item at rank r (0-based, best first) is relevant.

/** Relevant items in the top k, divided by k — even when fewer than k candidates exist (as LightFM). */
export function precisionAtK(hits: ArrayLike<number>, k: number): number {
  return countHits(hits, k) / k;
}

/** Relevant items in the top k, divided by all of the user's relevant items. */
export function recallAtK(hits: ArrayLike<number>, k: number, numRelevant: number): number {
  return numRelevant > 0 ? countHits(hits, k) / numRelevant : 0;
}

/**
 * Average precision at k: mean of precision@i over the ranks i ≤ k holding a relevant item,
 * divided by min(k, numRelevant) — so a perfect top-k scores 1 even when the user has more than
 * k relevant items (the RecBole / Microsoft Recommenders "MAP@k" convention differs by dividing
 * by numRelevant; ours is the one in DESIGN.md).
 */
export function averagePrecisionAtK(hits: ArrayLike<number>, k: number, numRelevant: number): number {
  const denominator = Math.min(k, numRelevant);
  if (denominator <= 0) return 0;
  const n = Math.min(k, hits.length);
  let found = 0;
  let sum = 0;
  for (let r = 0; r < n; r++) {
    if (hits[r] > 0) {
      found++;
      sum += found / (r + 1);
    }
  }
  return sum / denominator;
}

/** The DCG discount of 0-based rank r: 1 / log2(r + 2). */
function discount(r: number): number {
  return 1 / Math.log2(r + 2);
}

/**
 * NDCG@k with binary gains: DCG = Σ_{rank i ≤ k, relevant} 1/log2(i + 1), divided by the ideal
 * DCG of min(k, numRelevant) relevant items at the top.
 */
export function ndcgAtK(hits: ArrayLike<number>, k: number, numRelevant: number): number {
  if (Math.min(k, numRelevant) <= 0) return 0;
  const n = Math.min(k, hits.length);
  let dcg = 0;
  for (let r = 0; r < n; r++) if (hits[r] > 0) dcg += discount(r);
  return dcg / idealDcgAtK(k, numRelevant);
}

/** The ideal DCG@k with binary gains: min(k, numRelevant) relevant items at the top (0 when none). */
export function idealDcgAtK(k: number, numRelevant: number): number {
  let idcg = 0;
  for (let r = 0; r < Math.min(k, numRelevant); r++) idcg += discount(r);
  return idcg;
}

/** 1 / rank of the first relevant item within the top k, else 0. */
export function reciprocalRankAtK(hits: ArrayLike<number>, k: number): number {
  const n = Math.min(k, hits.length);
  for (let r = 0; r < n; r++) if (hits[r] > 0) return 1 / (r + 1);
  return 0;
}

/** 1 when any of the top k is relevant, else 0. */
export function hitAtK(hits: ArrayLike<number>, k: number): number {
  return countHits(hits, k) > 0 ? 1 : 0;
}

function countHits(hits: ArrayLike<number>, k: number): number {
  const n = Math.min(k, hits.length);
  let c = 0;
  for (let r = 0; r < n; r++) if (hits[r] > 0) c++;
  return c;
}

// ---------------------------------------------------------------------------------------------

/** Arithmetic mean of the finite values, with how many there were (NaN when none). */
export function finiteMean(values: ArrayLike<number>): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v)) {
      s += v;
      n++;
    }
  }
  return n > 0 ? s / n : NaN;
}

function checkLengths(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new RangeError(`arrays differ in length: ${a.length} vs ${b.length}`);
}
