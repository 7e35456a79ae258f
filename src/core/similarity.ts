import { dot, norm, type Vec } from './kernels.ts';

/**
 * Similarities between two vectors with their gradients, for two-tower and triplet models.
 * Gradients are written (not accumulated) into ga/gb at their offsets, scaled by `upstream`
 * (dL/d similarity) so callers get dL/da and dL/db in one pass.
 */

/** a · b. */
export function dotSimilarity(a: Vec, ao: number, b: Vec, bo: number, n: number): number {
  let s = 0;
  for (let d = 0; d < n; d++) s += a[ao + d] * b[bo + d];
  return s;
}

/** d(a·b)/da = b, d(a·b)/db = a, each times `upstream`. */
export function dotSimilarityGrad(a: Vec, ao: number, b: Vec, bo: number, n: number, upstream: number, ga: Vec, gao: number, gb: Vec, gbo: number): void {
  for (let d = 0; d < n; d++) {
    const x = a[ao + d];
    const y = b[bo + d];
    ga[gao + d] = upstream * y;
    gb[gbo + d] = upstream * x;
  }
}

/** Guards the division for zero vectors (then cosine is 0 and its gradient finite). */
export const COSINE_EPS = 1e-8;

/**
 * Cosine from its parts: a·b / (‖a‖‖b‖ + shrinkage), 0 when that denominator is 0 (a zero
 * vector). The one definition of cosine: the dense functions here, the item vectors'
 * `similarItems` and the sparse neighbour tables (which accumulate a·b pair by pair) all end here.
 * `shrinkage` > 0 damps similarities that rest on little data (item-kNN's shrunk cosine).
 */
export function cosineFromDot(ab: number, normA: number, normB: number, shrinkage = 0): number {
  const denominator = normA * normB + shrinkage;
  return denominator > 0 ? ab / denominator : 0;
}

/**
 * out[r] = cos(row q, row r) for every row r of a row-major `rows × dim` table, e.g. one item's
 * vector against all items'. `norms` (length rows) receives ‖row r‖, computed once per row.
 */
export function cosineToRows(table: Vec, rows: number, dim: number, q: number, norms: Vec, out: Vec): void {
  for (let r = 0; r < rows; r++) norms[r] = norm(table, r * dim, dim);
  const qo = q * dim;
  for (let r = 0; r < rows; r++) out[r] = cosineFromDot(dot(table, qo, table, r * dim, dim), norms[q], norms[r]);
}

/** (a·b) / (‖a‖‖b‖), each norm guarded by COSINE_EPS so zero vectors have a finite gradient. */
export function cosineSimilarity(a: Vec, ao: number, b: Vec, bo: number, n: number): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let d = 0; d < n; d++) {
    const x = a[ao + d];
    const y = b[bo + d];
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return cosineFromDot(ab, Math.sqrt(aa) + COSINE_EPS, Math.sqrt(bb) + COSINE_EPS);
}

/**
 * With c = cos(a, b): dc/da = b/(‖a‖‖b‖) − c·a/‖a‖², dc/db = a/(‖a‖‖b‖) − c·b/‖b‖².
 * Returns c so callers need not compute it twice.
 */
export function cosineSimilarityGrad(a: Vec, ao: number, b: Vec, bo: number, n: number, upstream: number, ga: Vec, gao: number, gb: Vec, gbo: number): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let d = 0; d < n; d++) {
    const x = a[ao + d];
    const y = b[bo + d];
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  const na = Math.sqrt(aa) + COSINE_EPS;
  const nb = Math.sqrt(bb) + COSINE_EPS;
  const inv = 1 / (na * nb);
  const c = ab * inv;
  // d(‖a‖ + eps)/da = a/‖a‖, so the exact gradient of the eps-guarded value is c/(na·‖a‖)·a.
  const ka = c / (na * Math.max(Math.sqrt(aa), COSINE_EPS));
  const kb = c / (nb * Math.max(Math.sqrt(bb), COSINE_EPS));
  for (let d = 0; d < n; d++) {
    const x = a[ao + d];
    const y = b[bo + d];
    ga[gao + d] = upstream * (y * inv - ka * x);
    gb[gbo + d] = upstream * (x * inv - kb * y);
  }
  return c;
}
