/**
 * Why does RecVAE lead EASE on every `msr-stratified` validation carve but only tie it on test?
 * Three validation-only checks (test is never read), each one JSON line on stdout:
 *
 * - `CHECK=ease`: EASE (default λ) on the runner's carves (`CARVES=42,43,44,45`), the reference
 *   each RecVAE curve of bench/recvae-msr-curves.ts is read against.
 * - `CHECK=blend`: RecVAE (the example's setting, SETTING overrides it) and EASE fitted on one
 *   carve as members of a `blend` (scores z-scored per user), mixed as (1 − w)·RecVAE + w·EASE: if the two models made
 *   different mistakes, some w > 0 would beat both.
 * - `CHECK=size`: the RecVAE − EASE gap when the carve changes shape: `RATIO` (share of train
 *   carved out, 0.1 as the runner; 0.25 gives validation the same size relative to its training
 *   rows as test has) and `KEEP` (share of the remaining rows trained on, the rest neither trained
 *   on nor relevant: less data per user).
 *
 * - `CHECK=time`: is there signal in WHEN a user rated that neither model reads? EASE's scores
 *   masked where an item's first training rating comes after the user's last (plus a slack), and
 *   mixed with the log-popularity of each item among the ratings made during the user's active
 *   window (z-scored, weight α). Timestamps of the training part only.
 * - `CHECK=values`: is there signal in the rating values? An EASE-style ridge regression whose
 *   input rows weigh each rated item by a function of its rating while the target stays binary
 *   (B = P·XᵀY with its diagonal projected to 0, P = (XᵀX + λI)⁻¹, λ = 500 as EASE's default);
 *   `binary` reproduces EASE.
 *
 * - `CHECK=users`: RecVAE (the example's setting, 33 epochs) against EASE per user: mean NDCG@10
 *   by quartile of the user's training count, and a "test-like" mean that weighs users as test
 *   does. A user's validation items are a random share q = v / (v + h) of the positives the
 *   model never saw (v validation items, h ≈ a third of the user's training rows held out as
 *   test), so DCG / q estimates the DCG over all of them, normalised by the ideal DCG of v + h.
 *
 *   TASTEBUD_DATA_DIR=../shared/data CHECK=blend CARVE=42 nice -n 5 node --import tsx bench/recvae-msr-diagnostics.ts
 *
 * SPLIT_SEED draws msr-stratified's train/test split with another seed (the protocol's 42 by default;
 * only the train part is read).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Scorer } from '../src/contracts/types.ts';
import type { Interactions } from '../src/data/interactions.ts';
import { perUserSplit } from '../src/data/splits.ts';
import { msrStratified } from '../src/eval/protocols/ranking.ts';
import { idealDcgAtK } from '../src/eval/metrics.ts';
import { evaluateRanking } from '../src/eval/ranking.ts';
import type { Blend } from '../src/models/ensemble/blend.ts';
import { MemberScoreCache } from '../src/models/ensemble/blend.ts';
import { invertSpd } from '../src/models/baselines/dense.ts';
import { createModel } from '../src/models/registry.ts';
import { ndcgAt10, splitSeedFromEnv } from './common.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = process.env.TASTEBUD_DATA_DIR ?? path.resolve(root, '../shared/data');

/** examples/recvae-ema-msr.yaml's setting, 40 epochs so the 26–40 window of the curves bench can be read. */
const EXAMPLE = { hidden: 512, depth: 3, latent: 200, batchSize: 100, learningRate: 0.001, dropout: 0.8, emaDecay: 0.995, epochs: 40 };

type Fitted = Scorer & { fit(data: Interactions, options: object): Promise<unknown> };

/** `type` fitted on `data` (seed 42, one thread), `onEpochEnd(model)` after every epoch. */
async function fitted(type: string, params: Record<string, unknown>, data: Interactions, onEpochEnd?: (model: Fitted) => void): Promise<Fitted> {
  const model = createModel(type, { ...params, seed: 42 }) as unknown as Fitted;
  const callbacks = onEpochEnd ? { onEpochEnd: () => onEpochEnd(model) } : undefined;
  await model.fit(data, { threads: 1, seed: 42, progress: false, callbacks });
  return model;
}

async function main(): Promise<void> {
  const check = process.env.CHECK ?? 'ease';
  const setting = { ...EXAMPLE, ...(JSON.parse(process.env.SETTING ?? '{}') as Record<string, unknown>) };
  const prepared = await msrStratified.prepare({ dataDir, download: false, seed: splitSeedFromEnv() });
  const carveOf = (carve: number, ratio = 0.1) => perUserSplit(prepared.train, { testRatio: ratio, seed: carve });
  if (check === 'ease') {
    const carves = (process.env.CARVES ?? '42,43,44,45').split(',').map(Number);
    const byCarve: Record<number, number> = {};
    for (const carve of carves) {
      const { train, test: validation } = carveOf(carve);
      byCarve[carve] = ndcgAt10(await fitted('ease', {}, train), validation, train);
    }
    console.log(JSON.stringify({ check, ease: byCarve }));
    return;
  }
  const carve = Number(process.env.CARVE ?? 42);
  if (check === 'blend') {
    const { train, test: validation } = carveOf(carve);
    const blended = { ...setting, epochs: Number(process.env.EPOCHS ?? 33), seed: 42 }; // the example's epoch count
    // The library's blend: each member's scores z-scored per user, weights [1 − mix, mix]; the
    // reweighted blends share one fit and a member-score cache.
    const members = [{ type: 'recvae', params: blended }, { type: 'ease' }];
    const fittedBlend = (await fitted('blend', { members, mix: 0 }, train)) as unknown as Blend;
    const cache = new MemberScoreCache(members.length);
    const blend: Record<string, number> = {};
    for (const w of [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1]) blend[w] = ndcgAt10(fittedBlend.reweighted({ mix: w }, cache), validation, train);
    console.log(JSON.stringify({ check, carve, setting: blended, blend }));
    return;
  }
  if (check === 'size') {
    const ratio = Number(process.env.RATIO ?? 0.1);
    const keep = Number(process.env.KEEP ?? 1);
    const { train: carved, test: validation } = carveOf(carve, ratio);
    const train = keep < 1 ? perUserSplit(carved, { testRatio: 1 - keep, seed: 7 }).train : carved;
    const ease = ndcgAt10(await fitted('ease', {}, train), validation, train);
    const curve: number[] = [];
    await fitted('recvae', setting, train, (model) => curve.push(ndcgAt10(model, validation, train)));
    const window = curve.slice(25, 40);
    const mean = +(window.reduce((s, v) => s + v, 0) / window.length).toFixed(4);
    console.log(JSON.stringify({ check, carve, ratio, keep, ease, recvaeMean26to40: mean, gap: +(mean - ease).toFixed(4), curve }));
    return;
  }
  if (check === 'time') {
    const { train, test: validation } = carveOf(carve);
    const ease = await fitted('ease', {}, train);
    const timeline = activity(train);
    const day = 86_400;
    const result: Record<string, number> = { ease: ndcgAt10(ease, validation, train) };
    for (const slack of [0, 1, 7, 30]) result[`mask+${slack}d`] = ndcgAt10(timeMasked(ease, timeline, slack * day), validation, train);
    for (const window of [0, 1, 7, 30]) {
      for (const alpha of [0.1, 0.3, 0.6]) result[`window±${window}d·${alpha}`] = ndcgAt10(windowPopularity(ease, timeline, window * day, alpha), validation, train);
    }
    console.log(JSON.stringify({ check, carve, ndcg: result }));
    return;
  }
  if (check === 'values') {
    const { train, test: validation } = carveOf(carve);
    const weights: Record<string, (rating: number) => number> = {
      binary: () => 1,
      rating: (r) => r / 5,
      'liked 1, else 0.5': (r) => (r >= 4 ? 1 : 0.5),
      'disliked 1, else 0.7': (r) => (r <= 2 ? 1 : 0.7),
    };
    const result: Record<string, number> = {};
    for (const [name, weight] of Object.entries(weights)) result[name] = ndcgAt10(weightedInputRidge(train, weight, 500), validation, train);
    console.log(JSON.stringify({ check, carve, ndcg: result }));
    return;
  }
  if (check === 'users') {
    const { train, test: validation } = carveOf(carve);
    const models = { ease: await fitted('ease', {}, train), recvae: await fitted('recvae', { ...setting, epochs: 33 }, train) };
    console.log(JSON.stringify({ check, carve, ...byUser(models, train, validation, prepared.train) }));
    return;
  }
  throw new Error(`CHECK must be ease, blend, size, time, values or users, not ${check}`);
}

/** When the training ratings were made: per item the first, per user the first and last, and every rating's item in time order. */
type Timeline = { itemFirst: Float64Array; userFirst: Float64Array; userLast: Float64Array; times: Float64Array; items: Int32Array };

function activity(train: Interactions): Timeline {
  const stamps = train.times;
  if (!stamps) throw new Error('CHECK=time needs timestamps');
  const itemFirst = new Float64Array(train.numItems).fill(Infinity);
  const userFirst = new Float64Array(train.numUsers).fill(Infinity);
  const userLast = new Float64Array(train.numUsers).fill(-Infinity);
  for (let k = 0; k < train.length; k++) {
    const u = train.users[k];
    itemFirst[train.items[k]] = Math.min(itemFirst[train.items[k]], stamps[k]);
    userFirst[u] = Math.min(userFirst[u], stamps[k]);
    userLast[u] = Math.max(userLast[u], stamps[k]);
  }
  const order = Array.from({ length: train.length }, (_, k) => k).sort((a, b) => stamps[a] - stamps[b]);
  const times = Float64Array.from(order, (k) => stamps[k]);
  const items = Int32Array.from(order, (k) => train.items[k]);
  return { itemFirst, userFirst, userLast, times, items };
}

/** `model`'s scores with items first rated after the user's last rating (+ slack seconds) put last. */
function timeMasked(model: Scorer, { itemFirst, userLast }: Timeline, slack: number): Scorer {
  return {
    numItems: model.numItems,
    scoreItems(user, out) {
      model.scoreItems(user, out);
      for (let i = 0; i < out.length; i++) if (itemFirst[i] > userLast[user] + slack) out[i] = -Infinity;
    },
  };
}

/** z(model's scores) + α·z(log(1 + the item's ratings within the user's active span ± window)). */
function windowPopularity(model: Scorer, { userFirst, userLast, times, items }: Timeline, window: number, alpha: number): Scorer {
  const firstAtOrAfter = (t: number): number => {
    let lo = 0;
    let hi = times.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (times[mid] < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const counts = new Float32Array(model.numItems);
  return {
    numItems: model.numItems,
    scoreItems(user, out) {
      model.scoreItems(user, out);
      counts.fill(0);
      for (let p = firstAtOrAfter(userFirst[user] - window); p < firstAtOrAfter(userLast[user] + window + 1); p++) counts[items[p]]++;
      for (let i = 0; i < counts.length; i++) counts[i] = Math.log1p(counts[i]);
      zScore(out);
      zScore(counts);
      for (let i = 0; i < out.length; i++) out[i] += alpha * counts[i];
    },
  };
}

function zScore(v: Float32Array): void {
  let mean = 0;
  let square = 0;
  for (const x of v) {
    mean += x;
    square += x * x;
  }
  mean /= v.length;
  const sd = Math.sqrt(Math.max(0, square / v.length - mean * mean)) || 1;
  for (let i = 0; i < v.length; i++) v[i] = (v[i] - mean) / sd;
}

/**
 * Ridge regression from weighted rows X (w(rating) per rated item) to binary rows Y, with the
 * diagonal constrained to 0 as EASE's: B = P·XᵀY − P·diag(γ), γ_j = (P·XᵀY)_jj / P_jj.
 */
function weightedInputRidge(train: Interactions, weight: (rating: number) => number, lambda: number): Scorer {
  const n = train.numItems;
  const rows = train.byUser();
  const gram = new Float64Array(n * n);
  const cross = new Float64Array(n * n);
  for (let u = 0; u < rows.rows; u++) {
    for (let p = rows.indptr[u]; p < rows.indptr[u + 1]; p++) {
      const i = rows.indices[p];
      const wi = weight(rows.values[p]);
      for (let q = rows.indptr[u]; q < rows.indptr[u + 1]; q++) {
        gram[i * n + rows.indices[q]] += wi * weight(rows.values[q]);
        cross[i * n + rows.indices[q]] += wi;
      }
    }
  }
  for (let i = 0; i < n; i++) gram[i * n + i] += lambda;
  const inverse = invertSpd(gram, n);
  const b = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let l = 0; l < n; l++) {
      const pil = inverse[i * n + l];
      for (let j = 0; j < n; j++) b[i * n + j] += pil * cross[l * n + j];
    }
  }
  for (let j = 0; j < n; j++) {
    const gamma = b[j * n + j] / inverse[j * n + j];
    for (let i = 0; i < n; i++) b[i * n + j] -= inverse[i * n + j] * gamma;
  }
  return {
    numItems: n,
    scoreItems(user, out) {
      out.fill(0);
      if (user >= rows.rows) return;
      for (let p = rows.indptr[user]; p < rows.indptr[user + 1]; p++) {
        const i = rows.indices[p];
        const wi = weight(rows.values[p]);
        for (let j = 0; j < n; j++) out[j] += wi * b[i * n + j];
      }
    },
  };
}

/** CHECK=users: per-quartile means of NDCG@10 (quartiles of `outerTrain` counts) and the test-like mean, per model. */
function byUser(models: Record<string, Scorer>, train: Interactions, validation: Interactions, outerTrain: Interactions) {
  const valRows = validation.byUser();
  const outerRows = outerTrain.byUser();
  const rowLength = (rows: { indptr: Int32Array }, u: number): number => rows.indptr[u + 1] - rows.indptr[u];
  const perUser = Object.fromEntries(Object.entries(models).map(([name, model]) => [name, evaluateRanking(model, validation, { exclude: train.byUser(), k: [10] }).perUser]));
  const users = Object.values(perUser)[0].users;
  const counts = Array.from(users, (u) => rowLength(outerRows, u));
  const sorted = [...counts].sort((a, b) => a - b);
  const edges = [1, 2, 3].map((q) => sorted[Math.floor((q * sorted.length) / 4)]);
  const quartile = (c: number): number => edges.filter((e) => c > e).length;
  const result: Record<string, { plain: number; testLike: number; byQuartile: number[] }> = {};
  for (const [name, { values }] of Object.entries(perUser)) {
    const ndcg = values['ndcg@10'];
    const sums = [0, 0, 0, 0];
    const sizes = [0, 0, 0, 0];
    let plain = 0;
    let testLike = 0;
    for (let k = 0; k < users.length; k++) {
      const v = rowLength(valRows, users[k]);
      const h = Math.round(counts[k] / 3); // test is 25 % of all ratings: a third of train
      plain += ndcg[k];
      testLike += (ndcg[k] * idealDcgAtK(10, v) * ((v + h) / v)) / idealDcgAtK(10, v + h);
      sums[quartile(counts[k])] += ndcg[k];
      sizes[quartile(counts[k])]++;
    }
    const round = (x: number): number => +x.toFixed(4);
    result[name] = { plain: round(plain / users.length), testLike: round(testLike / users.length), byQuartile: sums.map((s, q) => round(s / sizes[q])) };
  }
  return { quartileEdges: edges, models: result };
}

await main();
