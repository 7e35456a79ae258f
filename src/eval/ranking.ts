/**
 * Full-ranking evaluation: for each test user, score every item, drop the excluded ones (usually
 * the user's training items), and measure where the user's relevant test items land.
 *
 * Rules (docs/metrics.md says the same for readers of reports):
 * - Candidates = all `model.numItems` items minus the user's excluded items.
 * - Relevant = the user's test items with value ≥ `relevanceThreshold` (all test items when no
 *   threshold is given), minus excluded ones: an item that is both excluded and relevant is
 *   neither a candidate nor relevant (LightFM's protocol; train and test do not overlap there
 *   anyway). Such items are counted in `relevantExcluded`. Test items below the threshold stay
 *   ordinary, non-relevant candidates. A pair repeated in test counts once.
 * - Users with no relevant item are skipped and counted in `usersSkipped`.
 * - Equal scores rank the lower item index first, so top-k lists are deterministic; AUC counts a
 *   tie between a relevant and a non-relevant item as 1/2, so it does not depend on that order.
 * - NaN scores (a diverged model) rank last and are counted in `nanScores`.
 * - Test data indexed by other id maps than the model's is refused (src/eval/id-maps.ts): align
 *   it with `alignToModel` first.
 */
import { ConfigError } from '../contracts/errors.ts';
import type { Csr, Interactions } from '../data/interactions.ts';
import type { Scorer } from '../contracts/types.ts';
import { topKInto } from '../core/topk.ts';
import { checkIdMaps } from './id-maps.ts';
import { averagePrecisionAtK, finiteMean, hitAtK, ndcgAtK, precisionAtK, recallAtK, reciprocalRankAtK } from './metrics.ts';

export interface RankingOptions {
  /** Cut-offs for the @k metrics (default [10]). */
  k?: number[];
  /** Rows = users: items to drop from each user's ranking, e.g. the training positives (default null). */
  exclude?: Csr | null;
  /** Test interactions with value ≥ this are relevant (default: all). */
  relevanceThreshold?: number;
  /** Users to evaluate (default: every user with a test interaction, ascending). */
  users?: Int32Array;
  /** Users scored per `scoreUsers` call (default: about 4M scores per batch, at most 512 users). */
  batchSize?: number;
  /** Keep per-user values, for significance tests (default true). */
  perUser?: boolean;
  /** Training popularity of each item (e.g. `train.itemCounts()`), for `popularity@k`. */
  itemPopularity?: Float64Array | Int32Array | Float32Array;
}

export interface RankingResult {
  /** Means over evaluated users: `auc`, and per k `precision@k`, `recall@k`, `map@k`, `ndcg@k`, `mrr@k`, `hit@k`, `coverage@k`, `popularity@k`. */
  metrics: Record<string, number>;
  /** Per evaluated user (in evaluation order), every metric except coverage. */
  perUser: { users: Int32Array; values: Record<string, Float64Array> };
  usersEvaluated: number;
  /** Users given (or with a test interaction) that had no relevant, non-excluded item. */
  usersSkipped: number;
  k: number[];
  excludedSeen: boolean;
  /** Relevant test interactions left out because the item was excluded for that user. */
  relevantExcluded: number;
  /** Scores that were NaN (ranked last). */
  nanScores: number;
}

const PER_K = ['precision', 'recall', 'map', 'ndcg', 'mrr', 'hit'] as const;

export function evaluateRanking(model: Scorer, test: Interactions, options: RankingOptions = {}): RankingResult {
  checkIdMaps(model, test);
  const numItems = model.numItems;
  const ks = checkCutoffs(options.k ?? [10]);
  const kMax = ks[ks.length - 1];
  const exclude = options.exclude ?? null;
  const threshold = options.relevanceThreshold;
  const popularity = options.itemPopularity ?? null;
  if (popularity && popularity.length < numItems) throw new ConfigError(`itemPopularity has ${popularity.length} entries for ${numItems} items`);
  checkTestItems(test, numItems);

  const testCsr = test.byUser();
  const users = options.users ?? usersWithRows(testCsr);
  const keepPerUser = options.perUser ?? true;
  const batch = Math.max(1, Math.min(users.length || 1, options.batchSize ?? Math.min(512, Math.floor((1 << 22) / Math.max(1, numItems)) || 1)));

  // Per-metric, per-user values (sized for every user, trimmed at the end).
  const names = ['auc', ...ks.flatMap((k) => PER_K.map((m) => `${m}@${k}`)), ...(popularity ? ks.map((k) => `popularity@${k}`) : [])];
  const values: Record<string, Float64Array> = {};
  for (const name of names) values[name] = new Float64Array(users.length);
  const evaluated = new Int32Array(users.length);

  // Scratch, reused by every user: "stamps" mark excluded/relevant items for visit v without clearing.
  const scores = new Float32Array(batch * numItems);
  const excludedStamp = new Int32Array(numItems).fill(-1);
  const relevantStamp = new Int32Array(numItems).fill(-1);
  const relevantScores = new Float32Array(numItems);
  const relevantItems = new Int32Array(numItems);
  const tally = { nan: 0 };
  const heap = new Int32Array(kMax);
  const hits = new Uint8Array(kMax);
  const bestRank = new Int32Array(numItems).fill(kMax);
  const batchUsers = new Int32Array(batch);

  let count = 0;
  let skipped = 0;
  let relevantExcluded = 0;
  for (let start = 0; start < users.length; start += batch) {
    const size = Math.min(batch, users.length - start);
    const chunk = size === batch ? batchUsers : batchUsers.subarray(0, size);
    chunk.set(users.subarray(start, start + size));
    scoreBatch(model, chunk, scores);
    for (let b = 0; b < size; b++) {
      const visit = start + b;
      const u = chunk[b];
      const row = scores.subarray(b * numItems, (b + 1) * numItems);

      let excludedCount = 0;
      if (exclude && u < exclude.rows) {
        for (let p = exclude.indptr[u]; p < exclude.indptr[u + 1]; p++) {
          const i = exclude.indices[p];
          if (i < numItems && excludedStamp[i] !== visit) {
            excludedStamp[i] = visit;
            excludedCount++;
          }
        }
      }
      let numRelevant = 0;
      if (u < testCsr.rows) {
        for (let p = testCsr.indptr[u]; p < testCsr.indptr[u + 1]; p++) {
          if (threshold !== undefined && !(testCsr.values[p] >= threshold)) continue;
          const i = testCsr.indices[p];
          if (relevantStamp[i] === visit) continue;
          if (excludedStamp[i] === visit) {
            relevantExcluded++;
            continue;
          }
          relevantStamp[i] = visit;
          relevantItems[numRelevant++] = i;
        }
      }
      if (numRelevant === 0) {
        skipped++;
        continue;
      }

      // Relevant scores, sorted, for AUC (NaN → −∞ everywhere, so a diverged model ranks such items last).
      for (let j = 0; j < numRelevant; j++) {
        const i = relevantItems[j];
        if (row[i] !== row[i]) {
          row[i] = -Infinity;
          tally.nan++;
        }
        relevantScores[j] = row[i];
      }
      const negatives = numItems - excludedCount - numRelevant;
      const won = negativePass(row, excludedStamp, relevantStamp, visit, relevantScores.subarray(0, numRelevant).sort(), tally);
      values.auc[count] = negatives > 0 ? won / (numRelevant * negatives) : NaN;

      // The best non-excluded items, best first (ties: lower index first).
      const listed = topKInto(row, kMax, heap, excludedStamp, visit);
      for (let j = 0; j < listed; j++) {
        const i = heap[j];
        hits[j] = relevantStamp[i] === visit ? 1 : 0;
        if (j < bestRank[i]) bestRank[i] = j;
      }
      const list = hits.subarray(0, listed);
      for (const k of ks) {
        values[`precision@${k}`][count] = precisionAtK(list, k);
        values[`recall@${k}`][count] = recallAtK(list, k, numRelevant);
        values[`map@${k}`][count] = averagePrecisionAtK(list, k, numRelevant);
        values[`ndcg@${k}`][count] = ndcgAtK(list, k, numRelevant);
        values[`mrr@${k}`][count] = reciprocalRankAtK(list, k);
        values[`hit@${k}`][count] = hitAtK(list, k);
        if (popularity) {
          const n = Math.min(k, listed);
          let s = 0;
          for (let j = 0; j < n; j++) s += popularity[heap[j]];
          values[`popularity@${k}`][count] = s / n;
        }
      }
      evaluated[count++] = u;
    }
  }

  const metrics: Record<string, number> = {};
  for (const name of names) metrics[name] = count > 0 ? finiteMean(values[name].subarray(0, count)) : NaN;
  for (const k of ks) {
    let covered = 0;
    for (let i = 0; i < numItems; i++) if (bestRank[i] < k) covered++;
    metrics[`coverage@${k}`] = numItems > 0 ? covered / numItems : NaN;
  }
  const perUser: RankingResult['perUser'] = { users: evaluated.slice(0, keepPerUser ? count : 0), values: {} };
  if (keepPerUser) for (const name of names) perUser.values[name] = values[name].slice(0, count);
  return { metrics, perUser, usersEvaluated: count, usersSkipped: skipped, k: ks, excludedSeen: exclude !== null, relevantExcluded, nanScores: tally.nan };
}

/**
 * Per-user ROC AUC: the fraction of (relevant, non-relevant) pairs ordered correctly, ties 1/2.
 * Only the relevant scores are sorted (usually a handful); each non-relevant score then finds how
 * many relevant ones beat it by binary search — O(items · log relevant), no sort of the catalogue.
 * NaN when either side is empty.
 */
export function userAuc(nonRelevant: ArrayLike<number>, relevant: ArrayLike<number>): number {
  if (relevant.length === 0 || nonRelevant.length === 0) return NaN;
  const sorted = Float32Array.from(relevant).sort();
  let won = 0;
  for (let j = 0; j < nonRelevant.length; j++) won += pairsWon(sorted, nonRelevant[j]);
  return won / (sorted.length * nonRelevant.length);
}

/**
 * One pass over the user's non-relevant candidates: the (relevant, non-relevant) pairs ordered
 * correctly, ties 1/2. Also turns NaN scores into −∞ (counted in `tally.nan`).
 */
function negativePass(row: Float32Array, excludedStamp: Int32Array, relevantStamp: Int32Array, visit: number, sortedRelevant: Float32Array, tally: { nan: number }): number {
  let won = 0;
  for (let i = 0; i < row.length; i++) {
    if (excludedStamp[i] === visit || relevantStamp[i] === visit) continue;
    let s = row[i];
    if (s !== s) {
      s = row[i] = -Infinity;
      tally.nan++;
    }
    won += pairsWon(sortedRelevant, s);
  }
  return won;
}

/** How many sorted relevant scores beat score s, plus ½ per tie; outside their range needs no search. */
function pairsWon(sortedRelevant: Float32Array, s: number): number {
  const n = sortedRelevant.length;
  if (s < sortedRelevant[0]) return n;
  if (s > sortedRelevant[n - 1]) return 0;
  const lo = lowerBound(sortedRelevant, s);
  let hi = lo;
  while (hi < n && sortedRelevant[hi] === s) hi++;
  return n - hi + (hi - lo) / 2;
}

function lowerBound(sorted: Float32Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function scoreBatch(model: Scorer, users: Int32Array, out: Float32Array): void {
  const n = model.numItems;
  if (model.scoreUsers) {
    model.scoreUsers(users, out.subarray(0, users.length * n));
    return;
  }
  for (let b = 0; b < users.length; b++) model.scoreItems(users[b], out.subarray(b * n, (b + 1) * n));
}

function usersWithRows(csr: Csr): Int32Array {
  let n = 0;
  for (let u = 0; u < csr.rows; u++) if (csr.indptr[u + 1] > csr.indptr[u]) n++;
  const out = new Int32Array(n);
  n = 0;
  for (let u = 0; u < csr.rows; u++) if (csr.indptr[u + 1] > csr.indptr[u]) out[n++] = u;
  return out;
}

function checkCutoffs(ks: number[]): number[] {
  if (ks.length === 0) throw new ConfigError('k must list at least one cut-off, e.g. [10]');
  for (const k of ks) if (!(Number.isInteger(k) && k >= 1)) throw new ConfigError(`every k must be a positive whole number, got ${k}`);
  return [...new Set(ks)].sort((a, b) => a - b);
}

function checkTestItems(test: Interactions, numItems: number): void {
  let max = -1;
  for (let p = 0; p < test.length; p++) if (test.items[p] > max) max = test.items[p];
  if (max >= numItems) {
    throw new ConfigError(`test data has item index ${max} but the model scores only ${numItems} items: train and test must share one item id map`);
  }
}
