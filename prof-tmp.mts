import { perUserSplit } from './src/data/splits.ts';
import { msrStratified } from './src/eval/protocols/ranking.ts';
import { evaluateRanking } from './src/eval/ranking.ts';
import { createModel } from './src/models/registry.ts';
for (const s of [42, 1, 2, 3, 4, 5]) {
  const p = await msrStratified.prepare({ dataDir: '/work/shared/data', download: false, seed: s });
  const { train, test } = perUserSplit(p.train, { testRatio: 0.1, seed: 42 });
  const row: Record<string, number> = {};
  for (const lambda of [100, 200, 300, 500, 800, 1200]) {
    const m = createModel('ease', { lambda });
    await m.fit(train, { threads: 2, seed: 42, progress: false });
    row[lambda] = +evaluateRanking(m, test, { exclude: train.byUser(), k: [10], perUser: false }).metrics['ndcg@10'].toFixed(4);
  }
  console.log('draw', s, JSON.stringify(row));
}
