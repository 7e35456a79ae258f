import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../../src/contracts/errors.ts';
import { generateSynthetic } from '../../../src/data/synthetic.ts';
import { Rp3beta } from '../../../src/models/baselines/rp3beta.ts';
import { createModel } from '../../../src/models/registry.ts';
import { loadModel } from '../../../src/models/load.ts';
import { fitQuietly, fromMatrix, interactions, plantedSplit, scoresOf } from '../../helpers/baselines.ts';
import { rankingMetrics } from '../../helpers/metrics.ts';

const close = (a: number, b: number, eps = 1e-6): boolean => Math.abs(a - b) < eps;

// deg(u) = [2, 2, 3, 1]; item columns i0 = {u0, u1, u3}, i1 = {u0, u2}, i2 = {u1, u2}, i3 = {u2},
// so deg(i) = [3, 2, 2, 1].
const X = [
  [1, 1, 0, 0],
  [1, 0, 1, 0],
  [0, 1, 1, 1],
  [1, 0, 0, 0],
];
const data = fromMatrix(X);
const everything = { neighbors: 100, normalize: false };

/** Every entry of the model's W as a dense matrix (0 where pruned). */
function denseW(model: Rp3beta, n: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => model.weight(i, j)));
}

/**
 * The definition spelled out on a dense matrix, as an independent reference:
 * W_ij = Σ_u (b_ui / deg i)^α · (x_uj / Σ_k x_uk)^α / deg(j)^β for i ≠ j, b the 0/1 pattern.
 */
function referenceW(x: number[][], alpha: number, beta: number): number[][] {
  const n = x[0].length;
  const itemDeg = Array.from({ length: n }, (_, i) => x.filter((row) => row[i] !== 0).length);
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => {
      if (i === j || itemDeg[j] === 0) return 0;
      let s = 0;
      for (const row of x) {
        const total = row.reduce((a, b) => a + b, 0);
        if (row[i] !== 0 && row[j] !== 0) s += Math.pow(1 / itemDeg[i], alpha) * Math.pow(row[j] / total, alpha);
      }
      return s / Math.pow(itemDeg[j], beta);
    }),
  );
}

test('W matches values worked out by hand (α = 2, β = 1)', async () => {
  const model = await fitQuietly(new Rp3beta({ alpha: 2, beta: 1, ...everything }), data);
  // Row i1: users u0 (1/deg 2) and u2 (1/deg 3); P_{i1,u} = 1/2. W_1j = (1/2)² Σ_u (1/deg u)² / deg j.
  assert.ok(close(model.weight(1, 0), ((1 / 4) * (1 / 4)) / 3), `W10 = ${model.weight(1, 0)}, expected 1/48`);
  assert.ok(close(model.weight(1, 2), ((1 / 4) * (1 / 9)) / 2), `W12 = ${model.weight(1, 2)}, expected 1/72`);
  assert.ok(close(model.weight(1, 3), ((1 / 4) * (1 / 9)) / 1), `W13 = ${model.weight(1, 3)}, expected 1/36`);
  // Row i3: only u2; (1/1)² · (1/3)² / deg j.
  assert.ok(close(model.weight(3, 1), 1 / 9 / 2) && close(model.weight(3, 2), 1 / 9 / 2) && model.weight(3, 0) === 0);
  // Row i0: u0 → i1 and u1 → i2, each (1/3)²·(1/2)² / 2; u3 reaches nothing but i0.
  assert.ok(close(model.weight(0, 1), 1 / 9 / 4 / 2) && close(model.weight(0, 2), 1 / 9 / 4 / 2) && model.weight(0, 3) === 0);
  for (let i = 0; i < 4; i++) assert.equal(model.weight(i, i), 0, `diagonal ${i}`);
  // And every entry against the dense reference.
  const ref = referenceW(X, 2, 1);
  const w = denseW(model, 4);
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) assert.ok(close(w[i][j], ref[i][j]), `W[${i}][${j}] = ${w[i][j]}, expected ${ref[i][j]}`);
});

test('normalize scales each kept row to sum 1 (row i1: 1/48, 1/72, 1/36 → 1/3, 2/9, 4/9)', async () => {
  const model = await fitQuietly(new Rp3beta({ alpha: 2, beta: 1, neighbors: 100, normalize: true }), data);
  assert.ok(close(model.weight(1, 0), 1 / 3) && close(model.weight(1, 2), 2 / 9) && close(model.weight(1, 3), 4 / 9));
  for (let i = 0; i < 4; i++) {
    let s = 0;
    for (let j = 0; j < 4; j++) s += model.weight(i, j);
    assert.ok(close(s, 1), `row ${i} sums to ${s}`);
  }
});

test('general α, β and valued input match the dense definition', async () => {
  const x = [
    [5, 3, 0, 1, 0, 0],
    [4, 0, 0, 1, 2, 0],
    [0, 2, 4, 0, 0, 0],
    [1, 1, 5, 4, 0, 0],
    [0, 0, 0, 5, 4, 0],
    [2, 0, 3, 0, 0, 0],
  ]; // item 5 never occurs
  const binary = x.map((row) => row.map((v) => (v !== 0 ? 1 : 0)));
  for (const [alpha, beta] of [
    [0.7, 0.3],
    [1.4, 1.1],
    [0, 0.5],
  ]) {
    const implicit = await fitQuietly(new Rp3beta({ alpha, beta, ...everything }), fromMatrix(x));
    const valued = await fitQuietly(new Rp3beta({ alpha, beta, implicit: false, ...everything }), fromMatrix(x));
    for (const [model, ref] of [
      [implicit, referenceW(binary, alpha, beta)],
      [valued, referenceW(x, alpha, beta)],
    ] as const) {
      const w = denseW(model, 6);
      for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) assert.ok(close(w[i][j], ref[i][j]), `α ${alpha} β ${beta}: W[${i}][${j}] = ${w[i][j]}, expected ${ref[i][j]}`);
    }
    assert.ok(
      scoresOf(implicit, 0).every((s, j) => j < 5 || s === 0),
      'an item without interactions scores 0',
    );
  }
});

test('only the `neighbors` largest weights of each row are kept (ties: lower index)', async () => {
  const model = await fitQuietly(new Rp3beta({ alpha: 2, beta: 1, neighbors: 1, normalize: false }), data);
  assert.ok(close(model.weight(1, 3), 1 / 36), 'i1 keeps i3');
  assert.equal(model.weight(1, 0), 0);
  assert.equal(model.weight(1, 2), 0);
  const w = model.weights;
  for (let i = 0; i < 4; i++) assert.ok(w.indptr[i + 1] - w.indptr[i] <= 1, `row ${i} has at most one entry`);
  // α = 1, β = 0: row i0 has W01 = W02 = 1/6, a tie the lower index wins.
  const p3 = await fitQuietly(new Rp3beta({ alpha: 1, beta: 0, neighbors: 1, normalize: true }), data);
  assert.equal(p3.weight(0, 1), 1, 'i0 keeps i1, normalised to 1');
  assert.equal(p3.weight(0, 2), 0);
  // Scores only see the kept entries: u3 (item i0) reaches i1 alone.
  const u3 = scoresOf(p3, 3);
  assert.deepEqual(Array.from(u3), [0, 1, 0, 0]);
  // Rows are listed largest first.
  const wide = (await fitQuietly(new Rp3beta({ alpha: 2, beta: 1, ...everything }), data)).weights;
  for (let i = 0; i < 4; i++) for (let p = wide.indptr[i] + 1; p < wide.indptr[i + 1]; p++) assert.ok(wide.values[p - 1] >= wide.values[p]);
});

test('β = 0, α = 1 is plain P3: W is the two-step item → user → item walk, scores the three-step walk', async () => {
  const model = await fitQuietly(new Rp3beta({ alpha: 1, beta: 0, ...everything }), data);
  const users = X.length;
  const n = 4;
  const userDeg = X.map((row) => row.reduce((a, b) => a + b, 0));
  const itemDeg = Array.from({ length: n }, (_, i) => X.reduce((s, row) => s + row[i], 0));
  // Transition matrices of the bipartite walk, multiplied out densely.
  const pIU = Array.from({ length: n }, (_, i) => Array.from({ length: users }, (_, u) => X[u][i] / itemDeg[i]));
  const pUI = X.map((row, u) => row.map((v) => v / userDeg[u]));
  const twoStep = pIU.map((row) => Array.from({ length: n }, (_, j) => row.reduce((s, p, u) => s + p * pUI[u][j], 0)));
  for (let i = 0; i < n; i++) {
    let rowSum = 0;
    for (let j = 0; j < n; j++) {
      if (j !== i) assert.ok(close(model.weight(i, j), twoStep[i][j]), `W[${i}][${j}] = ${model.weight(i, j)}, P3 ${twoStep[i][j]}`);
      rowSum += model.weight(i, j);
    }
    // A probability distribution once the return to i (the zeroed diagonal) is added back.
    assert.ok(close(rowSum + twoStep[i][i], 1), `row ${i}`);
  }
  // Hand values: row i1 of the walk is 1/4, ·, 1/6, 1/6.
  assert.ok(close(model.weight(1, 0), 1 / 4) && close(model.weight(1, 2), 1 / 6) && close(model.weight(1, 3), 1 / 6));
  // For an unseen item, the user's score is deg(u) times the three-step walk probability u → j.
  for (let u = 0; u < users; u++) {
    const scores = scoresOf(model, u);
    for (let j = 0; j < n; j++) {
      if (X[u][j] !== 0) continue;
      const walk = pUI[u].reduce((s, p, i) => s + p * twoStep[i][j], 0);
      assert.ok(close(scores[j], userDeg[u] * walk), `user ${u} item ${j}: ${scores[j]} vs ${userDeg[u]}·${walk}`);
    }
  }
});

test('β > 0 penalises popular landing items', async () => {
  const p3 = await fitQuietly(new Rp3beta({ alpha: 1, beta: 0, ...everything }), data);
  const rp3 = await fitQuietly(new Rp3beta({ alpha: 1, beta: 2, ...everything }), data);
  // From i1, the walk lands on i0 (deg 3) with 1/4 and on i2 (deg 2) with 1/6: P3 prefers i0,
  // β = 2 prefers i2 (1/4 / 9 < 1/6 / 4).
  assert.ok(p3.weight(1, 0) > p3.weight(1, 2));
  assert.ok(rp3.weight(1, 0) < rp3.weight(1, 2));
  assert.ok(close(rp3.weight(1, 0), 1 / 4 / 9) && close(rp3.weight(1, 2), 1 / 6 / 4));
});

test('a repeated interaction counts once (implicit) or adds its values (implicit: false)', async () => {
  const base = [
    [0, 0, 1],
    [0, 1, 1],
    [1, 0, 1],
    [1, 2, 1],
    [2, 1, 1],
    [2, 2, 1],
  ] as [number, number, number][];
  const once = await fitQuietly(new Rp3beta(everything), interactions(base, 3, 3));
  const twice = await fitQuietly(new Rp3beta(everything), interactions([...base, [0, 1, 1]], 3, 3));
  assert.deepEqual(twice.weights, once.weights);
  assert.deepEqual(scoresOf(twice, 0), scoresOf(once, 0));
  const split = await fitQuietly(new Rp3beta({ ...everything, implicit: false }), interactions([...base.slice(1), [0, 0, 0.5], [0, 0, 0.5]], 3, 3));
  assert.deepEqual(split.weights, once.weights);
});

test('beats popularity on planted clusters by NDCG@10', async () => {
  const split = plantedSplit();
  const pop = rankingMetrics(await fitQuietly(createModel('popularity'), split.train), split);
  const m = rankingMetrics(await fitQuietly(createModel('rp3beta'), split.train), split);
  assert.ok(m['ndcg@10'] > 1.5 * pop['ndcg@10'] && m['ndcg@10'] > pop['ndcg@10'] + 0.05, `NDCG@10 ${m['ndcg@10'].toFixed(4)} vs popularity ${pop['ndcg@10'].toFixed(4)}`);
  assert.ok(m.auc > pop.auc + 0.05, `AUC ${m.auc.toFixed(4)} vs popularity ${pop.auc.toFixed(4)}`);
});

test('save → load gives identical scores and neighbours', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'tastebud-rp3beta-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const { interactions: train } = generateSynthetic({ users: 60, items: 40, factors: 4, interactionsPerUser: 8, seed: 9 });
  const model = await fitQuietly(createModel('rp3beta', { alpha: 0.8, beta: 0.4, neighbors: 7 }), train);
  assert.ok(new Set(scoresOf(model, 7)).size > 2, 'varied scores');
  await model.save(dir);
  const loaded = await loadModel(dir);
  assert.equal(loaded.type, 'rp3beta');
  assert.deepEqual(loaded.config, model.config);
  for (const u of [0, 7, 59]) assert.deepEqual(scoresOf(loaded, u), scoresOf(model, u), `user ${u}`);
  assert.deepEqual(loaded.recommend('u7', { k: 5 }), model.recommend('u7', { k: 5 }));
  const item = model.itemIds.id(3);
  assert.deepEqual(loaded.similarItems(item, 5), model.similarItems(item, 5));
  assert.ok(model.similarItems(item, 5).length > 0);
});

test('a saved table of the wrong shape is rejected with the tensor named', async () => {
  const model = await fitQuietly(new Rp3beta(), data);
  const state = model.getState();
  const other = await fitQuietly(
    new Rp3beta(),
    fromMatrix([
      [1, 1, 0, 0, 1],
      [0, 1, 1, 1, 0],
    ]),
  );
  assert.throws(
    () => other.setState(state),
    (e: unknown) => e instanceof ConfigError && /tensor "W.indptr" has shape \[5\], expected \[6\]/.test(e.message),
  );
});

test('impossible hyperparameters are ConfigErrors naming rp3beta and the value', async () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ alpha: -0.5 }, /rp3beta: alpha must be a number ≥ 0, got -0.5/],
    [{ alpha: Number.NaN }, /rp3beta: alpha must be a number/],
    [{ beta: -1 }, /rp3beta: beta must be a number ≥ 0, got -1/],
    [{ beta: '0.5' }, /rp3beta: beta must be a number/],
    [{ neighbors: 0 }, /rp3beta: neighbors must be a whole number ≥ 1, got 0/],
    [{ neighbors: 2.5 }, /rp3beta: neighbors must be a whole number/],
    [{ normalize: 'yes' }, /rp3beta: normalize must be true or false/],
    [{ implicit: 1 }, /rp3beta: implicit must be true or false/],
    [{ task: 'rating' }, /rp3beta: task must be one of 'ranking'/],
    [{ topK: 50 }, /rp3beta: unknown hyperparameter "topK" \(known: .*neighbors/],
  ];
  for (const [config, message] of cases) {
    assert.throws(
      () => createModel('rp3beta', config),
      (e: unknown) => e instanceof ConfigError && message.test(e.message),
      JSON.stringify(config),
    );
  }
  const defaults = createModel('rp3beta').config;
  assert.deepEqual(defaults, { alpha: 1, beta: 0.6, neighbors: 100, normalize: true, implicit: true, task: 'ranking', epochs: 1 });
  await assert.rejects(
    fitQuietly(
      new Rp3beta({ implicit: false }),
      fromMatrix([
        [1, -2],
        [0, 3],
      ]),
    ),
    /rp3beta: implicit: false needs positive interaction values.*user index 0 has -2 for item index 1/,
  );
  assert.throws(() => new Rp3beta().scoreItems(0, new Float32Array(1)), /rp3beta: the model is not fitted/);
});
