import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  adaptiveHinge,
  adaptiveHingeGrad,
  bceWithLogits,
  bceWithLogitsGrad,
  bpr,
  bprGrad,
  hinge,
  hingeGrad,
  mae,
  maeGrad,
  mse,
  mseGrad,
  sigmoid,
  warpWeight,
  logSumExp,
} from '../../src/core/losses.ts';
import { assertGradClose, centralDifference } from '../helpers/gradcheck.ts';

const points = [-7.3, -2.1, -0.4, 0.05, 0.9, 3.3, 12.5];

test('bceWithLogits equals −[y log σ(z) + (1−y) log(1−σ(z))] and stays finite for huge logits', () => {
  for (const z of points) {
    for (const y of [0, 0.3, 1]) {
      const p = sigmoid(z);
      assertNear(bceWithLogits(z, y), -(y * Math.log(p) + (1 - y) * Math.log(1 - p)), `bce(${z}, ${y})`, 1e-9);
    }
  }
  assert.ok(Number.isFinite(bceWithLogits(1000, 0)) && Math.abs(bceWithLogits(1000, 0) - 1000) < 1e-9);
  assert.ok(Number.isFinite(bceWithLogits(-1000, 1)) && Math.abs(bceWithLogits(-1000, 1) - 1000) < 1e-9);
  assert.equal(bceWithLogitsGrad(1000, 1), 0);
});

test('each loss gradient matches a central finite difference', () => {
  for (const z of points) {
    for (const y of [0, 1, 0.25])
      assertGradClose(
        bceWithLogitsGrad(z, y),
        centralDifference((x) => bceWithLogits(x, y), z),
        `bce'(${z})`,
      );
    for (const t of [-1, 0.5, 4]) {
      assertGradClose(
        mseGrad(z, t),
        centralDifference((x) => mse(x, t), z),
        `mse'(${z})`,
      );
      assertGradClose(
        maeGrad(z, t),
        centralDifference((x) => mae(x, t), z),
        `mae'(${z})`,
      );
    }
    for (const neg of [-1.5, 0.2, 2.7]) {
      // Gradients are with respect to the difference s⁺ − s⁻: perturb s⁺ only.
      assertGradClose(
        bprGrad(z, neg),
        centralDifference((x) => bpr(x, neg), z),
        `bpr'(${z}, ${neg})`,
      );
      assertGradClose(
        -bprGrad(z, neg),
        centralDifference((x) => bpr(z, x), neg),
        `bpr' wrt s⁻`,
      );
      for (const m of [0.5, 1]) {
        if (Math.abs(m - z + neg) < 1e-3) continue; // the kink
        assertGradClose(
          hingeGrad(z, neg, m),
          centralDifference((x) => hinge(x, neg, m), z),
          `hinge'(${z}, ${neg}, ${m})`,
        );
      }
    }
  }
});

test('bpr is −log σ(s⁺ − s⁻), not 1 − σ', () => {
  assertNear(bpr(2, 0.5), -Math.log(sigmoid(1.5)), 'bpr', 1e-12);
  assert.ok(Math.abs(bpr(0, 0) - Math.LN2) < 1e-12);
  assert.ok(bpr(-40, 0) > 39, 'grows linearly for badly ordered pairs');
});

test('hinge is zero beyond the margin and linear inside it', () => {
  assert.equal(hinge(3, 1, 1), 0);
  assert.equal(hingeGrad(3, 1, 1), 0);
  assert.equal(hinge(1, 0.5, 1), 0.5);
  assert.equal(hingeGrad(1, 0.5, 1), -1);
});

test('adaptive hinge uses the highest-scoring negative and sends gradient only to it', () => {
  const negs = new Float64Array([0.1, 1.4, -0.3, 0.9]);
  assert.equal(adaptiveHinge(1, negs), hinge(1, 1.4));
  const g = new Float64Array(4).fill(7);
  const dPos = adaptiveHingeGrad(1, negs, g);
  assert.equal(dPos, -1);
  assert.deepEqual(Array.from(g), [0, 1, 0, 0]);
  for (let k = 0; k < 4; k++) {
    const f = (x: number): number => {
      const n = negs.slice();
      n[k] = x;
      return adaptiveHinge(1, n);
    };
    assertGradClose(g[k], centralDifference(f, negs[k]), `adaptive hinge d/ds⁻[${k}]`);
  }
  assertGradClose(
    dPos,
    centralDifference((x) => adaptiveHinge(x, negs), 1),
    'adaptive hinge d/ds⁺',
  );
});

test('warpWeight is the harmonic number of the estimated rank ⌊(N−1)/trials⌋', () => {
  assert.equal(warpWeight(100, 1000), 0);
  assertNear(warpWeight(11, 5), 1 + 1 / 2, 'rank 2', 1e-12);
  assertNear(warpWeight(5, 1), 1 + 1 / 2 + 1 / 3 + 1 / 4, 'rank 4', 1e-12);
  for (const rank of [64, 65, 100, 1681, 100000]) {
    let h = 0;
    for (let i = 1; i <= rank; i++) h += 1 / i;
    assertNear(warpWeight(rank + 1, 1), h, `rank ${rank}`, 1e-9);
  }
  assert.ok(warpWeight(1682, 1) > warpWeight(1682, 10), 'an easy-to-find violation (few trials) weighs more');
});

/** A value check (not a gradient): |actual − expected| ≤ tol · max(1, |actual|, |expected|). */
function assertNear(actual: number, expected: number, what: string, tol: number): void {
  assert.ok(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(actual), Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
}

test('logSumExp equals log Σ exp over the slice, and does not overflow', () => {
  const x = [9, 1, 2, 3, 9];
  assert.ok(Math.abs(logSumExp(x, 1, 3) - Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3))) < 1e-12);
  assert.ok(Math.abs(logSumExp([1000, 1000], 0, 2) - (1000 + Math.log(2))) < 1e-9);
  assert.equal(logSumExp([-Infinity, 0], 0, 2), 0);
});
