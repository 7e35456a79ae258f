/**
 * The ranking measurements the model tests share: per-user AUC and precision@10 of a model
 * with the user's training items excluded, the full metric set on a split, the popularity
 * baseline a model must beat, and AUC within a range of items (cold items).
 */
import type { Interactions } from '../../src/data/interactions.ts';
import type { Split } from '../../src/data/types.ts';
import type { Scorer } from '../../src/contracts/types.ts';
import { evaluateRanking } from '../../src/eval/ranking.ts';

/** Per-user AUC and precision@10 under full ranking with the user's train items excluded. */
export function ranking(model: Scorer, train: Interactions, test: Interactions): { auc: number; p10: number } {
  const m = evaluateRanking(model, test, { exclude: train.byUser(), k: [10], perUser: false }).metrics;
  return { auc: m.auc, p10: m['precision@10'] };
}

/** Every full-ranking metric at k = 10 on the split's test part, training items excluded. */
export function rankingMetrics(model: Scorer, split: Split): Record<string, number> {
  return evaluateRanking(model, split.test, { k: [10], exclude: split.train.byUser() }).metrics;
}

/** The popularity baseline as a Scorer: every user gets the item training counts. */
export function popularity(train: Interactions): Scorer {
  const counts = Float32Array.from(train.itemCounts());
  return {
    numItems: train.numItems,
    scoreItems: (_user: number, out: Float32Array) => out.set(counts),
  };
}

/**
 * Mean per-user AUC of `model` when ranking only the items in [from, to): the user's test
 * items in that range against the rest of it (train items excluded). 0.5 = random.
 */
export function aucWithin(model: Scorer, train: Interactions, test: Interactions, from: number, to: number): number {
  const seen = train.byUser();
  const testCsr = test.byUser();
  const scores = new Float32Array(model.numItems);
  let total = 0;
  let users = 0;
  for (let u = 0; u < testCsr.rows; u++) {
    const pos = new Set<number>();
    for (let p = testCsr.indptr[u]; p < testCsr.indptr[u + 1]; p++) if (testCsr.indices[p] >= from && testCsr.indices[p] < to) pos.add(testCsr.indices[p]);
    if (pos.size === 0) continue;
    const excluded = new Set<number>(seen.indices.subarray(seen.indptr[u], seen.indptr[u + 1]));
    model.scoreItems(u, scores);
    let wins = 0;
    let pairs = 0;
    for (const i of pos) {
      for (let j = from; j < to; j++) {
        if (pos.has(j) || excluded.has(j)) continue;
        pairs++;
        wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
      }
    }
    if (pairs === 0) continue;
    total += wins / pairs;
    users++;
  }
  return total / users;
}
