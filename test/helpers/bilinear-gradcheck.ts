import assert from 'node:assert/strict';

/** Central difference (f(x+h) − f(x−h)) / 2h. */
export function centralDifference(f: (x: number) => number, x: number, h = 1e-5): number {
  return (f(x + h) - f(x - h)) / (2 * h);
}

/** Assert |analytic − numeric| ≤ atol + rtol·max(|a|,|n|), with a message naming what was checked. */
export function assertGradClose(analytic: number, numeric: number, what: string, rtol = 1e-4, atol = 1e-6): void {
  const tol = atol + rtol * Math.max(Math.abs(analytic), Math.abs(numeric));
  assert.ok(Math.abs(analytic - numeric) <= tol, `${what}: analytic ${analytic} vs numeric ${numeric}`);
}

/**
 * Check dL/dx[i] for every i of a Float64Array parameter vector by perturbing it in place:
 * `loss()` reads x; `grad` holds the analytic gradient.
 */
export function checkVectorGradient(x: Float64Array | Float32Array, grad: ArrayLike<number>, loss: () => number, what: string, h = 1e-5, rtol = 1e-4, atol = 1e-6): void {
  for (let i = 0; i < x.length; i++) {
    const keep = x[i];
    x[i] = keep + h;
    const xUp = x[i];
    const up = loss();
    x[i] = keep - h;
    const xDown = x[i];
    const down = loss();
    x[i] = keep;
    // Divide by the step actually taken (float32 storage rounds x ± h).
    assertGradClose(grad[i], (up - down) / (xUp - xDown), `${what}[${i}]`, rtol, atol);
  }
}
