/**
 * Is model A really better than model B on this test set? Paired tests over the per-user values
 * of one metric (each user is a pair: A's value and B's value), two-sided:
 *
 * - the paired t-test (scipy.stats.ttest_rel): assumes the differences are roughly normal;
 * - the Wilcoxon signed-rank test (scipy.stats.wilcoxon defaults: zero differences dropped,
 *   mid-ranks for ties, no continuity correction), which only assumes symmetry — better suited to
 *   per-user metrics such as precision@10 that take a handful of values.
 *
 * Wilcoxon p-values follow scipy's method='auto': the exact null distribution for ≤ 50 pairs with
 * no ties or zeros; all 2^n sign flips for ≤ 13 pairs with ties or zeros; otherwise the normal
 * approximation with the tie correction.
 */
import { ConfigError } from '../contracts/errors.ts';
import type { RankingResult } from './ranking.ts';

export interface TTestResult {
  n: number;
  meanDifference: number;
  t: number;
  df: number;
  pValue: number;
}

export interface WilcoxonResult {
  /** Pairs with a non-zero difference (the ones ranked). */
  n: number;
  zeros: number;
  /** min(W+, W−), as scipy reports for the two-sided test. */
  statistic: number;
  /** Sum of the ranks of positive differences (a − b > 0). */
  wPlus: number;
  /** (W+ − mean) / sd under the null, with the tie correction. */
  z: number;
  pValue: number;
  method: 'exact' | 'permutation' | 'normal';
}

export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
}

/** Sample standard deviation (divides by n − 1; NaN for fewer than 2 values). */
export function sampleStandardDeviation(xs: ArrayLike<number>): number {
  const m = mean(xs);
  let ss = 0;
  for (let i = 0; i < xs.length; i++) ss += (xs[i] - m) ** 2;
  return Math.sqrt(ss / (xs.length - 1));
}

/** Paired t-test of a − b. p = 1 when all differences are 0; p = 0 when they are equal and non-zero. */
export function pairedTTest(a: ArrayLike<number>, b: ArrayLike<number>): TTestResult {
  const d = differences(a, b);
  const n = d.length;
  if (n < 2) throw new ConfigError(`a paired t-test needs at least 2 pairs, got ${n}`);
  const m = mean(d);
  const sd = sampleStandardDeviation(d);
  const df = n - 1;
  if (sd === 0) return { n, meanDifference: m, t: m === 0 ? 0 : Math.sign(m) * Infinity, df, pValue: m === 0 ? 1 : 0 };
  const t = m / (sd / Math.sqrt(n));
  return { n, meanDifference: m, t, df, pValue: studentTwoSided(t, df) };
}

/** Wilcoxon signed-rank test of a − b (two-sided). */
export function wilcoxonSignedRank(a: ArrayLike<number>, b: ArrayLike<number>): WilcoxonResult {
  const all = differences(a, b);
  const total = all.length;
  const d = all.filter((x) => x !== 0);
  const n = d.length;
  const zeros = total - n;
  if (n === 0) return { n, zeros, statistic: 0, wPlus: 0, z: 0, pValue: 1, method: 'normal' };

  // Mid-ranks of |d|, and the tie correction Σ(t³ − t).
  const order = Array.from(d.keys()).sort((i, j) => Math.abs(d[i]) - Math.abs(d[j]));
  const ranks = new Float64Array(n);
  let tieCorrection = 0;
  for (let s = 0; s < n; ) {
    let e = s + 1;
    while (e < n && Math.abs(d[order[e]]) === Math.abs(d[order[s]])) e++;
    for (let j = s; j < e; j++) ranks[order[j]] = (s + 1 + e) / 2;
    const t = e - s;
    tieCorrection += t * t * t - t;
    s = e;
  }
  let wPlus = 0;
  for (let i = 0; i < n; i++) if (d[i] > 0) wPlus += ranks[i];
  const wMinus = (n * (n + 1)) / 2 - wPlus;
  const mean = (n * (n + 1)) / 4;
  const sd = Math.sqrt((n * (n + 1) * (2 * n + 1)) / 24 - tieCorrection / 48);
  const z = sd > 0 ? (wPlus - mean) / sd : 0;
  const statistic = Math.min(wPlus, wMinus);

  let pValue: number;
  let method: WilcoxonResult['method'];
  if (total <= 50 && tieCorrection === 0 && zeros === 0) {
    method = 'exact';
    pValue = exactSignedRankP(n, wPlus);
  } else if (total <= 13) {
    method = 'permutation';
    pValue = signFlipP(ranks, wPlus);
  } else {
    method = 'normal';
    pValue = normalTwoSided(z);
  }
  return { n, zeros, statistic, wPlus, z, pValue, method };
}

export interface ModelComparison {
  metric: string;
  /** Users evaluated by both models (paired by user index); users with a NaN value are dropped. */
  n: number;
  meanA: number;
  meanB: number;
  /** meanA − meanB over the paired users. */
  meanDifference: number;
  tTest: TTestResult;
  wilcoxon: WilcoxonResult;
  alpha: number;
  /** Wilcoxon p < alpha: the difference is unlikely to be chance. */
  significant: boolean;
  /** Which model is better on the paired mean (null when equal). */
  better: 'a' | 'b' | null;
}

/**
 * Compares two ranking results on one metric, pairing per-user values by user index. Both results
 * must have been computed with `perUser` kept (the default).
 */
export function compareModels(a: RankingResult, b: RankingResult, metric: string, options: { alpha?: number; lowerIsBetter?: boolean } = {}): ModelComparison {
  const alpha = options.alpha ?? 0.05;
  const va = a.perUser.values[metric];
  const vb = b.perUser.values[metric];
  if (!va || !vb) {
    const known = Object.keys(a.perUser.values).join(', ') || '(none: evaluate with perUser: true)';
    throw new ConfigError(`no per-user values for metric "${metric}" in both results; available: ${known}`);
  }
  const position = new Map<number, number>();
  b.perUser.users.forEach((u, j) => position.set(u, j));
  const xs: number[] = [];
  const ys: number[] = [];
  a.perUser.users.forEach((u, i) => {
    const j = position.get(u);
    if (j === undefined || !Number.isFinite(va[i]) || !Number.isFinite(vb[j])) return;
    xs.push(va[i]);
    ys.push(vb[j]);
  });
  if (xs.length < 2) throw new ConfigError(`the two results share ${xs.length} users with values for "${metric}": need at least 2 to compare`);
  const meanA = xs.reduce((s, x) => s + x, 0) / xs.length;
  const meanB = ys.reduce((s, y) => s + y, 0) / ys.length;
  const wilcoxon = wilcoxonSignedRank(xs, ys);
  const sign = options.lowerIsBetter ? -1 : 1;
  const diff = (meanA - meanB) * sign;
  return {
    metric,
    n: xs.length,
    meanA,
    meanB,
    meanDifference: meanA - meanB,
    tTest: pairedTTest(xs, ys),
    wilcoxon,
    alpha,
    significant: wilcoxon.pValue < alpha,
    better: diff > 0 ? 'a' : diff < 0 ? 'b' : null,
  };
}

// ---------------------------------------------------------------------------------------------
// Null distributions

/** Exact two-sided p of W+ without ties: counts of rank subsets of {1..n} by sum (dynamic programming). */
function exactSignedRankP(n: number, wPlus: number): number {
  const max = (n * (n + 1)) / 2;
  const counts = new Float64Array(max + 1);
  counts[0] = 1;
  for (let r = 1; r <= n; r++) for (let s = max; s >= r; s--) counts[s] += counts[s - r];
  const total = 2 ** n;
  let cdf = 0;
  for (let s = 0; s <= Math.ceil(wPlus); s++) cdf += counts[s];
  let sf = 0;
  for (let s = Math.floor(wPlus); s <= max; s++) sf += counts[s];
  return Math.min(1, (2 * Math.min(cdf, sf)) / total);
}

/** Two-sided p over all 2^n sign assignments of the (tied) ranks. */
function signFlipP(ranks: Float64Array, wPlus: number): number {
  const n = ranks.length;
  const total = 2 ** n;
  const tolerance = 1e-9 * Math.max(1, wPlus);
  let atMost = 0;
  let atLeast = 0;
  for (let mask = 0; mask < total; mask++) {
    let w = 0;
    for (let i = 0; i < n; i++) if (mask & (1 << i)) w += ranks[i];
    if (w <= wPlus + tolerance) atMost++;
    if (w >= wPlus - tolerance) atLeast++;
  }
  return Math.min(1, (2 * Math.min(atMost, atLeast)) / total);
}

/** P(|Z| ≥ |z|) for a standard normal Z. */
export function normalTwoSided(z: number): number {
  return erfc(Math.abs(z) / Math.SQRT2);
}

/** P(|T| ≥ |t|) for Student's t with df degrees of freedom: I_{df/(df+t²)}(df/2, 1/2). */
export function studentTwoSided(t: number, df: number): number {
  if (!Number.isFinite(t)) return 0;
  return regularizedBeta(df / (df + t * t), df / 2, 0.5);
}

/** erfc(x) = Q(1/2, x²) for x ≥ 0 (the regularized upper incomplete gamma). */
function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  return regularizedGammaQ(0.5, x * x);
}

const EPS = 1e-16;
const TINY = 1e-300;

/** ln Γ(x) for x > 0: Lanczos with g = 671/128 and 14 terms (Numerical Recipes 3rd ed. §6.1), ~1e-15. */
const LANCZOS = [
  57.1562356658629235, -59.5979603554754912, 14.1360979747417471, -0.491913816097620199, 0.339946499848118887e-4, 0.465236289270485756e-4, -0.983744753048795646e-4,
  0.158088703224912494e-3, -0.210264441724104883e-3, 0.217439618115212643e-3, -0.16431810653676389e-3, 0.844182239838527433e-4, -0.261908384015814087e-4, 0.368991826595316234e-5,
];
function logGamma(x: number): number {
  let t = x + 5.2421875;
  t = (x + 0.5) * Math.log(t) - t;
  let series = 0.999999999999997092;
  let y = x;
  for (let j = 0; j < LANCZOS.length; j++) series += LANCZOS[j] / ++y;
  return t + Math.log((2.5066282746310005 * series) / x);
}

/** Q(a, x) = Γ(a, x) / Γ(a): series below a + 1, Lentz continued fraction above (Numerical Recipes §6.2). */
function regularizedGammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  const front = Math.exp(-x + a * Math.log(x) - logGamma(a));
  if (x < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 1000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * EPS) break;
    }
    return 1 - sum * front;
  }
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return front * h;
}

/** I_x(a, b), the regularized incomplete beta, by its continued fraction (Numerical Recipes §6.4). */
function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  // The fraction converges fast for x < (a + 1) / (a + b + 2); use the symmetry otherwise.
  if (x < (a + 1) / (a + b + 2)) return (front * betaFraction(x, a, b)) / a;
  return 1 - (front * betaFraction(1 - x, b, a)) / b;
}

function betaFraction(x: number, a: number, b: number): number {
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m < 1000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return h;
}

function differences(a: ArrayLike<number>, b: ArrayLike<number>): number[] {
  if (a.length !== b.length) throw new RangeError(`paired samples differ in length: ${a.length} vs ${b.length}`);
  const d: number[] = [];
  for (let i = 0; i < a.length; i++) d.push(a[i] - b[i]);
  return d;
}
