/**
 * The refit's gain on msr-stratified, on validation only: what adding back a carve's ratings
 * gives EASE and RecVAE, one level down so that test is never read. For each draw of the
 * protocol's split (split seeds DRAWS, default 42, the protocol's; only train parts are read) and
 * each outer carve seed (CARVES, default 42): the carve (RATIO of each user's train ratings, 0.1
 * as the runner's by default; 0.25 makes the targets as large a share as the protocol's test) is
 * the target, its inner part is what a refit trains on, and a nested carve of the inner part
 * (10 %, seed 43) is held back from the first fit. EASE (λ 500) and RecVAE (examples/recvae-ema-msr.yaml's setting, 33 epochs, seed
 * 42) are fitted on the inner part less the nested carve, then refitted on the whole inner part,
 * plainly and with each of VARIANTS' parameter overrides, all scored on the runner's carve
 * (NDCG@10; the inner part's items left out). `read` is the first fit scored with each user's
 * whole inner row as input: the refit's gain from reading the added ratings, apart from learning
 * from them. RECVAE overrides the RecVAE setting (first fit and refit).
 *
 *   TASTEBUD_DATA_DIR=../shared/data CARVES=48,49 \
 *     VARIANTS='[{"name":"gamma-scaled","params":{"gamma":0.0045}}]' \
 *     nice -n 5 node --import tsx bench/msr-refit.ts
 *
 * Prints one JSON line per (draw, carve).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Scorer } from '../src/contracts/types.ts';
import type { Csr, Interactions } from '../src/data/interactions.ts';
import { perUserSplit } from '../src/data/splits.ts';
import { msrStratified } from '../src/eval/protocols/ranking.ts';
import { fitOneThread, ndcgAt10, RECVAE_MSR_EXAMPLE } from './common.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = process.env.TASTEBUD_DATA_DIR ?? path.resolve(root, '../shared/data');
const draws = (process.env.DRAWS ?? '42').split(',').map(Number);
const carves = (process.env.CARVES ?? '42').split(',').map(Number);
// RECVAE overrides the example's setting for the first fit and the refit alike (e.g. {"dropout":0.5}).
const base = { ...RECVAE_MSR_EXAMPLE, ...(JSON.parse(process.env.RECVAE ?? '{}') as Record<string, unknown>) };
// The outer carve's share of each user's train ratings (0.1 as the runner; 0.25 as the protocol's test).
const ratio = Number(process.env.RATIO ?? 0.1);
const variants = JSON.parse(process.env.VARIANTS ?? '[]') as { name: string; params: Record<string, unknown> }[];

for (const draw of draws) {
  const p = await msrStratified.prepare({ dataDir, download: false, seed: draw });
  for (const carveSeed of carves) {
    const { train: inner, test: carve } = perUserSplit(p.train, { testRatio: ratio, seed: carveSeed });
    const { train: first } = perUserSplit(inner, { testRatio: 0.1, seed: 43 });
    const ndcg = (model: Scorer) => ndcgAt10(model, carve, inner);
    const score = async (type: string, params: Record<string, unknown>, data: Interactions) => ndcg(await fitOneThread(type, params, data));
    // The first fit's weights with each user's whole inner row as input (the nested carve folded
    // in): the part of the refit's gain that comes from reading the added ratings.
    const firstAndRead = async (type: string, params: Record<string, unknown>) => {
      const model = (await fitOneThread(type, params, first)) as Scorer & { seen: Csr | null };
      const score = ndcg(model);
      model.seen = inner.byUser();
      return { first: score, read: ndcg(model) };
    };
    const row: Record<string, unknown> = { draw, carve: carveSeed, ratio, recvae: base, rows: { first: first.length, inner: inner.length } };
    const ease = { ...(await firstAndRead('ease', {})), refit: await score('ease', {}, inner) };
    const recvae: Record<string, number> = { ...(await firstAndRead('recvae', base)), refit: await score('recvae', base, inner) };
    for (const v of variants) recvae[v.name] = await score('recvae', { ...base, ...v.params }, inner);
    row.ease = { ...ease, gain: +(ease.refit - ease.first).toFixed(4) };
    row.recvaeScores = { ...recvae, gain: +(recvae.refit - recvae.first).toFixed(4) };
    console.log(JSON.stringify(row));
  }
}
