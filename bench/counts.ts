/**
 * Count handling for iALS and item-kNN (confidence: binary / linear / log / bm25), on
 * validation only: planted heavy-tailed play counts (test/helpers/counts.ts), and Book-Crossing
 * ratings when TASTEBUD_DATA_DIR has them. R@10 and NDCG@10 on each validation split, seeds 1–3
 * for the synthetic data. Prints JSON.
 *
 *   node --import tsx bench/counts.ts [ials] [item-knn]
 */
import { heavyTailedSplit } from '../test/helpers/counts.ts';
import { evaluateRanking } from '../src/eval/ranking.ts';
import { createModel } from '../src/models/registry.ts';
import type { Interactions } from '../src/data/interactions.ts';
import { median } from './common.ts';

const KINDS = ['binary', 'linear', 'log', 'bm25'] as const;
const MODELS = ['ials', 'item-knn'] as const;

async function score(type: string, confidence: string, train: Interactions, validation: Interactions): Promise<{ recall: number; ndcg: number }> {
  const model = createModel(type, { confidence });
  await model.fit(train, { threads: 1, seed: 1, progress: false, log: () => {} });
  const m = evaluateRanking(model, validation, { k: [10], exclude: train.byUser(), perUser: false }).metrics;
  return { recall: +m['recall@10'].toFixed(4), ndcg: +m['ndcg@10'].toFixed(4) };
}

async function main(): Promise<void> {
  const rows: Record<string, unknown>[] = [];
  const only = process.argv.slice(2);
  for (const type of MODELS) {
    if (only.length > 0 && !only.includes(type)) continue;
    const perKind: Record<string, number[]> = {};
    for (const seed of [1, 2, 3]) {
      const split = heavyTailedSplit({ users: 3000, items: 1500, perUser: 30, seed });
      for (const kind of KINDS) {
        const r = await score(type, kind, split.train, split.validation!);
        (perKind[kind] ??= []).push(r.recall);
        rows.push({ data: `heavy-tailed seed ${seed}`, model: type, confidence: kind, 'recall@10': r.recall, 'ndcg@10': r.ndcg });
        console.error(`${type} ${kind} seed ${seed}: R@10 ${r.recall} NDCG@10 ${r.ndcg}`);
      }
    }
    rows.push({ data: 'heavy-tailed median of 3 seeds', model: type, ...Object.fromEntries(Object.entries(perKind).map(([k, v]) => [k, median(v)])) });
  }
  console.log(JSON.stringify({ rows }, null, 1));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
