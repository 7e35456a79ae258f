/**
 * Why does RecVAE lead EASE on every `msr-stratified` validation carve but only tie it on test?
 * Three validation-only checks (test is never read), each one JSON line on stdout:
 *
 * - `CHECK=ease`: EASE (default λ) on the runner's carves (`CARVES=42,43,44,45`), the reference
 *   each RecVAE curve of bench/recvae-msr-curves.ts is read against.
 * - `CHECK=blend`: RecVAE (the example's setting, SETTING overrides it) and EASE fitted on one
 *   carve as members of a `blend` (scores z-scored per user), mixed as (1 − w)·RecVAE + w·EASE: if the two models made
 *   different mistakes, some w > 0 would beat both.
 * - `CHECK=size`: the RecVAE − EASE gap when the carve changes shape: `RATIO` (share of train
 *   carved out, 0.1 as the runner; 0.25 gives validation the same size relative to its training
 *   rows as test has) and `KEEP` (share of the remaining rows trained on, the rest neither trained
 *   on nor relevant: less data per user).
 *
 *   TASTEBUD_DATA_DIR=../shared/data CHECK=blend CARVE=42 nice -n 5 node --import tsx bench/recvae-msr-diagnostics.ts
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Scorer } from '../src/contracts/types.ts';
import type { Interactions } from '../src/data/interactions.ts';
import { perUserSplit } from '../src/data/splits.ts';
import { msrStratified } from '../src/eval/protocols/ranking.ts';
import { evaluateRanking } from '../src/eval/ranking.ts';
import type { Blend } from '../src/models/ensemble/blend.ts';
import { MemberScoreCache } from '../src/models/ensemble/blend.ts';
import { createModel } from '../src/models/registry.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = process.env.TASTEBUD_DATA_DIR ?? path.resolve(root, '../shared/data');

/** examples/recvae-ema-msr.yaml's setting, 40 epochs so the 26–40 window of the curves bench can be read. */
const EXAMPLE = { hidden: 512, depth: 3, latent: 200, batchSize: 100, learningRate: 0.001, dropout: 0.8, emaDecay: 0.995, epochs: 40 };

type Fitted = Scorer & { fit(data: Interactions, options: object): Promise<unknown> };

/** `type` fitted on `data` (seed 42, one thread), `onEpochEnd(model)` after every epoch. */
async function fitted(type: string, params: Record<string, unknown>, data: Interactions, onEpochEnd?: (model: Fitted) => void): Promise<Fitted> {
  const model = createModel(type, { ...params, seed: 42 }) as unknown as Fitted;
  const callbacks = onEpochEnd ? { onEpochEnd: () => onEpochEnd(model) } : undefined;
  await model.fit(data, { threads: 1, seed: 42, progress: false, callbacks });
  return model;
}

function ndcg(model: Scorer, validation: Interactions, train: Interactions): number {
  return +evaluateRanking(model, validation, { exclude: train.byUser(), k: [10], perUser: false }).metrics['ndcg@10'].toFixed(4);
}

async function main(): Promise<void> {
  const check = process.env.CHECK ?? 'ease';
  const setting = { ...EXAMPLE, ...(JSON.parse(process.env.SETTING ?? '{}') as Record<string, unknown>) };
  const prepared = await msrStratified.prepare({ dataDir, download: false });
  const carveOf = (carve: number, ratio = 0.1) => perUserSplit(prepared.train, { testRatio: ratio, seed: carve });
  if (check === 'ease') {
    const carves = (process.env.CARVES ?? '42,43,44,45').split(',').map(Number);
    const byCarve: Record<number, number> = {};
    for (const carve of carves) {
      const { train, test: validation } = carveOf(carve);
      byCarve[carve] = ndcg(await fitted('ease', {}, train), validation, train);
    }
    console.log(JSON.stringify({ check, ease: byCarve }));
    return;
  }
  const carve = Number(process.env.CARVE ?? 42);
  if (check === 'blend') {
    const { train, test: validation } = carveOf(carve);
    const blended = { ...setting, epochs: Number(process.env.EPOCHS ?? 33), seed: 42 }; // the example's epoch count
    // The library's blend: each member's scores z-scored per user, weights [1 − mix, mix]; the
    // reweighted blends share one fit and a member-score cache.
    const members = [{ type: 'recvae', params: blended }, { type: 'ease' }];
    const fittedBlend = (await fitted('blend', { members, mix: 0 }, train)) as unknown as Blend;
    const cache = new MemberScoreCache(members.length);
    const blend: Record<string, number> = {};
    for (const w of [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1]) blend[w] = ndcg(fittedBlend.reweighted({ mix: w }, cache), validation, train);
    console.log(JSON.stringify({ check, carve, setting: blended, blend }));
    return;
  }
  if (check === 'size') {
    const ratio = Number(process.env.RATIO ?? 0.1);
    const keep = Number(process.env.KEEP ?? 1);
    const { train: carved, test: validation } = carveOf(carve, ratio);
    const train = keep < 1 ? perUserSplit(carved, { testRatio: 1 - keep, seed: 7 }).train : carved;
    const ease = ndcg(await fitted('ease', {}, train), validation, train);
    const curve: number[] = [];
    await fitted('recvae', setting, train, (model) => curve.push(ndcg(model, validation, train)));
    const window = curve.slice(25, 40);
    const mean = +(window.reduce((s, v) => s + v, 0) / window.length).toFixed(4);
    console.log(JSON.stringify({ check, carve, ratio, keep, ease, recvaeMean26to40: mean, gap: +(mean - ease).toFixed(4), curve }));
    return;
  }
  throw new Error(`CHECK must be ease, blend or size, not ${check}`);
}

await main();
