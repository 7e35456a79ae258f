import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.ts';
import { ConfigError } from '../../src/contracts/errors.ts';
import { SpdInverse, relaxedSimdAvailable, spdInverseBytes } from '../../src/core/spd-inverse.ts';
import { invertSpd } from '../../src/models/baselines/dense.ts';

/** A random SPD matrix RᵀR + I (n × n) with R of n + 5 rows, row-major float64. */
function randomSpd(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const rows = n + 5;
  const r = Float64Array.from({ length: rows * n }, () => rng.normal());
  const a = new Float64Array(n * n);
  for (let p = 0; p < rows; p++) {
    for (let i = 0; i < n; i++) {
      const v = r[p * n + i];
      for (let j = 0; j <= i; j++) a[i * n + j] += v * r[p * n + j];
    }
  }
  for (let i = 0; i < n; i++) {
    a[i * n + i] += 1;
    for (let j = 0; j < i; j++) a[j * n + i] = a[i * n + j];
  }
  return a;
}

async function sweepInverse(a: Float64Array, n: number, threads: number): Promise<SpdInverse> {
  const inv = SpdInverse.create(n);
  assert.ok(inv, 'WebAssembly SIMD with shared memory is available in Node ≥ 20');
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) inv.a[i * inv.ld + j] = a[i * n + j];
  await inv.invertNegated(threads);
  return inv;
}

for (const [n, threads] of [
  [37, 1],
  [300, 1],
  [600, 2],
] as const) {
  test(`the float32 sweep gives −A⁻¹ of a ${n} × ${n} SPD matrix on ${threads} thread(s), as the float64 Cholesky inverse does`, async () => {
    const a = randomSpd(n, n);
    const ref = invertSpd(a, n);
    const inv = await sweepInverse(a, n, threads);
    let worst = 0;
    let largest = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        worst = Math.max(worst, Math.abs(-inv.a[i * inv.ld + j] - ref[i * n + j]));
        largest = Math.max(largest, Math.abs(ref[i * n + j]));
      }
    }
    // float32 rounding only: relative to the largest entry, far below a wrong block (O(1)).
    assert.ok(worst < 1e-4 * largest, `max |error| ${worst} against max |entry| ${largest}`);
  });
}

test('a matrix that is not positive definite is refused with a ConfigError naming the pivot', async () => {
  const n = 200;
  const a = randomSpd(n, 3);
  // Make row/column 150 a copy of row/column 10: singular.
  for (let j = 0; j < n; j++) {
    a[150 * n + j] = a[10 * n + j];
    a[j * n + 150] = a[j * n + 10];
  }
  a[150 * n + 150] = a[10 * n + 10];
  await assert.rejects(sweepInverse(a, n, 1), (e: unknown) => e instanceof ConfigError && /not positive definite \(pivot 150/.test(e.message));
});

test('the workspace size counts the padded matrix and its panels, and relaxed SIMD is detected, not assumed', () => {
  assert.equal(spdInverseBytes(128), 4 * (128 * 128 + 4 * 128 * 128 + 128 * 128));
  assert.equal(spdInverseBytes(129), 4 * (256 * 256 + 4 * 256 * 128 + 128 * 128));
  assert.equal(typeof relaxedSimdAvailable(), 'boolean');
});
