import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  accuracyFromCounts,
  allPositiveF1,
  averagePrecision,
  averagePrecisionAtK,
  confusion,
  f1FromCounts,
  hitAtK,
  logLoss,
  logLossFromLogits,
  mae,
  ndcgAtK,
  precisionAtK,
  precisionFromCounts,
  recallAtK,
  recallFromCounts,
  reciprocalRankAtK,
  rmse,
  rocAuc,
  sigmoid,
} from '../../src/eval/metrics.ts';

const close = (actual: number, expected: number, tol = 1e-12): void => assert.ok(Math.abs(actual - expected) <= tol, `${actual} ≠ ${expected}`);

test('rmse and mae against hand values', () => {
  // errors −1, 0, 2 → squared 1, 0, 4.
  close(rmse([4, 3, 5], [5, 3, 3]), Math.sqrt(5 / 3));
  close(mae([4, 3, 5], [5, 3, 3]), 1);
  assert.throws(() => rmse([1, 2], [1]), RangeError);
});

test('log loss of probabilities and of logits agree, and a confident mistake is clipped', () => {
  const labels = [1, 0, 0, 1];
  const probs = [0.9, 0.2, 0.6, 0.4];
  const expected = -(Math.log(0.9) + Math.log(0.8) + Math.log(0.4) + Math.log(0.4)) / 4;
  close(logLoss(probs, labels), expected);
  const logits = probs.map((p) => Math.log(p / (1 - p)));
  close(logLossFromLogits(logits, labels), expected, 1e-12);
  close(logLoss([0], [1]), -Math.log(1e-7));
  // Softplus stays finite where 1 − sigmoid(x) underflows.
  close(logLossFromLogits([800], [0]), 800);
  close(sigmoid(0), 0.5);
  close(sigmoid(-800), 0);
});

test('confusion counts and the rates built on them', () => {
  // predicted positive = score ≥ 0.5 → [1, 0, 1, 0, 1]
  const c = confusion([0.9, 0.2, 0.6, 0.4, 0.5], [1, 0, 0, 1, 1], 0.5);
  assert.deepEqual(c, { tp: 2, fp: 1, tn: 1, fn: 1 });
  close(precisionFromCounts(c.tp, c.fp), 2 / 3);
  close(recallFromCounts(c.tp, c.fn), 2 / 3);
  close(f1FromCounts(c.tp, c.fp, c.fn), 2 / 3);
  close(accuracyFromCounts(c), 3 / 5);
  assert.equal(precisionFromCounts(0, 0), 0, 'nothing predicted positive');
  assert.equal(f1FromCounts(0, 3, 2), 0);
  // Predicting "positive" for 30 positives out of 100: p = 0.3, r = 1 → F1 = 0.6 / 1.3.
  close(allPositiveF1(30, 100), 0.6 / 1.3);
});

test('ROC AUC counts ordered pairs, ties as 1/2', () => {
  // positives 0.9, 0.4; negatives 0.2, 0.6 → 3 of 4 pairs ordered.
  close(rocAuc([0.9, 0.2, 0.6, 0.4], [1, 0, 0, 1]), 0.75);
  close(rocAuc([3, 3, 3, 3], [1, 0, 1, 0]), 0.5, 0);
  close(rocAuc([1, 2, 3, 4], [0, 0, 1, 1]), 1, 0);
  close(rocAuc([1, 2, 3, 4], [1, 1, 0, 0]), 0, 0);
  // One tie across classes at 0.5: pairs (0.5 vs 0.5) = 1/2, (0.5 vs 0.1) = 1, (0.8 vs both) = 2 → 3.5/4.
  close(rocAuc([0.8, 0.5, 0.5, 0.1], [1, 1, 0, 0]), 3.5 / 4);
  assert.ok(Number.isNaN(rocAuc([1, 2], [1, 1])), 'one class only');
  assert.ok(Number.isNaN(rocAuc([NaN, 2], [1, 0])), 'NaN score');
});

test('average precision: recall steps times precision, tied scores entering together', () => {
  // desc: 0.9 (+), 0.6 (−), 0.4 (+), 0.2 (−) → ½·1 + ½·⅔.
  close(averagePrecision([0.9, 0.2, 0.6, 0.4], [1, 0, 0, 1]), 0.5 + 1 / 3);
  // All tied: one threshold, precision = positive rate.
  close(averagePrecision([1, 1, 1, 1], [1, 0, 0, 0]), 0.25);
  // Tie group {0.7: +, −} first: recall ½ at precision ½; then 0.3 (+): recall 1 at ⅔.
  close(averagePrecision([0.7, 0.7, 0.3], [1, 0, 1]), 0.5 * 0.5 + 0.5 * (2 / 3));
  assert.ok(Number.isNaN(averagePrecision([1, 2], [0, 0])));
});

test('ranked-list metrics on one list: relevant at ranks 1 and 3 of 4, user has 2 relevant', () => {
  const hits = [1, 0, 1, 0];
  close(precisionAtK(hits, 3), 2 / 3);
  close(recallAtK(hits, 3, 2), 1);
  close(recallAtK(hits, 1, 2), 0.5);
  // AP@3 = (1/1 + 2/3) / min(3, 2)
  close(averagePrecisionAtK(hits, 3, 2), (1 + 2 / 3) / 2);
  // DCG = 1 + 1/log2(4) = 1.5; IDCG(2) = 1 + 1/log2(3).
  close(ndcgAtK(hits, 3, 2), 1.5 / (1 + 1 / Math.log2(3)));
  close(reciprocalRankAtK([0, 0, 1], 3), 1 / 3);
  assert.equal(reciprocalRankAtK([0, 0, 1], 2), 0);
  assert.equal(hitAtK([0, 0, 1], 2), 0);
  assert.equal(hitAtK([0, 0, 1], 3), 1);
});

test('MAP@k divides by min(k, #relevant): a perfect top-2 for a user with 5 relevant items scores 1', () => {
  close(averagePrecisionAtK([1, 1], 2, 5), 1);
  close(ndcgAtK([1, 1], 2, 5), 1);
  close(recallAtK([1, 1], 2, 5), 2 / 5);
});

test('a list shorter than k (fewer candidates than k): precision still divides by k', () => {
  const hits = [1, 1];
  close(precisionAtK(hits, 10), 0.2);
  close(recallAtK(hits, 10, 2), 1);
  close(ndcgAtK(hits, 10, 2), 1);
  close(averagePrecisionAtK(hits, 10, 2), 1);
});
