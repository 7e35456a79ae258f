import type { Interactions } from '../data/interactions.ts';
import type { Trainable } from './types.ts';
import { evaluateRanking } from '../eval/ranking.ts';
import { defaultScoreKind, evaluatePointwise } from '../eval/pointwise.ts';
import { checkIdMaps } from '../eval/id-maps.ts';
import { ConfigError } from '../contracts/errors.ts';
import { Rng } from '../core/rng.ts';

// Precision and recall are ranking metrics here (`precision@k`); pointwise ones come from evaluatePointwise.
const POINTWISE = new Set(['rmse', 'mae', 'logloss', 'accuracy', 'f1', 'pr_auc', 'pointwise_auc']);
const RANKING = new Set(['auc', 'precision', 'recall', 'map', 'ndcg', 'mrr', 'hit']);
const LOWER_IS_BETTER = new Set(['rmse', 'mae', 'logloss', 'loss']);
/** The metric names `parseMetric` takes (ranking ones but auc with `@k`), for did-you-mean messages. */
export const VALIDATION_METRIC_NAMES: readonly string[] = [...POINTWISE, ...RANKING];

export function isLowerBetter(metric: string): boolean {
  return LOWER_IS_BETTER.has(metric);
}

/** True for the metrics that rank every item for each validation user (what `validationUsers` samples to bound). */
export function isRankingMetric(metric: string): boolean {
  return RANKING.has(parseMetric(metric).name);
}

/** Parses `name` or `name@k` and checks that it names a metric we compute. */
export function parseMetric(metric: string): { name: string; k: number | null } {
  const [name, kText] = metric.split('@');
  const k = kText === undefined ? null : Number(kText);
  if (k !== null && !(Number.isInteger(k) && k > 0)) throw new ConfigError(`metric "${metric}": k must be a positive whole number`);
  if (!POINTWISE.has(name) && !RANKING.has(name)) {
    throw new ConfigError(`unknown validation metric "${metric}"; use one of auc, precision@k, recall@k, map@k, ndcg@k, mrr@k, hit@k, rmse, mae, logloss, accuracy, f1`);
  }
  if (RANKING.has(name) && name !== 'auc' && k === null) throw new ConfigError(`metric "${metric}" needs a cut-off, e.g. ${name}@10`);
  return { name, k };
}

/**
 * One validation number for the fit loop: ranking metrics exclude the training items. The
 * settings are checked first (`checkValidationSettings`), so the number is always there.
 */
export function validationScore(model: Trainable, validation: Interactions, metric: string, threshold?: number): number {
  checkValidationSettings(model, validation, metric, threshold);
  const { name, k } = parseMetric(metric);
  let value: number | undefined;
  if (POINTWISE.has(name)) {
    // The model's config says whether its scores are ratings or logits.
    value = evaluatePointwise(model, validation, { threshold }).metrics[name === 'pointwise_auc' ? 'auc' : name];
  } else {
    const result = evaluateRanking(model, validation, { k: [k ?? 10], exclude: model.seen, relevanceThreshold: threshold });
    value = result.metrics[name === 'auc' ? 'auc' : `${name}@${k}`];
  }
  if (value === undefined) throw new Error(`validation metric "${metric}" passed checkValidationSettings but was not computed`);
  return value;
}

/** What a model needs of its settings check: its type (for messages), config (score kind) and id maps. */
export type ValidatedModel = Pick<Trainable, 'type' | 'config' | 'userIds' | 'itemIds'>;

const RANKING_SHOWN = ['auc', 'precision@k', 'recall@k', 'map@k', 'ndcg@k', 'mrr@k', 'hit@k'];
/** Pointwise metrics computed from labels (value ≥ threshold, or 0/1 values). */
const LABELLED = new Set(['logloss', 'accuracy', 'f1', 'pr_auc', 'pointwise_auc']);

/** The validation values as `threshold` reads them: whether all are 0/1, and how many are relevant/positive. */
interface ValueSummary {
  binary: boolean;
  /** Relevant for ranking: value ≥ threshold, or every interaction without one. */
  relevant: number;
  /** Labels (when there are): positive = value ≥ threshold, or value 1 without one. */
  positives: number;
  largest: number;
}

const summaries = new WeakMap<Interactions, Map<number | undefined, ValueSummary>>();

function summarize(validation: Interactions, threshold: number | undefined): ValueSummary {
  let byThreshold = summaries.get(validation);
  if (!byThreshold) {
    byThreshold = new Map();
    summaries.set(validation, byThreshold);
  }
  let summary = byThreshold.get(threshold);
  if (!summary) {
    let binary = true;
    let atThreshold = 0;
    let ones = 0;
    let largest = -Infinity;
    for (const v of validation.values) {
      if (v !== 0 && v !== 1) binary = false;
      if (v === 1) ones++;
      if (threshold !== undefined && v >= threshold) atThreshold++;
      if (v > largest) largest = v;
    }
    const n = validation.length;
    summary = { binary, relevant: threshold === undefined ? n : atThreshold, positives: threshold === undefined ? ones : atThreshold, largest };
    byThreshold.set(threshold, summary);
  }
  return summary;
}

/**
 * The validation metrics `model` can produce on `validation` with `threshold` (ranking ones as
 * `name@k`): ranking metrics need a relevant interaction; rmse and mae a model predicting ratings;
 * logloss one scoring logits or probabilities; label metrics 0/1 labels (values 0/1, or a
 * threshold), with a positive among them (and a negative for pointwise_auc).
 */
export function applicableValidationMetrics(model: Pick<Trainable, 'config'>, validation: Interactions, threshold?: number): string[] {
  const s = summarize(validation, threshold);
  const labels = threshold !== undefined || s.binary;
  const rating = defaultScoreKind(model.config) === 'rating';
  const out: string[] = s.relevant > 0 ? [...RANKING_SHOWN] : [];
  if (rating) out.push('rmse', 'mae');
  if (labels) {
    if (!rating) out.push('logloss');
    out.push('accuracy');
    if (s.positives > 0) out.push('f1', 'pr_auc');
    if (s.positives > 0 && s.positives < validation.length) out.push('pointwise_auc');
  }
  return out;
}

/**
 * Refuses (ConfigError), before any training, validation settings that could only give no
 * number or a meaningless one each epoch: validation data indexed by other id maps than the
 * model's, a metric the model's scores cannot produce (rmse of a ranking model, logloss of a
 * rating model), label metrics without labels, and a threshold leaving nothing relevant.
 * The fit loop calls it once the model holds its training data's id maps.
 */
export function checkValidationSettings(model: ValidatedModel, validation: Interactions, metric: string, threshold?: number): void {
  checkIdMaps(model, validation, {
    what: 'validation data',
    fix: "build it with the training data's id maps (split train and validation from one data set, or new InteractionsBuilder({ userIds: train.userIds, itemIds: train.itemIds })); for a trained model, alignToModel(model, validation).interactions aligns it",
  });
  const { name } = parseMetric(metric);
  const scoreKind = defaultScoreKind(model.config);
  const s = summarize(validation, threshold);
  const labels = threshold !== undefined || s.binary;
  const thresholdText = threshold === undefined ? 'the validation data' : `validationThreshold ${threshold}`;
  let problem: string | null = null;
  if (RANKING.has(name)) {
    if (s.relevant === 0)
      problem = `${thresholdText} leaves no relevant validation interaction (the largest validation value is ${s.largest}): lower the threshold, or leave it out so every validation interaction is relevant`;
  } else if ((name === 'rmse' || name === 'mae') && scoreKind !== 'rating') {
    problem = `${name} compares predicted ratings with the values, and ${model.type} is not a rating model (its scores are read as ${scoreKind}s)`;
  } else if (name === 'logloss' && scoreKind === 'rating') {
    problem = `logloss needs scores that are logits or probabilities, and ${model.type} predicts ratings`;
  } else if (LABELLED.has(name) && !labels) {
    problem = `${name} needs 0/1 labels, and the validation values are not all 0 or 1: give validationThreshold (label = value ≥ threshold)`;
  } else if ((name === 'f1' || name === 'pr_auc' || name === 'pointwise_auc') && s.positives === 0) {
    problem = `${name} needs a positive label, and ${thresholdText} has none (the largest validation value is ${s.largest}): lower the threshold`;
  } else if (name === 'pointwise_auc' && s.positives === validation.length) {
    problem = `pointwise_auc needs a negative label too, and every validation label is positive${threshold === undefined ? '' : ` at validationThreshold ${threshold}: raise the threshold`}`;
  }
  if (problem === null) return;
  const apply = applicableValidationMetrics(model, validation, threshold);
  // Without labels, a threshold would make them: say what that adds.
  const more = labels ? [] : [...LABELLED].filter((m) => !(scoreKind === 'rating' && m === 'logloss'));
  const also = more.length > 0 ? `; with a validationThreshold also ${more.join(', ')}` : '';
  throw new ConfigError(
    `validation metric "${metric}" cannot be measured for ${model.type}: ${problem}. Metrics that apply to ${model.type} on this validation data: ${apply.length > 0 ? apply.join(', ') : 'none'}${also}`,
  );
}

/**
 * The validation interactions of a seeded sample of at most `maxUsers` of their users (all of
 * them when there are no more): what `validationUsers` measures on, fixed for the whole fit so
 * epochs stay comparable. Returns the sample and how many users it has out of how many.
 */
export function sampleValidationUsers(validation: Interactions, maxUsers: number, seed: number): { sample: Interactions; users: number; of: number } {
  if (!(Number.isInteger(maxUsers) && maxUsers >= 1)) throw new ConfigError(`validationUsers must be a whole number ≥ 1, got ${maxUsers}`);
  const present = new Uint8Array(validation.numUsers);
  for (let p = 0; p < validation.length; p++) present[validation.users[p]] = 1;
  const candidates: number[] = [];
  for (let u = 0; u < present.length; u++) if (present[u]) candidates.push(u);
  if (candidates.length <= maxUsers) return { sample: validation, users: candidates.length, of: candidates.length };
  const rng = new Rng(seed);
  // A partial Fisher–Yates shuffle: the first maxUsers candidates are a uniform sample.
  for (let k = 0; k < maxUsers; k++) {
    const j = k + rng.int(candidates.length - k);
    [candidates[k], candidates[j]] = [candidates[j], candidates[k]];
  }
  const keep = new Uint8Array(validation.numUsers);
  for (let k = 0; k < maxUsers; k++) keep[candidates[k]] = 1;
  return { sample: validation.filter((p) => keep[validation.users[p]] === 1), users: maxUsers, of: candidates.length };
}
