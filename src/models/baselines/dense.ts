/**
 * Dense symmetric positive-definite linear algebra in float64 for the closed-form baselines:
 * the Gram matrix XᵀX of a sparse matrix, Cholesky factorisation and the SPD inverse EASE needs
 * (an items × items matrix, so this is the one O(n³) step in the library), plus a small
 * unblocked Cholesky solve for iALS's per-row systems.
 *
 * The inverse is G⁻¹ = V·Vᵀ with G = L·Lᵀ and V = (Lᵀ)⁻¹. All three O(n³) phases — Cholesky,
 * V, and V·Vᵀ — are written so their inner loops are dot products of two contiguous row
 * segments, computed 4 rows × 4 rows at a time by the micro-kernel the dense layers' matmul
 * uses (`dots4x4` in src/core/matmul.ts, accumulating in float64). Matrices are padded to a
 * multiple of 4 with an identity block, which leaves the inverse's leading block unchanged.
 */
import { ConfigError } from '../../contracts/errors.ts';
import type { Csr } from '../../data/interactions.ts';
import { dots4x4 } from '../../core/matmul.ts';

/** Smallest pivot, relative to the diagonal entry it started from, that counts as positive. */
const PIVOT_TOLERANCE = 1e-12;

/** G = XᵀX (cols × cols, row-major, float64) for X given as CSR rows, plus `ridge` on the diagonal. */
export function gram(x: Csr, ridge = 0, size = x.cols): Float64Array {
  const n = size;
  const g = new Float64Array(n * n);
  const { indptr, indices, values } = x;
  for (let r = 0; r < x.rows; r++) {
    const end = indptr[r + 1];
    for (let p = indptr[r]; p < end; p++) {
      const i = indices[p];
      const vi = values[p];
      const base = i * n;
      for (let q = indptr[r]; q <= p; q++) g[base + indices[q]] += vi * values[q];
    }
  }
  // Rows are sorted, so only entries with column ≤ row were filled (duplicates aside): mirror them.
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const s = g[i * n + j] + g[j * n + i];
      g[i * n + j] = s;
      g[j * n + i] = s;
    }
    g[i * n + i] += ridge;
  }
  return g;
}

/**
 * The lower triangle (diagonal included) of XᵀX + ridge·I into `out` (float32, row stride `ld`),
 * which must be zero there. Sparse: O(Σ_u nnz_u²), far below a dense GEMM's users × cols² when
 * users touch few items; exact in float32 for binary X below 2²⁴ users.
 */
export function gramLowerF32(x: Csr, out: Float32Array, ld: number, ridge = 0): void {
  const { indptr, indices, values } = x;
  for (let r = 0; r < x.rows; r++) {
    const start = indptr[r];
    const end = indptr[r + 1];
    for (let p = start; p < end; p++) {
      const i = indices[p];
      const vi = values[p];
      const base = i * ld;
      // Rows are sorted, so q ≤ p gives columns ≤ i.
      for (let q = start; q <= p; q++) out[base + indices[q]] += vi * values[q];
    }
  }
  for (let i = 0; i < x.cols; i++) out[i * ld + i] += ridge;
}

/** Inverse of the symmetric positive-definite n × n matrix `a` (row-major; `a` is not changed). */
export function invertSpd(a: Float64Array, n: number): Float64Array {
  if (a.length !== n * n) throw new RangeError(`matrix has ${a.length} entries, expected ${n}×${n}`);
  const m = (n + 3) & ~3;
  const l = new Float64Array(m * m);
  for (let i = 0; i < n; i++) l.set(a.subarray(i * n, i * n + i + 1), i * m);
  for (let i = n; i < m; i++) l[i * m + i] = 1;
  choleskyBlocked(l, m);
  const v = upperInverseOfTranspose(l, m);
  const p = l; // L is no longer needed: V·Vᵀ goes into its storage.
  gramOfRows(v, m, p);
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) out.set(p.subarray(i * m, i * m + n), i * n);
  return out;
}

/**
 * In-place lower Cholesky factor of an m × m matrix (m a multiple of 4), reading only the lower
 * triangle. Crout order by 4-column panels: each panel is first updated by all columns to its
 * left (the 4×4 dot kernel), then factored.
 */
export function choleskyBlocked(a: Float64Array, m: number): void {
  if (m % 4 !== 0) throw new RangeError(`blocked Cholesky needs a multiple of 4, got ${m}`);
  const s = new Float64Array(16);
  const diagonal = new Float64Array(m);
  for (let j = 0; j < m; j++) diagonal[j] = a[j * m + j];
  for (let jb = 0; jb < m; jb += 4) {
    if (jb > 0) {
      for (let ib = jb; ib < m; ib += 4) {
        dots4x4(a, ib, a, jb, m, 0, jb, s);
        for (let r = 0; r < 4; r++) {
          const row = (ib + r) * m + jb;
          for (let c = 0; c < 4; c++) a[row + c] -= s[4 * r + c];
        }
      }
    }
    for (let c = 0; c < 4; c++) {
      const j = jb + c;
      const jr = j * m;
      let d = a[jr + j];
      for (let k = jb; k < j; k++) d -= a[jr + k] * a[jr + k];
      // A pivot lost to rounding (relative to its starting value) means a singular matrix.
      if (!(d > diagonal[j] * PIVOT_TOLERANCE)) throw new ConfigError(`matrix is not positive definite (pivot ${j} is ${d}); increase the regularisation`);
      const ljj = Math.sqrt(d);
      a[jr + j] = ljj;
      for (let i = j + 1; i < m; i++) {
        const ir = i * m;
        let t = a[ir + j];
        for (let k = jb; k < j; k++) t -= a[ir + k] * a[jr + k];
        a[ir + j] = t / ljj;
      }
    }
  }
  for (let i = 0; i < m; i++) a.fill(0, i * m + i + 1, (i + 1) * m);
}

/**
 * V = (Lᵀ)⁻¹ (upper triangular) from lower L. From V·Lᵀ = I:
 * V[i][j] = (δij − Σ_{i≤k<j} V[i][k]·L[j][k]) / L[j][j] — row i of V against row j of L.
 */
function upperInverseOfTranspose(l: Float64Array, m: number): Float64Array {
  const v = new Float64Array(m * m);
  const s = new Float64Array(16);
  for (let ib = 0; ib < m; ib += 4) {
    for (let jb = ib; jb < m; jb += 4) {
      if (jb > ib) dots4x4(v, ib, l, jb, m, ib, jb, s);
      else s.fill(0);
      for (let c = 0; c < 4; c++) {
        const j = jb + c;
        const jr = j * m;
        const ljj = l[jr + j];
        for (let r = 0; r < 4; r++) {
          const i = ib + r;
          const ir = i * m;
          let t = (i === j ? 1 : 0) - s[4 * r + c];
          for (let k = jb; k < j; k++) t -= v[ir + k] * l[jr + k];
          v[ir + j] = t / ljj;
        }
      }
    }
  }
  return v;
}

/** out = V·Vᵀ for upper-triangular V (m × m): out[i][j] = Σ_{k ≥ max(i,j)} V[i][k]·V[j][k]. */
function gramOfRows(v: Float64Array, m: number, out: Float64Array): void {
  const s = new Float64Array(16);
  for (let ib = 0; ib < m; ib += 4) {
    for (let jb = 0; jb <= ib; jb += 4) {
      dots4x4(v, ib, v, jb, m, ib, m, s);
      for (let r = 0; r < 4; r++) {
        for (let c = 0; c < 4; c++) {
          out[(ib + r) * m + jb + c] = s[4 * r + c];
          out[(jb + c) * m + ib + r] = s[4 * r + c];
        }
      }
    }
  }
}

/**
 * Solves A·x = b in place for a small SPD n × n matrix (row-major, overwritten by its Cholesky
 * factor; b overwritten by x). Returns false when A is not positive definite. No allocation.
 */
export function choleskySolve(a: Float64Array, n: number, b: Float64Array): boolean {
  for (let j = 0; j < n; j++) {
    const jr = j * n;
    let d = a[jr + j];
    const start = d;
    for (let k = 0; k < j; k++) d -= a[jr + k] * a[jr + k];
    if (!(d > start * PIVOT_TOLERANCE)) return false;
    const ljj = Math.sqrt(d);
    a[jr + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      const ir = i * n;
      let t = a[ir + j];
      for (let k = 0; k < j; k++) t -= a[ir + k] * a[jr + k];
      a[ir + j] = t / ljj;
    }
  }
  // L·y = b, then Lᵀ·x = y.
  for (let i = 0; i < n; i++) {
    let t = b[i];
    for (let k = 0; k < i; k++) t -= a[i * n + k] * b[k];
    b[i] = t / a[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let t = b[i];
    for (let k = i + 1; k < n; k++) t -= a[k * n + i] * b[k];
    b[i] = t / a[i * n + i];
  }
  return true;
}
