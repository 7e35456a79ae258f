/** What the training benchmarks share: arguments, synthetic data, the median, the JSON report. */
import { generateSynthetic, type SyntheticDataset } from '../src/data/synthetic.ts';
import type { Interactions } from '../src/data/interactions.ts';
import type { EpochContext } from '../src/train/types.ts';
import type { Scorer } from '../src/contracts/types.ts';
import { createModel } from '../src/models/registry.ts';
import { evaluateRanking } from '../src/eval/ranking.ts';

/** The arithmetic mean (NaN for no values). */
export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return xs.length ? s / xs.length : Number.NaN;
}

export function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Command-line filters: a case runs when there are none or its name contains one. */
export function caseFilter(): (name: string) => boolean {
  const filters = process.argv.slice(2);
  return (name) => filters.length === 0 || filters.some((f) => name.includes(f));
}

/** Epochs per case (BENCH_EPOCHS, at least 3, so a median means something). */
export function benchEpochs(): number {
  return Math.max(3, Number(process.env.BENCH_EPOCHS ?? 3));
}

/** Synthetic training data of BENCH_USERS users (default `users`) × 10,000 items, ~20 per user. */
export function benchData(users: number, features: { itemFeatures?: number; userFeatures?: number } = {}): { data: SyntheticDataset; train: Interactions; generated: number } {
  const t0 = performance.now();
  const data = generateSynthetic({ users: Number(process.env.BENCH_USERS ?? users), items: 10_000, factors: 16, interactionsPerUser: 20, ...features, seed: 1 });
  data.interactions.byUser();
  return { data, train: data.interactions, generated: (performance.now() - t0) / 1000 };
}

/** The JSON every training benchmark prints: the data, one row per case, peak RSS. */
export function printReport(train: Interactions, generated: number, rows: Record<string, unknown>[]): void {
  const out = {
    data: { users: train.numUsers, items: train.numItems, interactions: train.length, generateSeconds: +generated.toFixed(2) },
    rows,
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    node: process.version,
  };
  console.log(JSON.stringify(out, null, 1));
}

/**
 * Counts the CPU seconds of `model`'s training passes alone (the fit loop's validation scoring
 * excluded) by wrapping its `trainEpoch` (a pass that returns a promise is counted until it
 * settles); `before` runs ahead of each pass, uncounted.
 */
export function meterTrainCpu(model: { trainEpoch(ctx: EpochContext): number | Promise<number> }, before?: () => void): { seconds: number } {
  const meter = { seconds: 0 };
  const trainEpoch = model.trainEpoch.bind(model);
  model.trainEpoch = (ctx: EpochContext) => {
    before?.();
    const c0 = process.cpuUsage();
    const count = (): void => {
      const c = process.cpuUsage(c0);
      meter.seconds += (c.user + c.system) / 1e6;
    };
    const loss = trainEpoch(ctx);
    if (typeof loss === 'number') {
      count();
      return loss;
    }
    return loss.finally(count);
  };
  return meter;
}

/** The quartile edges of `values` (the values at 25 / 50 / 75 % of the sorted list). */
export function quartileEdges(values: number[]): number[] {
  const sorted = [...values].sort((x, y) => x - y);
  return [0.25, 0.5, 0.75].map((q) => sorted[Math.floor(q * (sorted.length - 1))]);
}

/** The bucket of `v` for ascending integer edges: 0 for v ≤ edges[0], …, edges.length above the last. */
export function bucketOf(edges: number[], v: number): number {
  let b = 0;
  while (b < edges.length && v > edges[b]) b++;
  return b;
}

/** Names of the buckets `bucketOf` gives for integer edges: "≤a", "a+1–b", …, ">z". */
export function edgeNames(edges: number[]): string[] {
  return edges.map((e, b) => (b === 0 ? `≤${e}` : `${edges[b - 1] + 1}–${e}`)).concat(`>${edges.at(-1)}`);
}

/** examples/recvae-ema-msr.yaml's RecVAE (33 epochs; its seed, 42, is fitOneThread's). */
export const RECVAE_MSR_EXAMPLE = { hidden: 512, depth: 3, latent: 200, batchSize: 100, learningRate: 0.001, dropout: 0.8, emaDecay: 0.995, epochs: 33 };

/** `type` with `params` fitted on `data` on one thread, model and training seed 42, quietly. */
export async function fitOneThread(type: string, params: Record<string, unknown>, data: Interactions): Promise<Scorer> {
  const model = createModel(type, { ...params, seed: 42 });
  await model.fit(data, { threads: 1, seed: 42, progress: false, log: () => {} });
  return model;
}

/** NDCG@10 of `model` on `targets`, each user's items in `exclude` left out, to 4 decimals. */
export function ndcgAt10(model: Scorer, targets: Interactions, exclude: Interactions): number {
  return +evaluateRanking(model, targets, { exclude: exclude.byUser(), k: [10], perUser: false }).metrics['ndcg@10'].toFixed(4);
}

/** SPLIT_SEED: another draw of a protocol's train/test split (undefined: the protocol's own seed). */
export function splitSeedFromEnv(): number | undefined {
  return process.env.SPLIT_SEED === undefined ? undefined : Number(process.env.SPLIT_SEED);
}

/** p50 and p99 of latencies in milliseconds, to 3 decimals. */
export function percentiles(ms: number[]): { p50: number; p99: number } {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number): number => Number(s[Math.min(s.length - 1, Math.floor(q * s.length))].toFixed(3));
  return { p50: at(0.5), p99: at(0.99) };
}
