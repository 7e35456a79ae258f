import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ease } from '../../../src/models/baselines/ease.ts';
import { generateSynthetic } from '../../../src/data/synthetic.ts';
import { fitQuietly, fromMatrix, scoresOf } from '../../helpers/baselines.ts';

const X = [
  [1, 1, 0, 0, 0],
  [1, 0, 1, 0, 0],
  [0, 1, 1, 1, 0],
  [1, 1, 1, 0, 0],
  [0, 0, 1, 1, 0],
  [1, 0, 0, 1, 0],
];
// Item 4 has no interactions at all.

/** Gauss–Jordan inverse, the textbook way, as an independent reference. */
function inverse(m: number[][]): number[][] {
  const n = m.length;
  const a = m.map((row, i) => [...row, ...row.map((_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    const p = a.findIndex((row, r) => r >= c && Math.abs(row[c]) > 1e-12);
    [a[c], a[p]] = [a[p], a[c]];
    const pivot = a[c][c];
    a[c] = a[c].map((v) => v / pivot);
    for (let r = 0; r < n; r++) if (r !== c) a[r] = a[r].map((v, j) => v - a[r][c] * a[c][j]);
  }
  return a.map((row) => row.slice(n));
}

/** Steck's closed form on the 4 items that occur: B = I − P·diag(1/diag(P)), P = (XᵀX + λI)⁻¹. */
function referenceB(lambda: number): number[][] {
  const n = 4;
  const g = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => X.reduce((s, row) => s + row[i] * row[j], 0) + (i === j ? lambda : 0)));
  const p = inverse(g);
  return p.map((row, i) => row.map((v, j) => (i === j ? 0 : -v / p[j][j])));
}

test('B matches a direct computation of the closed form, with a zero diagonal', async () => {
  const lambda = 2;
  const model = await fitQuietly(new Ease({ lambda }), fromMatrix(X));
  const b = model.weights;
  const ref = referenceB(lambda);
  for (let i = 0; i < 4; i++) {
    assert.equal(b[i * 5 + i], 0);
    for (let j = 0; j < 4; j++) assert.ok(Math.abs(b[i * 5 + j] - ref[i][j]) < 1e-6, `B[${i}][${j}] = ${b[i * 5 + j]}, expected ${ref[i][j]}`);
  }
});

test('B solves the constrained ridge problem: every off-diagonal gradient of ‖X − XB‖² + λ‖B‖² vanishes', async () => {
  const lambda = 0.7;
  const model = await fitQuietly(new Ease({ lambda }), fromMatrix(X));
  const b = model.weights;
  // Column j: gradient_i = ((XᵀX + λI)·B_j − XᵀX_j)_i must be 0 for i ≠ j (i = j is the constraint).
  const xtx = (i: number, j: number): number => X.reduce((s, row) => s + row[i] * row[j], 0);
  for (let j = 0; j < 4; j++) {
    for (let i = 0; i < 4; i++) {
      if (i === j) continue;
      let g = lambda * b[i * 5 + j] - xtx(i, j);
      for (let k = 0; k < 4; k++) g += xtx(i, k) * b[k * 5 + j];
      assert.ok(Math.abs(g) < 1e-5, `gradient at (${i}, ${j}) is ${g}`);
    }
  }
});

test('an item with no training interactions gets zero weights and scores', async () => {
  const model = await fitQuietly(new Ease({ lambda: 1 }), fromMatrix(X));
  for (let k = 0; k < 5; k++) {
    assert.equal(model.weights[4 * 5 + k], 0);
    assert.equal(model.weights[k * 5 + 4], 0);
  }
  for (let u = 0; u < X.length; u++) assert.equal(scoresOf(model, u)[4], 0);
});

test("scores are X_u·B: the sum of B's rows for the user's items", async () => {
  const model = await fitQuietly(new Ease({ lambda: 3 }), fromMatrix(X));
  const ref = referenceB(3);
  const scores = scoresOf(model, 4); // items 2 and 3
  for (let j = 0; j < 4; j++) assert.ok(Math.abs(scores[j] - (ref[2][j] + ref[3][j])) < 1e-6);
  // Item 0 co-occurs with 2 and 3 in other users' rows, so it is recommended first.
  assert.equal(model.recommend('u4', { k: 1 })[0].item, ref[2][0] + ref[3][0] > ref[2][1] + ref[3][1] ? 'i0' : 'i1');
});

test('larger λ shrinks B towards zero', async () => {
  const small = await fitQuietly(new Ease({ lambda: 0.5 }), fromMatrix(X));
  const large = await fitQuietly(new Ease({ lambda: 50 }), fromMatrix(X));
  const norm = (b: Float32Array): number => Math.sqrt(b.reduce((s, v) => s + v * v, 0));
  assert.ok(norm(large.weights) < norm(small.weights) / 5);
});

test('λ = 0 on data with a singular XᵀX asks for a positive lambda', async () => {
  // Items 0 and 1 have the same users: XᵀX is singular.
  await assert.rejects(
    fitQuietly(
      new Ease({ lambda: 0 }),
      fromMatrix([
        [1, 1],
        [1, 1],
      ]),
    ),
    /ease: .*not positive definite.*use lambda > 0/,
  );
});

test('precision float32 (the WebAssembly sweep, 2 threads) gives the float64 weights and the same top 10 on planted data', async () => {
  const train = generateSynthetic({ users: 800, items: 600, factors: 8, interactionsPerUser: 25, seed: 4 }).interactions;
  const f64 = await fitQuietly(new Ease({ lambda: 50, precision: 'float64' }), train);
  const f32 = await fitQuietly(new Ease({ lambda: 50, precision: 'float32' }), train, { threads: 2 });
  let worst = 0;
  for (let i = 0; i < f64.weights.length; i++) worst = Math.max(worst, Math.abs(f64.weights[i] - f32.weights[i]));
  assert.ok(worst < 1e-5, `max |ΔB| = ${worst}`);
  for (let u = 0; u < 50; u++) {
    const a = f64.recommend(u, { k: 10 }).map((r) => r.item);
    const b = f32.recommend(u, { k: 10 }).map((r) => r.item);
    assert.deepEqual(b, a, `user ${u}`);
  }
});
