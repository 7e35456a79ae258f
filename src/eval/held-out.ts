import type { Scorer } from '../contracts/types.ts';
import type { Csr, Interactions } from '../data/interactions.ts';
import { checkIdMaps } from './id-maps.ts';
import { evaluateRanking, type RankingResult } from './ranking.ts';
import { evaluatePointwise, type PairScorer } from './pointwise.ts';

/** What a held-out evaluation needs of a trained model. */
export interface TrainedScorer extends Scorer, PairScorer {
  readonly config: Record<string, unknown>;
  readonly seen: Csr | null;
}

/**
 * The default measurement of a trained model on a held-out part when no protocol is named:
 * rating models get RMSE/MAE; ranking models get full-ranking precision/recall/NDCG@10 and
 * per-user AUC, with the model's training items excluded from each user's ranking. Test data
 * indexed by other id maps than the model's is refused: align it with `alignToModel` first.
 */
export function evaluateHeldOut(model: TrainedScorer, test: Interactions, options: { k?: number; relevanceThreshold?: number } = {}): Record<string, number> {
  return evaluateHeldOutPerUser(model, test, options).metrics;
}

/** `evaluateHeldOut` with the per-user values of the ranking metrics (for paired tests; none for rating models). */
export function evaluateHeldOutPerUser(
  model: TrainedScorer,
  test: Interactions,
  options: { k?: number; relevanceThreshold?: number } = {},
): { metrics: Record<string, number>; perUser?: RankingResult['perUser'] } {
  checkIdMaps(model, test);
  if (model.config.task === 'rating') {
    const { metrics } = evaluatePointwise(model, test);
    return { metrics: { rmse: metrics.rmse, mae: metrics.mae } };
  }
  const k = options.k ?? 10;
  const { metrics, usersEvaluated, perUser } = evaluateRanking(model, test, { k: [k], exclude: model.seen, relevanceThreshold: options.relevanceThreshold });
  const pick = [`precision@${k}`, `recall@${k}`, `ndcg@${k}`, `map@${k}`, 'auc'];
  return { metrics: { ...Object.fromEntries(pick.filter((m) => m in metrics).map((m) => [m, metrics[m]])), users: usersEvaluated }, perUser };
}
