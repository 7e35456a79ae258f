import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dotRowsInto } from '../../src/core/gemv.ts';
import { Rng } from '../../src/core/rng.ts';

/** The plain loop it replaces: one row at a time, terms added left to right in float64. */
function plain(x: Float32Array, xo: number, table: Float32Array, dim: number, rows: number, out: Float32Array, init: Float32Array | null, base: number): void {
  for (let i = 0; i < rows; i++) {
    let s = init === null ? base : base + init[i];
    for (let d = 0; d < dim; d++) s += x[xo + d] * table[i * dim + d];
    out[i] = s;
  }
}

test('dotRowsInto equals the one-row-at-a-time loop bit for bit (rows not a multiple of 4, an offset, init and base)', () => {
  const rng = new Rng(7);
  for (const [rows, dim] of [
    [1, 3],
    [4, 8],
    [7, 64],
    [1682, 64],
    [13, 5],
  ]) {
    const table = Float32Array.from({ length: rows * dim }, () => rng.normal(0, 1));
    const x = Float32Array.from({ length: 2 * dim }, () => rng.normal(0, 1));
    const init = Float32Array.from({ length: rows }, () => rng.normal(0, 1));
    for (const [withInit, base] of [
      [false, 0],
      [true, 0.375],
    ] as const) {
      const want = new Float32Array(rows);
      const got = new Float32Array(rows).fill(Number.NaN);
      plain(x, dim, table, dim, rows, want, withInit ? init : null, base);
      dotRowsInto(x, dim, table, dim, rows, got, withInit ? init : null, base);
      assert.deepEqual(got, want, `${rows} × ${dim}, init ${withInit}`);
    }
  }
});

test('dotRowsInto writes only the first `rows` entries', () => {
  const out = new Float32Array(6).fill(-1);
  dotRowsInto(Float32Array.of(1, 2), 0, Float32Array.of(1, 1, 2, 2, 3, 3), 2, 3, out);
  assert.deepEqual([...out], [3, 6, 9, -1, -1, -1]);
});
