/**
 * Why do the neural models win AUC but lose the top 10 on Book-Crossing? Validation-only
 * diagnostics on bench/crossdata.ts's protocol "bx-peruser-80/10/10" (the same file, the same
 * `perUserSplit(all, { testRatio: 0.1, validationRatio: 0.1, seed: 2026 })`; fit on train, score
 * validation with the user's training items excluded). The test split is never scored.
 *
 *   PHASE=scores: fit EASE (λ 100) and RecVAE (recvae-ema-msr's setting, 16 epochs; the fit
 *     options bench/crossdata.ts uses: seed 42, one thread, early stopping on a 1,000-user
 *     validation sample, patience 5) and save to OUT_DIR (default /tmp/bxdiag/scores) each one's
 *     users × items float32 score matrix (`<name>.f32`) and EASE's weights B (`ease-B.f32`), with
 *     `meta.json`. MODELS=ease,recvae picks which to fit.
 *   PHASE=analyse: read them back (no refit) and print JSON:
 *     - `check`: the saved matrices, scored through `evaluateRanking`, against the fitted models'
 *       own figures (they must be equal);
 *     - `models`: NDCG@10, recall@10, AUC, coverage@10, popularity@10 (mean training count of the
 *       top 10) of each;
 *     - `byPopularity` / `byNeighbour`: validation pairs in quartiles of the item's training count,
 *       and in buckets of the pair's strongest neighbour (max co-occurrence count in train of the
 *       item with any of the user's training items), with each model's hits in its top 10;
 *     - `hitSets`: the pairs both top 10s hit, EASE alone hits, RecVAE alone hits, described by
 *       item popularity, max co-occurrence and max EASE weight B_hj over the user's history;
 *     - `lists`: what each top 10 holds (popularity quartiles, items with a strong neighbour);
 *     - `headByCooccurrence` / `headByConfidence` / `missRanks` (exploratory): in the top
 *       popularity quartile, hit rates by the neighbour's strength, and the rank the other model
 *       gives each one-model-only hit, and `sameAuthor`: hit rates of pairs whose user has read
 *       another book by the same author (items_info.dat) (SKIP_SWEEPS=1 stops after these);
 *     - `popularityShift`: RecVAE's saved logits + α·log(1 + training count) (what
 *       `popularityWeight` α adds at scoring time), α in ALPHAS;
 *     - `blend`: per user, both models' scores z-scored over the user's candidate items (training
 *       items excluded), w·EASE + (1 − w)·RecVAE, w in WEIGHTS.
 *
 *   TASTEBUD_DATA_DIR=/work/shared/data PHASE=scores nice -n 5 node --import tsx bench/crossdata-diagnostics.ts
 *   TASTEBUD_DATA_DIR=/work/shared/data PHASE=analyse nice -n 5 node --import tsx bench/crossdata-diagnostics.ts
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Scorer } from '../src/contracts/types.ts';
import { topKInto } from '../src/core/topk.ts';
import type { Csr, Interactions } from '../src/data/interactions.ts';
import { evaluateRanking } from '../src/eval/ranking.ts';
import { wilcoxonSignedRank } from '../src/eval/significance.ts';
import type { Ease } from '../src/models/baselines/ease.ts';
import { createModel } from '../src/models/registry.ts';
import { BX_PERUSER_SPLIT, readBookCrossingSplit } from './bookcrossing.ts';
import { bucketOf, edgeNames, mean, median, quartileEdges } from './common.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = process.env.TASTEBUD_DATA_DIR ?? path.resolve(root, '../shared/data');
const outDir = process.env.OUT_DIR ?? '/tmp/bxdiag/scores';

const RECVAE = { hidden: 512, depth: 3, latent: 200, batchSize: 100, learningRate: 0.001, dropout: 0.8, emaDecay: 0.995, epochs: 16 };
/** A neighbour this strong (co-occurrence count in train) counts as "strong" in the tables. */
const STRONG = 5;

/** A scorer over a saved users × items matrix; `transform` rewrites a copied row in place (user index, row). */
export class MatrixScorer implements Scorer {
  constructor(
    readonly numItems: number,
    private readonly matrix: Float32Array,
    private readonly transform: ((user: number, row: Float32Array) => void) | null = null,
  ) {}

  scoreItems(user: number, out: Float32Array): void {
    const n = this.numItems;
    out.set(this.matrix.subarray(user * n, (user + 1) * n));
    this.transform?.(user, out);
  }

  scoreUsers(users: Int32Array, out: Float32Array): void {
    const n = this.numItems;
    for (let k = 0; k < users.length; k++) this.scoreItems(users[k], out.subarray(k * n, (k + 1) * n));
  }
}

/** recvae's popularity shift: α·log(1 + count) per item, in float32 as the model computes it. */
export function popularityShift(counts: ArrayLike<number>, alpha: number): Float32Array {
  const shift = new Float32Array(counts.length);
  for (let i = 0; i < counts.length; i++) shift[i] = counts[i];
  for (let i = 0; i < shift.length; i++) shift[i] = alpha * Math.log1p(shift[i]);
  return shift;
}

/** Per user, the mean and standard deviation of a score row over the items not in `exclude` (float64). */
export function candidateMoments(matrix: Float32Array, numItems: number, exclude: Csr): { mean: Float64Array; std: Float64Array } {
  const users = exclude.rows;
  const mean = new Float64Array(users);
  const std = new Float64Array(users);
  const skip = new Uint8Array(numItems);
  for (let u = 0; u < users; u++) {
    for (let p = exclude.indptr[u]; p < exclude.indptr[u + 1]; p++) skip[exclude.indices[p]] = 1;
    let n = 0;
    let s = 0;
    let s2 = 0;
    const base = u * numItems;
    for (let i = 0; i < numItems; i++) {
      if (skip[i]) continue;
      const v = matrix[base + i];
      n++;
      s += v;
      s2 += v * v;
    }
    for (let p = exclude.indptr[u]; p < exclude.indptr[u + 1]; p++) skip[exclude.indices[p]] = 0;
    const m = n > 0 ? s / n : 0;
    mean[u] = m;
    std[u] = Math.sqrt(Math.max(0, s2 / Math.max(1, n) - m * m)) || 1;
  }
  return { mean, std };
}

/** Per-user z-scored blend w·a + (1 − w)·b of two saved matrices (moments from `candidateMoments`). */
export function blendScorer(
  numItems: number,
  a: Float32Array,
  ma: { mean: Float64Array; std: Float64Array },
  b: Float32Array,
  mb: { mean: Float64Array; std: Float64Array },
  w: number,
): Scorer {
  return new MatrixScorer(numItems, a, (u, row) => {
    const base = u * numItems;
    const sa = w / ma.std[u];
    const sb = (1 - w) / mb.std[u];
    const ca = ma.mean[u];
    const cb = mb.mean[u];
    for (let i = 0; i < numItems; i++) row[i] = sa * (row[i] - ca) + sb * (b[base + i] - cb);
  });
}

/** Each user's top k (best first) with the user's `exclude` items left out, ties to the lower index (as evaluateRanking). */
export function topLists(scorer: Scorer, users: number, exclude: Csr, k: number): Int32Array {
  const n = scorer.numItems;
  const row = new Float32Array(n);
  const skip = new Int32Array(n);
  const out = new Int32Array(users * k).fill(-1);
  const heap = new Int32Array(k);
  for (let u = 0; u < users; u++) {
    scorer.scoreItems(u, row);
    for (let p = exclude.indptr[u]; p < exclude.indptr[u + 1]; p++) skip[exclude.indices[p]] = u + 1;
    const size = topKInto(row, k, heap, skip, u + 1);
    out.set(heap.subarray(0, size), u * k);
  }
  return out;
}

function summary(scorer: Scorer, validation: Interactions, exclude: Csr, counts: Int32Array) {
  const r = evaluateRanking(scorer, validation, { exclude, k: [10], perUser: true, itemPopularity: counts });
  const m = r.metrics;
  return {
    metrics: {
      'ndcg@10': +m['ndcg@10'].toFixed(4),
      'recall@10': +m['recall@10'].toFixed(4),
      auc: +m.auc.toFixed(4),
      'coverage@10': +m['coverage@10'].toFixed(4),
      'popularity@10': +m['popularity@10'].toFixed(1),
      users: r.usersEvaluated,
    },
    ndcg: Array.from(r.perUser.values['ndcg@10']),
    raw: m,
  };
}

/** Each item index's author (items_info.dat, column Book-Author, lower-cased), or null when the file is missing. */
function authorsOf(train: Interactions): (string | undefined)[] | null {
  let text: string;
  try {
    text = readFileSync(path.join(dataDir, 'book-crossing/caserec-processed/items_info.dat'), 'utf8');
  } catch {
    return null;
  }
  const byId = new Map<string, string>();
  for (const line of text.split('\n').slice(1)) {
    const cells = line.split('\t');
    if (cells.length > 3 && cells[3].trim()) byId.set(cells[0].trim(), cells[3].trim().toLowerCase());
  }
  return Array.from({ length: train.numItems }, (_, i) => byId.get(train.itemIds.id(i)));
}

function saveF32(file: string, data: Float32Array): void {
  writeFileSync(file, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

function readF32(file: string): Float32Array {
  const buf = readFileSync(file);
  if (buf.byteOffset % 4 === 0) return new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  return new Float32Array(new Uint8Array(buf).buffer);
}

async function scores(): Promise<void> {
  const { train, validation } = await readBookCrossingSplit(dataDir);
  const exclude = train.byUser();
  const counts = train.itemCounts();
  mkdirSync(outDir, { recursive: true });
  const models = (process.env.MODELS ?? 'ease,recvae').split(',');
  const metaFile = path.join(outDir, 'meta.json');
  let meta: Record<string, unknown> = {};
  try {
    meta = JSON.parse(readFileSync(metaFile, 'utf8'));
  } catch {}
  meta = { ...meta, users: train.numUsers, items: train.numItems, train: train.length, validation: validation.length };
  for (const name of models) {
    const model = name === 'ease' ? createModel('ease', { lambda: 100 }) : createModel('recvae', RECVAE);
    const c0 = process.cpuUsage();
    const h = await model.fit(train, {
      threads: 1,
      seed: 42,
      validation,
      validationMetric: 'ndcg@10',
      validationUsers: 1000,
      earlyStopping: { patience: 5 },
      progress: false,
      callbacks: { onEpochEnd: (e) => console.error(`${name} epoch ${e.epoch}: validation ${e.validation?.toFixed(4)}, ${e.seconds.toFixed(1)} s`) },
    });
    const cpu = process.cpuUsage(c0);
    const own = summary(model, validation, exclude, counts).metrics;
    const users = train.numUsers;
    const n = train.numItems;
    const matrix = new Float32Array(users * n);
    const batch = 128;
    for (let u0 = 0; u0 < users; u0 += batch) {
      const ids = Int32Array.from({ length: Math.min(batch, users - u0) }, (_, k) => u0 + k);
      model.scoreUsers(ids, matrix.subarray(u0 * n, (u0 + ids.length) * n));
    }
    saveF32(path.join(outDir, `${name}.f32`), matrix);
    if (name === 'ease') saveF32(path.join(outDir, 'ease-B.f32'), (model as Ease).weights);
    meta[name] = { own, bestEpoch: h.bestEpoch, epochsRun: h.epochs.length, fitCpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(1) };
    writeFileSync(metaFile, JSON.stringify(meta, null, 1));
    console.error(JSON.stringify({ name, ...(meta[name] as object) }));
  }
  console.log(JSON.stringify(meta, null, 1));
}

/** Max co-occurrence count (users in train with both) of `item` with any of `history`, via item columns. */
function maxCooccurrence(byItem: Csr, history: ArrayLike<number>, item: number, stamp: Int32Array, mark: number, confidence?: { value: number }): number {
  for (let p = byItem.indptr[item]; p < byItem.indptr[item + 1]; p++) stamp[byItem.indices[p]] = mark;
  let best = 0;
  let bestConfidence = 0;
  for (let k = 0; k < history.length; k++) {
    const h = history[k];
    let c = 0;
    for (let p = byItem.indptr[h]; p < byItem.indptr[h + 1]; p++) if (stamp[byItem.indices[p]] === mark) c++;
    if (c > best) best = c;
    // P(item | h) in train: the share of h's readers who also read the item ("read h, then this").
    const degree = byItem.indptr[h + 1] - byItem.indptr[h];
    if (degree > 0 && c / degree > bestConfidence) bestConfidence = c / degree;
  }
  if (confidence) confidence.value = bestConfidence;
  return best;
}

/** 1 + the number of the user's candidate items (not in `excluded`) scored above item j (ties: lower index first), in `row`. */
function rankOf(row: Float32Array, j: number, excluded: ArrayLike<number>): number {
  const v = row[j];
  let above = 0;
  for (let i = 0; i < row.length; i++) if (row[i] > v || (row[i] === v && i < j)) above++;
  for (let k = 0; k < excluded.length; k++) {
    const i = excluded[k];
    if (row[i] > v || (row[i] === v && i < j)) above--;
  }
  return above + 1;
}

async function analyse(): Promise<void> {
  const { train, validation } = await readBookCrossingSplit(dataDir);
  const exclude = train.byUser();
  const byItem = train.byItem();
  const counts = train.itemCounts();
  const meta = JSON.parse(readFileSync(path.join(outDir, 'meta.json'), 'utf8'));
  const users = train.numUsers;
  const n = train.numItems;
  const E = readF32(path.join(outDir, 'ease.f32'));
  const R = readF32(path.join(outDir, 'recvae.f32'));
  const B = readF32(path.join(outDir, 'ease-B.f32'));
  if (E.length !== users * n || R.length !== users * n || B.length !== n * n) throw new Error('saved matrices do not match the split');
  const out: Record<string, unknown> = { protocol: { name: 'bx-peruser-80/10/10', phase: 'validation', ...BX_PERUSER_SPLIT } };

  // 1. The saved matrices reproduce the fitted models' figures.
  const easeSum = summary(new MatrixScorer(n, E), validation, exclude, counts);
  const recSum = summary(new MatrixScorer(n, R), validation, exclude, counts);
  out.check = { ease: { saved: easeSum.metrics, fitted: meta.ease?.own }, recvae: { saved: recSum.metrics, fitted: meta.recvae?.own } };
  out.models = { ease: easeSum.metrics, recvae: recSum.metrics, fits: { ease: meta.ease, recvae: meta.recvae } };
  console.error(JSON.stringify(out.check));

  // 2. Top 10s and the validation pairs they hit.
  const K = 10;
  const topE = topLists(new MatrixScorer(n, E), users, exclude, K);
  const topR = topLists(new MatrixScorer(n, R), users, exclude, K);
  const vCsr = validation.byUser();
  const stamp = new Int32Array(users).fill(-1);
  let mark = 0;
  type Pair = { u: number; j: number; pop: number; co: number; conf: number; b: number; hitE: boolean; hitR: boolean };
  const conf = { value: 0 };
  const pairs: Pair[] = [];
  const inList = (list: Int32Array, u: number, j: number) => {
    for (let k = 0; k < K; k++) if (list[u * K + k] === j) return true;
    return false;
  };
  const history = (u: number) => exclude.indices.subarray(exclude.indptr[u], exclude.indptr[u + 1]);
  const maxB = (u: number, j: number) => {
    let best = Number.NEGATIVE_INFINITY;
    for (const h of history(u)) best = Math.max(best, B[h * n + j]);
    return best;
  };
  for (let u = 0; u < users; u++) {
    const hist = history(u);
    for (let p = vCsr.indptr[u]; p < vCsr.indptr[u + 1]; p++) {
      const j = vCsr.indices[p];
      const co = maxCooccurrence(byItem, hist, j, stamp, mark++, conf);
      pairs.push({ u, j, pop: counts[j], co, conf: conf.value, b: maxB(u, j), hitE: inList(topE, u, j), hitR: inList(topR, u, j) });
    }
  }
  const popEdges = quartileEdges(pairs.map((q) => q.pop));
  const popNames = edgeNames(popEdges);
  const coEdges = [0, 1, STRONG - 1];
  const coNames = ['0', '1', `2–${STRONG - 1}`, `≥${STRONG}`];
  const hitsE = pairs.filter((q) => q.hitE).length;
  const hitsR = pairs.filter((q) => q.hitR).length;
  const table = (names: string[], key: (q: Pair) => number) =>
    names.map((name, b) => {
      const xs = pairs.filter((q) => key(q) === b);
      const e = xs.filter((q) => q.hitE).length;
      const r = xs.filter((q) => q.hitR).length;
      return {
        bucket: name,
        pairs: xs.length,
        easeHits: e,
        recvaeHits: r,
        easeHitRate: +(e / Math.max(1, xs.length)).toFixed(4),
        recvaeHitRate: +(r / Math.max(1, xs.length)).toFixed(4),
        shareOfDifference: +((e - r) / (hitsE - hitsR)).toFixed(3),
      };
    });
  out.pairs = { total: pairs.length, easeHits: hitsE, recvaeHits: hitsR, popularityEdges: popEdges };
  out.byPopularity = table(popNames, (q) => bucketOf(popEdges, q.pop));
  out.byNeighbour = table(coNames, (q) => bucketOf(coEdges, q.co));
  const describe = (xs: Pair[]) => ({
    pairs: xs.length,
    medianPopularity: median(xs.map((q) => q.pop)),
    meanLogPopularity: +mean(xs.map((q) => Math.log1p(q.pop))).toFixed(3),
    popularityQuartileShares: popNames.map((_, b) => +(xs.filter((q) => bucketOf(popEdges, q.pop) === b).length / Math.max(1, xs.length)).toFixed(3)),
    medianMaxCooccurrence: median(xs.map((q) => q.co)),
    shareStrongNeighbour: +(xs.filter((q) => q.co >= STRONG).length / Math.max(1, xs.length)).toFixed(3),
    shareNoNeighbour: +(xs.filter((q) => q.co === 0).length / Math.max(1, xs.length)).toFixed(3),
    medianMaxEaseWeight: +median(xs.map((q) => q.b)).toFixed(4),
    // Exploratory (added after the first analyse run): the strongest P(item | history item).
    medianMaxConfidence: +median(xs.map((q) => q.conf)).toFixed(4),
  });
  out.hitSets = {
    both: describe(pairs.filter((q) => q.hitE && q.hitR)),
    easeOnly: describe(pairs.filter((q) => q.hitE && !q.hitR)),
    recvaeOnly: describe(pairs.filter((q) => !q.hitE && q.hitR)),
    neither: describe(pairs.filter((q) => !q.hitE && !q.hitR)),
    all: describe(pairs),
  };
  const listStats = (top: Int32Array) => {
    let strong = 0;
    let none = 0;
    let slots = 0;
    const quart = [0, 0, 0, 0];
    const pops: number[] = [];
    for (let u = 0; u < users; u++) {
      if (vCsr.indptr[u + 1] === vCsr.indptr[u]) continue;
      const hist = history(u);
      for (let k = 0; k < K; k++) {
        const j = top[u * K + k];
        if (j < 0) continue;
        slots++;
        pops.push(counts[j]);
        quart[bucketOf(popEdges, counts[j])]++;
        const co = maxCooccurrence(byItem, hist, j, stamp, mark++);
        if (co >= STRONG) strong++;
        if (co === 0) none++;
      }
    }
    return {
      slots,
      meanPopularity: +mean(pops).toFixed(1),
      medianPopularity: median(pops),
      popularityQuartileShares: quart.map((c) => +(c / slots).toFixed(3)),
      shareStrongNeighbour: +(strong / slots).toFixed(3),
      shareNoNeighbour: +(none / slots).toFixed(3),
    };
  };
  out.lists = { ease: listStats(topE), recvae: listStats(topR), overlapAt10: +(overlap(topE, topR, users, K) / (users * K)).toFixed(3) };
  console.error(JSON.stringify({ pairs: out.pairs, lists: out.lists }));

  // Exploratory (added after the first analyse run, not in the decision rule): within the top
  // popularity quartile of validation pairs (where most of the hit difference is), hit rates by
  // quartile of the neighbour's strength (max co-occurrence count; max P(item | history item)),
  // and where each model ranks the pairs only the other one puts in its top 10.
  const head = pairs.filter((q) => bucketOf(popEdges, q.pop) === 3);
  const headTable = (key: (q: Pair) => number) => {
    const edges = quartileEdges(head.map(key));
    return [0, 1, 2, 3].map((b) => {
      const xs = head.filter((q) => bucketOf(edges, key(q)) === b);
      const e = xs.filter((q) => q.hitE).length;
      const r = xs.filter((q) => q.hitR).length;
      const lo = b === 0 ? Math.min(...xs.map(key)) : edges[b - 1];
      return {
        bucket: b === 0 ? `≤${+edges[0].toFixed(3)}` : b === 3 ? `>${+edges[2].toFixed(3)}` : `(${+lo.toFixed(3)}, ${+edges[b].toFixed(3)}]`,
        pairs: xs.length,
        medianPopularity: median(xs.map((q) => q.pop)),
        easeHitRate: +(e / Math.max(1, xs.length)).toFixed(4),
        recvaeHitRate: +(r / Math.max(1, xs.length)).toFixed(4),
        ratio: +(e / Math.max(1, r)).toFixed(2),
      };
    });
  };
  out.headByCooccurrence = headTable((q) => q.co);
  out.headByConfidence = headTable((q) => q.conf);
  const row = new Float32Array(n);
  const ranks = (xs: Pair[], m: Float32Array) =>
    xs.map((q) => {
      row.set(m.subarray(q.u * n, (q.u + 1) * n));
      return rankOf(row, q.j, history(q.u));
    });
  const rankSummary = (rs: number[]) => ({
    pairs: rs.length,
    median: median(rs),
    share11to20: +(rs.filter((r) => r <= 20).length / rs.length).toFixed(3),
    share11to50: +(rs.filter((r) => r <= 50).length / rs.length).toFixed(3),
    shareBeyond100: +(rs.filter((r) => r > 100).length / rs.length).toFixed(3),
  });
  // Exploratory: does the user's training history hold another book by the held-out book's
  // author (items_info.dat's Book-Author; a proxy for series and companion volumes)?
  const author = authorsOf(train);
  if (author) {
    const hasAuthor = new Uint8Array(pairs.length);
    pairs.forEach((q, k) => {
      const a = author[q.j];
      if (a) for (const h of history(q.u)) if (author[h] === a) hasAuthor[k] = 1;
    });
    const byAuthor = (xs: number[]) => {
      const e = xs.filter((k) => pairs[k].hitE).length;
      const r = xs.filter((k) => pairs[k].hitR).length;
      return {
        pairs: xs.length,
        medianPopularity: median(xs.map((k) => pairs[k].pop)),
        easeHits: e,
        recvaeHits: r,
        easeHitRate: +(e / Math.max(1, xs.length)).toFixed(4),
        recvaeHitRate: +(r / Math.max(1, xs.length)).toFixed(4),
        ratio: +(e / Math.max(1, r)).toFixed(2),
      };
    };
    const all = pairs.map((_, k) => k);
    const inHead = all.filter((k) => bucketOf(popEdges, pairs[k].pop) === 3);
    const shareWith = (pick: (q: Pair) => boolean) => {
      const xs = all.filter((k) => pick(pairs[k]));
      return +(xs.filter((k) => hasAuthor[k]).length / Math.max(1, xs.length)).toFixed(3);
    };
    out.sameAuthor = {
      all: { withAuthorInHistory: byAuthor(all.filter((k) => hasAuthor[k])), without: byAuthor(all.filter((k) => !hasAuthor[k])) },
      head: { withAuthorInHistory: byAuthor(inHead.filter((k) => hasAuthor[k])), without: byAuthor(inHead.filter((k) => !hasAuthor[k])) },
      shareOfHitSet: {
        both: shareWith((q) => q.hitE && q.hitR),
        easeOnly: shareWith((q) => q.hitE && !q.hitR),
        recvaeOnly: shareWith((q) => !q.hitE && q.hitR),
        neither: shareWith((q) => !q.hitE && !q.hitR),
      },
    };
    console.error(JSON.stringify({ sameAuthor: out.sameAuthor }));
  }
  out.missRanks = {
    easeOnlyInRecvae: rankSummary(
      ranks(
        pairs.filter((q) => q.hitE && !q.hitR),
        R,
      ),
    ),
    recvaeOnlyInEase: rankSummary(
      ranks(
        pairs.filter((q) => !q.hitE && q.hitR),
        E,
      ),
    ),
  };
  console.error(JSON.stringify({ headByCooccurrence: out.headByCooccurrence, headByConfidence: out.headByConfidence, missRanks: out.missRanks }));
  if (process.env.SKIP_SWEEPS === '1') {
    console.log(JSON.stringify(out, null, 1));
    return;
  }

  // 3. RecVAE + α·log(1 + training count).
  const alphas = (process.env.ALPHAS ?? '-0.2,-0.1,0,0.1,0.2,0.4,0.8').split(',').map(Number);
  const shiftRows: Record<string, unknown>[] = [];
  for (const alpha of alphas) {
    const shift = popularityShift(counts, alpha);
    const s = summary(
      new MatrixScorer(n, R, (_u, row) => {
        for (let i = 0; i < n; i++) row[i] += shift[i];
      }),
      validation,
      exclude,
      counts,
    );
    shiftRows.push({ alpha, ...s.metrics, ...paired(s.ndcg, recSum.ndcg, 'vsAlpha0'), ...paired(s.ndcg, easeSum.ndcg, 'vsEase') });
    console.error(JSON.stringify(shiftRows.at(-1)));
  }
  out.popularityShift = shiftRows;

  // 4. Per-user z-scored blend.
  const mE = candidateMoments(E, n, exclude);
  const mR = candidateMoments(R, n, exclude);
  const weights = (process.env.WEIGHTS ?? '0,0.25,0.5,0.75,1').split(',').map(Number);
  const blendRows: Record<string, unknown>[] = [];
  for (const w of weights) {
    const s = summary(blendScorer(n, E, mE, R, mR, w), validation, exclude, counts);
    blendRows.push({ w, ...s.metrics, ...paired(s.ndcg, easeSum.ndcg, 'vsEase'), ...paired(s.ndcg, recSum.ndcg, 'vsRecvae') });
    console.error(JSON.stringify(blendRows.at(-1)));
  }
  out.blend = blendRows;
  console.log(JSON.stringify(out, null, 1));
}

function overlap(a: Int32Array, b: Int32Array, users: number, k: number): number {
  let c = 0;
  for (let u = 0; u < users; u++) {
    const set = new Set(a.subarray(u * k, (u + 1) * k));
    for (let q = 0; q < k; q++) if (b[u * k + q] >= 0 && set.has(b[u * k + q])) c++;
  }
  return c;
}

/** Mean NDCG@10 difference x − y, Wilcoxon p, wins / losses, keyed by `tag`. */
function paired(x: number[], y: number[], tag: string): Record<string, unknown> {
  let wins = 0;
  let losses = 0;
  for (let i = 0; i < x.length; i++) {
    if (x[i] > y[i]) wins++;
    else if (x[i] < y[i]) losses++;
  }
  const d = mean(x) - mean(y);
  const p = d === 0 && wins === 0 && losses === 0 ? 1 : wilcoxonSignedRank(x, y).pValue;
  return { [tag]: { difference: +d.toFixed(4), wilcoxonP: +p.toPrecision(3), wins, losses } };
}

async function main(): Promise<void> {
  const phase = process.env.PHASE ?? 'analyse';
  if (phase === 'scores') return scores();
  if (phase === 'analyse') return analyse();
  throw new Error(`PHASE must be scores or analyse, got ${phase}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
