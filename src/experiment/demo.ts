import { join } from 'node:path';
import { DatasetNotFoundError } from '../contracts/errors.ts';
import { generateSynthetic } from '../data/synthetic.ts';
import type { Dataset } from '../data/types.ts';
import { loadModel } from '../models/load.ts';
import { datasets } from '../data/datasets/index.ts';
import { type ExperimentConfig, validateExperimentConfig } from './config.ts';
import { runExperiment } from './runner.ts';
import type { ExperimentResults } from './results.ts';

export interface DemoOptions {
  dataDir?: string;
  outDir?: string;
  log?: (line: string) => void;
  /** Print to (default stdout). */
  print?: (text: string) => void;
}

/**
 * The models the demo trains beside the baselines: a strong bilinear model, a deep hybrid one
 * (DeepFM with movie metadata as fields) and the strongest single neural model on this protocol,
 * RecVAE at examples/recvae-lightfm.yaml's validation-chosen settings (up to its 25 epochs: like
 * every demo model, the refit on all of train runs the validation trial's best epoch count).
 */
const DEMO_MODELS = [
  { name: 'warp', type: 'warp', params: { factors: 64 } },
  { name: 'deepfm', type: 'deepfm', params: { epochs: 8 } },
  {
    name: 'recvae',
    type: 'recvae',
    params: { hidden: 512, depth: 3, latent: 200, batchSize: 100, learningRate: 0.001, dropout: 0.8, epochs: 25 },
    fit: { earlyStopping: false },
  },
];
const DEMO_BASELINES = ['popularity', 'item-knn', 'ease'];

/** The demo's experiment: ML-100K under lightfm-ua, or (`synthetic`) planted data under full-ranking. */
export function demoConfig(synthetic: boolean): ExperimentConfig {
  const [name, protocol] = synthetic ? ['demo-synthetic', 'full-ranking'] : ['demo', 'lightfm-ua'];
  return validateExperimentConfig({ name, protocol, seed: 1, threads: 2, baselines: DEMO_BASELINES, models: DEMO_MODELS });
}

/**
 * The main job (README's first command): ML-100K under the lightfm-ua protocol, the demo models
 * beside popularity, item-kNN and EASE, a comparison table, a few users' recommendations with
 * movie titles, and the HTML report. Without ML-100K on disk and no way to download it, it says
 * so and runs the same on planted-structure synthetic data, so the command always shows the
 * library end to end.
 */
export async function runDemo(options: DemoOptions = {}): Promise<ExperimentResults> {
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const print = options.print ?? ((text: string) => process.stdout.write(text));
  // The comparison table is the result, as for `tastebud experiment`: stdout, so `> out.txt` keeps it.
  const summary = (table: string): void => print(table + '\n');
  const outDir = options.outDir ?? 'runs';
  let results: ExperimentResults;
  let dataset: Dataset | null = null;
  try {
    dataset = await datasets.load('ml-100k', { dataDir: options.dataDir });
    results = await runExperiment(demoConfig(false), { dataDir: options.dataDir, outDir, log, summary, data: dataset, command: 'tastebud demo', overwrite: true });
  } catch (error) {
    if (!(error instanceof DatasetNotFoundError)) throw error;
    log(`ML-100K is not available: ${error.message}`);
    log('running the demo on synthetic data with planted preferences instead');
    dataset = generateSynthetic({ users: 600, items: 800, factors: 8, interactionsPerUser: 40, popularitySkew: 0.8, noise: 0.3, seed: 1 });
    results = await runExperiment(demoConfig(true), { dataDir: options.dataDir, outDir, log, summary, data: dataset, command: 'tastebud demo', overwrite: true });
  }
  print(await sampleRecommendations(results, dataset));
  print(`\nreport: ${join(results.outDir, 'report.html')}\n`);
  return results;
}

/**
 * Every item each user rated in the demo protocol's training part (ML-100K's `ua.base`), whatever
 * the rating, or null without that split. lightfm-ua trains on ratings ≥ 4 only, so a model's own
 * seen items leave a user's 1–3 ratings in its lists: movies they have watched.
 */
export async function ratedInTraining(dataset: Dataset | null, split = 'ua'): Promise<Map<string, Set<string>> | null> {
  const make = dataset?.splits?.[split];
  if (!make) return null;
  const { train } = await make();
  const rated = new Map<string, Set<string>>();
  for (let p = 0; p < train.length; p++) {
    const user = train.userIds.id(train.users[p]);
    let items = rated.get(user);
    if (!items) rated.set(user, (items = new Set()));
    items.add(train.itemIds.id(train.items[p]));
  }
  return rated;
}

/** Top-5 of the best model for three users, with item names where the dataset has them. */
export async function sampleRecommendations(results: ExperimentResults, dataset: Dataset | null): Promise<string> {
  const main = results.protocol.mainMetric;
  const sign = results.protocol.lowerIsBetter ? -1 : 1;
  const best = results.runs.filter((r) => r.modelDir && !r.error && Number.isFinite(r.metrics[main])).sort((a, b) => sign * (b.metrics[main] - a.metrics[main]))[0];
  if (!best) return 'no model finished, so there are no recommendations to show\n';
  const model = await loadModel(join(results.outDir, best.modelDir!));
  const rated = await ratedInTraining(dataset);
  const lines = [
    `\nbest model by ${main}: ${best.name} (${best.metrics[main].toFixed(4)}); its top 5 for three users${rated ? ' (movies they rated in training left out, whatever the rating)' : ''}:`,
  ];
  for (const user of model.userIds.toArray().slice(0, 3)) {
    lines.push(`  user ${user}:`);
    const seen = rated?.get(user);
    for (const rec of model.recommend(user, { k: 5, filter: seen ? (i) => !seen.has(model.itemIds.id(i)) : undefined })) {
      const name = dataset?.itemNames?.[dataset.interactions.itemIds.get(rec.item) ?? -1];
      lines.push(`    ${rec.item.padStart(5)}  ${rec.score.toFixed(3).padStart(7)}  ${name ?? ''}`);
    }
  }
  return lines.join('\n') + '\n';
}
