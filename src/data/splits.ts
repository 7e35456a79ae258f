/**
 * Train/test(/validation) splits of one dataset. Every split is seeded and reproducible, shares the
 * dataset's id maps, and works on (user, item) *pairs*: when a pair occurs more than once (data
 * loaded with duplicates 'keep'), all its copies go to the same side, so no test pair is ever
 * also a training pair.
 *
 * Cold users (and items) are allowed: a random split can put all of a user's pairs in test. The
 * per-user splits (`perUserSplit`, `leaveKOut`, `temporalPerUserLastK`) always leave each user at
 * least one training pair; `splitSizes` counts cold test users/items so a report can say so.
 */
import { Rng } from '../core/rng.ts';
import { ConfigError } from '../contracts/errors.ts';
import { csrHas, type Interactions } from './interactions.ts';
import type { Dataset, Split } from './types.ts';

const TRAIN = 0;
const TEST = 1;
const VALIDATION = 2;

export interface RandomSplitOptions {
  /** Fraction of pairs in test, in (0, 1). */
  testRatio: number;
  /** Fraction of pairs in validation (default 0: no validation part). */
  validationRatio?: number;
  seed: number;
}

/**
 * Shuffles all distinct pairs and cuts: `round(pairs · testRatio)` to test, then
 * `round(pairs · validationRatio)` to validation, the rest to train. Users or items can end up
 * only in test (cold start).
 */
export function randomSplit(data: Interactions, options: RandomSplitOptions): Split {
  const { testRatio, validationRatio = 0 } = options;
  checkRatios(testRatio, validationRatio);
  const runs = pairRuns(data);
  const numPairs = runs.starts.length - 1;
  const order = new Rng(options.seed).permutation(numPairs);
  const nTest = Math.round(numPairs * testRatio);
  const nVal = Math.min(Math.round(numPairs * validationRatio), numPairs - nTest);
  const side = new Uint8Array(data.length);
  for (let j = 0; j < nTest + nVal; j++) runs.assign(order[j], j < nTest ? TEST : VALIDATION, side);
  return fromSides(data, side, validationRatio > 0);
}

export interface PerUserSplitOptions extends RandomSplitOptions {
  /** Users with fewer pairs than this stay wholly in train (default 1: every user is split). */
  minInteractions?: number;
}

/**
 * Stratified by user: each user's pairs are shuffled and `round(n · testRatio)` go to test,
 * `round(n · validationRatio)` to validation — always leaving the user at least one training
 * pair (validation shrinks first). Every test user is therefore a training user.
 */
export function perUserSplit(data: Interactions, options: PerUserSplitOptions): Split {
  const { testRatio, validationRatio = 0, minInteractions = 1 } = options;
  checkRatios(testRatio, validationRatio);
  const rng = new Rng(options.seed);
  const side = new Uint8Array(data.length);
  forEachUserRuns(data, (runIds, count, runs) => {
    if (count < minInteractions || count < 2) return;
    const perm = rng.shuffle(runIds.subarray(0, count));
    const nTest = Math.min(Math.round(count * testRatio), count - 1);
    const nVal = Math.min(Math.round(count * validationRatio), count - 1 - nTest);
    for (let j = 0; j < nTest + nVal; j++) runs.assign(perm[j], j < nTest ? TEST : VALIDATION, side);
  });
  return fromSides(data, side, validationRatio > 0);
}

export interface LeaveKOutOptions {
  /** Pairs per user held out for test. */
  k: number;
  seed: number;
  /** Also hold out `k` (or this many, when a number) pairs per user for validation. */
  validation?: boolean | number;
}

/**
 * Per user, `k` random pairs to test (and the validation count to validation). Users with too few
 * pairs to keep one in train stay wholly in train — counted by `splitSizes` as users without test
 * pairs.
 */
export function leaveKOut(data: Interactions, options: LeaveKOutOptions): Split {
  const { k } = options;
  const kVal = validationCount(options.validation, k);
  checkCount('k', k);
  const rng = new Rng(options.seed);
  const side = new Uint8Array(data.length);
  forEachUserRuns(data, (runIds, count, runs) => {
    if (count <= k + kVal) return;
    const perm = runIds.subarray(0, count);
    // Partial Fisher–Yates: only the first k + kVal draws are needed.
    for (let j = 0; j < k + kVal; j++) {
      const r = j + rng.int(count - j);
      const t = perm[j];
      perm[j] = perm[r];
      perm[r] = t;
      runs.assign(perm[j], j < k ? TEST : VALIDATION, side);
    }
  });
  return fromSides(data, side, kVal > 0);
}

export interface TemporalSplitOptions {
  /** Interactions at or after this time go to test. */
  cutoff?: number;
  /** Or: the cutoff is the time quantile leaving this fraction of pairs in test (ties go to test). */
  testRatio?: number;
  /** Validation is [validationCutoff, cutoff). */
  validationCutoff?: number;
  /** Or: the fraction of pairs just before the test cutoff that form validation. */
  validationRatio?: number;
}

/**
 * One global time cut: the past trains, the future tests. A repeated pair belongs to the side of
 * its first occurrence (a re-interaction with something seen in training is not a test event).
 */
export function temporalSplit(data: Interactions, options: TemporalSplitOptions): Split {
  const times = requireTimes(data, 'temporalSplit');
  const runs = pairRuns(data);
  const numPairs = runs.starts.length - 1;
  const first = new Float64Array(numPairs);
  for (let r = 0; r < numPairs; r++) {
    let t = Infinity;
    for (let e = runs.starts[r]; e < runs.starts[r + 1]; e++) t = Math.min(t, times[runs.order[e]]);
    first[r] = t;
  }
  const sorted = first.slice().sort();
  const quantile = (fraction: number): number => sorted[Math.max(0, Math.min(numPairs - 1, Math.floor(numPairs * (1 - fraction))))];
  let cutoff = options.cutoff;
  if (cutoff === undefined) {
    if (options.testRatio === undefined) throw new ConfigError('temporalSplit needs a cutoff time or a testRatio');
    checkRatios(options.testRatio, options.validationRatio ?? 0);
    cutoff = quantile(options.testRatio);
  }
  let validationCutoff = options.validationCutoff;
  if (validationCutoff === undefined && options.validationRatio !== undefined && options.validationRatio > 0) {
    validationCutoff = quantile((options.testRatio ?? fractionAtOrAfter(sorted, cutoff)) + options.validationRatio);
  }
  if (validationCutoff !== undefined && validationCutoff > cutoff) {
    throw new ConfigError(`validationCutoff (${validationCutoff}) must not be after the test cutoff (${cutoff})`);
  }
  const side = new Uint8Array(data.length);
  for (let r = 0; r < numPairs; r++) {
    if (first[r] >= cutoff) runs.assign(r, TEST, side);
    else if (validationCutoff !== undefined && first[r] >= validationCutoff) runs.assign(r, VALIDATION, side);
  }
  return fromSides(data, side, validationCutoff !== undefined);
}

export interface TemporalLastKOptions {
  /** Each user's latest `k` pairs go to test. */
  k: number;
  /** The `k` (or this many) pairs before those go to validation. */
  validation?: boolean | number;
}

/**
 * Per user, the latest `k` pairs (by their latest occurrence; ties broken by file order) to test:
 * the usual "next-item" protocol. Users with too few pairs to keep one in train stay in train.
 */
export function temporalPerUserLastK(data: Interactions, options: TemporalLastKOptions): Split {
  const times = requireTimes(data, 'temporalPerUserLastK');
  const { k } = options;
  const kVal = validationCount(options.validation, k);
  checkCount('k', k);
  const side = new Uint8Array(data.length);
  const runs = pairRuns(data);
  const last = new Float64Array(runs.starts.length - 1);
  const lastPos = new Int32Array(runs.starts.length - 1);
  for (let r = 0; r < last.length; r++) {
    last[r] = -Infinity;
    for (let e = runs.starts[r]; e < runs.starts[r + 1]; e++) {
      const p = runs.order[e];
      if (times[p] > last[r]) {
        last[r] = times[p];
        lastPos[r] = p;
      } else if (times[p] === last[r]) lastPos[r] = Math.max(lastPos[r], p);
    }
  }
  const byTime = (a: number, b: number): number => last[a] - last[b] || lastPos[a] - lastPos[b];
  forEachUserRuns(
    data,
    (runIds, count) => {
      if (count <= k + kVal) return;
      const sorted = runIds.subarray(0, count).sort(byTime);
      for (let j = 0; j < k + kVal; j++) runs.assign(sorted[count - 1 - j], j < k ? TEST : VALIDATION, side);
    },
    runs,
  );
  return fromSides(data, side, kVal > 0);
}

/** A dataset's own split by name (e.g. ml-100k `ua`), with a clear error listing the known ones. */
export async function predefinedSplit(dataset: Dataset, name: string): Promise<Split> {
  const make = dataset.splits?.[name];
  if (!make) {
    const known = Object.keys(dataset.splits ?? {});
    throw new ConfigError(`dataset ${dataset.name} has no split "${name}"` + (known.length ? ` (it has: ${known.join(', ')})` : ' (it has no predefined splits)'));
  }
  return make();
}

export interface SplitSizes {
  train: number;
  test: number;
  validation?: number;
  trainUsers: number;
  testUsers: number;
  validationUsers?: number;
  /** Test users with no training interaction (cold start). */
  coldTestUsers: number;
  /** Test items with no training interaction. */
  coldTestItems: number;
}

/** Interaction and user counts of each part, and how much of test is cold. */
export function splitSizes(split: Split): SplitSizes {
  const trainUserCounts = split.train.userCounts();
  const trainItemCounts = split.train.itemCounts();
  const sizes: SplitSizes = {
    train: split.train.length,
    test: split.test.length,
    trainUsers: countNonZero(trainUserCounts),
    testUsers: countNonZero(split.test.userCounts()),
    coldTestUsers: countCold(split.test.userCounts(), trainUserCounts),
    coldTestItems: countCold(split.test.itemCounts(), trainItemCounts),
  };
  if (split.validation) {
    sizes.validation = split.validation.length;
    sizes.validationUsers = countNonZero(split.validation.userCounts());
  }
  return sizes;
}

/** How many interactions of `b` have their (user, item) pair in `a` (0 for a leak-free split). */
export function overlappingPairs(a: Interactions, b: Interactions): number {
  const csr = a.byUser();
  let shared = 0;
  for (let p = 0; p < b.length; p++) if (b.users[p] < csr.rows && csrHas(csr, b.users[p], b.items[p])) shared++;
  return shared;
}

/**
 * Distinct pairs as runs of the by-user CSR (its columns are sorted within a row, so copies of a
 * pair are adjacent): run r covers CSR entries `starts[r]..starts[r+1]`, which are positions
 * `order[...]` in the columnar arrays.
 */
interface PairRuns {
  starts: Int32Array;
  order: Int32Array;
  /** First run of each user: user u owns runs `userStart[u]..userStart[u+1]`. */
  userStart: Int32Array;
  assign(run: number, to: number, side: Uint8Array): void;
}

function pairRuns(data: Interactions): PairRuns {
  const csr = data.byUser();
  const n = csr.indices.length;
  const starts = new Int32Array(n + 1);
  const userStart = new Int32Array(csr.rows + 1);
  let numRuns = 0;
  for (let u = 0; u < csr.rows; u++) {
    userStart[u] = numRuns;
    for (let e = csr.indptr[u]; e < csr.indptr[u + 1]; e++) {
      if (e === csr.indptr[u] || csr.indices[e] !== csr.indices[e - 1]) starts[numRuns++] = e;
    }
  }
  userStart[csr.rows] = numRuns;
  starts[numRuns] = n;
  const order = csr.order;
  const trimmed = starts.subarray(0, numRuns + 1);
  return {
    starts: trimmed,
    order,
    userStart,
    assign(run, to, side) {
      for (let e = trimmed[run]; e < trimmed[run + 1]; e++) side[order[e]] = to;
    },
  };
}

/** Calls `visit` with each user's run ids (in a reused scratch array, first `count` valid). */
function forEachUserRuns(data: Interactions, visit: (runIds: Int32Array, count: number, runs: PairRuns) => void, runs = pairRuns(data)): void {
  let widest = 0;
  for (let u = 0; u + 1 < runs.userStart.length; u++) widest = Math.max(widest, runs.userStart[u + 1] - runs.userStart[u]);
  const scratch = new Int32Array(widest);
  for (let u = 0; u + 1 < runs.userStart.length; u++) {
    const count = runs.userStart[u + 1] - runs.userStart[u];
    if (count === 0) continue;
    for (let j = 0; j < count; j++) scratch[j] = runs.userStart[u] + j;
    visit(scratch, count, runs);
  }
}

function fromSides(data: Interactions, side: Uint8Array, withValidation: boolean): Split {
  const counts = [0, 0, 0];
  for (let p = 0; p < side.length; p++) counts[side[p]]++;
  const parts = counts.map((c) => new Int32Array(c));
  const fill = [0, 0, 0];
  for (let p = 0; p < side.length; p++) parts[side[p]][fill[side[p]]++] = p;
  const split: Split = { train: data.subset(parts[TRAIN]), test: data.subset(parts[TEST]) };
  if (withValidation) split.validation = data.subset(parts[VALIDATION]);
  return split;
}

function checkRatios(testRatio: number, validationRatio: number): void {
  if (!(testRatio > 0 && testRatio < 1)) throw new ConfigError(`testRatio must be in (0, 1), got ${testRatio}`);
  if (!(validationRatio >= 0 && testRatio + validationRatio < 1)) {
    throw new ConfigError(`validationRatio must be ≥ 0 and leave room for training (testRatio + validationRatio < 1), got ${validationRatio}`);
  }
}

function checkCount(name: string, k: number): void {
  if (!(Number.isInteger(k) && k >= 1)) throw new ConfigError(`${name} must be a positive integer, got ${k}`);
}

function validationCount(validation: boolean | number | undefined, k: number): number {
  if (validation === undefined || validation === false) return 0;
  const v = validation === true ? k : validation;
  if (!(Number.isInteger(v) && v >= 0)) throw new ConfigError(`validation must be true, false or a count ≥ 0, got ${validation}`);
  return v;
}

function requireTimes(data: Interactions, what: string): Float64Array {
  const times = data.times;
  if (!times) throw new ConfigError(`${what} needs interaction times, and this data has none`);
  let missing = 0;
  for (let p = 0; p < times.length; p++) if (times[p] !== times[p]) missing++;
  if (missing > 0) throw new ConfigError(`${what} needs interaction times: ${missing} of ${times.length} interactions have none`);
  return times;
}

function fractionAtOrAfter(sorted: Float64Array, cutoff: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < cutoff) lo = mid + 1;
    else hi = mid;
  }
  return (sorted.length - lo) / Math.max(1, sorted.length);
}

/** Rows (users or items) with at least one interaction, from `userCounts()` / `itemCounts()`. */
export function countNonZero(counts: Int32Array): number {
  let n = 0;
  for (let i = 0; i < counts.length; i++) if (counts[i] > 0) n++;
  return n;
}

function countCold(testCounts: Int32Array, trainCounts: Int32Array): number {
  let n = 0;
  for (let i = 0; i < testCounts.length; i++) if (testCounts[i] > 0 && !(trainCounts[i] > 0)) n++;
  return n;
}
