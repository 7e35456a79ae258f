/**
 * Pointwise evaluation: one prediction per test (user, item) pair, compared with its value.
 *
 * What a score means is the `scoreKind`:
 * - 'rating': a predicted rating — RMSE and MAE against the raw test values; classification at
 *   `decisionThreshold` (default: the label `threshold`, so "predicted ≥ 8" mirrors "rated ≥ 8").
 * - 'logit': a log-odds — log loss via softplus; decision at 0.
 * - 'probability': in [0, 1] — log loss clipped at 1e-7; decision at 0.5.
 * Labels are `value ≥ threshold` when a threshold is given, otherwise the values themselves,
 * which must then be 0/1 (ratings without a threshold get RMSE/MAE only). "Predicted positive"
 * is score ≥ decisionThreshold. AUC and PR-AUC (average precision) use the raw scores.
 */
import { ConfigError } from '../contracts/errors.ts';
import type { Interactions } from '../data/interactions.ts';
import { checkIdMaps } from './id-maps.ts';
import { accuracyFromCounts, averagePrecision, confusion, f1FromCounts, logLoss, logLossFromLogits, mae, precisionFromCounts, recallFromCounts, rmse, rocAuc } from './metrics.ts';

export type ScoreKind = 'rating' | 'logit' | 'probability';

export interface PointwiseOptions {
  /** Label = value ≥ threshold (default: the values are already 0/1). */
  threshold?: number;
  /** Default: 'rating' when `model.config.task` is 'rating', else `model.config.scoreKind` if valid, else 'logit'. */
  scoreKind?: ScoreKind;
  /** On the score scale: default 0.5 for probability, 0 for logit, `threshold` (or 0.5 for 0/1 values) for rating. */
  decisionThreshold?: number;
}

export interface PointwiseResult {
  /** rmse, mae (rating); logloss (logit/probability); accuracy, precision, recall, f1, auc, pr_auc (when labels exist). */
  metrics: Record<string, number>;
  n: number;
  /** Pairs labelled positive (0 when there are no labels). */
  positives: number;
}

export interface PairScorer {
  score(users: Int32Array, items: Int32Array): Float32Array;
  config?: Record<string, unknown>;
}

/** Test data indexed by other id maps than the model's is refused (src/eval/id-maps.ts): align it with `alignToModel` first. */
export function evaluatePointwise(model: PairScorer, test: Interactions, options: PointwiseOptions = {}): PointwiseResult {
  checkIdMaps(model, test);
  const scores = model.score(test.users, test.items);
  if (scores.length !== test.length) throw new RangeError(`model.score returned ${scores.length} scores for ${test.length} pairs`);
  return evaluatePredictions(scores, test.values, { ...options, scoreKind: options.scoreKind ?? defaultScoreKind(model.config) });
}

/** The score kind a model's config implies: 'rating' for rating models, else its `scoreKind`, else 'logit'. */
export function defaultScoreKind(config: Record<string, unknown> | undefined): ScoreKind {
  if (config?.task === 'rating') return 'rating';
  const kind = config?.scoreKind;
  if (kind === 'rating' || kind === 'logit' || kind === 'probability') return kind;
  return 'logit';
}

/** The same metrics from precomputed scores and the test values. */
export function evaluatePredictions(scores: ArrayLike<number>, values: ArrayLike<number>, options: PointwiseOptions & { scoreKind: ScoreKind }): PointwiseResult {
  const { threshold, scoreKind } = options;
  if (scores.length !== values.length) throw new RangeError(`${scores.length} scores for ${values.length} values`);
  const n = values.length;
  const metrics: Record<string, number> = {};
  if (scoreKind === 'rating') {
    metrics.rmse = rmse(scores, values);
    metrics.mae = mae(scores, values);
  }

  const labels = makeLabels(values, threshold);
  if (!labels) {
    if (scoreKind !== 'rating') {
      throw new ConfigError(`${scoreKind} scores need 0/1 labels: the test values are not all 0 or 1, so give a threshold (label = value ≥ threshold)`);
    }
    return { metrics, n, positives: 0 };
  }
  if (scoreKind === 'logit') metrics.logloss = logLossFromLogits(scores, labels);
  else if (scoreKind === 'probability') metrics.logloss = logLoss(scores, labels);

  const decision = options.decisionThreshold ?? (scoreKind === 'probability' ? 0.5 : scoreKind === 'logit' ? 0 : (threshold ?? 0.5));
  const c = confusion(scores, labels, decision);
  metrics.accuracy = accuracyFromCounts(c);
  metrics.precision = precisionFromCounts(c.tp, c.fp);
  metrics.recall = recallFromCounts(c.tp, c.fn);
  metrics.f1 = f1FromCounts(c.tp, c.fp, c.fn);
  metrics.auc = rocAuc(scores, labels);
  metrics.pr_auc = averagePrecision(scores, labels);
  return { metrics, n, positives: c.tp + c.fn };
}

/** 1/0 labels, or null when there is no threshold and the values are not all 0/1. */
function makeLabels(values: ArrayLike<number>, threshold: number | undefined): Uint8Array | null {
  const labels = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (threshold !== undefined) labels[i] = v >= threshold ? 1 : 0;
    else if (v === 0 || v === 1) labels[i] = v;
    else return null;
  }
  return labels;
}
