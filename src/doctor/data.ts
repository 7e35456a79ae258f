/**
 * Data checks: what is wrong with a dataset, or what a user must know about it, before a model
 * is trained on it. Each finding names its cause and a fix, with the numbers behind it; the
 * floor (what trivial predictors score) is measured, so a model's numbers can be read against it.
 */
import { csrHas, type Interactions } from '../data/interactions.ts';
import { positivesOnly } from '../data/labels.ts';
import type { LoadReport } from '../data/types.ts';
import { evaluateRanking } from '../eval/ranking.ts';
import { createModel } from '../models/registry.ts';
import type { Finding } from './findings.ts';
import { ConfigError } from '../contracts/errors.ts';
import { suggest } from '../contracts/suggest.ts';
import { parseMetric, VALIDATION_METRIC_NAMES } from '../train/validation.ts';

export interface DataCheckInput {
  train: Interactions;
  /** Held-out interactions sharing the training id maps. */
  test?: Interactions;
  /** Values ≥ this are positives (implicit feedback from ratings). */
  positiveThreshold?: number;
  /** What loading reported (duplicates, skipped rows), when the data came from a file. */
  report?: LoadReport;
  /** The metric models will be judged by (e.g. `f1`, `accuracy`, `auc`), when known. */
  metric?: string;
}

/**
 * The share of the interactions held by the top 1 % of users that is worth a word: ML-100K's is
 * 5.5 %, the Book-Crossing ratings' 43 % (one user with 2,512 of 39,268 rows); at the warning
 * level, 2 in 5 rows of every pointwise or triplet epoch belong to 1 % of the users.
 */
const HEAVY_USERS_INFO = 0.2;
const HEAVY_USERS_WARN = 0.4;
/** On a few users, the top 1 % (one user) must also hold this many times an even share. */
const HEAVY_USERS_OVER_EVEN = 10;
/**
 * Past this share of test pairs with a cold user or item, a model's number on the split is mostly
 * its cold-start fallback, and a floor over the warm rest does not describe the split.
 */
const COLD_FLOOR_SHARE = 0.5;

/**
 * From a base rate of one half, predicting "yes" everywhere scores F1 ≥ 2/3: F1 and accuracy then
 * hardly separate a model from "recommend everything" (Book-Crossing at rating ≥ 8: 0.80).
 */
const HIGH_BASE_RATE = 0.5;
/** Metrics judged at a threshold, which a high base rate can make useless. */
export const THRESHOLD_METRICS = new Set(['f1', 'accuracy', 'precision', 'recall']);

/** Refuses a `--metric` the doctor cannot read: a threshold metric, or one the fit loop measures (auc, ndcg@10, ...). */
export function checkJudgedMetric(metric: string): void {
  if (THRESHOLD_METRICS.has(metric.toLowerCase())) return;
  try {
    parseMetric(metric);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(`--metric ${metric}: ${error.message}${suggest(metric, [...THRESHOLD_METRICS, ...VALIDATION_METRIC_NAMES])}`);
  }
}

export async function checkData(input: DataCheckInput): Promise<Finding[]> {
  const { train, test, positiveThreshold, report, metric } = input;
  const findings: Finding[] = [];
  const add = (f: Finding): void => void findings.push(f);

  if (report && report.duplicates > 0) {
    add({
      level: 'warn',
      code: 'duplicates',
      message: `${report.duplicates} repeated (user, item) rows, resolved by "${report.duplicatePolicy ?? 'last'}"`,
      fix: 'check how the file was built; choose the policy on purpose with --duplicates keep|last|max|sum|error',
      numbers: { duplicates: report.duplicates },
    });
  }
  if (report && report.rowsSkipped > 0) {
    add({
      level: 'warn',
      code: 'skipped-rows',
      message: `${report.rowsSkipped} malformed rows were skipped`,
      fix: `look at them, e.g. ${report.skippedExamples[0] ?? ''}`,
      numbers: { skipped: report.rowsSkipped },
    });
  }

  const scale = valueScale(train);
  if (scale.zeros > 0 && scale.positiveMin >= 1 && scale.distinct > 2) {
    add({
      level: 'warn',
      code: 'zero-ratings',
      message: `${share(scale.zeros, train.length)} of the ratings are 0 on a ${scale.positiveMin}–${scale.max} scale: 0 usually means "interacted, no rating" (Book-Crossing's implicit rows), not the lowest rating`,
      fix: 'drop the zeros (dropZeros) for rating models, or treat them as implicit positives',
      numbers: { zeros: scale.zeros, min: scale.positiveMin, max: scale.max },
    });
  }

  // One value everywhere other than 1 (what a file without a rating column reads as): a rating
  // column that says nothing, or the wrong column mapped as the rating.
  if (scale.distinct === 1 && train.length > 1 && scale.max !== 1) {
    add({
      level: 'warn',
      code: 'constant-values',
      message: `every rating is ${scale.max}: the values carry no signal, so a rating model learns a constant (and a threshold keeps all or nothing)`,
      fix: 'check the rating column (--columns user,item,rating); with no ratings, train a ranking model (bpr, warp, ease), which reads each row as a positive',
      numbers: { value: scale.max },
    });
  }

  const floatIds = [...train.userIds.toArray(), ...train.itemIds.toArray()].filter((id) => /^-?\d+\.0+$/.test(id));
  if (floatIds.length > 0) {
    add({
      level: 'warn',
      code: 'float-ids',
      message: `${floatIds.length} ids look like floats (e.g. "${floatIds[0]}"): "12" and "12.0" would name different users or items`,
      fix: 'write the id columns as integers or text (pandas turns integer columns with gaps into floats)',
      numbers: { ids: floatIds.length },
    });
  }

  const userCounts = train.userCounts();
  const users = singles(userCounts);
  if (users.single / Math.max(1, users.present) > 0.2) {
    add({
      level: 'warn',
      code: 'single-interaction-users',
      message: `${share(users.single, users.present)} of the users have one training interaction: little to learn their taste from`,
      fix: 'train on the k-core (--min-user-interactions 5 on train and doctor train, data.minUserInteractions in an experiment, kCoreOfTraining in the library), or expect popularity-like results for them',
      numbers: { users: users.single },
    });
  }
  // A long tail of items rated once is normal (8 % on ML-100K); a catalogue mostly made of them is not.
  const items = singles(train.itemCounts());
  if (items.single / Math.max(1, items.present) > 0.5) {
    add({
      level: 'warn',
      code: 'single-interaction-items',
      message: `${share(items.single, items.present)} of the items have one training interaction: no model of interactions can place them beside others`,
      fix: 'train on the k-core (--min-item-interactions 5 on train and doctor train, data.minItemInteractions in an experiment), or give the model item features',
      numbers: { items: items.single },
    });
  }

  const heavy = heavyUsers(userCounts, train.length);
  if (heavy && heavy.share >= HEAVY_USERS_INFO && heavy.share >= HEAVY_USERS_OVER_EVEN * (heavy.users / users.present)) {
    add({
      level: heavy.share >= HEAVY_USERS_WARN ? 'warn' : 'info',
      code: 'heavy-users',
      message: `the top 1% of users (${heavy.users}) hold ${share(heavy.share, 1)} of the training interactions, the heaviest ${heavy.heaviest} of them (the median user ${heavy.median}): such users (bots, test accounts, crawlers?) dominate pointwise and triplet training and per-interaction metrics`,
      fix: "look at the heaviest users; cap each user's interactions (a random or the latest N per user) or sample per user before training, and judge models by per-user ranking metrics (AUC, NDCG@10), which weigh every user equally",
      numbers: { topUsers: heavy.users, topShare: heavy.share, heaviestUser: heavy.heaviest, medianUser: heavy.median },
    });
  }

  // The labels a pointwise metric sees: positives after the threshold, or 0/1 values as given.
  const labels = positiveThreshold !== undefined ? rate(train, (v) => v >= positiveThreshold) : scale.binary ? rate(train, (v) => v > 0) : null;
  if (labels === 0 && positiveThreshold !== undefined && train.length > 0) {
    add({
      level: 'error',
      code: 'no-positives',
      message: `no label is positive: every value is below the positive threshold ${positiveThreshold} (values run from ${scale.min} to ${scale.max}), so a model has nothing to learn`,
      fix: `a threshold inside the values' range (e.g. --positive-threshold ${scale.max})`,
      numbers: { positiveThreshold, min: scale.min, max: scale.max },
    });
  } else if (labels !== null) {
    const p = labels;
    const allPositiveF1 = (2 * p) / (1 + p);
    const judgedByThreshold = metric !== undefined && THRESHOLD_METRICS.has(metric.toLowerCase());
    const finding: Finding = {
      level: p < HIGH_BASE_RATE ? 'ok' : judgedByThreshold ? 'warn' : 'info',
      code: 'base-rate',
      message: `${(100 * p).toFixed(1)}% of the labels are positive: predicting "yes" for every pair scores accuracy ${p.toFixed(3)} and F1 ${allPositiveF1.toFixed(3)}`,
      numbers: { positiveShare: p, allPositiveAccuracy: p, allPositiveF1 },
    };
    if (p >= HIGH_BASE_RATE) {
      finding.message += `, so F1 and accuracy hardly separate a model from "recommend everything"${judgedByThreshold ? ` (and models here are judged by ${metric})` : ''}`;
      finding.fix = 'judge models by ROC AUC or per-user ranking metrics (precision@10, NDCG@10) beside popularity, not F1';
    }
    add(finding);
  }

  if (test) await checkHeldOut(train, test, positiveThreshold, add);
  return findings;
}

async function checkHeldOut(train: Interactions, test: Interactions, positiveThreshold: number | undefined, add: (f: Finding) => void): Promise<void> {
  const seen = train.byUser();
  const trainUsers = train.userCounts();
  const trainItems = train.itemCounts();
  let leaked = 0;
  let coldUsers = 0;
  let coldItems = 0;
  // Pairs whose user and item both have training rows: all a collaborative model can rank.
  const warm = new Int32Array(test.length);
  let warmPairs = 0;
  for (let k = 0; k < test.length; k++) {
    const u = test.users[k];
    const i = test.items[k];
    if (u < seen.rows && csrHas(seen, u, i)) leaked++;
    const coldUser = !(trainUsers[u] > 0);
    const coldItem = !(trainItems[i] > 0);
    if (coldUser) coldUsers++;
    if (coldItem) coldItems++;
    if (!coldUser && !coldItem) warm[warmPairs++] = k;
  }
  const coldPairs = test.length - warmPairs;
  if (leaked > 0) {
    add({
      level: 'error',
      code: 'leakage',
      message: `${share(leaked, test.length)} of the test interactions (${leaked}) are also in train: a model is scored on what it was trained on`,
      fix: 'split again so that no (user, item) pair is on both sides (tastebud data split)',
      numbers: { leaked },
    });
  }
  if (coldPairs > 0) {
    add({
      level: coldPairs > 0.2 * test.length ? 'warn' : 'info',
      code: 'cold-start',
      message: `${share(coldUsers, test.length)} of the test interactions are by users and ${share(coldItems, test.length)} on items with no training interactions`,
      fix: 'cold users and items can only be served from features or popularity: use a hybrid model, or report them apart',
      numbers: { coldUserRows: coldUsers, coldItemRows: coldItems, coldPairs },
    });
  }
  if (train.times && test.times) {
    let newest = -Infinity;
    for (const t of train.times) if (t > newest) newest = t;
    let older = 0;
    for (const t of test.times) if (t < newest) older++;
    if (older > 0) {
      add({
        level: 'info',
        code: 'time-order',
        message: `${share(older, test.length)} of the test interactions are older than the newest training one: fine for a random split, a leak of the future for a temporal one`,
        fix: 'for a temporal evaluation, split by time (tastebud data split --method temporal)',
        numbers: { olderThanTrain: older },
      });
    }
  }
  // The floor is measured on the warm pairs only: on a cold user popularity is no personal ranking,
  // and a cold item (no training count) sits in popularity's bottom tie, a floor no model is judged by.
  const floor = warmPairs > 0 ? await popularityFloor(train, coldPairs > 0 ? test.subset(warm.subarray(0, warmPairs)) : test, positiveThreshold) : null;
  const scores = floor ? `per-user AUC ${floor.auc.toFixed(4)} and P@10 ${floor.precision.toFixed(4)}` : '';
  const numbers: Record<string, number> = floor ? { auc: floor.auc, 'precision@10': floor.precision } : {};
  const coldShare = coldPairs / test.length;
  if (coldShare >= COLD_FLOOR_SHARE) {
    const cold = `${share(coldPairs, test.length)} of the test pairs (${coldPairs}) have a user or an item with no training interactions`;
    add({
      level: 'warn',
      code: 'popularity-floor',
      message:
        warmPairs === 0
          ? `${cold}: the split leaves nothing a collaborative model can rank, so popularity sets no floor on it`
          : `${cold}: a collaborative model can rank only the other ${warmPairs}${floor ? `, where popularity scores ${scores}` : ''}; on the whole split that floor means little`,
      fix: 'split per user (tastebud data split --method per-user), so every test user has training interactions; to evaluate cold start itself, give the model user or item features (a hybrid model) and report the cold pairs apart',
      numbers: { ...numbers, coldPairShare: coldShare, coldPairs, warmPairs },
    });
  } else if (floor) {
    const over =
      coldPairs > 0
        ? `on the ${warmPairs} test pairs (${share(warmPairs, test.length)}) whose user and item both have training interactions, the ${coldPairs} cold ones set aside`
        : 'on this split';
    add({
      level: 'ok',
      code: 'popularity-floor',
      message: `popularity scores ${scores} ${over} (each user's training items left out of the ranking): the floor any model must clear${coldPairs > 0 ? ' on those pairs' : ''}`,
      numbers: coldPairs > 0 ? { ...numbers, coldPairs, warmPairs } : numbers,
    });
  }
}

/** How much of the data the top 1 % of users (at least one) hold, the heaviest user's count and the median's. */
function heavyUsers(counts: Int32Array, total: number): { users: number; share: number; heaviest: number; median: number } | null {
  const present = counts.filter((c) => c > 0).sort();
  if (present.length === 0 || total === 0) return null;
  const users = Math.max(1, Math.ceil(0.01 * present.length));
  let held = 0;
  for (let j = present.length - users; j < present.length; j++) held += present[j];
  return { users, share: held / total, heaviest: present[present.length - 1], median: present[Math.floor(present.length / 2)] };
}

/** Popularity's per-user AUC and P@10 on the held-out positives, the user's training items excluded. */
async function popularityFloor(train: Interactions, test: Interactions, threshold: number | undefined): Promise<{ auc: number; precision: number } | null> {
  const positives = threshold !== undefined ? positivesOnly(train, threshold) : train;
  const held = threshold !== undefined ? positivesOnly(test, threshold) : test;
  if (positives.length === 0 || held.length === 0) return null;
  const popularity = createModel('popularity');
  await popularity.fit(positives, { threads: 1, log: () => {} });
  const { metrics } = evaluateRanking(popularity, held, { k: [10], exclude: train.byUser(), perUser: false });
  return { auc: metrics.auc, precision: metrics['precision@10'] };
}

function valueScale(data: Interactions): { zeros: number; positiveMin: number; min: number; max: number; distinct: number; binary: boolean } {
  const distinct = new Set<number>();
  let zeros = 0;
  let positiveMin = Infinity;
  let min = Infinity;
  let max = -Infinity;
  for (const v of data.values) {
    if (distinct.size < 1000) distinct.add(v);
    if (v === 0) zeros++;
    else if (v > 0 && v < positiveMin) positiveMin = v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { zeros, positiveMin, min, max, distinct: distinct.size, binary: [...distinct].every((v) => v === 0 || v === 1) };
}

function rate(data: Interactions, positive: (value: number) => boolean): number {
  let n = 0;
  for (const v of data.values) if (positive(v)) n++;
  return n / Math.max(1, data.length);
}

function share(part: number, whole: number): string {
  return `${((100 * part) / Math.max(1, whole)).toFixed(1)}%`;
}

/** How many of the rows (users or items) occur, and how many of those once. */
function singles(counts: Int32Array): { present: number; single: number } {
  let present = 0;
  let single = 0;
  for (const c of counts) {
    if (c > 0) present++;
    if (c === 1) single++;
  }
  return { present, single };
}
