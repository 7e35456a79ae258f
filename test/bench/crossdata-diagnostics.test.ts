// bench/crossdata-diagnostics.ts re-scores saved score matrices instead of refitting: these tests
// hold its helpers to what they stand in for (RecVAE's popularityWeight, evaluateRanking's top-k
// order, the per-user z-scored blend over candidate items).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blendScorer, candidateMoments, MatrixScorer, popularityShift, topLists } from '../../bench/crossdata-diagnostics.ts';
import type { Csr } from '../../src/data/interactions.ts';
import { evaluateRanking } from '../../src/eval/ranking.ts';
import { createModel } from '../../src/models/registry.ts';
import { fitQuietly, plantedSplit } from '../helpers/baselines.ts';

const split = plantedSplit();
const small = { hidden: 64, depth: 3, latent: 16, batchSize: 50, learningRate: 0.003, epochs: 2 };

function allScores(model: { numItems: number; scoreUsers(users: Int32Array, out: Float32Array): void }, users: number): Float32Array {
  const out = new Float32Array(users * model.numItems);
  model.scoreUsers(
    Int32Array.from({ length: users }, (_, u) => u),
    out,
  );
  return out;
}

function csr(rows: number[][], cols: number): Csr {
  const indptr = new Int32Array(rows.length + 1);
  rows.forEach((r, u) => {
    indptr[u + 1] = indptr[u] + r.length;
  });
  return { rows: rows.length, cols, indptr, indices: Int32Array.from(rows.flat()), values: new Float32Array(rows.flat().length).fill(1) } as Csr;
}

test('popularityShift on saved α = 0 scores is bit-identical to RecVAE fitted with popularityWeight α', async () => {
  const users = split.train.numUsers;
  const plain = await fitQuietly(createModel('recvae', small), split.train);
  const saved = allScores(plain, users);
  const counts = split.train.itemCounts();
  for (const alpha of [-0.2, 0.4]) {
    const shiftedModel = await fitQuietly(createModel('recvae', { ...small, popularityWeight: alpha }), split.train);
    const expected = allScores(shiftedModel, users);
    const shift = popularityShift(counts, alpha);
    const scorer = new MatrixScorer(plain.numItems, saved, (_u, row) => {
      for (let i = 0; i < row.length; i++) row[i] += shift[i];
    });
    const got = new Float32Array(users * plain.numItems);
    scorer.scoreUsers(
      Int32Array.from({ length: users }, (_, u) => u),
      got,
    );
    assert.ok(
      got.every((v, k) => Object.is(v, expected[k])),
      `α ${alpha}: scores differ`,
    );
    assert.notDeepEqual(Array.from(got.subarray(0, 20)), Array.from(saved.subarray(0, 20)), 'the shift changes the scores');
  }
});

test('topLists: best first, excluded items left out, ties to the lower index, as evaluateRanking counts hits', () => {
  const m = Float32Array.from([
    // user 0: items 1 and 3 tie at 5; item 0 (5, excluded) must not appear
    5, 5, 1, 5, 2,
    // user 1
    0, 1, 2, 3, 4,
  ]);
  const exclude = csr([[0], [4]], 5);
  const top = topLists(new MatrixScorer(5, m), 2, exclude, 3);
  assert.deepEqual(Array.from(top), [1, 3, 4, 3, 2, 1]);
  // evaluateRanking agrees: user 0's held-out item 3 is at rank 2 (NDCG = 1/log2(3)), user 1's item 1 at rank 3.
  const scorer = new MatrixScorer(5, m);
  const test0 = { byUser: () => csr([[3], [1]], 5), numItems: 5, items: Int32Array.of(3, 1), length: 2, values: Float32Array.of(1, 1) };
  const r = evaluateRanking(scorer, test0 as never, { exclude, k: [3] });
  assert.ok(Math.abs(r.perUser.values['ndcg@3'][0] - 1 / Math.log2(3)) < 1e-12);
  assert.ok(Math.abs(r.perUser.values['ndcg@3'][1] - 1 / Math.log2(4)) < 1e-12);
});

test('candidateMoments and blendScorer: z-scores over the candidate items only; w = 1 and w = 0 keep each ranking', () => {
  const a = Float32Array.from([100, 1, 2, 3, 0, 4, 8, 0]);
  const b = Float32Array.from([-50, 3, 1, 2, 5, 1, 0, 6]);
  const exclude = csr([[0], []], 4);
  const ma = candidateMoments(a, 4, exclude);
  // user 0's candidates are items 1–3: mean 2, population std √(2/3); item 0 is left out.
  assert.ok(Math.abs(ma.mean[0] - 2) < 1e-12 && Math.abs(ma.std[0] - Math.sqrt(2 / 3)) < 1e-12);
  // user 1 excludes nothing: a = 0, 4, 8, 0, mean 3, std √11.
  assert.ok(Math.abs(ma.mean[1] - 3) < 1e-12 && Math.abs(ma.std[1] - Math.sqrt(11)) < 1e-12);
  const mb = candidateMoments(b, 4, exclude);
  const half = new Float32Array(4);
  blendScorer(4, a, ma, b, mb, 0.5).scoreItems(0, half);
  const za = (v: number) => (v - 2) / Math.sqrt(2 / 3);
  const zb = (v: number) => (v - 2) / Math.sqrt(2 / 3);
  for (const i of [1, 2, 3]) assert.ok(Math.abs(half[i] - (0.5 * za(a[i]) + 0.5 * zb(b[i]))) < 1e-5, `item ${i}`);
  const one = topLists(blendScorer(4, a, ma, b, mb, 1), 2, exclude, 4);
  const zero = topLists(blendScorer(4, a, ma, b, mb, 0), 2, exclude, 4);
  assert.deepEqual(Array.from(one), Array.from(topLists(new MatrixScorer(4, a), 2, exclude, 4)));
  assert.deepEqual(Array.from(zero), Array.from(topLists(new MatrixScorer(4, b), 2, exclude, 4)));
  assert.notDeepEqual(Array.from(one), Array.from(zero), 'the two rankings differ, so the check can fail');
});
