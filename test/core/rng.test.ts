import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.ts';

test('the same seed gives the same stream, another seed another', () => {
  const a = new Rng(1),
    b = new Rng(1),
    c = new Rng(2);
  const xs = Array.from({ length: 5 }, () => a.nextUint32());
  assert.deepEqual(
    xs,
    Array.from({ length: 5 }, () => b.nextUint32()),
  );
  assert.notDeepEqual(
    xs,
    Array.from({ length: 5 }, () => c.nextUint32()),
  );
});

test('uniform and normal draws have the right moments', () => {
  const rng = new Rng(3);
  let s = 0,
    s2 = 0,
    n = 200_000,
    ints = new Int32Array(10);
  for (let i = 0; i < n; i++) {
    const z = rng.normal();
    s += z;
    s2 += z * z;
    ints[rng.int(10)]++;
  }
  assert.ok(Math.abs(s / n) < 0.01);
  assert.ok(Math.abs(s2 / n - 1) < 0.02);
  for (const c of ints) assert.ok(Math.abs(c / n - 0.1) < 0.005);
});

test('permutation holds every index once', () => {
  const p = new Rng(5).permutation(100);
  assert.deepEqual(
    [...p].sort((a, b) => a - b),
    [...Array(100).keys()],
  );
});

test('distinct draws k different values below n, each about equally often, and leaves the marks clear', () => {
  const rng = new Rng(11);
  const marks = new Uint8Array(10);
  const out = new Int32Array(3);
  const counts = new Array(10).fill(0);
  for (let t = 0; t < 20_000; t++) {
    rng.distinct(10, 3, out, marks);
    assert.equal(new Set(out).size, 3);
    for (const v of out) counts[v]++;
  }
  assert.ok(marks.every((m) => m === 0));
  // Each value is in a draw with probability k / n = 0.3.
  for (const c of counts) assert.ok(Math.abs(c / 20_000 - 0.3) < 0.02, `${c}`);
});

test('forked generators are reproducible and independent of their parent', () => {
  const a = new Rng(9);
  const b = new Rng(9);
  const fa = a.fork();
  const fb = b.fork();
  const xs = Array.from({ length: 8 }, () => fa.nextUint32());
  assert.deepEqual(
    xs,
    Array.from({ length: 8 }, () => fb.nextUint32()),
  );
  assert.notDeepEqual(
    xs,
    Array.from({ length: 8 }, () => a.nextUint32()),
  );
});

test('int(n) stays in [0, n) and uniform stays in [lo, hi)', () => {
  const rng = new Rng(4);
  for (let k = 0; k < 10_000; k++) {
    const i = rng.int(7);
    assert.ok(Number.isInteger(i) && i >= 0 && i < 7);
    const x = rng.uniform(-2, 3);
    assert.ok(x >= -2 && x < 3);
  }
});
