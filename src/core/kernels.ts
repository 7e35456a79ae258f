/**
 * Vector kernels over typed arrays with explicit offsets: hot loops pass (array, offset) pairs
 * instead of `subarray` views, which would allocate an object per call. Plain indexed loops
 * are what V8 compiles best; accumulation is in float64 (JS numbers) either way.
 */

export type Vec = Float32Array | Float64Array;

/** Σ a[ao+d] · b[bo+d] for d < n. */
export function dot(a: Vec, ao: number, b: Vec, bo: number, n: number): number {
  let s = 0;
  for (let d = 0; d < n; d++) s += a[ao + d] * b[bo + d];
  return s;
}

/** y[yo+d] += alpha · x[xo+d]. */
export function axpy(alpha: number, x: Vec, xo: number, y: Vec, yo: number, n: number): void {
  for (let d = 0; d < n; d++) y[yo + d] += alpha * x[xo + d];
}

/** x[xo+d] *= alpha. */
export function scale(alpha: number, x: Vec, xo: number, n: number): void {
  for (let d = 0; d < n; d++) x[xo + d] *= alpha;
}

/** Euclidean norm of x[xo .. xo+n). */
export function norm(x: Vec, xo: number, n: number): number {
  let s = 0;
  for (let d = 0; d < n; d++) s += x[xo + d] * x[xo + d];
  return Math.sqrt(s);
}

/** x[xo .. xo+n) = value. */
export function fill(x: Vec, xo: number, n: number, value: number): void {
  for (let d = 0; d < n; d++) x[xo + d] = value;
}

/** y[yo+d] = x[xo+d]. */
export function copy(x: Vec, xo: number, y: Vec, yo: number, n: number): void {
  for (let d = 0; d < n; d++) y[yo + d] = x[xo + d];
}

/**
 * out[r] = bias[r] + Σ_d q[vo + d] · table[r·dim + d] for every row r: scores a query vector
 * against a whole table (all items for one user). `bias` may be null.
 */
export function matVec(table: Vec, rows: number, dim: number, q: Vec, vo: number, bias: Vec | null, out: Vec): void {
  for (let r = 0; r < rows; r++) {
    const base = r * dim;
    let s = bias === null ? 0 : bias[r];
    for (let d = 0; d < dim; d++) s += table[base + d] * q[vo + d];
    out[r] = s;
  }
}
