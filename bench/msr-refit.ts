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
 * (NDCG@10; the inner part's items left out).
 *
 *   TASTEBUD_DATA_DIR=../shared/data CARVES=48,49 \
 *     VARIANTS='[{"name":"gamma-scaled","params":{"gamma":0.0045}}]' \
 *     nice -n 5 node --import tsx bench/msr-refit.ts
 *
 * Prints one JSON line per (draw, carve).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Interactions } from '../src/data/interactions.ts';
import { perUserSplit } from '../src/data/splits.ts';
import { msrStratified } from '../src/eval/protocols/ranking.ts';
import { evaluateRanking } from '../src/eval/ranking.ts';
import { fitOneThread, RECVAE_MSR_EXAMPLE } from './common.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = process.env.TASTEBUD_DATA_DIR ?? path.resolve(root, '../shared/data');
const draws = (process.env.DRAWS ?? '42').split(',').map(Number);
const carves = (process.env.CARVES ?? '42').split(',').map(Number);
// The outer carve's share of each user's train ratings (0.1 as the runner; 0.25 as the protocol's test).
const ratio = Number(process.env.RATIO ?? 0.1);
const variants = JSON.parse(process.env.VARIANTS ?? '[]') as { name: string; params: Record<string, unknown> }[];

for (const draw of draws) {
  const p = await msrStratified.prepare({ dataDir, download: false, seed: draw });
  for (const carveSeed of carves) {
    const { train: inner, test: carve } = perUserSplit(p.train, { testRatio: ratio, seed: carveSeed });
    const { train: first } = perUserSplit(inner, { testRatio: 0.1, seed: 43 });
    const score = async (type: string, params: Record<string, unknown>, data: Interactions) =>
      +evaluateRanking(await fitOneThread(type, params, data), carve, { exclude: inner.byUser(), k: [10], perUser: false }).metrics['ndcg@10'].toFixed(4);
    const row: Record<string, unknown> = { draw, carve: carveSeed, ratio, rows: { first: first.length, inner: inner.length } };
    const ease = { first: await score('ease', {}, first), refit: await score('ease', {}, inner) };
    const recvae: Record<string, number> = { first: await score('recvae', RECVAE_MSR_EXAMPLE, first), refit: await score('recvae', RECVAE_MSR_EXAMPLE, inner) };
    for (const v of variants) recvae[v.name] = await score('recvae', { ...RECVAE_MSR_EXAMPLE, ...v.params }, inner);
    row.ease = { ...ease, gain: +(ease.refit - ease.first).toFixed(4) };
    row.recvae = { ...recvae, gain: +(recvae.refit - recvae.first).toFixed(4) };
    console.log(JSON.stringify(row));
  }
}
