/**
 * Paired comparison of saved models on ML-100K `msr-stratified` test: per-user NDCG@10 and AUC of
 * each model against a reference model (e.g. EASE from the same experiment), with the paired mean
 * difference and Wilcoxon signed-rank p-value (src/eval/significance.ts), as
 * bench/paired-lightfm.ts does for lightfm-ua. Run it only after the models were chosen on
 * validation: it reads test.
 *
 *   TASTEBUD_DATA_DIR=/work/shared/data node --import tsx bench/paired-msr.ts \
 *     runs/recvae-ema-msr/models/ease runs/recvae-ema-msr/models/recvae-ema [...]
 *
 * The first directory is the reference. Prints JSON.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareModels } from '../src/eval/significance.ts';
import { evaluateRanking } from '../src/eval/ranking.ts';
import { msrStratified } from '../src/eval/protocols/ranking.ts';
import { loadModel } from '../src/models/load.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = process.env.TASTEBUD_DATA_DIR ?? path.resolve(repoRoot, '../shared/data');

const dirs = process.argv.slice(2);
if (dirs.length < 2) {
  console.error('usage: paired-msr.ts REFERENCE_MODEL_DIR MODEL_DIR [...]');
  process.exit(2);
}
const p = await msrStratified.prepare({ dataDir, download: false });
const results = [];
for (const dir of dirs) {
  const model = await loadModel(dir);
  results.push({ dir, result: evaluateRanking(model, p.test, { k: [10], exclude: p.exclude }) });
}
const [ref, ...rest] = results;
const rows = rest.map(({ dir, result }) => {
  const out: Record<string, unknown> = { model: dir, reference: ref.dir };
  for (const metric of ['ndcg@10', 'auc']) {
    const c = compareModels(result, ref.result, metric);
    out[metric] = {
      model: +c.meanA.toFixed(4),
      reference: +c.meanB.toFixed(4),
      difference: +c.meanDifference.toFixed(4),
      wilcoxonP: +c.wilcoxon.pValue.toPrecision(3),
      users: c.n,
    };
  }
  return out;
});
console.log(JSON.stringify(rows, null, 1));
