/**
 * Every baseline on ML-100K `lightfm-ua` (the protocol of /work/shared/ANCHORS.md), one table:
 * fit seconds, P@10, R@10, per-user AUC. Reads the data from TASTEBUD_DATA_DIR or ../shared/data.
 *
 *   node --import tsx bench/baselines.ts [type ...]
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lightfmUa } from '../src/eval/protocols/ranking.ts';
import { createModel } from '../src/models/registry.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = process.env.TASTEBUD_DATA_DIR ?? path.resolve(root, '../shared/data');

const RUNS: [string, Record<string, unknown>][] = [
  ['random', {}],
  ['popularity', {}],
  ['logistic-regression', {}],
  ['item-knn', {}],
  ['user-knn', { similarity: 'jaccard' }],
  ['user-knn', { similarity: 'cosine' }],
  ['ials', {}],
  ['ease', { lambda: 300 }],
  ['ease', { lambda: 1000 }],
];

async function main(): Promise<void> {
  const only = new Set(process.argv.slice(2));
  const prepared = await lightfmUa.prepare({ dataDir, download: false });
  console.log(`lightfm-ua: ${prepared.sizes.train} train positives, ${prepared.sizes.test} test positives, ${prepared.sizes.users} users × ${prepared.sizes.items} items`);
  console.log('model'.padEnd(40) + 'fit s'.padStart(8) + 'P@10'.padStart(9) + 'R@10'.padStart(9) + 'AUC'.padStart(9));
  for (const [type, config] of RUNS) {
    if (only.size > 0 && !only.has(type)) continue;
    const model = createModel(type, config);
    const t0 = performance.now();
    await model.fit(prepared.train, { threads: 1, seed: 42, progress: false });
    const seconds = (performance.now() - t0) / 1000;
    const m = lightfmUa.evaluate(model, prepared).metrics;
    const name = `${type} ${Object.keys(config).length ? JSON.stringify(config) : ''}`;
    console.log(name.padEnd(40) + seconds.toFixed(2).padStart(8) + m['precision@10'].toFixed(4).padStart(9) + m['recall@10'].toFixed(4).padStart(9) + m.auc.toFixed(4).padStart(9));
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
