import type { Interactions } from '../data/interactions.ts';
import type { Trainable } from './types.ts';
import { evaluateRanking } from '../eval/ranking.ts';
import { evaluatePointwise } from '../eval/pointwise.ts';
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

/** One validation number for the fit loop: ranking metrics exclude the training items. */
export function validationScore(model: Trainable, validation: Interactions, metric: string, threshold?: number): number {
  const { name, k } = parseMetric(metric);
  if (POINTWISE.has(name)) {
    // The model's config says whether its scores are ratings or logits.
    return evaluatePointwise(model, validation, { threshold }).metrics[name === 'pointwise_auc' ? 'auc' : name];
  }
  const result = evaluateRanking(model, validation, { k: [k ?? 10], exclude: model.seen, relevanceThreshold: threshold });
  return result.metrics[name === 'auc' ? 'auc' : `${name}@${k}`];
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
