/**
 * Validation-only exploration of models and blends on ML-100K `msr-stratified`: carves K
 * different 10% per-user validation parts out of train (seeds 42 … 42 + K − 1, as
 * `search.repeats` does), fits every candidate once per part, keeps its per-user z-scored score
 * matrix (cached on disk), and prints the mean ± sd validation NDCG@10 of each candidate and of
 * each weighting. Test data is never loaded into a metric here: this is how blend members and
 * weight grids are chosen before an experiment file is written. Prints JSON.
 *
 *   TASTEBUD_DATA_DIR=../shared/data node --import tsx bench/blend-validation.ts
 *   BLEND_CANDIDATES='{"ease500":["ease",{"lambda":500}], ...}'  replaces the built-in candidates
 *   BLEND_WEIGHTS='[{"ease500":0.25,"ials":0.75}, ...]'         weightings to score (default: each alone)
 *   BLEND_REPEATS=5  BLEND_CACHE=/tmp/tastebud-blend             hold-outs; where score matrices are kept
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { perUserSplit } from '../src/data/splits.ts';
import { msrStratified } from '../src/eval/protocols/ranking.ts';
import { evaluateRanking } from '../src/eval/ranking.ts';
import { mean, sampleStandardDeviation } from '../src/eval/significance.ts';
import { createModel } from '../src/models/registry.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = process.env.TASTEBUD_DATA_DIR ?? path.resolve(root, '../shared/data');
const repeats = Number(process.env.BLEND_REPEATS ?? 5);
const cacheDir = process.env.BLEND_CACHE ?? '/tmp/tastebud-blend';

type Candidate = [type: string, params: Record<string, unknown>];
const CANDIDATES: Record<string, Candidate> = process.env.BLEND_CANDIDATES
  ? JSON.parse(process.env.BLEND_CANDIDATES)
  : {
      ease500: ['ease', { lambda: 500 }],
      ials: ['ials', { factors: 128, regularization: 100, alpha: 5 }],
      dae: ['multvae', { variational: false, batchSize: 100, epochs: 22 }],
    };
const WEIGHTS: Record<string, number>[] = process.env.BLEND_WEIGHTS ? JSON.parse(process.env.BLEND_WEIGHTS) : Object.keys(CANDIDATES).map((name) => ({ [name]: 1 }));

const prepared = await msrStratified.prepare({ dataDir });
const holdOuts = Array.from({ length: repeats }, (_, r) => {
  const split = perUserSplit(prepared.train, { testRatio: 0.1, seed: 42 + r });
  return { train: split.train, validation: split.test, exclude: split.train.byUser() };
});
const users = prepared.train.numUsers;
const items = prepared.train.numItems;
mkdirSync(cacheDir, { recursive: true });

/** Standardise each user's row over the catalogue, as the blend model does. */
function standardise(scores: Float32Array): void {
  for (let u = 0; u < users; u++) {
    const row = scores.subarray(u * items, (u + 1) * items);
    const m = mean(row);
    let ss = 0;
    for (const v of row) ss += (v - m) ** 2;
    const sd = Math.sqrt(ss / items) || 1;
    for (let i = 0; i < items; i++) row[i] = (row[i] - m) / sd;
  }
}

/** A candidate's z-scored users × items scores on hold-out r, fit once and cached by its settings. */
async function scoresOf(name: string, r: number): Promise<{ scores: Float32Array; seconds: number }> {
  const [type, params] = CANDIDATES[name];
  const key = `${type}-${JSON.stringify(params).replace(/[^a-zA-Z0-9.]+/g, '_')}-${r}.f32`;
  const file = path.join(cacheDir, key);
  if (existsSync(file)) return { scores: new Float32Array(readFileSync(file).buffer.slice(0)), seconds: 0 };
  const t0 = performance.now();
  const model = createModel(type, params);
  await model.fit(holdOuts[r].train, { seed: 42, threads: 1, progress: false, log: () => {} });
  const scores = new Float32Array(users * items);
  model.scoreUsers(
    Int32Array.from({ length: users }, (_, u) => u),
    scores,
  );
  standardise(scores);
  writeFileSync(file, Buffer.from(scores.buffer));
  return { scores, seconds: (performance.now() - t0) / 1000 };
}

const needed = [...new Set(WEIGHTS.flatMap((w) => Object.keys(w)))];
const matrices = new Map<string, Float32Array[]>();
const fitSeconds: Record<string, number> = {};
for (const name of needed) {
  if (!CANDIDATES[name]) throw new Error(`BLEND_WEIGHTS names "${name}", which is not a candidate (${Object.keys(CANDIDATES).join(', ')})`);
  const fits = [];
  for (let r = 0; r < repeats; r++) fits.push(await scoresOf(name, r));
  matrices.set(
    name,
    fits.map((f) => f.scores),
  );
  fitSeconds[name] = +fits.reduce((s, f) => s + f.seconds, 0).toFixed(1);
  process.stderr.write(`${name}: ${fitSeconds[name]} s of fitting\n`);
}

const rows = WEIGHTS.map((weights) => {
  const perHoldOut = holdOuts.map((holdOut, r) => {
    const parts = Object.entries(weights).map(([name, w]) => [matrices.get(name)![r], w] as const);
    const scorer = {
      numItems: items,
      scoreItems(u: number, out: Float32Array) {
        out.fill(0);
        for (const [m, w] of parts) for (let i = 0; i < items; i++) out[i] += w * m[u * items + i];
      },
    };
    return evaluateRanking(scorer, holdOut.validation, { k: [10], exclude: holdOut.exclude, perUser: false }).metrics['ndcg@10'];
  });
  return { weights, ndcg10: +mean(perHoldOut).toFixed(4), sd: +sampleStandardDeviation(perHoldOut).toFixed(4), perHoldOut: perHoldOut.map((v) => +v.toFixed(4)) };
});

console.log(
  JSON.stringify({ protocol: 'msr-stratified', validation: { ratio: 0.1, repeats, seeds: `42..${42 + repeats - 1}` }, candidates: CANDIDATES, fitSeconds, rows }, null, 1),
);
