import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/contracts/errors.ts';
import { evaluatePointwise, evaluatePredictions } from '../../src/eval/pointwise.ts';
import { rowsToInteractions } from '../helpers/eval.ts';

const close = (actual: number, expected: number, tol = 1e-12): void => assert.ok(Math.abs(actual - expected) <= tol, `${actual} ≠ ${expected}`);

/** A pair scorer that returns fixed scores per (user, item). */
function fixedScorer(scores: Map<string, number>, config?: Record<string, unknown>) {
  return {
    config,
    score(users: Int32Array, items: Int32Array): Float32Array {
      return Float32Array.from(users, (u, k) => scores.get(`${u},${items[k]}`)!);
    },
  };
}

// Four labelled pairs: probabilities 0.9, 0.2, 0.6, 0.4 for labels 1, 0, 0, 1.
const labelled = rowsToInteractions(
  [
    [0, 0, 1],
    [0, 1, 0],
    [1, 0, 0],
    [1, 1, 1],
  ],
  2,
  2,
);
const probabilities = new Map([
  ['0,0', 0.9],
  ['0,1', 0.2],
  ['1,0', 0.6],
  ['1,1', 0.4],
]);

test('probability scores: log loss, thresholded rates at 0.5, AUC and average precision by hand', () => {
  const r = evaluatePointwise(fixedScorer(probabilities), labelled, { scoreKind: 'probability' });
  assert.equal(r.n, 4);
  assert.equal(r.positives, 2);
  // Float32 scores: compare log loss loosely.
  close(r.metrics.logloss, -(Math.log(0.9) + Math.log(0.8) + Math.log(0.4) + Math.log(0.4)) / 4, 1e-6);
  // predicted [1, 0, 1, 0] vs labels [1, 0, 0, 1]: tp 1, fp 1, tn 1, fn 1.
  assert.equal(r.metrics.accuracy, 0.5);
  assert.equal(r.metrics.precision, 0.5);
  assert.equal(r.metrics.recall, 0.5);
  assert.equal(r.metrics.f1, 0.5);
  assert.equal(r.metrics.auc, 0.75);
  close(r.metrics.pr_auc, 0.5 + 1 / 3);
  assert.equal(r.metrics.rmse, undefined, 'no RMSE for probabilities');
});

test('logit scores: the decision is at 0 and the default kind follows the model config', () => {
  const logits = new Map([...probabilities].map(([k, p]) => [k, Math.log(p / (1 - p))]));
  const r = evaluatePointwise(fixedScorer(logits, { task: 'ranking' }), labelled);
  assert.equal(r.metrics.f1, 0.5);
  close(r.metrics.logloss, -(Math.log(0.9) + Math.log(0.8) + Math.log(0.4) + Math.log(0.4)) / 4, 1e-6);
  const stricter = evaluatePointwise(fixedScorer(logits), labelled, { scoreKind: 'logit', decisionThreshold: 1 });
  // Only 0.9 (logit 2.197) clears 1: tp 1, fp 0, fn 1.
  assert.equal(stricter.metrics.precision, 1);
  assert.equal(stricter.metrics.recall, 0.5);
});

test('rating scores: RMSE/MAE on raw values; label and decision at the threshold', () => {
  const ratings = rowsToInteractions(
    [
      [0, 0, 9],
      [0, 1, 3],
      [1, 0, 8],
      [1, 1, 6],
    ],
    2,
    2,
  );
  const predicted = new Map([
    ['0,0', 8],
    ['0,1', 4],
    ['1,0', 7],
    ['1,1', 8],
  ]);
  const model = fixedScorer(predicted, { task: 'rating' });
  const r = evaluatePointwise(model, ratings, { threshold: 8 });
  // errors −1, 1, −1, 2 → RMSE √(7/4), MAE 5/4.
  close(r.metrics.rmse, Math.sqrt(7 / 4));
  close(r.metrics.mae, 5 / 4);
  // labels [1, 0, 1, 0]; predicted ≥ 8 → [1, 0, 0, 1]: tp 1, fp 1, fn 1, tn 1.
  assert.equal(r.metrics.f1, 0.5);
  assert.equal(r.metrics.accuracy, 0.5);
  assert.equal(r.metrics.logloss, undefined);
  // Positives 8, 7 vs negatives 4, 8: (8>4) + (8=8 → ½) + (7>4) + (7<8 → 0) = 2.5 of 4.
  assert.equal(r.metrics.auc, 0.625);
  assert.equal(r.positives, 2);
  // Without a threshold a rating model still gets RMSE/MAE, and no classification metrics.
  const plain = evaluatePointwise(model, ratings);
  assert.deepEqual(Object.keys(plain.metrics).sort(), ['mae', 'rmse']);
});

test('labels that are not 0/1 need a threshold for logit or probability scores', () => {
  assert.throws(() => evaluatePredictions([0.1, 0.2], [3, 5], { scoreKind: 'logit' }), ConfigError);
  const r = evaluatePredictions([0.1, 0.2], [3, 5], { scoreKind: 'logit', threshold: 4 });
  assert.equal(r.metrics.auc, 1);
});
