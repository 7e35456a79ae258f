/**
 * Training speed of the deep models. Three parts, each printed as JSON rows:
 *
 * 1. `ncf-lightfm-ua-*` — the issue-13 setting, side by side with bench/pytorch/ncf_lightfm_ua.py:
 *    NCF on ML-100K `lightfm-ua` (ua.base positives, rating ≥ 4), embeddings 32 + 32, MLP
 *    [64, 32], BCE, 4 sampled negatives, Adam 1e-3, batch 256, 20 epochs, on 1 and on 2 threads
 *    (Hogwild, src/models/deep/parallel.ts), alternating in one run (BENCH_ROUNDS rounds, default
 *    1). Per case: median seconds per epoch, MLP rows per second (positives × 5), the whole fit,
 *    and P@10 / AUC on `ua.test` after the 20 epochs (a speed benchmark at a fixed setting, not a
 *    tuning). `speedup2v1` is the 2-thread / 1-thread ratio of the same round. Needs
 *    TASTEBUD_DATA_DIR (or ../shared/data); skipped with a message without it.
 * 2. `ncf-validation-*` — the CPU cost of one validation pass (AUC over every item, as the fit loop's
 *    early stopping measures it) against one training epoch, for every validation user and for
 *    `validationUsers` samples, on `lightfm-ua` (validation = 10 % of each user's ua.base
 *    positives) and on a synthetic 17 K-item catalogue.
 * 3. `hogwild-*` — DeepFM, match, neural-rating and two-tower on 1 and 2 threads (Hogwild), CPU and wall
 *    seconds per epoch and validation quality (see hogwildModelCases).
 * 4. the synthetic cases of old (NCF, NeuMF, DeepFM, match on 10 K items, one thread), as before.
 *
 *   node --import tsx bench/train-deep.ts                  # everything
 *   node --import tsx bench/train-deep.ts lightfm-ua       # cases whose name contains a filter
 *   BENCH_ROUNDS=3 node --import tsx bench/train-deep.ts lightfm-ua
 *   BENCH_SPLIT=validation BENCH_ROUNDS=2 node --import tsx bench/train-deep.ts ncf-lightfm-ua   # quality on validation
 *   BENCH_ROUNDS=3 node --import tsx bench/train-deep.ts hogwild
 *
 * For CPU time per epoch of two trees alternating (before/after) see bench/ncf-epoch.ts; for
 * PyTorch beside tastebud in one session, bench/pytorch/side-by-side.sh.
 */
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchData, benchEpochs, caseFilter, median, printReport } from './common.ts';
import { generateSynthetic } from '../src/data/synthetic.ts';
import { perUserSplit } from '../src/data/splits.ts';
import type { Interactions } from '../src/data/interactions.ts';
import { evaluateRanking } from '../src/eval/ranking.ts';
import { lightfmUa } from '../src/eval/protocols/ranking.ts';
import { pointwise } from '../src/eval/protocols/pointwise.ts';
import { evaluatePointwise } from '../src/eval/pointwise.ts';
import { createModel } from '../src/models/registry.ts';
import { sampleValidationUsers, validationScore } from '../src/train/validation.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = process.env.TASTEBUD_DATA_DIR ?? path.resolve(repoRoot, '../shared/data');
const selected = caseFilter();
const rows: Record<string, unknown>[] = [];

/** The issue-13 NCF setting (PyTorch's script uses the same numbers). */
const NCF_SETTING = { factors: 32, layers: [64, 32], loss: 'bce' as const, negatives: 4, optimizer: 'adam' as const, learningRate: 0.001, batchSize: 256, epochs: 20 };
const ROWS_PER_POSITIVE = 5;

function emit(row: Record<string, unknown>): void {
  rows.push(row);
  process.stderr.write(`${JSON.stringify(row)}\n`);
}

async function lightfmUaCases(): Promise<void> {
  const wanted = [1, 2].filter((t) => selected(`ncf-lightfm-ua-${t}t`));
  const wantValidation = selected('ncf-validation-lightfm-ua');
  if (wanted.length === 0 && !wantValidation) return;
  if (!existsSync(path.join(dataDir, 'ml-100k', 'ua.base'))) {
    process.stderr.write(`skipped the lightfm-ua cases: ML-100K not found under ${dataDir} (set TASTEBUD_DATA_DIR)\n`);
    return;
  }
  const p = await lightfmUa.prepare({ dataDir, download: false });
  // BENCH_SPLIT=validation: train on 90 % of each user's ua.base positives and measure on the
  // other 10 % (ua.test unseen), for quality comparisons that must not look at test.
  const onValidation = process.env.BENCH_SPLIT === 'validation';
  const fitData = onValidation ? perUserSplit(p.train, { testRatio: 0.1, seed: 1 }) : { train: p.train, test: p.test };
  const exclude = onValidation ? fitData.train.byUser() : p.exclude;
  const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 1));
  for (let round = 1; round <= rounds; round++) {
    const perEpoch = new Map<number, number>();
    const cpuEpoch = new Map<number, number>();
    for (const threads of wanted) {
      const model = createModel('ncf', NCF_SETTING);
      const seconds: number[] = [];
      // CPU seconds of the whole process (every thread) per epoch, from the 2nd epoch on: what the
      // epoch costs whether or not this shared machine gives the threads their cores.
      const cpu: number[] = [];
      let last = process.cpuUsage();
      const t0 = performance.now();
      await model.fit(fitData.train, {
        threads,
        seed: round,
        callbacks: {
          onEpochEnd: (r) => {
            seconds.push(r.seconds);
            const c = process.cpuUsage(last);
            last = process.cpuUsage();
            if (r.epoch > 1) cpu.push((c.user + c.system) / 1e6);
          },
        },
      });
      const fitSeconds = (performance.now() - t0) / 1000;
      const m = evaluateRanking(model, fitData.test, { k: [10], exclude, perUser: false }).metrics;
      const s = median(seconds);
      const cpuPerEpoch = median(cpu);
      perEpoch.set(threads, s);
      cpuEpoch.set(threads, cpuPerEpoch);
      emit({
        case: `ncf-lightfm-ua-${threads}t`,
        round,
        threads,
        setting: NCF_SETTING,
        positives: fitData.train.length,
        measuredOn: onValidation ? 'validation (10 % of ua.base positives per user)' : 'ua.test',
        secondsPerEpoch: +s.toFixed(3),
        cpuSecondsPerEpoch: +cpuPerEpoch.toFixed(3),
        rowsPerSecond: Math.round((fitData.train.length * ROWS_PER_POSITIVE) / s),
        fitSeconds: +fitSeconds.toFixed(2),
        epochSeconds: seconds.map((x) => +x.toFixed(3)),
        'precision@10': +m['precision@10'].toFixed(4),
        auc: +m.auc.toFixed(4),
      });
    }
    if (perEpoch.has(1) && perEpoch.has(2)) {
      // speedup2v1: wall-clock ratio; idealSpeedup2v1: 2 × the CPU-time ratio, the speedup if each
      // thread had a core to itself (what Hogwild's extra work and contention leave of 2×).
      emit({
        case: 'ncf-lightfm-ua-speedup',
        round,
        speedup2v1: +(perEpoch.get(1)! / perEpoch.get(2)!).toFixed(2),
        idealSpeedup2v1: +((2 * cpuEpoch.get(1)!) / cpuEpoch.get(2)!).toFixed(2),
        cpuOverhead2v1: +(cpuEpoch.get(2)! / cpuEpoch.get(1)!).toFixed(3),
        loadAverage: loadavg()[0],
      });
    }
  }
  if (wantValidation) {
    const { train, test: validation } = perUserSplit(p.train, { testRatio: 0.1, seed: 1 });
    await validationCost('ncf-validation-lightfm-ua', train, validation, [100, 300]);
  }
}

/**
 * One training epoch against one validation pass (AUC over every item, as the fit loop measures
 * it), with every validation user and with `validationUsers` samples.
 */
async function validationCost(name: string, train: Interactions, validation: Interactions, samples: number[], measureAll = true): Promise<void> {
  // CPU seconds (one thread throughout), so that the ratio holds on a loaded machine: the
  // second epoch's training against validation passes after it.
  const model = createModel('ncf', { ...NCF_SETTING, epochs: 2 });
  let epoch = 0;
  let last = process.cpuUsage();
  await model.fit(train, {
    threads: 1,
    seed: 1,
    callbacks: {
      onEpochEnd: () => {
        const c = process.cpuUsage(last);
        epoch = (c.user + c.system) / 1e6;
        last = process.cpuUsage();
      },
    },
  });
  const time = (v: Interactions): { seconds: number; auc: number } => {
    const c0 = process.cpuUsage();
    const auc = validationScore(model, v, 'auc');
    const c = process.cpuUsage(c0);
    return { seconds: (c.user + c.system) / 1e6, auc };
  };
  const base = { case: name, unit: 'CPU seconds', users: train.numUsers, items: train.numItems, positives: train.length, epochSeconds: +epoch.toFixed(3) };
  const everyone = usersIn(validation);
  if (measureAll) {
    const all = time(validation);
    emit({
      ...base,
      validationUsers: 'all',
      sampled: everyone,
      validationSeconds: +all.seconds.toFixed(3),
      fractionOfEpoch: +(all.seconds / epoch).toFixed(3),
      auc: +all.auc.toFixed(4),
    });
  }
  let perUser = 0;
  for (const n of samples) {
    const { sample, users } = sampleValidationUsers(validation, n, 1);
    const r = time(sample);
    perUser = r.seconds / users;
    emit({ ...base, validationUsers: n, sampled: users, validationSeconds: +r.seconds.toFixed(3), fractionOfEpoch: +(r.seconds / epoch).toFixed(3), auc: +r.auc.toFixed(4) });
  }
  if (!measureAll) {
    // Every user, extrapolated from the largest sample (scoring costs the same per user).
    const s = perUser * everyone;
    emit({ ...base, validationUsers: 'all (estimated from the largest sample)', sampled: everyone, validationSeconds: +s.toFixed(1), fractionOfEpoch: +(s / epoch).toFixed(2) });
  }
}

function usersIn(x: Interactions): number {
  const seen = new Uint8Array(x.numUsers);
  let n = 0;
  for (let p = 0; p < x.length; p++) if (!seen[x.users[p]]) n += seen[x.users[p]] = 1;
  return n;
}

async function largeCatalogueValidation(): Promise<void> {
  if (!selected('ncf-validation-17k')) return;
  // A 17 K-item catalogue with ML-1M-like users (6 K, ~20 positives each in train).
  const data = generateSynthetic({ users: 6000, items: 17_000, factors: 16, clusters: 16, interactionsPerUser: 25, popularitySkew: 0.8, seed: 5 });
  const { train, test: validation } = perUserSplit(data.interactions, { testRatio: 0.1, seed: 1 });
  await validationCost('ncf-validation-17k', train, validation, [100, 300, 1000], false);
}

interface BenchCase {
  name: string;
  model: string;
  config: Record<string, unknown>;
  /** MLP rows per positive. */
  rowsPerPositive: number;
}

const layers = [64, 32];
const syntheticCases: BenchCase[] = [
  { name: 'ncf-32f-64x32-neg4-1t', model: 'ncf', config: { factors: 32, layers, negatives: 4 }, rowsPerPositive: 5 },
  { name: 'neumf-32f-64x32-neg4-1t', model: 'neumf', config: { factors: 32, layers, negatives: 4 }, rowsPerPositive: 5 },
  { name: 'deepfm-16f-64x32-neg4-1t', model: 'deepfm', config: { factors: 16, layers, negatives: 4 }, rowsPerPositive: 5 },
  { name: 'deepfm-16f-64x32-neg4-fields-1t', model: 'deepfm', config: { factors: 16, layers, negatives: 4 }, rowsPerPositive: 5 },
  { name: 'match-32f-64x32-1t', model: 'match', config: { userFactors: 32, itemFactors: 32, layers }, rowsPerPositive: 2 },
  // Whole-row and in-batch-softmax models: no sampled rows, so rowsPerPositive is 1.
  { name: 'recvae-3x256-l128-1t', model: 'recvae', config: { hidden: 256, depth: 3, latent: 128, batchSize: 100 }, rowsPerPositive: 1 },
  { name: 'two-tower-64f-128-fields-1t', model: 'two-tower', config: { factors: 64, embeddingDim: 64, layers: [128] }, rowsPerPositive: 1 },
];

/**
 * `hogwild-<model>-<t>t`: DeepFM (BCE, 4 negatives) and match (margin triplets) on `lightfm-ua`,
 * neural-rating (MSE) on ML-100K ratings (pointwise protocol), each on 1 and 2 threads alternating
 * (BENCH_ROUNDS rounds, seed = round, BENCH_EPOCHS epochs, default 5): wall and CPU seconds per
 * epoch from the 2nd epoch on, and the quality on a validation split (never test).
 */
async function hogwildModelCases(): Promise<void> {
  const models = ['deepfm', 'match', 'neural-rating', 'two-tower'].filter((m) => selected(`hogwild-${m}`));
  if (models.length === 0) return;
  if (!existsSync(path.join(dataDir, 'ml-100k', 'ua.base'))) {
    process.stderr.write(`skipped the hogwild cases: ML-100K not found under ${dataDir} (set TASTEBUD_DATA_DIR)\n`);
    return;
  }
  const ua = await lightfmUa.prepare({ dataDir, download: false });
  const ranked = perUserSplit(ua.train, { testRatio: 0.1, seed: 1 });
  const rated = await pointwise.prepare({ dataset: 'ml-100k', dataDir, download: false });
  const epochs = Math.max(2, Number(process.env.BENCH_EPOCHS ?? 5));
  const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 1));
  const settings: Record<string, Record<string, unknown>> = {
    deepfm: { factors: 16, layers: [64, 32], negatives: 4, learningRate: 0.001, batchSize: 256 },
    match: { userFactors: 32, itemFactors: 32, layers: [64, 32], learningRate: 0.001, batchSize: 256 },
    'neural-rating': { factors: 32, layers: [64, 32], loss: 'mse', learningRate: 0.001, batchSize: 256 },
    // The defaults (64-wide embeddings and vectors, one hidden layer of 128, in-batch softmax with log-Q).
    'two-tower': {},
  };
  for (let round = 1; round <= rounds; round++) {
    for (const type of models) {
      const rating = type === 'neural-rating';
      const train = rating ? rated.train : ranked.train;
      const cpu = new Map<number, number>();
      const wall = new Map<number, number>();
      for (const threads of [1, 2]) {
        const model = createModel(type, { ...settings[type], epochs });
        const seconds: number[] = [];
        const cpuSeconds: number[] = [];
        let last = process.cpuUsage();
        await model.fit(train, {
          threads,
          seed: round,
          callbacks: {
            onEpochEnd: (r) => {
              const c = process.cpuUsage(last);
              last = process.cpuUsage();
              if (r.epoch > 1) {
                seconds.push(r.seconds);
                cpuSeconds.push((c.user + c.system) / 1e6);
              }
            },
          },
        });
        const quality = rating
          ? { rmse: +evaluatePointwise(model, rated.validation!, { scoreKind: 'rating' }).metrics.rmse.toFixed(4) }
          : (() => {
              const m = evaluateRanking(model, ranked.test, { k: [10], exclude: ranked.train.byUser(), perUser: false }).metrics;
              return { 'precision@10': +m['precision@10'].toFixed(4), auc: +m.auc.toFixed(4) };
            })();
        cpu.set(threads, median(cpuSeconds));
        wall.set(threads, median(seconds));
        emit({
          case: `hogwild-${type}-${threads}t`,
          round,
          threads,
          setting: settings[type],
          positives: train.length,
          epochs,
          secondsPerEpoch: +median(seconds).toFixed(3),
          cpuSecondsPerEpoch: +median(cpuSeconds).toFixed(3),
          measuredOn: rating ? 'ML-100K pointwise validation' : 'lightfm-ua validation (10 % of ua.base positives per user)',
          ...quality,
        });
      }
      emit({
        case: `hogwild-${type}-speedup`,
        round,
        speedup2v1: +(wall.get(1)! / wall.get(2)!).toFixed(2),
        cpuOverhead2v1: +(cpu.get(2)! / cpu.get(1)!).toFixed(3),
        loadAverage: loadavg()[0],
      });
    }
  }
}

async function main(): Promise<void> {
  await lightfmUaCases();
  await hogwildModelCases();
  await largeCatalogueValidation();
  if (!syntheticCases.some((c) => selected(c.name))) {
    console.log(JSON.stringify({ rows, peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024), node: process.version }, null, 1));
    return;
  }
  const epochs = benchEpochs();
  const { data, train, generated } = benchData(10_000, { itemFeatures: 32, userFeatures: 16 });
  for (const c of syntheticCases) {
    if (!selected(c.name)) continue;
    const fields = c.name.includes('fields');
    const model = createModel(c.model, c.config);
    const seconds: number[] = [];
    await model.fit(train, {
      epochs,
      threads: 1,
      seed: 1,
      itemFeatures: fields ? data.itemFeatures : undefined,
      userFeatures: fields ? data.userFeatures : undefined,
      callbacks: { onEpochEnd: (r) => void seconds.push(r.seconds) },
    });
    const rates = seconds.map((s) => train.length / s);
    const rate = median(rates);
    emit({
      case: c.name,
      model: c.model,
      threads: 1,
      config: c.config,
      examplesPerEpoch: train.length,
      unit: 'positives/s',
      median: Math.round(rate),
      epochs: rates.map(Math.round),
      rowsPerSecond: Math.round(rate * c.rowsPerPositive),
    });
  }
  printReport(train, generated, rows);
}

await main();
