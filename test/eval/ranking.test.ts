import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.ts';
import { topK } from '../../src/core/topk.ts';
import { ConfigError } from '../../src/contracts/errors.ts';
import { evaluateRanking, userAuc } from '../../src/eval/ranking.ts';
import { rocAuc } from '../../src/eval/metrics.ts';
import { excludeMatrix, matrixScorer, rowsToInteractions } from '../helpers/eval.ts';

const close = (actual: number, expected: number, tol = 1e-12): void => assert.ok(Math.abs(actual - expected) <= tol, `${actual} ≠ ${expected}`);
const ndcg1of3 = 1 / (1 + 1 / Math.log2(3)); // relevant at rank 1 of 3 with 2 relevant items

/*
 * Four users, six items. Hand-worked expectations (k = 3):
 * u0: scores descend with the index; relevant {0, 3}. Top-3 = [0, 1, 2] → hits [1, 0, 0].
 *     AUC: 0.9 beats all 4 negatives, 0.6 beats 0.5 and 0.4 → 6/8.
 * u1: constant scores; relevant {4}. Ties rank by index: top-3 = [0, 1, 2], item 4 at rank 5. AUC 1/2.
 * u2: exclude {1, 5}; test {2, 5} — 5 is excluded, so only 2 is relevant. Candidates 0, 2, 3, 4
 *     with scores 0.1, 0.8, 0.2, 0.3 → top-3 = [2, 4, 3]. AUC 1.
 * u3: only a rating of 2 in test: relevant without a threshold, skipped with threshold 4.
 */
const matrix = [
  [0.9, 0.8, 0.7, 0.6, 0.5, 0.4],
  [0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
  [0.1, 0.9, 0.8, 0.2, 0.3, 0.95],
  [0.6, 0.5, 0.4, 0.3, 0.2, 0.1],
];
const testSet = rowsToInteractions(
  [
    [0, 0, 5],
    [0, 3, 4],
    [1, 4, 5],
    [2, 2, 5],
    [2, 5, 5],
    [3, 1, 2],
  ],
  4,
  6,
);
const exclude = excludeMatrix([[], [], [1, 5], []], 6);

test('hand-worked users: every @k metric, AUC, skipping and exclusion', () => {
  const r = evaluateRanking(matrixScorer(matrix), testSet, { k: [3], exclude, relevanceThreshold: 4, itemPopularity: Int32Array.from([10, 20, 30, 40, 50, 60]) });
  assert.equal(r.usersEvaluated, 3);
  assert.equal(r.usersSkipped, 1, 'u3 has no test rating ≥ 4');
  assert.equal(r.relevantExcluded, 1, "u2's item 5 is both excluded and relevant");
  assert.equal(r.excludedSeen, true);
  assert.deepEqual([...r.perUser.users], [0, 1, 2]);
  const v = r.perUser.values;
  assert.deepEqual([...v['precision@3']], [1 / 3, 0, 1 / 3]);
  assert.deepEqual([...v['recall@3']], [1 / 2, 0, 1]);
  assert.deepEqual([...v['map@3']], [1 / 2, 0, 1]);
  close(v['ndcg@3'][0], ndcg1of3);
  assert.deepEqual([...v['ndcg@3']].slice(1), [0, 1]);
  assert.deepEqual([...v['mrr@3']], [1, 0, 1]);
  assert.deepEqual([...v['hit@3']], [1, 0, 1]);
  assert.deepEqual([...v.auc], [0.75, 0.5, 1]);
  assert.deepEqual([...v['popularity@3']], [20, 20, 40]);
  close(r.metrics['precision@3'], 2 / 9);
  close(r.metrics.auc, 2.25 / 3);
  close(r.metrics['ndcg@3'], (ndcg1of3 + 1) / 3);
  // Recommended items: {0,1,2} ∪ {0,1,2} ∪ {2,4,3} = 5 of 6.
  close(r.metrics['coverage@3'], 5 / 6);
  close(r.metrics['popularity@3'], 80 / 3);
});

test('without a threshold every test interaction is relevant, so u3 is evaluated', () => {
  const r = evaluateRanking(matrixScorer(matrix), testSet, { k: [3], exclude });
  assert.equal(r.usersEvaluated, 4);
  assert.equal(r.usersSkipped, 0);
  // u3 ranks item 1 second: P@3 = 1/3, MRR = 1/2, AUC = 4/5.
  assert.equal(r.perUser.values['mrr@3'][3], 0.5);
  assert.equal(r.perUser.values.auc[3], 0.8);
  assert.equal(r.metrics['popularity@3'], undefined, 'no popularity without itemPopularity');
});

test('ties rank the lower item index first: with k = 6, u1 finds its item at rank 5', () => {
  const r = evaluateRanking(matrixScorer(matrix), testSet, { k: [6], users: Int32Array.from([1]) });
  close(r.perUser.values['mrr@6'][0], 1 / 5);
  close(r.perUser.values['ndcg@6'][0], 1 / Math.log2(6));
  assert.equal(r.perUser.values.auc[0], 0.5, 'constant scores give AUC 1/2');
});

test('k larger than the candidate list: precision divides by k, the rest see the short list', () => {
  const r = evaluateRanking(matrixScorer(matrix), testSet, { k: [10], exclude, users: Int32Array.from([2]) });
  assert.equal(r.perUser.values['precision@10'][0], 0.1);
  assert.equal(r.perUser.values['recall@10'][0], 1);
  assert.equal(r.perUser.values['ndcg@10'][0], 1);
  // Only the 4 candidates are listed: items 0, 2, 3, 4.
  assert.equal(r.metrics['coverage@10'], 4 / 6);
});

test('a perfect ranking scores 1 on every metric; several cut-offs are reported', () => {
  const perfect = [[0.1, 0.2, 0.9, 0.8, 0.3, 0.4]];
  const t = rowsToInteractions(
    [
      [0, 2, 1],
      [0, 3, 1],
    ],
    1,
    6,
  );
  const r = evaluateRanking(matrixScorer(perfect), t, { k: [2, 1] });
  assert.deepEqual(r.k, [1, 2]);
  for (const name of ['auc', 'precision@1', 'precision@2', 'recall@2', 'map@2', 'ndcg@2', 'mrr@2', 'hit@1', 'ndcg@1']) assert.equal(r.metrics[name], 1, name);
  assert.equal(r.metrics['recall@1'], 0.5);
});

test('users given explicitly: repeats are evaluated twice, users without test rows are skipped', () => {
  const r = evaluateRanking(matrixScorer(matrix), testSet, { k: [3], users: Int32Array.from([0, 0, 3]), relevanceThreshold: 4 });
  assert.equal(r.usersEvaluated, 2);
  assert.equal(r.usersSkipped, 1);
  assert.deepEqual([...r.perUser.users], [0, 0]);
});

test('scoreUsers is used in batches when present and gives the same result as scoreItems', () => {
  const batched = matrixScorer(matrix, { batched: true });
  const single = matrixScorer(matrix);
  const a = evaluateRanking(batched, testSet, { k: [1, 3], exclude, batchSize: 3 });
  const b = evaluateRanking(single, testSet, { k: [1, 3], exclude });
  assert.equal(batched.calls.scoreUsers, 2, '4 users in batches of 3');
  assert.equal(batched.calls.scoreItems, 0);
  assert.equal(single.calls.scoreItems, 4);
  assert.deepEqual(a.metrics, b.metrics);
});

test('NaN scores rank last and are counted', () => {
  const m = [[NaN, 0.1, 0.2]];
  const t = rowsToInteractions([[0, 0, 1]], 1, 3);
  const r = evaluateRanking(matrixScorer(m), t, { k: [3] });
  assert.equal(r.nanScores, 1);
  assert.equal(r.metrics.auc, 0);
  assert.equal(r.metrics['mrr@3'], 1 / 3);
});

test('perUser: false keeps only the means', () => {
  const r = evaluateRanking(matrixScorer(matrix), testSet, { k: [3], perUser: false });
  assert.equal(r.perUser.users.length, 0);
  assert.deepEqual(Object.keys(r.perUser.values), []);
  assert.ok(r.metrics['ndcg@3'] > 0);
});

test('bad input: k, and test items outside the model', () => {
  assert.throws(() => evaluateRanking(matrixScorer(matrix), testSet, { k: [0] }), ConfigError);
  assert.throws(() => evaluateRanking(matrixScorer(matrix), testSet, { k: [] }), ConfigError);
  const wide = rowsToInteractions([[0, 7, 1]], 1, 8);
  assert.throws(() => evaluateRanking(matrixScorer(matrix), wide), /share one item id map/);
});

test('per-user AUC equals the pairwise ROC AUC on random scores with many ties', () => {
  const rng = new Rng(7);
  for (let trial = 0; trial < 50; trial++) {
    const n = 2 + rng.int(60);
    const scores = Float32Array.from({ length: n }, () => rng.int(5) / 4);
    const labels = Uint8Array.from({ length: n }, () => (rng.next() < 0.3 ? 1 : 0));
    const relevant = Float32Array.from(scores.filter((_, i) => labels[i] === 1));
    const expected = rocAuc(scores, labels);
    const actual = userAuc(
      scores.filter((_, i) => labels[i] === 0),
      relevant,
    );
    if (Number.isNaN(expected)) assert.ok(Number.isNaN(actual));
    else close(actual, expected, 1e-12);
  }
});

test('top-k lists match core topK with excluded items removed (random scores with ties)', () => {
  const rng = new Rng(11);
  const users = 40;
  const items = 50;
  const m = Array.from({ length: users }, () => Array.from({ length: items }, () => rng.int(8)));
  const rows: [number, number, number][] = [];
  const excluded: number[][] = [];
  for (let u = 0; u < users; u++) {
    excluded.push([]);
    for (let i = 0; i < items; i++) {
      const x = rng.next();
      if (x < 0.1) rows.push([u, i, 1]);
      else if (x < 0.3) excluded[u].push(i);
    }
  }
  const t = rowsToInteractions(rows, users, items);
  const r = evaluateRanking(matrixScorer(m), t, { k: [5], exclude: excludeMatrix(excluded, items) });
  r.perUser.users.forEach((u, j) => {
    const masked = m[u].map((s, i) => (excluded[u].includes(i) ? -Infinity : s));
    const top = [...topK(masked, 5)];
    const relevant = new Set(rows.filter((x) => x[0] === u).map((x) => x[1]));
    const firstHit = top.findIndex((i) => relevant.has(i));
    close(r.perUser.values['mrr@5'][j], firstHit < 0 ? 0 : 1 / (firstHit + 1));
    close(r.perUser.values['precision@5'][j], top.filter((i) => relevant.has(i)).length / 5);
  });
  assert.ok(r.usersEvaluated > 30);
});
