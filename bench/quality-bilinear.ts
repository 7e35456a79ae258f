/**
 * Quality of every bilinear loss on the `lightfm-ua` protocol: ML-100K `ua.base` positives
 * (rating ≥ 4) → train, `ua.test` positives → test, rank all items except the user's train
 * positives, mean per-user ROC AUC and precision@10, popularity alongside. Prints JSON.
 * (LightFM's WARP with 64 factors reports P@10 0.1327, AUC 0.9273 on this protocol.)
 *
 *   node --import tsx bench/quality-bilinear.ts               # default configs
 *   node --import tsx bench/quality-bilinear.ts warp bpr      # only these cases
 *   VARIANTS='[["bpr",{"learningRate":0.1}]]' node --import tsx bench/quality-bilinear.ts
 */
import { createModel } from '../src/models/registry.ts';
import { loadMl100kUa, skipUnlessMl100kUa } from '../test/helpers/ml100k.ts';
import { popularity, ranking } from '../test/helpers/metrics.ts';

const defaults: [string, Record<string, unknown>][] = [
  ['warp', {}],
  ['bpr', {}],
  ['logistic', {}],
  ['triplet', {}],
  ['bilinear', { loss: 'adaptive-hinge' }],
  ['warp', { _name: 'warp+genres' }],
];

async function main(): Promise<void> {
  const missing = skipUnlessMl100kUa();
  if (missing) {
    console.error(missing);
    process.exit(2);
  }
  const { train, test, itemFeatures } = loadMl100kUa(4);
  const filters = process.argv.slice(2);
  const variants = process.env.VARIANTS ? (JSON.parse(process.env.VARIANTS) as [string, Record<string, unknown>][]) : defaults;
  const pop = ranking(popularity(train), train, test);
  const rows: Record<string, unknown>[] = [{ model: 'popularity', auc: +pop.auc.toFixed(4), 'precision@10': +pop.p10.toFixed(4) }];
  for (const [type, raw] of variants) {
    const { _name, ...config } = raw;
    const name = (_name as string | undefined) ?? (config.loss ? `${type}:${config.loss}` : type);
    if (filters.length > 0 && !filters.some((f) => name.includes(f))) continue;
    const model = createModel(type, config);
    const t0 = performance.now();
    await model.fit(train, { threads: 1, seed: 42, itemFeatures: name.includes('genres') ? itemFeatures : undefined });
    const seconds = (performance.now() - t0) / 1000;
    const m = ranking(model, train, test);
    rows.push({ model: name, config: model.config, auc: +m.auc.toFixed(4), 'precision@10': +m.p10.toFixed(4), trainSeconds: +seconds.toFixed(1) });
    process.stderr.write(`${name}: AUC ${m.auc.toFixed(4)}  P@10 ${m.p10.toFixed(4)}  (${seconds.toFixed(1)} s)\n`);
  }
  console.log(JSON.stringify({ protocol: 'lightfm-ua', train: train.length, test: test.length, rows }, null, 1));
}

await main();
