/**
 * Mult-VAE and RecVAE on one thread and on two (their dense products split with a helper thread,
 * src/core/gemm-threads.ts): wall seconds per training epoch, seconds to score every training user
 * (a validation pass's forward work), and a SHA-256 of every trained tensor, which must be the
 * same at both thread counts (the split is bit-exact). One and two threads alternate in each round
 * (the order flips every round) so machine load hits both alike; `speedup` is the ratio of the
 * same round. Epochs per fit: BENCH_EPOCHS (default 3); rounds: BENCH_ROUNDS (default 3).
 *
 *   TASTEBUD_DATA_DIR=../shared/data node --import tsx bench/vae-threads.ts            # every case
 *   TASTEBUD_DATA_DIR=../shared/data node --import tsx bench/vae-threads.ts recvae     # cases whose name contains a filter
 *
 * Cases: the committed RecVAE examples' network on ML-100K msr-stratified's train
 * (examples/recvae-ema-msr.yaml) and on lightfm-ua's (examples/recvae-lightfm.yaml), Mult-VAE at
 * its defaults (the paper's [600], latent 200, batch 500) on msr-stratified's train, and Mult-VAE
 * with a 2,000-item sampled softmax on a synthetic 20 K-item catalogue. Prints one JSON row per case
 * and round, then a summary row per case with medians.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { caseFilter, median } from './common.ts';
import { generateSynthetic } from '../src/data/synthetic.ts';
import type { Interactions } from '../src/data/interactions.ts';
import { lightfmUa, msrStratified } from '../src/eval/protocols/ranking.ts';
import { createModel } from '../src/models/registry.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = process.env.TASTEBUD_DATA_DIR ?? path.resolve(root, '../shared/data');
const epochs = Number(process.env.BENCH_EPOCHS ?? 3);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const selected = caseFilter();

const RECVAE_EXAMPLE = { hidden: 512, depth: 3, latent: 200, batchSize: 100, learningRate: 0.001, dropout: 0.8, emaDecay: 0.995 };

interface Case {
  name: string;
  type: string;
  params: Record<string, unknown>;
  train: () => Promise<Interactions>;
}

const cases: Case[] = [
  { name: 'recvae-msr', type: 'recvae', params: RECVAE_EXAMPLE, train: async () => (await msrStratified.prepare({ dataDir, download: false })).train },
  { name: 'recvae-lightfm-ua', type: 'recvae', params: { ...RECVAE_EXAMPLE, emaDecay: 0 }, train: async () => (await lightfmUa.prepare({ dataDir, download: false })).train },
  { name: 'multvae-msr', type: 'multvae', params: {}, train: async () => (await msrStratified.prepare({ dataDir, download: false })).train },
  {
    name: 'multvae-sampled-20k-items',
    type: 'multvae',
    params: { sampledSoftmax: 2000 },
    train: async () => generateSynthetic({ users: 20000, items: 20000, factors: 16, interactionsPerUser: 50, popularitySkew: 0.8, noise: 0.1, seed: 1 }).interactions,
  },
];

/** One fit: wall seconds per epoch, seconds to score every training user, and the tensors' hash. */
async function measure(c: Case, train: Interactions, threads: number) {
  const model = createModel(c.type, { ...c.params, epochs, seed: 42 });
  const t0 = performance.now();
  await model.fit(train, { threads, seed: 42, progress: false, log: () => {}, earlyStopping: false });
  const fitSeconds = (performance.now() - t0) / 1000;
  const users = Int32Array.from({ length: Math.min(train.numUsers, 2000) }, (_, u) => u);
  const out = new Float32Array(users.length * train.numItems);
  const t1 = performance.now();
  model.scoreUsers(users, out);
  const scoreSeconds = (performance.now() - t1) / 1000;
  const hash = createHash('sha256');
  for (const [name, t] of Object.entries(model.getState().tensors)) hash.update(name).update(new Uint8Array((t.data as Float32Array).buffer));
  return { epochSeconds: fitSeconds / epochs, scoreSeconds, tensors: hash.digest('hex').slice(0, 16) };
}

async function main(): Promise<void> {
  for (const c of cases) {
    if (!selected(c.name)) continue;
    let train: Interactions;
    try {
      train = await c.train();
    } catch (e) {
      process.stderr.write(`skipped ${c.name}: ${(e as Error).message} (set TASTEBUD_DATA_DIR)\n`);
      continue;
    }
    const perRound: { epoch: number; score: number }[] = [];
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? [1, 2] : [2, 1];
      const got: Record<number, Awaited<ReturnType<typeof measure>>> = {};
      for (const threads of order) got[threads] = await measure(c, train, threads);
      const row = {
        case: c.name,
        round: r + 1,
        users: train.numUsers,
        items: train.numItems,
        epochs,
        epochSeconds1t: +got[1].epochSeconds.toFixed(3),
        epochSeconds2t: +got[2].epochSeconds.toFixed(3),
        speedup: +(got[1].epochSeconds / got[2].epochSeconds).toFixed(2),
        scoreSeconds1t: +got[1].scoreSeconds.toFixed(3),
        scoreSeconds2t: +got[2].scoreSeconds.toFixed(3),
        scoreSpeedup: +(got[1].scoreSeconds / got[2].scoreSeconds).toFixed(2),
        sameTensors: got[1].tensors === got[2].tensors,
        load1m: +loadavg()[0].toFixed(2),
      };
      perRound.push({ epoch: row.speedup, score: row.scoreSpeedup });
      console.log(JSON.stringify(row));
    }
    console.log(JSON.stringify({ case: c.name, summary: true, medianSpeedup: median(perRound.map((p) => p.epoch)), medianScoreSpeedup: median(perRound.map((p) => p.score)) }));
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
