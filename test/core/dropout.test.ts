import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Dropout } from '../../src/core/dropout.ts';
import { Rng } from '../../src/core/rng.ts';
import { ConfigError } from '../../src/contracts/errors.ts';
import { assertGradClose, numericGradient, randomArray } from '../helpers/gradcheck.ts';

test('inverted dropout zeroes about `rate` of the units and scales the rest by 1/(1 − rate)', () => {
  const drop = new Dropout(0.25);
  const n = 20000;
  const x = new Float32Array(n).fill(1);
  drop.forwardTraining(x, n, new Rng(1));
  let zeros = 0;
  let sum = 0;
  for (const v of x) {
    assert.ok(v === 0 || Math.abs(v - 1 / 0.75) < 1e-6);
    if (v === 0) zeros++;
    sum += v;
  }
  assert.ok(Math.abs(zeros / n - 0.25) < 0.02, `dropped fraction ${zeros / n}`);
  assert.ok(Math.abs(sum / n - 1) < 0.03, 'the expected activation is preserved');
});

test('rate 0 is the identity, and the same seed gives the same mask', () => {
  const x = randomArray(10, 1);
  const y = x.slice();
  new Dropout(0).forwardTraining(y, 10, new Rng(1));
  assert.deepEqual(y, x);
  const a = new Dropout(0.5);
  const b = new Dropout(0.5);
  const xa = x.slice();
  const xb = x.slice();
  a.forwardTraining(xa, 10, new Rng(7));
  b.forwardTraining(xb, 10, new Rng(7));
  assert.deepEqual(xa, xb);
});

test('backward multiplies by the fixed mask (finite-difference check)', () => {
  const drop = new Dropout(0.4);
  const n = 12;
  const x = randomArray(n, 3);
  const c = randomArray(n, 4);
  // L = Σ c · dropout(x) with the mask drawn once and held fixed.
  const out = x.slice();
  drop.forwardTraining(out, n, new Rng(5));
  const loss = (): number => {
    const y = x.slice();
    drop.applyMask(y, n);
    return y.reduce((s, v, i) => s + v * c[i], 0);
  };
  const g = c.slice();
  drop.backward(g, n);
  for (let i = 0; i < n; i++) assertGradClose(g[i], numericGradient(loss, x, i), `dL/dx[${i}]`);
});

test('a rate outside [0, 1) is a ConfigError', () => {
  assert.throws(() => new Dropout(1), ConfigError);
  assert.throws(() => new Dropout(-0.1), ConfigError);
});
