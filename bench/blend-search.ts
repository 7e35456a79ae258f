/**
 * A blend weight search with cached member scores vs refitting the members for every weight
 * trial (`cacheBlendScores: false`), on ML-100K `lightfm-ua` with a 10 % validation part of
 * train: EASE + iALS, mix over BLEND_MIXES values, selected on validation precision@10. Both
 * paths must choose the same mix with the same validation values; prints wall times (median of
 * BLEND_RUNS alternating runs) and their ratio as JSON.
 *
 *   TASTEBUD_DATA_DIR=../shared/data node --import tsx bench/blend-search.ts
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { perUserSplit } from '../src/data/splits.ts';
import { lightfmUa } from '../src/eval/protocols/ranking.ts';
import type { RunSpec } from '../src/experiment/config.ts';
import { searchRun, type SearchContext } from '../src/experiment/search.ts';
import { median } from './common.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = process.env.TASTEBUD_DATA_DIR ?? path.resolve(root, '../shared/data');
const runs = Number(process.env.BLEND_RUNS ?? 3);
const mixes = Number(process.env.BLEND_MIXES ?? 6);

const prepared = await lightfmUa.prepare({ dataDir });
const split = perUserSplit(prepared.train, { testRatio: 0.1, seed: 42 });
const members = [
  { type: 'ease', params: { lambda: 250 } },
  { type: 'ials', params: { factors: 64, regularization: 50, alpha: 5, iterations: 15 } },
];
const run: RunSpec = {
  name: 'blend',
  type: 'blend',
  baseline: false,
  params: { members: { kind: 'fixed', value: members }, mix: { kind: 'choice', values: Array.from({ length: mixes }, (_, k) => +(k / (mixes - 1)).toFixed(3)) } },
  fit: {},
  path: 'bench',
};
const ctx = (cacheBlendScores: boolean): SearchContext => ({
  train: split.train,
  validation: split.test,
  refitOn: null,
  metric: 'precision@10',
  seed: 42,
  threads: 1,
  search: { strategy: 'grid', trials: null },
  cacheBlendScores,
  log: () => {},
});

const seconds: Record<'cached' | 'refit', number[]> = { cached: [], refit: [] };
let chosen: Record<string, unknown> = {};
for (let r = 0; r < runs; r++) {
  const outcomes = [];
  for (const cached of r % 2 === 0 ? [true, false] : [false, true]) {
    const t0 = performance.now();
    const outcome = await searchRun(run, ctx(cached));
    seconds[cached ? 'cached' : 'refit'].push((performance.now() - t0) / 1000);
    outcomes.push({ cached, outcome });
  }
  const [a, b] = outcomes.map((o) => o.outcome);
  const same = JSON.stringify(a.trials.map((t) => t.validation)) === JSON.stringify(b.trials.map((t) => t.validation)) && a.bestTrial === b.bestTrial;
  if (!same) throw new Error('the cached and refitting searches disagree');
  chosen = { mix: a.params.mix, validationPrecision10: +a.validation!.toFixed(4), trials: a.trials.map((t) => ({ mix: t.params.mix, p10: +t.validation!.toFixed(4) })) };
}
console.log(
  JSON.stringify(
    {
      protocol: 'lightfm-ua',
      validation: { ratio: 0.1, seed: 42, metric: 'precision@10' },
      members,
      weightTrials: mixes,
      chosen,
      seconds: { cached: seconds.cached.map((s) => +s.toFixed(1)), refit: seconds.refit.map((s) => +s.toFixed(1)) },
      medianSeconds: { cached: +median(seconds.cached).toFixed(1), refit: +median(seconds.refit).toFixed(1) },
      ratio: +(median(seconds.refit) / median(seconds.cached)).toFixed(2),
    },
    null,
    1,
  ),
);
