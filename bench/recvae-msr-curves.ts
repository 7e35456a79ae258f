/**
 * RecVAE on ML-100K `msr-stratified`, validation only: one fit per (setting, seed) on the
 * experiment runner's carve (10 % of each user's train ratings, perUserSplit seed CARVE, 42 by
 * default; 43 is the runner's second `search.repeats` carve), a fixed number of epochs without early
 * stopping, and NDCG@10 on validation after EVERY epoch, so one fit gives the whole curve. Test is
 * never read. With POP='[0, 0.05, ...]' each epoch is also scored with α·log(1 + train count)
 * added to the logits (the item-popularity shift the model's `popularityWeight` applies). With
 * `emaDecay` in a setting, the live (last-step) weights are scored too (`live` curves): the same
 * training run, so the average's gain is measured paired, on one trajectory. AVERAGES adds further
 * averages of the same run's weights (weight-average.ts schedules), each scored every epoch too:
 *
 *   AVERAGES='[{"name":"swa21","schedule":"swa","startEpoch":21},
 *              {"name":"ema998","schedule":"ema-debiased","decay":0.998,"startEpoch":11}]'
 *
 * so live, the model's own average and these are all compared on ONE trajectory. WINDOW=26-40
 * (the default) prints each curve's mean over those epochs as `means`.
 *
 *   TASTEBUD_DATA_DIR=../shared/data SEEDS=42,1 \
 *     SETTINGS='[{"name":"x","params":{"hidden":512,"depth":3,"latent":200,"batchSize":100,"learningRate":0.001,"dropout":0.8,"epochs":40}}]' \
 *     nice -n 5 node --import tsx bench/recvae-msr-curves.ts
 *
 * Prints one JSON line per (setting, seed): the curve per α, the best epoch and value per α; a
 * progress line per epoch on stderr.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Scorer } from '../src/contracts/types.ts';
import { Rng } from '../src/core/rng.ts';
import type { Csr } from '../src/data/interactions.ts';
import { perUserSplit } from '../src/data/splits.ts';
import { msrStratified } from '../src/eval/protocols/ranking.ts';
import { evaluateRanking } from '../src/eval/ranking.ts';
import { createModel } from '../src/models/registry.ts';
import type { RecVae } from '../src/models/vae/recvae.ts';
import type { RecVaeNet } from '../src/models/vae/recvae-network.ts';
import type { AverageSchedule } from '../src/models/vae/weight-average.ts';
import { scoreRowsInChunks } from '../src/models/vae/user-rows.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = process.env.TASTEBUD_DATA_DIR ?? path.resolve(root, '../shared/data');

type Setting = { name: string; params: Record<string, unknown> };
type Watched = { name: string; schedule: AverageSchedule; decay?: number; startEpoch?: number };
type McScoring = { name: string; dropout: number; samples: number; mean: 'prob' | 'logit' };

/**
 * Scores of `users` averaged over `spec.samples` input-dropout masks (z = μ): mean softmax
 * probability or mean logit. Masks come from one Rng seeded per call, so a scoring repeats.
 */
function mcScores(net: RecVaeNet, rows: Csr, users: Int32Array, numItems: number, out: Float32Array, spec: McScoring): void {
  const chunk = 256;
  const rng = new Rng(12345);
  const acc = new Float64Array(chunk * numItems);
  for (let s = 0; s < users.length; s += chunk) {
    const n = Math.min(chunk, users.length - s);
    acc.fill(0, 0, n * numItems);
    for (let k = 0; k < spec.samples; k++) {
      net.setBatch(rows, users.subarray(s, s + n), n, spec.dropout, rng);
      const logits = net.forward(n, null);
      for (let r = 0; r < n; r++) {
        const row = logits.subarray(r * numItems, (r + 1) * numItems);
        if (spec.mean === 'logit') {
          for (let i = 0; i < numItems; i++) acc[r * numItems + i] += row[i];
          continue;
        }
        let max = -Infinity;
        for (let i = 0; i < numItems; i++) if (row[i] > max) max = row[i];
        let z = 0;
        for (let i = 0; i < numItems; i++) z += Math.exp(row[i] - max);
        for (let i = 0; i < numItems; i++) acc[r * numItems + i] += Math.exp(row[i] - max) / z;
      }
    }
    for (let q = 0; q < n * numItems; q++) out[s * numItems + q] = acc[q] / spec.samples;
  }
}

/** The model's logits plus α·log(1 + count) per item. */
function shifted(model: Scorer, logCounts: Float32Array, alpha: number): Scorer {
  const n = model.numItems;
  return {
    numItems: n,
    scoreItems: (user, out) => {
      model.scoreItems(user, out);
      for (let i = 0; i < n; i++) out[i] += alpha * logCounts[i];
    },
    scoreUsers: (users, out) => {
      model.scoreUsers!(users, out);
      for (let r = 0; r < users.length; r++) for (let i = 0; i < n; i++) out[r * n + i] += alpha * logCounts[i];
    },
  };
}

async function main(): Promise<void> {
  const settings = JSON.parse(process.env.SETTINGS ?? '[]') as Setting[];
  if (settings.length === 0) throw new Error('SETTINGS is empty');
  const seeds = (process.env.SEEDS ?? '42').split(',').map(Number);
  const carve = Number(process.env.CARVE ?? 42);
  const alphas = JSON.parse(process.env.POP ?? '[0]') as number[];
  const watched = JSON.parse(process.env.AVERAGES ?? '[]') as Watched[];
  const mcs = JSON.parse(process.env.MC ?? '[]') as McScoring[];
  const [from, to] = (process.env.WINDOW ?? '26-40').split('-').map(Number);
  const mean = (c: number[]) => {
    const w = c.slice(from - 1, to);
    return w.length ? +(w.reduce((a, b) => a + b, 0) / w.length).toFixed(4) : null;
  };
  const prepared = await msrStratified.prepare({ dataDir, download: false });
  const { train: inner, test: validation } = perUserSplit(prepared.train, { testRatio: 0.1, seed: carve });
  const exclude = inner.byUser();
  const logCounts = new Float32Array(prepared.sizes.items);
  const cols = inner.byUser();
  for (let q = 0; q < cols.indices.length; q++) logCounts[cols.indices[q]]++;
  for (let i = 0; i < logCounts.length; i++) logCounts[i] = Math.log1p(logCounts[i]);
  for (const s of settings) {
    for (const seed of seeds) {
      const model = createModel('recvae', { ...s.params, seed }) as RecVae;
      model.watchAverages(watched.map((w) => ({ decay: w.decay ?? 0, schedule: w.schedule, startEpoch: w.startEpoch })));
      const curves: number[][] = alphas.map(() => []);
      const withLive = ((s.params.emaDecay as number | undefined) ?? 0) > 0 || s.params.weightAverage === 'swa' || watched.length > 0;
      const liveCurves: number[][] = alphas.map(() => []);
      const watchedCurves: number[][][] = watched.map(() => alphas.map(() => []));
      // A scorer of users' training rows by `scoreUsers` (no popularity shift).
      const scorerFrom = (scoreUsers: (users: Int32Array, out: Float32Array) => void): Scorer => ({
        get numItems() {
          return model.numItems;
        },
        scoreItems: (user, out) => scoreUsers(Int32Array.of(user), out),
        scoreUsers,
      });
      // A network's scores, as the model scores with it.
      const scorerOf = (net: () => RecVaeNet): Scorer => scorerFrom((users, out) => scoreRowsInChunks(net(), model.seen!, users, model.numItems, out));
      // The last step's weights, as the model would score with emaDecay 0.
      const live = scorerOf(() => model.network!);
      const watchedScorers = watched.map((_, k) => scorerOf(() => model.watchedNetworks[k]));
      // Monte Carlo dropout over the weights the model scores with (its average when one is on).
      const mcScorers = mcs.map((spec) =>
        // biome-ignore lint/complexity/useLiteralKeys: the private scoring network (the average), bench only
        scorerFrom((users, out) => mcScores(model['scoringNet'](), model.seen!, users, model.numItems, out, spec)),
      );
      const mcCurves: (number | null)[][] = mcs.map(() => []);
      const t0 = performance.now();
      await model.fit(inner, {
        threads: 1,
        seed,
        progress: false,
        callbacks: {
          onEpochEnd: (e) => {
            alphas.forEach((a, k) => {
              const scorer = a === 0 ? model : shifted(model, logCounts, a);
              curves[k].push(+evaluateRanking(scorer, validation, { exclude, k: [10], perUser: false }).metrics['ndcg@10'].toFixed(4));
              if (withLive) {
                const l = a === 0 ? live : shifted(live, logCounts, a);
                liveCurves[k].push(+evaluateRanking(l, validation, { exclude, k: [10], perUser: false }).metrics['ndcg@10'].toFixed(4));
              }
              watchedScorers.forEach((ws, j) => {
                const w = a === 0 ? ws : shifted(ws, logCounts, a);
                watchedCurves[j][k].push(+evaluateRanking(w, validation, { exclude, k: [10], perUser: false }).metrics['ndcg@10'].toFixed(4));
              });
            });
            mcScorers.forEach((mc, j) => {
              const inWindow = e.epoch >= from && e.epoch <= to;
              mcCurves[j].push(inWindow ? +evaluateRanking(mc, validation, { exclude, k: [10], perUser: false }).metrics['ndcg@10'].toFixed(4) : null);
            });
            const mcNow = mcs.map((m, j) => ` | ${m.name} ${mcCurves[j].at(-1)}`).join('');
            const liveNow = withLive ? ` | live ${liveCurves.map((c) => c.at(-1)).join(' ')}` : '';
            const watchedNow = watched.map((w, j) => ` | ${w.name} ${watchedCurves[j].map((c) => c.at(-1)).join(' ')}`).join('');
            console.error(`${s.name} seed ${seed} epoch ${e.epoch}: ${curves.map((c) => c.at(-1)).join(' ')}${liveNow}${watchedNow}${mcNow} (${e.seconds.toFixed(1)} s)`);
          },
        },
      });
      const bestOf = (all: number[][]) =>
        alphas.map((alpha, k) => {
          const c = all[k];
          const at = c.indexOf(Math.max(...c));
          return { alpha, best: c[at], epoch: at + 1 };
        });
      const byAlpha = (all: number[][]) => Object.fromEntries(alphas.map((a, k) => [a, all[k]]));
      const liveRows = withLive ? { liveBest: bestOf(liveCurves), liveCurves: byAlpha(liveCurves) } : {};
      const meansOf = (all: number[][]) => Object.fromEntries(alphas.map((a, k) => [a, mean(all[k])]));
      const means: Record<string, Record<string, number | null>> = { model: meansOf(curves) };
      if (withLive) means.live = meansOf(liveCurves);
      watched.forEach((w, j) => {
        means[w.name] = meansOf(watchedCurves[j]);
      });
      mcs.forEach((m, j) => {
        const w = mcCurves[j].filter((v): v is number => v !== null);
        means[m.name] = { 0: w.length ? +(w.reduce((a, b) => a + b, 0) / w.length).toFixed(4) : null };
      });
      const mc = Object.fromEntries(mcs.map((m, j) => [m.name, { spec: m, curve: mcCurves[j] }]));
      const averages = Object.fromEntries(watched.map((w, j) => [w.name, { spec: w, best: bestOf(watchedCurves[j]), curves: byAlpha(watchedCurves[j]) }]));
      console.log(
        JSON.stringify({
          name: s.name,
          params: s.params,
          seed,
          carve,
          best: bestOf(curves),
          curves: byAlpha(curves),
          ...liveRows,
          averages,
          mc,
          window: `${from}-${to}`,
          means,
          seconds: +((performance.now() - t0) / 1000).toFixed(0),
        }),
      );
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
