/**
 * Finite-difference checks for the deep models' hand-written backward passes: perturb one
 * parameter entry by ±eps, recompute the loss, and compare (L⁺ − L⁻)/2eps with the analytic
 * gradient. Activations are stored as float32, so eps is large-ish and tolerances relative.
 */
import assert from 'node:assert/strict';
import { bceWithLogits } from '../../src/core/losses.ts';
import { Rng } from '../../src/core/rng.ts';
import { IdMap } from '../../src/data/idmap.ts';
import { Interactions } from '../../src/data/interactions.ts';
import type { Recommender } from '../../src/models/recommender.ts';
import type { ModelState } from '../../src/contracts/types.ts';

/** Central difference of `loss()` w.r.t. arr[index]. */
export function numericGradient(loss: () => number, arr: Float32Array, index: number, eps = 1e-2): number {
  const saved = arr[index];
  arr[index] = saved + eps;
  const plus = loss();
  arr[index] = saved - eps;
  const minus = loss();
  arr[index] = saved;
  return (plus - minus) / (2 * eps);
}

/** Asserts analytic ≈ numeric within `rel` relative (or `abs` absolute) error. */
export function assertGradClose(analytic: number, numeric: number, what: string, rel = 2e-2, abs = 2e-4): void {
  const err = Math.abs(analytic - numeric);
  assert.ok(err <= abs || err <= rel * Math.max(Math.abs(analytic), Math.abs(numeric)), `${what}: analytic ${analytic} vs numeric ${numeric}`);
}

/** Checks `count` spread-out entries of `arr` (gradient `grad` laid out like arr). */
export function checkEntries(loss: () => number, arr: Float32Array, grad: ArrayLike<number>, what: string, count = 8, eps = 1e-2): void {
  const step = Math.max(1, Math.floor(arr.length / count));
  for (let i = 0; i < arr.length; i += step) assertGradClose(grad[i], numericGradient(loss, arr, i, eps), `${what}[${i}]`);
}

/** A Float32Array of uniform(-scale, scale) values from a small LCG (tests only). */
export function randomArray(n: number, seed: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = (s / 4294967296 * 2 - 1) * scale;
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
  eps = 1e-3,
): Promise<void> {
  await model.fit(train, { epochs: 0, threads: 1 });
  const before = cloneState(model.getState());
  const numeric = probes.map(([name, index]) => {
    const at = (delta: number): number => {
      const s = cloneState(before);
      const t = s.tensors[name];
      assert.ok(t, `no tensor ${name}; have ${Object.keys(s.tensors).join(', ')}`);
      t.data[index] += delta;
      model.setState(s);
      return loss();
    };
    return (at(eps) - at(-eps)) / (2 * eps);
  });
  model.setState(cloneState(before));
  await model.trainEpoch({ epoch: 1, rng: new Rng(1), threads: 1, options: {}, progress: () => {} });
  const after = model.getState();
  probes.forEach(([name, index], p) => {
    const analytic = (before.tensors[name].data[index] - after.tensors[name].data[index]) / learningRate;
    assert.ok(Math.abs(numeric[p]) > 1e-4, `${name}[${index}]: gradient ${numeric[p]} too small to check; pick another probe`);
    assertGradClose(analytic, numeric[p], `${name}[${index}]`, 2e-2, 1e-5);
  });
  for (const [name, index] of zero) assert.equal(after.tensors[name].data[index], before.tensors[name].data[index], `${name}[${index}] should not move`);
}

/** The BCE loss of one (user, item) pair with `label`, from the model's current parameters. */
export function pairBceLoss(model: Recommender, user: number, item: number, label: number): () => number {
  return () => bceWithLogits(model.score(Int32Array.of(user), Int32Array.of(item))[0], label);
}
