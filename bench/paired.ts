/**
 * Paired comparison of saved models on a protocol's test split: per-user metrics of each model
 * against a reference model (the first directory), with the paired mean difference and the
 * Wilcoxon signed-rank p-value (src/eval/significance.ts). The experiment runner compares every
 * run with popularity only; this adds "against BPR" or "against EASE". Run it only after the
 * models were chosen on validation: it reads test. bench/paired-lightfm.ts and
 * bench/paired-msr.ts call it for their protocols. SPLIT_SEED prepares the protocol with another
 * split seed (a different draw of its test part; the models must have been trained on that draw's
 * train part). Prints JSON.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Protocol } from '../src/eval/protocols/types.ts';
import { compareModels } from '../src/eval/significance.ts';
import { evaluateRanking } from '../src/eval/ranking.ts';
import { loadModel } from '../src/models/load.ts';
import { splitSeedFromEnv } from './common.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export async function runPaired(protocol: Protocol, metrics: string[], script: string): Promise<void> {
  const dataDir = process.env.TASTEBUD_DATA_DIR ?? path.resolve(repoRoot, '../shared/data');
  const dirs = process.argv.slice(2);
  if (dirs.length < 2) {
    console.error(`usage: ${script} REFERENCE_MODEL_DIR MODEL_DIR [...]`);
    process.exit(2);
  }
  const p = await protocol.prepare({ dataDir, download: false, seed: splitSeedFromEnv() });
  const results = [];
  for (const dir of dirs) {
    const model = await loadModel(dir);
    results.push({ dir, result: evaluateRanking(model, p.test, { k: [10], exclude: p.exclude }) });
  }
  const [ref, ...rest] = results;
  const rows = rest.map(({ dir, result }) => {
    const out: Record<string, unknown> = { model: dir, reference: ref.dir };
    for (const metric of metrics) {
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
}
