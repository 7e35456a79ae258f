/**
 * Successive halving vs random search over the same space and the same draws, on ML-100K
 * `lightfm-ua` with a 10 % per-user validation part carved from train (seed 42), selected on
 * validation precision@10: total epochs run (deterministic), wall time, the chosen point and its
 * validation value. Test data is never scored here. Prints JSON.
 *
 *   TASTEBUD_DATA_DIR=../shared/data node --import tsx bench/search-halving.ts          # bpr (resumes)
 *   SEARCH_MODEL=ials node --import tsx bench/search-halving.ts                         # ials (resumes)
 *   SEARCH_TRIALS=27 SEARCH_ETA=3 SEARCH_MIN=2 SEARCH_MAX=54 SEARCH_THREADS=1
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { perUserSplit } from '../src/data/splits.ts';
import { lightfmUa } from '../src/eval/protocols/ranking.ts';
import type { ParamSpace, RunSpec } from '../src/experiment/config.ts';
import { searchRun, type SearchContext, type SearchStrategy } from '../src/experiment/search.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = process.env.TASTEBUD_DATA_DIR ?? path.resolve(root, '../shared/data');
const model = process.env.SEARCH_MODEL ?? 'bpr';
const trials = Number(process.env.SEARCH_TRIALS ?? 27);
const eta = Number(process.env.SEARCH_ETA ?? 3);

const SPACES: Record<string, { params: Record<string, ParamSpace>; minEpochs: number; maxEpochs: number }> = {
  bpr: {
    params: {
      learningRate: { kind: 'range', min: 0.01, max: 0.3, log: true, integer: false },
      factors: { kind: 'choice', values: [16, 32, 64, 128] },
      l2: { kind: 'range', min: 1e-6, max: 1e-2, log: true, integer: false },
    },
    minEpochs: 2,
    maxEpochs: 54,
  },
  ials: {
    params: {
      factors: { kind: 'choice', values: [32, 64, 128] },
      regularization: { kind: 'range', min: 1, max: 300, log: true, integer: false },
      alpha: { kind: 'range', min: 0.5, max: 20, log: true, integer: false },
    },
    minEpochs: 1,
    maxEpochs: 27,
  },
};
const space = SPACES[model];
if (!space) throw new Error(`SEARCH_MODEL must be one of ${Object.keys(SPACES).join(', ')}`);
const minEpochs = Number(process.env.SEARCH_MIN ?? space.minEpochs);
const maxEpochs = Number(process.env.SEARCH_MAX ?? space.maxEpochs);

const prepared = await lightfmUa.prepare({ dataDir });
const split = perUserSplit(prepared.train, { testRatio: 0.1, seed: 42 });
const run: RunSpec = { name: model, type: model, baseline: false, params: { ...space.params, epochs: { kind: 'fixed', value: maxEpochs } }, fit: {}, path: 'bench' };
const ctx = (search: SearchStrategy): SearchContext => ({
  train: split.train,
  validation: split.test,
  refitOn: null,
  metric: 'precision@10',
  seed: 42,
  threads: Number(process.env.SEARCH_THREADS ?? 1),
  search,
  log: (line) => {
    if (!line.startsWith('warning:') && !line.startsWith('ials: confidence')) process.stderr.write(line + '\n');
  },
});

const rows = [];
for (const search of [
  { strategy: 'successive-halving', trials, eta, minEpochs, maxEpochs },
  { strategy: 'random', trials },
] as SearchStrategy[]) {
  const t0 = performance.now();
  const outcome = await searchRun(run, ctx(search));
  rows.push({
    strategy: search.strategy,
    epochsSpent: outcome.epochsSpent,
    seconds: +((performance.now() - t0) / 1000).toFixed(1),
    chosen: outcome.params,
    bestEpoch: outcome.trials[outcome.bestTrial - 1].bestEpoch,
    validationPrecision10: +outcome.validation!.toFixed(4),
    ...(outcome.rungs
      ? {
          rungs: [...new Set(outcome.rungs.map((r) => r.rung))].map(
            (r) => `${outcome.rungs!.filter((x) => x.rung === r).length} × ${outcome.rungs!.find((x) => x.rung === r)!.budget}`,
          ),
        }
      : {}),
  });
}
const [sh, random] = rows;
console.log(
  JSON.stringify(
    {
      protocol: 'lightfm-ua',
      validation: { ratio: 0.1, seed: 42, metric: 'precision@10', interactions: split.test.length },
      model,
      space: space.params,
      trials,
      eta,
      minEpochs,
      maxEpochs,
      rows,
      epochsRatio: +(random.epochsSpent / sh.epochsSpent).toFixed(2),
      timeRatio: +(random.seconds / sh.seconds).toFixed(2),
    },
    null,
    1,
  ),
);
