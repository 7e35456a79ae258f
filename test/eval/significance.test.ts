import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/contracts/errors.ts';
import { compareModels, normalTwoSided, pairedTTest, studentTwoSided, wilcoxonSignedRank } from '../../src/eval/significance.ts';
import type { RankingResult } from '../../src/eval/ranking.ts';

// Reference values from scipy 1.17 (stats.ttest_rel, stats.wilcoxon with defaults), computed offline.
const near = (actual: number, expected: number, rel = 1e-9): void => assert.ok(Math.abs(actual - expected) <= rel * Math.abs(expected), `${actual} ≠ ${expected}`);

test('distribution tails: normal and Student t against known quantiles', () => {
  near(normalTwoSided(1.959963984540054), 0.05);
  near(normalTwoSided(0), 1);
  near(studentTwoSided(2.2281388519649385, 10), 0.05); // t(0.975, 10)
  near(studentTwoSided(12.706204736174705, 1), 0.05); // t(0.975, 1)
});

test('distinct differences (20 pairs, no ties): exact Wilcoxon p, as scipy', () => {
  const d = [1, -2, 3, 4, -5, 6, 7, 8, -9, 10, 11, -12, 13, 14, 15, 16, 17, 18, 19, 20];
  const a = d.map((x) => 100 + x);
  const b = d.map(() => 100);
  const t = pairedTTest(a, b);
  near(t.t, 3.657511429741077);
  near(t.pValue, 0.0016742432763462004);
  assert.equal(t.df, 19);
  const w = wilcoxonSignedRank(a, b);
  assert.equal(w.method, 'exact');
  assert.equal(w.statistic, 28); // W− = 2 + 5 + 9 + 12
  near(w.pValue, 0.002712249755859375);
});

test('10 pairs with tied differences: sign-flip permutation p, as scipy', () => {
  const a = [0.8, 0.6, 0.9, 0.7, 0.65, 0.72, 0.91, 0.55, 0.83, 0.77];
  const b = [0.7, 0.62, 0.81, 0.6, 0.66, 0.7, 0.8, 0.5, 0.79, 0.7];
  near(pairedTTest(a, b).t, 3.7034261487566758);
  near(pairedTTest(a, b).pValue, 0.0048945285711066225);
  const w = wilcoxonSignedRank(a, b);
  assert.equal(w.method, 'permutation');
  assert.equal(w.statistic, 3.5);
  near(w.pValue, 0.01171875);
});

test('30 pairs of precision-like values with zeros and ties: normal approximation, as scipy', () => {
  const a = [0.1, 0.2, 0.2, 0.0, 0.3, 0.1, 0.4, 0.2, 0.1, 0.0, 0.3, 0.2, 0.5, 0.1, 0.2, 0.3, 0.0, 0.1, 0.2, 0.4, 0.3, 0.1, 0.2, 0.0, 0.1, 0.3, 0.2, 0.4, 0.1, 0.2];
  const b = [0.0, 0.2, 0.1, 0.0, 0.2, 0.1, 0.3, 0.1, 0.0, 0.1, 0.2, 0.2, 0.3, 0.1, 0.1, 0.2, 0.0, 0.0, 0.2, 0.3, 0.2, 0.1, 0.1, 0.0, 0.0, 0.2, 0.1, 0.3, 0.1, 0.1];
  near(pairedTTest(a, b).t, 5.640981181763428);
  near(pairedTTest(a, b).pValue, 4.282581409951721e-6);
  const w = wilcoxonSignedRank(a, b);
  assert.equal(w.method, 'normal');
  assert.equal(w.statistic, 11);
  near(w.pValue, 0.00033537262900646303);
  assert.equal(w.zeros, 30 - w.n);
});

test('60 pairs, no ties: normal approximation above 50 pairs, as scipy', () => {
  const bigA = [
    0.504092, 0.044433, 0.34181, 0.243223, 0.254735, 0.27844, 0.098001, 0.276807, 0.213479, 0.6323, 0.322579, 0.264737, 0.271871, 0.233195, 0.194485, 0.26092, 0.348195, 0.276145,
    0.395776, 0.28002, 0.302426, 0.454582, 0.354511, 0.249477, 0.281716, 0.354053, 0.493509, 0.273038, 0.275644, 0.400231, 0.211354, 0.270828, 0.388254, 0.358035, 0.309152,
    0.36701, 0.017184, 0.402131, 0.204036, 0.133138, 0.327645, 0.370054, 0.255523, 0.192359, 0.302612, 0.294725, 0.44056, 0.374741, 0.319382, 0.411163, 0.279448, 0.20741, 0.358406,
    0.358254, 0.278517, 0.221719, 0.322915, 0.050611, 0.369012, 0.349137,
  ];
  const bigB = [
    0.576035, 0.031365, 0.380015, 0.195362, 0.346443, 0.314165, 0.052522, 0.208987, 0.311379, 0.647202, 0.296178, 0.285198, 0.182339, 0.282756, 0.166758, 0.30334, 0.267897,
    0.267228, 0.404389, 0.355929, 0.208335, 0.406943, 0.306833, 0.182583, 0.254255, 0.376015, 0.523521, 0.303048, 0.19714, 0.46325, 0.231172, 0.27689, 0.367023, 0.319268, 0.361607,
    0.443511, 0.007405, 0.331453, 0.156183, 0.112355, 0.333503, 0.345392, 0.25769, 0.141499, 0.332334, 0.278013, 0.436099, 0.337573, 0.29815, 0.273661, 0.194515, 0.122573,
    0.450381, 0.36527, 0.298948, 0.185083, 0.426866, -0.018114, 0.305663, 0.404241,
  ];
  near(pairedTTest(bigA, bigB).t, 1.0406655110722391);
  near(pairedTTest(bigA, bigB).pValue, 0.30227664725057374);
  const w = wilcoxonSignedRank(bigA, bigB);
  assert.equal(w.method, 'normal');
  assert.equal(w.statistic, 773);
  near(w.pValue, 0.2958623332952982);
});

test('degenerate samples: identical models give p = 1; a constant shift gives p = 0 in the t-test', () => {
  assert.equal(pairedTTest([1, 2, 3], [1, 2, 3]).pValue, 1);
  assert.equal(wilcoxonSignedRank([1, 2, 3], [1, 2, 3]).pValue, 1);
  assert.equal(pairedTTest([2, 3, 4], [1, 2, 3]).pValue, 0);
  assert.throws(() => pairedTTest([1], [2]), ConfigError);
  assert.throws(() => pairedTTest([1, 2], [2]), RangeError);
});

function result(users: number[], values: number[]): RankingResult {
  return {
    metrics: {},
    perUser: { users: Int32Array.from(users), values: { 'ndcg@10': Float64Array.from(values) } },
    usersEvaluated: users.length,
    usersSkipped: 0,
    k: [10],
    excludedSeen: true,
    relevantExcluded: 0,
    nanScores: 0,
  };
}

test('compareModels pairs per-user values by user index, dropping unshared users and NaN', () => {
  const d = [1, -2, 3, 4, -5, 6, 7, 8, -9, 10, 11, -12, 13, 14, 15, 16, 17, 18, 19, 20];
  // b lists the same users in reverse order, plus user 99 that a lacks and a NaN for user 0.
  const users = d.map((_, i) => i + 1);
  const a = result([0, ...users], [NaN, ...d.map((x) => 100 + x)]);
  const b = result([99, ...users.slice().reverse()], [5, ...users.map(() => 100)]);
  const c = compareModels(a, b, 'ndcg@10');
  assert.equal(c.n, 20);
  near(c.meanDifference, d.reduce((s, x) => s + x, 0) / 20);
  near(c.wilcoxon.pValue, 0.002712249755859375);
  near(c.tTest.pValue, 0.0016742432763462004);
  assert.equal(c.significant, true);
  assert.equal(c.better, 'a');
  assert.throws(() => compareModels(a, b, 'recall@10'), /no per-user values for metric "recall@10"/);
});
