/**
 * Seed spread of the fixed RecVAE examples on test (examples/recvae-lightfm.yaml, recvae-msr.yaml):
 * the same settings refit on all of train with other seeds, P@10 / NDCG@10 / AUC on test. It
 * estimates noise only; it must not choose anything (the examples were fixed on validation).
 *
 *   TASTEBUD_DATA_DIR=../shared/data node --import tsx bench/recvae-seeds.ts lightfm-ua 42 1 2 3
 *   TASTEBUD_DATA_DIR=../shared/data node --import tsx bench/recvae-seeds.ts msr-stratified 1 2 3
 *
 * Prints a JSON line per seed.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lightfmUa, msrStratified } from '../src/eval/protocols/ranking.ts';
import { evaluateRanking } from '../src/eval/ranking.ts';
import { createModel } from '../src/models/registry.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = process.env.TASTEBUD_DATA_DIR ?? path.resolve(root, '../shared/data');
// The examples' settings: one network, the validation-best epoch count per protocol.
const EXAMPLES = {
  'lightfm-ua': { protocol: lightfmUa, epochs: 25 },
  'msr-stratified': { protocol: msrStratified, epochs: 33 },
} as const;

async function main(): Promise<void> {
  const name = process.argv[2] as keyof typeof EXAMPLES;
  const example = EXAMPLES[name];
  if (!example) throw new Error(`usage: recvae-seeds.ts ${Object.keys(EXAMPLES).join('|')} SEED...`);
  const p = await example.protocol.prepare({ dataDir, download: false });
  for (const seed of process.argv.slice(3).map(Number)) {
    const model = createModel('recvae', { hidden: 512, depth: 3, latent: 200, batchSize: 100, learningRate: 0.001, dropout: 0.8, epochs: example.epochs, seed });
    await model.fit(p.train, { threads: 1, seed, progress: false });
    const m = evaluateRanking(model, p.test, { k: [10], exclude: p.exclude, perUser: false }).metrics;
    console.log(JSON.stringify({ protocol: name, seed, 'precision@10': +m['precision@10'].toFixed(4), 'ndcg@10': +m['ndcg@10'].toFixed(4), auc: +m.auc.toFixed(4) }));
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
