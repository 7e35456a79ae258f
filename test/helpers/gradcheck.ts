/**
 * The one finite-difference gradient checker: perturb a parameter by ±h, recompute the loss,
 * and compare (L⁺ − L⁻) / (step actually taken) with the analytic gradient.
 *
 * Two tolerances, by the arithmetic under test: GRAD_TOLERANCE for float64 code (losses,
 * similarities, activations), FLOAT32_GRAD_TOLERANCE where parameters or activations are stored
 * as float32 (layers, models), whose finite differences cannot get near float64 accuracy. Each
 * is the strictest that every check of its kind passes, and no check's tolerance is looser than
 * before they were merged. The step h is the caller's: float64 code wants a small one, float32
 * a larger one (1e-2 by default) so rounding in the loss does not swamp the difference.
 */
import assert from 'node:assert/strict';
import { bceWithLogits } from '../../src/core/losses.ts';
import { Rng } from '../../src/core/rng.ts';
import { IdMap } from '../../src/data/idmap.ts';
import { Interactions } from '../../src/data/interactions.ts';
import type { Recommender } from '../../src/models/recommender.ts';
import type { ModelState } from '../../src/contracts/types.ts';

export interface Tolerance {
  /** Relative to max(|analytic|, |numeric|). */
  rtol: number;
  /** Absolute, for gradients near zero. */
  atol: number;
}

/** For float64 code. Passes when |analytic − numeric| ≤ atol or ≤ rtol · max(|analytic|, |numeric|). */
export const GRAD_TOLERANCE: Tolerance = { rtol: 1e-5, atol: 1e-8 };
/** For float32 parameters and activations (same rule). */
export const FLOAT32_GRAD_TOLERANCE: Tolerance = { rtol: 2e-3, atol: 1e-5 };
/** The default finite-difference step for float32 parameters. */
export const FLOAT32_STEP = 1e-2;

/** Asserts analytic ≈ numeric within GRAD_TOLERANCE, with a message naming what was checked. */
export function assertGradClose(analytic: number, numeric: number, what: string, tol: Tolerance = GRAD_TOLERANCE): void {
  const err = Math.abs(analytic - numeric);
  const scale = Math.max(Math.abs(analytic), Math.abs(numeric));
  assert.ok(err <= tol.atol || err <= tol.rtol * scale, `${what}: analytic ${analytic} vs numeric ${numeric}`);
}

/** Central difference (f(x+h) − f(x−h)) / 2h of a scalar function. */
export function centralDifference(f: (x: number) => number, x: number, h = 1e-5): number {
  return (f(x + h) - f(x - h)) / (2 * h);
}

/** Central difference of `loss()` w.r.t. arr[index], divided by the step actually taken (float32 storage rounds x ± h). */
export function numericGradient(loss: () => number, arr: Float32Array | Float64Array, index: number, h = FLOAT32_STEP): number {
  const keep = arr[index];
  arr[index] = keep + h;
  const hi = arr[index];
  const up = loss();
  arr[index] = keep - h;
  const lo = arr[index];
  const down = loss();
  arr[index] = keep;
  return (up - down) / (hi - lo);
}

/** The numeric gradient of every entry of every array. */
export function numericGradients(loss: () => number, arrays: readonly (Float32Array | Float64Array)[], h: number): Float64Array[] {
  return arrays.map((arr) => Float64Array.from(arr, (_, i) => numericGradient(loss, arr, i, h)));
}

/** Checks dL/dx[i] for every i of x (perturbed in place; `loss()` reads x) against `grad`. */
export function checkVectorGradient(x: Float64Array | Float32Array, grad: ArrayLike<number>, loss: () => number, what: string, h = 1e-5, tol?: Tolerance): void {
  for (let i = 0; i < x.length; i++) assertGradClose(grad[i], numericGradient(loss, x, i, h), `${what}[${i}]`, tol);
}

/**
 * Checks every entry of every parameter's analytic gradient (float32 storage) against central
 * differences of `loss()` with step `h`, skipping parameters `include` rejects. Returns how many
 * entries have a clearly non-zero numeric gradient (|g| > 1e-3), so that a caller can assert the
 * check proved something.
 */
export function checkParamGradients(
  gradients: Iterable<{ param: { name: string; data: Float32Array }; grad: Float32Array }>,
  loss: () => number,
  h: number,
  include: (name: string) => boolean = () => true,
): number {
  let nonZero = 0;
  for (const { param, grad } of gradients) {
    if (!include(param.name)) continue;
    const analytic = grad.slice();
    for (let i = 0; i < param.data.length; i++) {
      const numeric = numericGradient(loss, param.data, i, h);
      assertGradClose(analytic[i], numeric, `${param.name}[${i}]`, FLOAT32_GRAD_TOLERANCE);
      if (Math.abs(numeric) > 1e-3) nonZero++;
    }
  }
  return nonZero;
}

/** Checks `count` spread-out entries of a float32 `arr` (gradient `grad` laid out like arr). */
export function checkEntries(loss: () => number, arr: Float32Array, grad: ArrayLike<number>, what: string, count = 8, h = FLOAT32_STEP, tol = FLOAT32_GRAD_TOLERANCE): void {
  const step = Math.max(1, Math.floor(arr.length / count));
  for (let i = 0; i < arr.length; i += step) assertGradClose(grad[i], numericGradient(loss, arr, i, h), `${what}[${i}]`, tol);
}

function cloneState(state: ModelState): ModelState {
  const tensors: ModelState['tensors'] = {};
  for (const [name, t] of Object.entries(state.tensors)) tensors[name] = { shape: t.shape.slice(), data: t.data.slice() };
  return { tensors, extra: state.extra };
}

/**
 * A model's whole per-example gradient against finite differences. The model must be
 * configured with plain SGD at `learningRate`, L2 0, dropout 0 and batches of the one training
 * example, so one epoch is one step w ← w − lr·∂L/∂w and the gradient is read off the change.
 * `loss()` recomputes that example's loss from the model's current parameters (via `score`).
 * `probes` are [tensor name, flat index]; each must have a clearly non-zero gradient unless
 * listed in `zero` (rows the example does not touch must not move).
 */
export async function checkModelGradient(
  model: Recommender,
  train: Interactions,
  learningRate: number,
  loss: () => number,
  probes: [string, number][],
  zero: [string, number][] = [],
  h = FLOAT32_STEP,
  tol = FLOAT32_GRAD_TOLERANCE,
): Promise<void> {
  await model.fit(train, { epochs: 0, threads: 1 });
  const before = cloneState(model.getState());
  const numeric = probes.map(([name, index]) => {
    // Returns the loss and the step actually taken (float32 storage rounds w ± h).
    const at = (delta: number): [number, number] => {
      const s = cloneState(before);
      const t = s.tensors[name];
      assert.ok(t, `no tensor ${name}; have ${Object.keys(s.tensors).join(', ')}`);
      t.data[index] += delta;
      model.setState(s);
      return [loss(), t.data[index]];
    };
    const [up, hi] = at(h);
    const [down, lo] = at(-h);
    return (up - down) / (hi - lo);
  });
  model.setState(cloneState(before));
  await model.trainEpoch({ epoch: 1, rng: new Rng(1), threads: 1, options: {}, progress: () => {} });
  const after = model.getState();
  probes.forEach(([name, index], p) => {
    const analytic = (before.tensors[name].data[index] - after.tensors[name].data[index]) / learningRate;
    assert.ok(Math.abs(numeric[p]) > 1e-4, `${name}[${index}]: gradient ${numeric[p]} too small to check; pick another probe`);
    assertGradClose(analytic, numeric[p], `${name}[${index}]`, tol);
  });
  for (const [name, index] of zero) assert.equal(after.tensors[name].data[index], before.tensors[name].data[index], `${name}[${index}] should not move`);
}

/** The BCE loss of one (user, item) pair with `label`, from the model's current parameters. */
export function pairBceLoss(model: Recommender, user: number, item: number, label: number): () => number {
  return () => bceWithLogits(model.score(Int32Array.of(user), Int32Array.of(item))[0], label);
}

/** A Float32Array of uniform(-scale, scale) values from a small LCG (tests only). */
export function randomArray(n: number, seed: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = ((s / 4294967296) * 2 - 1) * scale;
  }
  return a;
}

/** A tiny training set: users × items id maps and the given (user, item, value) triples. */
export function tinyInteractions(users: number, items: number, triples: [number, number, number][]): Interactions {
  return new Interactions({
    users: Int32Array.from(triples, (t) => t[0]),
    items: Int32Array.from(triples, (t) => t[1]),
    values: Float32Array.from(triples, (t) => t[2]),
    userIds: new IdMap(Array.from({ length: users }, (_, u) => `u${u}`)),
    itemIds: new IdMap(Array.from({ length: items }, (_, i) => `i${i}`)),
  });
}
