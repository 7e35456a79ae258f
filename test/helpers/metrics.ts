/** Ranking measurements the model tests share. */
import type { Interactions } from '../../src/data/interactions.ts';
import type { Scorer } from '../../src/contracts/types.ts';
import { evaluateRanking } from '../../src/eval/ranking.ts';

/** Per-user AUC and precision@10 under full ranking with the user's train items excluded. */
export function ranking(model: Scorer, train: Interactions, test: Interactions): { auc: number; p10: number } {
  const m = evaluateRanking(model, test, { exclude: train.byUser(), k: [10], perUser: false }).metrics;
  return { auc: m.auc, p10: m['precision@10'] };
}
