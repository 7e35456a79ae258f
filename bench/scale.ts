/**
 * The scale curve: BPR, iALS, Mult-VAE and the two-tower model (when the registry has
 * `two-tower`) on synthetic data of 1 M, 5 M and 20 M interactions, users and items growing with
 * it (users = n/40, items = n/250, ~40 per user), one epoch each unless BENCH_EPOCHS says more.
 * Each (model, size) runs in its own child process, so its peak RSS (resourceUsage().maxRSS) is
 * its own. Prints JSON: seconds per epoch, ns per interaction per epoch (wall clock, and CPU
 * time over every thread, setup included, which a loaded machine disturbs less), peak RSS, data
 * and setup time, and the model's own memory estimate (`estimateMemory`, where it has one) beside
 * the peak. A child that passes BENCH_TIMEOUT seconds (default 1800) is stopped and reported.
 *
 * BENCH_USER_SHARE (default 1) trains on a seeded sample of that share of the users (every item
 * kept): for a model whose cost per user does not depend on how many users there are (Mult-VAE:
 * each user's row goes through a softmax over every item), its CPU per interaction at the full
 * shape, when a full epoch would take hours. The row then says `userShare` and projects the
 * full epoch's CPU seconds from it; its peak RSS is that of the sample's data. BENCH_PROGRESS=s
 * prints the epoch's progress (fraction, wall and CPU seconds, RSS) every s seconds to stderr, so
 * a run stopped before the end of its epoch still says how far it got.
 *
 * BENCH_HISTORY_LIMIT=H trains the two-tower model with `historyLimit: H` (at most H history
 * items per user and batch, a seeded sample; scoring keeps the whole history); the row says so.
 * Unset, the model's default (the whole history).
 *
 * BENCH_THREADS (default 2) is the fit's `threads`: BPR, iALS and the two-tower model train over
 * them (the two-tower model since its Hogwild workers; before, it ran on one thread whatever this
 * said), Mult-VAE over them since its two-thread products (src/core/gemm-threads.ts; before, on
 * one thread). The row says it.
 *
 * BENCH_SAMPLED_SOFTMAX=k trains Mult-VAE with `sampledSoftmax: k` (each user's positives and k
 * items shared by the batch in the likelihood, instead of every item); the row says so. Unset,
 * the paper's exact softmax.
 *
 *   node --import tsx bench/scale.ts                         # every model at 1M and 5M
 *   BENCH_SIZES=20000000 node --import tsx bench/scale.ts bpr ials
 *   BENCH_SIZES=20000000 BENCH_TIMEOUT=7200 BENCH_PROGRESS=60 nice -n 5 node --import tsx bench/scale.ts two-tower
 */
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { generateSynthetic } from '../src/data/synthetic.ts';
import { createModel, listModels } from '../src/models/registry.ts';
import type { Interactions } from '../src/data/interactions.ts';
import type { Trainable } from '../src/train/types.ts';
import { Rng } from '../src/core/rng.ts';
import { median } from './common.ts';

/** Per model: its config for the curve (defaults, a fixed size) and threads. */
const MODELS: Record<string, Record<string, unknown>> = {
  bpr: { factors: 64 },
  ials: { factors: 64 },
  multvae: {},
  'two-tower': {},
};

const threads = Math.max(1, Number(process.env.BENCH_THREADS ?? 2));

async function child(type: string, size: number, epochs: number): Promise<void> {
  const t0 = performance.now();
  const users = Math.round(size / 40);
  const items = Math.round(size / 250);
  const { interactions: all } = generateSynthetic({ users, items, factors: 16, interactionsPerUser: 40, seed: 1 });
  const share = Number(process.env.BENCH_USER_SHARE ?? 1);
  const train = share < 1 ? sampleUsers(all, share) : all;
  const generated = (performance.now() - t0) / 1000;
  const rssAfterData = process.memoryUsage().rss;
  const historyLimit = type === 'two-tower' && process.env.BENCH_HISTORY_LIMIT ? Number(process.env.BENCH_HISTORY_LIMIT) : null;
  const sampledSoftmax = type === 'multvae' && process.env.BENCH_SAMPLED_SOFTMAX ? Number(process.env.BENCH_SAMPLED_SOFTMAX) : null;
  const model = createModel(type, { ...MODELS[type], ...(historyLimit ? { historyLimit } : {}), ...(sampledSoftmax ? { sampledSoftmax } : {}), epochs });
  // The estimate at the full shape (the fit checks the sample's own, which is the same for items-bound models).
  const estimate = (model as unknown as Trainable).estimateMemory?.({ users: all.numUsers, items: all.numItems, interactions: all.length }, threads) ?? null;
  const t1 = performance.now();
  const cpu0 = process.cpuUsage();
  reportProgress(model as unknown as Trainable, Number(process.env.BENCH_PROGRESS ?? 0), t1, cpu0);
  const history = await model.fit(train, { threads, seed: 1, progress: false, log: () => {} });
  const fitSeconds = (performance.now() - t1) / 1000;
  const cpu = process.cpuUsage(cpu0);
  // CPU time of the whole fit (every thread), per epoch: steadier than wall time on a shared machine.
  const fitCpuSeconds = (cpu.user + cpu.system) / 1e6;
  const perEpoch = history.epochs.map((e) => e.seconds);
  const epochSeconds = median(perEpoch);
  const out = {
    model: type,
    threads,
    ...(historyLimit ? { historyLimit } : {}),
    ...(sampledSoftmax ? { sampledSoftmax } : {}),
    interactions: train.length,
    users: train.numUsers,
    items: train.numItems,
    epochs: perEpoch.length,
    epochSeconds: +epochSeconds.toFixed(2),
    nsPerInteraction: +((epochSeconds * 1e9) / train.length).toFixed(1),
    cpuSecondsPerEpoch: +(fitCpuSeconds / perEpoch.length).toFixed(2),
    cpuNsPerInteraction: +((fitCpuSeconds * 1e9) / perEpoch.length / train.length).toFixed(1),
    setupSeconds: +(fitSeconds - perEpoch.reduce((a, b) => a + b, 0)).toFixed(2),
    generateSeconds: +generated.toFixed(1),
    dataRssMB: Math.round(rssAfterData / 2 ** 20),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    estimateMB: estimate ? Math.round(estimate.bytes / 2 ** 20) : null,
    ...(share < 1
      ? { userShare: share, fullInteractions: all.length, projectedFullEpochCpuSeconds: Math.round((fitCpuSeconds / perEpoch.length / train.length) * all.length) }
      : {}),
  };
  console.log(JSON.stringify(out));
}

/**
 * BENCH_PROGRESS=s: every s seconds of wall time, a line on stderr with the epoch's fraction done,
 * wall and CPU seconds and RSS so far, so a run stopped before its end still says how far it got.
 */
function reportProgress(model: Trainable, everySeconds: number, t0: number, cpu0: NodeJS.CpuUsage): void {
  if (!(everySeconds > 0)) return;
  const train = model.trainEpoch.bind(model);
  let last = t0;
  model.trainEpoch = (ctx) =>
    train({
      ...ctx,
      progress: (fraction) => {
        ctx.progress(fraction);
        const now = performance.now();
        if (now - last < everySeconds * 1000) return;
        last = now;
        const cpu = process.cpuUsage(cpu0);
        const line = {
          epoch: ctx.epoch,
          done: +fraction.toFixed(4),
          wallSeconds: Math.round((now - t0) / 1000),
          cpuSeconds: Math.round((cpu.user + cpu.system) / 1e6),
          rssMB: Math.round(process.memoryUsage().rss / 2 ** 20),
        };
        console.error(JSON.stringify(line));
      },
    });
}

/** A seeded sample of `share` of the users with all their interactions (ids and the item catalogue unchanged). */
function sampleUsers(x: Interactions, share: number): Interactions {
  const rng = new Rng(7);
  const keep = new Uint8Array(x.numUsers);
  for (let u = 0; u < x.numUsers; u++) keep[u] = rng.next() < share ? 1 : 0;
  return x.filter((p) => keep[x.users[p]] === 1);
}

function main(): void {
  const sizes = (process.env.BENCH_SIZES ?? '1000000,5000000').split(',').map(Number);
  const epochs = Number(process.env.BENCH_EPOCHS ?? 1);
  const timeout = Number(process.env.BENCH_TIMEOUT ?? 1800) * 1000;
  const filters = process.argv.slice(2);
  const registered = new Set(listModels().map((m) => m.type));
  const rows: Record<string, unknown>[] = [];
  for (const type of Object.keys(MODELS)) {
    if (filters.length > 0 && !filters.includes(type)) continue;
    if (!registered.has(type)) {
      rows.push({ model: type, skipped: 'not in the registry' });
      continue;
    }
    for (const size of sizes) {
      try {
        const out = execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', type, String(size), String(epochs)], {
          encoding: 'utf8',
          timeout,
          maxBuffer: 1 << 20,
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        const row = JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>;
        rows.push(row);
        console.error(JSON.stringify(row));
      } catch (e) {
        const message = (e as Error).message.split('\n')[0];
        rows.push({ model: type, interactions: size, failed: message });
        console.error(`${type} at ${size}: ${message}`);
      }
    }
  }
  console.log(JSON.stringify({ node: process.version, load: loadavg().map((v) => +v.toFixed(1)), rows }, null, 1));
}

if (process.argv[2] === '--child') {
  child(process.argv[3], Number(process.argv[4]), Number(process.argv[5])).catch((e) => {
    console.error(e);
    process.exit(1);
  });
} else main();
