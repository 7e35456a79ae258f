/**
 * Pointwise protocols: predict a label (or rating) per test pair. The Book-Crossing F1 setup:
 * drop 0-ratings (implicit), label = rating ≥ 8, shuffled 10% test / 10% validation / 80% train.
 */
import { ConfigError } from '../../contracts/errors.ts';
import { dropZeros } from '../../data/labels.ts';
import { randomSplit } from '../../data/splits.ts';
import { allPositiveF1 } from '../metrics.ts';
import { defaultScoreKind, evaluatePointwise, type PairScorer } from '../pointwise.ts';
import { checkPrepared, checkSeed, loadDataset, sizesOf } from './common.ts';
import type { EvaluableModel, EvaluateOptions, PreparedProtocol, PrepareOptions, Protocol, ProtocolResult } from './types.ts';

const LABEL_THRESHOLD = 8;

async function preparePointwise(protocol: string, datasetName: string, options: PrepareOptions): Promise<PreparedProtocol> {
  const seed = checkSeed(options.seed);
  const threshold = options.threshold ?? LABEL_THRESHOLD;
  const data = await loadDataset(datasetName, options);
  const rated = dropZeros(data.interactions);
  if (rated.length === 0) throw new ConfigError(`dataset ${data.name} has no non-zero ratings`);
  const split = randomSplit(rated, { testRatio: 0.1, validationRatio: 0.1, seed });
  let positives = 0;
  for (let p = 0; p < split.test.length; p++) if (split.test.values[p] >= threshold) positives++;
  return {
    protocol,
    dataset: data.name,
    ...split,
    exclude: split.train.byUser(),
    userFeatures: data.userFeatures,
    itemFeatures: data.itemFeatures,
    sizes: { ...sizesOf(split), droppedZeros: data.interactions.length - rated.length, testPositives: positives },
    seed,
    labelRule: `Ratings of 0 (implicit) dropped; label = rating ≥ ${threshold}; pairs shuffled (seed ${seed}) into 10% test, 10% validation, 80% train; values stay raw ratings, so a model may regress them or train on the labels.`,
    k: [10],
    labelThreshold: threshold,
  };
}

function evaluatePointwiseProtocol(protocol: string, model: EvaluableModel, prepared: PreparedProtocol, options: EvaluateOptions = {}): ProtocolResult {
  checkPrepared(prepared, protocol);
  const m = model as Partial<PairScorer>;
  if (typeof m.score !== 'function') throw new ConfigError(`protocol ${protocol} scores (user, item) pairs: the model needs score(users, items)`);
  const scoreKind = options.scoreKind ?? defaultScoreKind(m.config);
  const threshold = prepared.labelThreshold ?? LABEL_THRESHOLD;
  const result = evaluatePointwise(model as PairScorer, prepared.test, { threshold, scoreKind });
  const metrics = { ...result.metrics, positive_rate: result.positives / result.n, f1_all_positive: allPositiveF1(result.positives, result.n) };
  const decision = scoreKind === 'rating' ? `predicted rating ≥ ${threshold}` : scoreKind === 'logit' ? 'logit ≥ 0' : 'probability ≥ 0.5';
  return {
    protocol,
    metrics,
    sizes: { ...prepared.sizes, evaluated: result.n },
    seed: prepared.seed,
    notes: [
      prepared.labelRule,
      `Scores read as ${scoreKind}; predicted positive = ${decision}.`,
      `f1_all_positive is the F1 of predicting "positive" for every pair (${(metrics.f1_all_positive).toFixed(4)}): an F1 near it means nothing was learned.`,
      'auc is the ROC AUC over all test pairs (ties 1/2); pr_auc is average precision.',
    ],
  };
}

export const pointwise: Protocol = {
  name: 'pointwise',
  description:
    'rating/label prediction on any explicit dataset: 0-ratings dropped, label = rating ≥ threshold (default 8), shuffled 80/10/10; RMSE, MAE, log loss, accuracy, precision, recall, F1, ROC AUC',
  dataset: 'book-crossing',
  task: 'classification',
  mainMetric: 'auc',
  reportMetrics: ['auc', 'f1', 'precision', 'recall', 'accuracy', 'pr_auc', 'rmse', 'logloss'],
  prepare(options = {}) {
    return preparePointwise('pointwise', options.dataset ?? 'book-crossing', options);
  },
  evaluate(model, prepared, options) {
    return evaluatePointwiseProtocol('pointwise', model, prepared, options);
  },
};

export const bookcrossingF1: Protocol = {
  name: 'bookcrossing-f1',
  description:
    'Book-Crossing explicit ratings: 0-ratings dropped, label = rating ≥ 8, shuffled 10% test / 10% validation / 80% train; F1, precision, recall, accuracy, ROC AUC beside the all-positive F1',
  dataset: 'book-crossing',
  task: 'classification',
  mainMetric: 'f1',
  reportMetrics: ['f1', 'precision', 'recall', 'accuracy', 'auc', 'f1_all_positive'],
  prepare(options = {}) {
    return preparePointwise('bookcrossing-f1', options.dataset ?? 'book-crossing', { ...options, threshold: LABEL_THRESHOLD });
  },
  evaluate(model, prepared, options) {
    return evaluatePointwiseProtocol('bookcrossing-f1', model, prepared, options);
  },
};
