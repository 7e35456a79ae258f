/**
 * Validation-only tuning of one model type under a ranking protocol: 10% of each user's training
 * interactions carved out with perUserSplit (seed 42, as src/experiment/runner.ts does), each
 * setting trained on the rest with the metric on validation after every epoch and early stopping
 * (restoring the best epoch). Test is never read. The protocol's metadata features are passed
 * to the fit. Prints JSON (a line per setting on stderr as it finishes).
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

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = process.env.TASTEBUD_DATA_DIR ?? path.resolve(root, '../shared/data');
const PROTOCOLS = { 'msr-stratified': msrStratified, 'lightfm-ua': lightfmUa } as const;

type Setting = { name: string; params: Record<string, unknown> };

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
    const model = createModel(type, s.params);
    const t0 = performance.now();
    const h = await model.fit(inner, {
      threads: 1,
      seed: 42,
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

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
