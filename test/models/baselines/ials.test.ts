import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ials } from '../../../src/models/baselines/ials.ts';
import type { Interactions } from '../../../src/data/interactions.ts';
import { fitQuietly, plantedSplit } from '../../helpers/baselines.ts';

const f = 4;
const reg = 0.5;
const alpha = 3;
const train = plantedSplit(11).train;

function factors(model: Ials): { x: Float32Array; y: Float32Array } {
  return { x: model.getState().tensors.user_factors.data as Float32Array, y: model.getState().tensors.item_factors.data as Float32Array };
}

const dot = (a: Float32Array, ao: number, b: Float32Array, bo: number): number => {
  let s = 0;
  for (let d = 0; d < f; d++) s += a[ao + d] * b[bo + d];
  return s;
};

/** Σ over every (user, item) pair of c(p − x·y)², plus λ(‖X‖² + ‖Y‖²), by brute force. */
function bruteForceLoss(model: Ials, data: Interactions): number {
  const { x, y } = factors(model);
  const csr = data.byUser();
  let total = 0;
  for (let u = 0; u < data.numUsers; u++) {
    for (let i = 0; i < data.numItems; i++) {
      const s = dot(x, u * f, y, i * f);
      const observed = csr.indices.subarray(csr.indptr[u], csr.indptr[u + 1]).includes(i);
      total += observed ? (1 + alpha) * (1 - s) ** 2 : s * s;
    }
  }
  for (const v of x) total += reg * v * v;
  for (const v of y) total += reg * v * v;
  return total / data.length;
}

test('the reported loss is the full weighted objective (computed without visiting unobserved pairs)', async () => {
  const model = await fitQuietly(new Ials({ factors: f, regularization: reg, alpha, iterations: 2 }), train);
  const reported = model.history!.epochs.at(-1)!.loss;
  const brute = bruteForceLoss(model, train);
  assert.ok(Math.abs(reported - brute) / brute < 1e-4, `reported ${reported}, brute force ${brute}`);
});

test('exact (Cholesky) alternation never increases the objective', async () => {
  const model = await fitQuietly(new Ials({ factors: f, regularization: reg, alpha, iterations: 6, solver: 'cholesky' }), train);
  const losses = model.history!.epochs.map((e) => e.loss);
  for (let k = 1; k < losses.length; k++) assert.ok(losses[k] <= losses[k - 1] * (1 + 1e-6), `epoch ${k + 1}: ${losses[k]} > ${losses[k - 1]}`);
  assert.ok(losses.at(-1)! < losses[0]);
});

test('after an exact epoch every item row is the minimiser given the user factors (zero gradient)', async () => {
  const model = await fitQuietly(new Ials({ factors: f, regularization: reg, alpha, iterations: 1, solver: 'cholesky' }), train);
  const { x, y } = factors(model);
  const byItem = train.byItem();
  for (const i of [0, 1, 17, 120]) {
    // ∂/∂y_i: Σ_u c_ui (x_u·y_i − p_ui) x_u + λ y_i
    const grad = new Float64Array(f);
    for (let u = 0; u < train.numUsers; u++) {
      const observed = byItem.indices.subarray(byItem.indptr[i], byItem.indptr[i + 1]).includes(u);
      const c = observed ? 1 + alpha : 1;
      const e = dot(x, u * f, y, i * f) - (observed ? 1 : 0);
      for (let d = 0; d < f; d++) grad[d] += c * e * x[u * f + d];
    }
    for (let d = 0; d < f; d++) assert.ok(Math.abs(grad[d] + reg * y[i * f + d]) < 1e-4, `item ${i}: gradient ${grad[d] + reg * y[i * f + d]}`);
  }
});

test('conjugate gradient with as many steps as factors reaches the exact row solutions', async () => {
  const exact = await fitQuietly(new Ials({ factors: f, regularization: reg, alpha, iterations: 1, solver: 'cholesky' }), train);
  const cg = await fitQuietly(new Ials({ factors: f, regularization: reg, alpha, iterations: 1, solver: 'cg', cgSteps: f }), train);
  const a = factors(exact).y;
  const b = factors(cg).y;
  let worst = 0;
  for (let k = 0; k < a.length; k++) worst = Math.max(worst, Math.abs(a[k] - b[k]));
  assert.ok(worst < 1e-3, `largest difference ${worst}`);
  // The default 3 steps are approximate but close to the exact objective.
  const three = await fitQuietly(new Ials({ factors: f, regularization: reg, alpha, iterations: 1 }), train);
  assert.ok(three.history!.epochs[0].loss < exact.history!.epochs[0].loss * 1.05);
});

test('scores are dot products of user and item factors, and the item factors are its item vectors', async () => {
  const model = await fitQuietly(new Ials({ factors: f, regularization: reg, alpha, iterations: 1 }), train);
  const { x, y } = factors(model);
  const [s] = model.score(Int32Array.of(3), Int32Array.of(9));
  assert.ok(Math.abs(s - dot(x, 3 * f, y, 9 * f)) < 1e-6);
  assert.equal(model.itemVectors().dim, f);
  assert.equal(model.itemVectors().data.length, train.numItems * f);
});

test('negative values cannot be confidences', async () => {
  await assert.rejects(fitQuietly(new Ials(), train.withValues(new Float32Array(train.length).fill(-1))), /confidences and must be ≥ 0/);
});

test('batched scoring equals scoring users one by one', async () => {
  const model = await fitQuietly(new Ials({ factors: 6, iterations: 1 }), train);
  const users = Int32Array.of(5, 0, 17, 5, 33);
  const batched = new Float32Array(users.length * model.numItems);
  model.scoreUsers(users, batched);
  users.forEach((u, b) => {
    const row = new Float32Array(model.numItems);
    model.scoreItems(u, row);
    for (let i = 0; i < row.length; i++) assert.ok(Math.abs(batched[b * model.numItems + i] - row[i]) < 1e-6);
  });
});

test('frequency-scaled regularisation (ν): loss, exact row solutions and CG all use λ·(Σ_i c_ui / n)^ν per row', async () => {
  const nu = 1;
  const byUser = train.byUser();
  const byItem = train.byItem();
  const lambdaOf = (csr: typeof byUser, row: number) => reg * ((csr.cols + alpha * (csr.indptr[row + 1] - csr.indptr[row])) / csr.cols) ** nu;
  const exact = await fitQuietly(new Ials({ factors: f, regularization: reg, regularizationExponent: nu, alpha, iterations: 2, solver: 'cholesky' }), train);
  const { x, y } = factors(exact);
  // Loss: the weighted squared errors of the plain objective with λ swapped for the row's own.
  let brute = bruteForceLoss(exact, train) * train.length;
  for (let u = 0; u < train.numUsers; u++) brute += (lambdaOf(byUser, u) - reg) * dot(x, u * f, x, u * f);
  for (let i = 0; i < train.numItems; i++) brute += (lambdaOf(byItem, i) - reg) * dot(y, i * f, y, i * f);
  const reported = exact.history!.epochs.at(-1)!.loss;
  assert.ok(Math.abs(reported - brute / train.length) / reported < 1e-4, `reported ${reported}, brute force ${brute / train.length}`);
  // Zero gradient for item rows after the exact epoch, with the item's own λ.
  for (const i of [0, 17, 120]) {
    const grad = new Float64Array(f);
    for (let u = 0; u < train.numUsers; u++) {
      const observed = byItem.indices.subarray(byItem.indptr[i], byItem.indptr[i + 1]).includes(u);
      const e = dot(x, u * f, y, i * f) - (observed ? 1 : 0);
      for (let d = 0; d < f; d++) grad[d] += (observed ? 1 + alpha : 1) * e * x[u * f + d];
    }
    for (let d = 0; d < f; d++) assert.ok(Math.abs(grad[d] + lambdaOf(byItem, i) * y[i * f + d]) < 1e-4, `item ${i}: gradient ${grad[d] + lambdaOf(byItem, i) * y[i * f + d]}`);
  }
  // Popular items get a larger λ than rare ones, so ν = 1 differs from ν = 0.
  const plain = await fitQuietly(new Ials({ factors: f, regularization: reg, alpha, iterations: 2, solver: 'cholesky' }), train);
  assert.notDeepEqual(factors(plain).y, y);
  const cg = await fitQuietly(new Ials({ factors: f, regularization: reg, regularizationExponent: nu, alpha, iterations: 2, solver: 'cg', cgSteps: f }), train);
  let worst = 0;
  for (let k = 0; k < y.length; k++) worst = Math.max(worst, Math.abs(factors(cg).y[k] - y[k]));
  assert.ok(worst < 1e-3, `CG vs exact: largest difference ${worst}`);
});

test('a negative regularizationExponent is refused', () => {
  assert.throws(() => new Ials({ regularizationExponent: -1 }), /regularizationExponent/);
});
