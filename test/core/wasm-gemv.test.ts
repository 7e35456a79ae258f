import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dotRowsInto } from '../../src/core/gemv.ts';
import { Rng } from '../../src/core/rng.ts';
import { ResidentGemv } from '../../src/core/wasm-gemv.ts';

test('ResidentGemv: T·x + offsets agrees with the float64 loop up to float32 rounding (ragged rows and dims, offsets, repeated calls)', () => {
  const rng = new Rng(11);
  for (const [rows, dim] of [
    [1, 1],
    [15, 3],
    [16, 4],
    [17, 64],
    [1682, 64],
    [333, 37],
  ]) {
    const table = Float32Array.from({ length: rows * dim }, () => rng.normal(0, 1));
    const offsets = Float32Array.from({ length: rows }, () => rng.normal(0, 1));
    for (const withOffsets of [false, true]) {
      const gemv = ResidentGemv.create(table, rows, dim, withOffsets ? offsets : null);
      assert.ok(gemv, 'Node 20 has WebAssembly SIMD');
      for (let call = 0; call < 3; call++) {
        const x = Float32Array.from({ length: dim + 2 }, () => rng.normal(0, 1));
        const want = new Float32Array(rows);
        dotRowsInto(x, 2, table, dim, rows, want, withOffsets ? offsets : null);
        const got: Float32Array = gemv!.scores(x, 2);
        assert.equal(got.length, rows);
        for (let i = 0; i < rows; i++) {
          // Float32 sums of dim terms of size ~1: error ~ dim · 2⁻²⁴ · √dim.
          assert.ok(Math.abs(got[i] - want[i]) <= 1e-5 * dim, `${rows} × ${dim} row ${i}: ${got[i]} vs ${want[i]}`);
        }
      }
    }
  }
});
