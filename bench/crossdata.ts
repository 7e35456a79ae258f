/**
 * Neural against linear recommenders on a second dataset: Book-Crossing's implicit history
 * (caserec-processed `book_history.dat`, 2,946 users × 17,384 books, every row a positive).
 *
 * Protocol "bx-peruser-80/10/10" (RecBole-style): per-user random 80/10/10 split,
 * `perUserSplit(all, { testRatio: 0.1, validationRatio: 0.1, seed: 2026 })`; full ranking over
 * every item, NDCG@10 (main), recall@10, AUC, coverage@10.
 *
 *   PHASE=validation (default): train on train, score validation with train items excluded.
 *     Models with epochs early-stop on validation NDCG@10 (PATIENCE, default 5; VALIDATION_USERS
 *     users sampled for the per-epoch score, default all) and restore the best epoch; the final
 *     figures use every validation user. Also prints NDCG@10 per bucket of the user's training
 *     history length (quartiles of the evaluated users' training counts, the same for every
 *     setting).
 *   PHASE=test: train on train + validation for a fixed number of epochs (the setting's
 *     `epochs`, taken from validation), no early stopping, score test with train and validation
 *     items excluded. Run it once, for settings chosen on validation.
 *   PHASE=paired: FILES=a.json,b.json (per-user files this bench wrote with PERUSER_DIR): paired
 *     Wilcoxon signed-rank test and sign counts of a − b on NDCG@10 and AUC, per user, and NDCG@10
 *     per quartile bucket of the training history length.
 *
 * PERUSER_DIR=dir writes `<phase>-<name>.json` (per-user NDCG@10, AUC, training history length).
 *
 *   TASTEBUD_DATA_DIR=/work/shared/data PHASE=validation PATIENCE=5 \
 *     SETTINGS='[{"name":"ials","type":"ials","params":{"epochs":30}}]' \
 *     nice -n 5 node --import tsx bench/crossdata.ts
 *
 * A setting: { name, type (any registered model), params, seed? (default 42) }. CPU seconds are
 * the whole fit's (early-stopping scoring included; `fitCpuSeconds`) and the training passes'
 * alone (`trainCpuSeconds`). Prints JSON (a line per setting on stderr as it finishes).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluateRanking } from '../src/eval/ranking.ts';
import { wilcoxonSignedRank } from '../src/eval/significance.ts';
import { createModel } from '../src/models/registry.ts';
import { BX_PERUSER_SPLIT, readBookCrossingSplit } from './bookcrossing.ts';
import { bucketOf, edgeNames, mean, meterTrainCpu, quartileEdges } from './common.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = process.env.TASTEBUD_DATA_DIR ?? path.resolve(root, '../shared/data');

type Setting = { name: string; type: string; params: Record<string, unknown>; seed?: number };
type PerUser = { name: string; phase: string; users: number[]; 'ndcg@10': number[]; auc: number[]; history: number[] };

/** Quartile buckets of history lengths: which bucket a length falls in, and the buckets' names. */
function quartileBuckets(lengths: number[]): { bucketOf: (n: number) => number; names: string[] } {
  const edges = quartileEdges(lengths);
  return { bucketOf: (n) => bucketOf(edges, n), names: edgeNames(edges) };
}

function paired(files: string[]): void {
  const [a, b] = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as PerUser);
  const out: Record<string, unknown> = { a: a.name, b: b.name, phase: a.phase };
  if (a.phase !== b.phase || a.users.join() !== b.users.join()) throw new Error('the two files score different users or phases');
  for (const metric of ['ndcg@10', 'auc'] as const) {
    const x = a[metric];
    const y = b[metric];
    let wins = 0;
    let losses = 0;
    for (let i = 0; i < x.length; i++) {
      if (x[i] > y[i]) wins++;
      else if (x[i] < y[i]) losses++;
    }
    const w = wilcoxonSignedRank(x, y);
    // Sign test, normal approximation with continuity correction (ties dropped).
    const n = wins + losses;
    const z = n > 0 ? (Math.abs(wins - losses) - 1) / Math.sqrt(n) : 0;
    out[metric] = {
      a: +mean(x).toFixed(4),
      b: +mean(y).toFixed(4),
      difference: +(mean(x) - mean(y)).toFixed(4),
      wilcoxonP: +w.pValue.toPrecision(3),
      wins,
      losses,
      ties: x.length - n,
      signZ: +z.toFixed(2),
      users: x.length,
    };
  }
  // NDCG@10 per quartile bucket of the training history length (the same edges as the scoring phase).
  const { bucketOf, names } = quartileBuckets(a.history);
  out.buckets = names.map((name, k) => {
    const idx = a.history.flatMap((n, i) => (bucketOf(n) === k ? [i] : []));
    const x = idx.map((i) => a['ndcg@10'][i]);
    const y = idx.map((i) => b['ndcg@10'][i]);
    const mx = mean(x);
    const my = mean(y);
    return {
      history: name,
      users: idx.length,
      a: +mx.toFixed(4),
      b: +my.toFixed(4),
      relative: +((mx - my) / my).toFixed(3),
      wins: x.filter((v, i) => v > y[i]).length,
      losses: x.filter((v, i) => v < y[i]).length,
      wilcoxonP: +wilcoxonSignedRank(x, y).pValue.toPrecision(3),
    };
  });
  console.log(JSON.stringify(out, null, 1));
}

async function main(): Promise<void> {
  const phase = process.env.PHASE ?? 'validation';
  if (phase === 'paired') return paired((process.env.FILES ?? '').split(','));
  if (phase !== 'validation' && phase !== 'test') throw new Error(`PHASE must be validation, test or paired, got ${phase}`);
  const patience = Number(process.env.PATIENCE ?? 5);
  const validationUsers = process.env.VALIDATION_USERS ? Number(process.env.VALIDATION_USERS) : 'all';
  const perUserDir = process.env.PERUSER_DIR ?? null;
  const settings = JSON.parse(process.env.SETTINGS ?? '[{"name":"popularity","type":"popularity","params":{}}]') as Setting[];
  const { all, validation, ...split } = await readBookCrossingSplit(dataDir);
  const train = phase === 'test' ? split.train.concat(validation) : split.train;
  const target = phase === 'test' ? split.test : validation;
  const exclude = train.byUser();
  const data = { interactions: all.length, users: all.numUsers, items: all.numItems, train: train.length, scored: target.length, phase };
  console.error(JSON.stringify(data));

  // History-length buckets: quartiles of the scored users' training counts.
  const counts = train.userCounts();
  const targetCsr = target.byUser();
  const scoredUsers: number[] = [];
  for (let u = 0; u < targetCsr.rows; u++) if (targetCsr.indptr[u + 1] > targetCsr.indptr[u]) scoredUsers.push(u);
  const { bucketOf, names: bucketNames } = quartileBuckets(scoredUsers.map((u) => counts[u]));

  const rows: Record<string, unknown>[] = [];
  for (const s of settings) {
    const model = createModel(s.type, s.params);
    const trainCpu = meterTrainCpu(model);
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const h = await model.fit(train, {
      threads: 1,
      seed: s.seed ?? 42,
      ...(phase === 'validation' ? { validation, validationMetric: 'ndcg@10', validationUsers, earlyStopping: { patience } } : { earlyStopping: false as const }),
      progress: false,
      callbacks: {
        onEpochEnd: (e) =>
          console.error(
            `${s.name} epoch ${e.epoch}: loss ${e.loss.toFixed(4)}${e.validation === undefined ? '' : `, validation ${e.validation.toFixed(4)}`}, ${e.seconds.toFixed(1)} s`,
          ),
      },
    });
    const fitCpu = process.cpuUsage(c0);
    const fitSeconds = (performance.now() - t0) / 1000;
    const r = evaluateRanking(model, target, { exclude, k: [10], perUser: true });
    const m = r.metrics;
    const users = Array.from(r.perUser.users);
    const ndcg = Array.from(r.perUser.values['ndcg@10']);
    const bucketSums = [0, 0, 0, 0];
    const bucketN = [0, 0, 0, 0];
    users.forEach((u, i) => {
      const b = bucketOf(counts[u]);
      bucketSums[b] += ndcg[i];
      bucketN[b]++;
    });
    const buckets = Object.fromEntries(bucketNames.map((name, b) => [name, { users: bucketN[b], 'ndcg@10': +(bucketSums[b] / Math.max(1, bucketN[b])).toFixed(4) }]));
    if (perUserDir) {
      mkdirSync(perUserDir, { recursive: true });
      const out: PerUser = { name: s.name, phase, users, 'ndcg@10': ndcg, auc: Array.from(r.perUser.values.auc), history: users.map((u) => counts[u]) };
      writeFileSync(path.join(perUserDir, `${phase}-${s.name}.json`), JSON.stringify(out));
    }
    rows.push({
      name: s.name,
      type: s.type,
      params: s.params,
      seed: s.seed ?? 42,
      'ndcg@10': +m['ndcg@10'].toFixed(4),
      'recall@10': +m['recall@10'].toFixed(4),
      auc: +m.auc.toFixed(4),
      'coverage@10': +m['coverage@10'].toFixed(4),
      usersEvaluated: r.usersEvaluated,
      bestEpoch: h.bestEpoch,
      epochsRun: h.epochs.length,
      fitCpuSeconds: +((fitCpu.user + fitCpu.system) / 1e6).toFixed(1),
      trainCpuSeconds: +trainCpu.seconds.toFixed(1),
      fitSeconds: +fitSeconds.toFixed(1),
      buckets,
    });
    console.error(JSON.stringify(rows.at(-1)));
  }
  console.log(JSON.stringify({ data, protocol: { name: 'bx-peruser-80/10/10', ...BX_PERUSER_SPLIT }, patience, validationUsers, settings: rows }, null, 1));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
