import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../src/core/rng.ts';
import { ConfigError } from '../../../src/contracts/errors.ts';
import { buildCsr } from '../../../src/data/interactions.ts';
import { choleskySolve, gram, invertSpd } from '../../../src/models/baselines/dense.ts';

/** A random SPD matrix RᵀR + I (n × n). */
function randomSpd(n: number, rng: Rng): Float64Array {
  const r = Float64Array.from({ length: n * n }, () => rng.normal());
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = i === j ? 1 : 0;
      for (let k = 0; k < n; k++) s += r[k * n + i] * r[k * n + j];
      a[i * n + j] = s;
    }
  return a;
}

function maxOffIdentity(a: Float64Array, b: Float64Array, n: number): number {
  let worst = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += a[i * n + k] * b[k * n + j];
      worst = Math.max(worst, Math.abs(s - (i === j ? 1 : 0)));
    }
  return worst;
}

test('invertSpd inverts symmetric positive-definite matrices of any size (padding to a multiple of 4 is invisible)', () => {
  const rng = new Rng(1);
  for (const n of [1, 2, 3, 4, 5, 8, 13, 37]) {
    const a = randomSpd(n, rng);
    const copy = a.slice();
    const inv = invertSpd(a, n);
    assert.ok(maxOffIdentity(a, inv, n) < 1e-9, `n = ${n}`);
    assert.deepEqual(a, copy, 'the input is not modified');
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) assert.equal(inv[i * n + j], inv[j * n + i], 'the inverse is exactly symmetric');
  }
  assert.deepEqual([...invertSpd(Float64Array.of(4, 2, 2, 2), 2)], [0.5, -0.5, -0.5, 1]);
});

test('a matrix that is not positive definite is a ConfigError asking for more regularisation', () => {
  assert.throws(
    () => invertSpd(Float64Array.of(1, 2, 2, 1), 2),
    (e: unknown) => e instanceof ConfigError && /not positive definite.*regularisation/.test(e.message),
  );
});

test('gram computes XᵀX (+ ridge) from sparse rows', () => {
  // X = [[1, 2, 0], [0, 3, 1]]
  const x = buildCsr(Int32Array.of(0, 0, 1, 1), Int32Array.of(0, 1, 1, 2), Float32Array.of(1, 2, 3, 1), 2, 3);
  assert.deepEqual([...gram(x, 0.5)], [1.5, 2, 0, 2, 13.5, 3, 0, 3, 1.5]);
});

test('choleskySolve solves a small SPD system in place and reports non-SPD input', () => {
  const rng = new Rng(2);
  const n = 6;
  const a = randomSpd(n, rng);
  const x = Float64Array.from({ length: n }, () => rng.normal());
  const b = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) b[i] += a[i * n + k] * x[k];
  assert.ok(choleskySolve(a.slice(), n, b));
  for (let i = 0; i < n; i++) assert.ok(Math.abs(b[i] - x[i]) < 1e-9);
  assert.equal(choleskySolve(Float64Array.of(0, 1, 1, 0), 2, new Float64Array(2)), false);
});
