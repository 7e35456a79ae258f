/**
 * Validation-only tuning of one model type under a ranking protocol: 10% of each user's training
 * interactions carved out with perUserSplit (seed 42, as src/experiment/runner.ts does), each
 * setting trained on the rest with the metric on validation after every epoch and early stopping
 * (restoring the best epoch). Test is never read. The protocol's metadata features are passed
 * to the fit. Prints JSON (a line per setting on stderr as it finishes).
 *
 * A setting's `seed` sets the model seed (default 42; the carve stays seed 42). A setting with
 * `seeds: [42, 1, ...]` is a seed ensemble: a blend (z-scored, equal weights) of the model trained
 * under each seed for its fixed `epochs` (no early stopping), each member and the ensemble then
 * measured on validation.
 *
 *   TASTEBUD_DATA_DIR=../shared/data MODEL=recvae PROTOCOL=msr-stratified METRIC=ndcg@10 \
 *     SETTINGS='[{"name":"x","params":{...}}]' PATIENCE=5 node --import tsx bench/deep-validation.ts
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { perUserSplit } from '../src/data/splits.ts';
import { lightfmUa, msrStratified } from '../src/eval/protocols/ranking.ts';
import { createModel } from '../src/models/registry.ts';
import { evaluateRanking } from '../src/eval/ranking.ts';
import type { Interactions } from '../src/data/interactions.ts';
import type { Blend } from '../src/models/ensemble/blend.ts';
import type { Recommender } from '../src/models/recommender.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = process.env.TASTEBUD_DATA_DIR ?? path.resolve(root, '../shared/data');
const PROTOCOLS = { 'msr-stratified': msrStratified, 'lightfm-ua': lightfmUa } as const;

type Setting = { name: string; params: Record<string, unknown>; seed?: number; seeds?: number[] };

async function main(): Promise<void> {
  const type = process.env.MODEL ?? 'recvae';
  const protocolName = (process.env.PROTOCOL ?? 'msr-stratified') as keyof typeof PROTOCOLS;
  const protocol = PROTOCOLS[protocolName];
  if (!protocol) throw new Error(`PROTOCOL must be one of ${Object.keys(PROTOCOLS).join(', ')}`);
  const metric = process.env.METRIC ?? 'ndcg@10';
  const patience = Number(process.env.PATIENCE ?? 5);
  const settings = JSON.parse(process.env.SETTINGS ?? '[{"name":"defaults","params":{}}]') as Setting[];
  const prepared = await protocol.prepare({ dataDir, download: false });
  const { train: inner, test: validation } = perUserSplit(prepared.train, { testRatio: 0.1, seed: 42 });
  const rows: Record<string, unknown>[] = [];
  for (const s of settings) {
    if (s.seeds) {
      rows.push(await seedEnsemble(type, s, inner, validation, metric, prepared));
      console.error(JSON.stringify(rows.at(-1)));
      continue;
    }
    const model = createModel(type, s.params);
    const t0 = performance.now();
    const h = await model.fit(inner, {
      threads: 1,
      seed: s.seed ?? 42,
      validation,
      validationMetric: metric,
      earlyStopping: { patience },
      userFeatures: prepared.userFeatures,
      itemFeatures: prepared.itemFeatures,
      progress: false,
      callbacks: { onEpochEnd: (e) => console.error(`${s.name} epoch ${e.epoch}: loss ${e.loss.toFixed(4)}, validation ${e.validation?.toFixed(4)}, ${e.seconds.toFixed(1)} s`) },
    });
    const best = h.epochs[h.bestEpoch - 1];
    // The restored best epoch's other validation metrics (AUC beside the selecting one).
    const other = evaluateRanking(model, validation, { exclude: inner.byUser(), k: [10], perUser: false }).metrics;
    rows.push({
      name: s.name,
      params: s.params,
      seed: s.seed ?? 42,
      validation: +best.validation!.toFixed(4),
      bestEpoch: h.bestEpoch,
      auc: +other.auc.toFixed(4),
      'precision@10': +other['precision@10'].toFixed(4),
      'ndcg@10': +other['ndcg@10'].toFixed(4),
      epochsRun: h.epochs.length,
      seconds: +((performance.now() - t0) / 1000).toFixed(1),
      secondsPerEpoch: +(h.seconds / h.epochs.length).toFixed(3),
    });
    console.error(JSON.stringify(rows.at(-1)));
  }
  console.log(
    JSON.stringify({ model: type, protocol: protocolName, validation: { carved: 0.1, seed: 42, interactions: validation.length, metric, patience }, settings: rows }, null, 1),
  );
}

type Prepared = Awaited<ReturnType<(typeof PROTOCOLS)[keyof typeof PROTOCOLS]['prepare']>>;

/** Validation metrics (the selecting one, P@10, NDCG@10, AUC) of a fitted model. */
function measure(model: Recommender, inner: Interactions, validation: Interactions, metric: string): Record<string, number> {
  const m = evaluateRanking(model, validation, { exclude: inner.byUser(), k: [10], perUser: false }).metrics;
  const round = (v: number) => +v.toFixed(4);
  return { validation: round(m[metric]), 'precision@10': round(m['precision@10']), 'ndcg@10': round(m['ndcg@10']), auc: round(m.auc) };
}

/** The model under each of `s.seeds` for its fixed epochs, blended with equal weights (z-scores): each member and the ensemble on validation. */
async function seedEnsemble(type: string, s: Setting, inner: Interactions, validation: Interactions, metric: string, prepared: Prepared): Promise<Record<string, unknown>> {
  const seeds = s.seeds ?? [];
  const blend = createModel('blend', { members: seeds.map((seed) => ({ type, params: { ...s.params, seed } })) }) as Blend;
  const t0 = performance.now();
  await blend.fit(inner, { threads: 1, seed: 42, userFeatures: prepared.userFeatures, itemFeatures: prepared.itemFeatures, progress: false });
  const members = blend.models.map((member, m) => ({ seed: seeds[m], ...measure(member, inner, validation, metric) }));
  const mean = (key: string) => +(members.reduce((sum, r) => sum + (r as Record<string, number>)[key], 0) / members.length).toFixed(4);
  return {
    name: s.name,
    params: s.params,
    ensemble: measure(blend, inner, validation, metric),
    memberMean: { validation: mean('validation'), auc: mean('auc') },
    members,
    seconds: +((performance.now() - t0) / 1000).toFixed(1),
  };
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
