import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACTIVATIONS, activate, activateBackward, activateScalar, checkActivation } from '../../src/core/activations.ts';
import { ConfigError } from '../../src/contracts/errors.ts';
import { assertGradClose } from '../helpers/gradcheck.ts';

const POINTS = [-3, -0.7, -0.1, 0.2, 0.9, 2.5];

test('each activation applies f elementwise in place', () => {
  for (const kind of ACTIVATIONS) {
    const x = Float32Array.from(POINTS);
    activate(kind, x, x.length);
    POINTS.forEach((v, i) => assert.ok(Math.abs(x[i] - activateScalar(kind, v)) < 1e-6, `${kind}(${v})`));
  }
  assert.equal(activateScalar('relu', -2), 0);
  assert.equal(activateScalar('relu', 2), 2);
  assert.ok(Math.abs(activateScalar('sigmoid', 0) - 0.5) < 1e-12);
});

test("each activation's backward (from its outputs) matches a finite difference", () => {
  for (const kind of ACTIVATIONS) {
    const y = Float32Array.from(POINTS);
    activate(kind, y, y.length);
    const dy = Float32Array.from(POINTS, (_, i) => 0.5 + i);
    const dx = new Float32Array(POINTS.length);
    activateBackward(kind, y, dy, dx, POINTS.length);
    POINTS.forEach((v, i) => {
      const h = 1e-4;
      const numeric = ((activateScalar(kind, v + h) - activateScalar(kind, v - h)) / (2 * h)) * dy[i];
      assertGradClose(dx[i], numeric, `${kind}'(${v})`);
    });
  }
});

test('sigmoid stays finite and saturates for large inputs', () => {
  const x = Float32Array.from([-1000, 1000]);
  activate('sigmoid', x, 2);
  assert.deepEqual([...x], [0, 1]);
});

test('an unknown activation name is a ConfigError naming the choices', () => {
  assert.throws(
    () => checkActivation('gelu'),
    (e: unknown) => e instanceof ConfigError && /relu, sigmoid, tanh, identity/.test(e.message),
  );
  assert.equal(checkActivation('tanh'), 'tanh');
});
