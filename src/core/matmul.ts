/**
 * Batched matrix kernels for dense layers over row-major Float32Arrays:
 *   forward   Y  = X·W + b     (n × k · k × m)          `matmul`
 *   backward  dX = dY·Wᵀ        (n × m · (k × m)ᵀ)       `matmulTransB`
 *             dW = Xᵀ·dY        ((n × k)ᵀ · n × m)       `matmulTransA`
 *             db = Σ_rows dY                            `addColumnSums`
 *   scoring   S  = U·Vᵀ, V packed once (m ≫ n)          `matmulTransBWide`, `packTransB`
 *
 * Two implementations behind one call: a WebAssembly SIMD kernel (src/core/wasm-gemm.ts, f32x4,
 * 4 × 8 tiles; used when the runtime has WebAssembly SIMD and the product is big enough to pay
 * for copying operands into its memory), and plain JavaScript kernels (`…Js`) that compute
 * 4 × 4 output tiles with 16 accumulators held in locals (registers after V8's optimiser), so
 * one pass over the shared dimension reads 8 values for 32 multiply-adds instead of 2 for 2
 * in a naive triple loop; their edge tiles take a plain loop and they accumulate in float64.
 * Measured GFLOPS per core: bench/dense.ts. TASTEBUD_WASM=0 in the environment forces the
 * JavaScript kernels.
 */
import type { Vec } from './kernels.ts';
import { twoThreadKernel } from './gemm-threads.ts';
import { WasmGemm } from './wasm-gemm.ts';

export type Mat = Float32Array;

/**
 * Products smaller than this many multiply-adds, with fewer than 8 output columns (the SIMD
 * tile's width, so most of it would be padding) or a shared dimension under 8 (copying the
 * operands would cost more than the arithmetic), stay in JavaScript.
 */
const WASM_MIN_WORK = 8192;

function useSimd(n: number, k: number, m: number): WasmGemm | null {
  return m >= 8 && k >= 8 && n * k * m >= WASM_MIN_WORK ? simdKernel() : null;
}

/**
 * Whether `matmul` of any number of rows by a k × m weight runs on the SIMD kernel, whose rows are
 * computed independently of each other: then a row's result does not depend on which batch it was
 * in (the JavaScript kernel's edge rows sum in another order than its tiles).
 */
export function rowIndependentMatmul(k: number, m: number): boolean {
  return m >= 8 && k >= 8 && k * m >= WASM_MIN_WORK && simdKernel() !== null;
}

// The compiled kernel and its scratch memory: created on first use, one per thread.
let simd: WasmGemm | null | undefined;
// Threads the products may use (withGemmThreads); 1 outside it.
let gemmThreads = 1;

/**
 * The WebAssembly SIMD kernel, or null when unavailable or disabled (TASTEBUD_WASM=0). Inside
 * `withGemmThreads(2, …)` it is the two-thread kernel (src/core/gemm-threads.ts), when that can run.
 */
export function simdKernel(): WasmGemm | null {
  if (simd === undefined) {
    const env = typeof process !== 'undefined' ? process.env : {};
    simd = env.TASTEBUD_WASM === '0' ? null : WasmGemm.create();
  }
  if (gemmThreads >= 2 && simd !== null) return twoThreadKernel() ?? simd;
  return simd;
}

/**
 * Runs `fn` with every product in it over `threads` threads (two at most: this one and a helper),
 * bit for bit the one-thread result. For synchronous work made of large products (a VAE's training
 * step); Hogwild workers keep one thread each.
 */
export function withGemmThreads<T>(threads: number, fn: () => T): T {
  const before = gemmThreads;
  gemmThreads = threads;
  try {
    return fn();
  } finally {
    gemmThreads = before;
  }
}

/**
 * Y (n × m) = X (n × k) · W (k × m) [+ bias (m) on every row] [+ Y when `accumulate`].
 * `wOffset` reads W from a row block of a larger matrix (e.g. one input's rows of a layer).
 */
export function matmul(x: Mat, w: Mat, bias: Mat | null, y: Mat, n: number, k: number, m: number, accumulate = false, wOffset = 0): void {
  if (m === 1) return matVecRows(x, w, wOffset, bias === null ? 0 : bias[0], y, n, k, accumulate);
  const kernel = useSimd(n, k, m);
  if (kernel) kernel.matmul(x, w, bias, y, n, k, m, accumulate, wOffset);
  else matmulJs(x, w, bias, y, n, k, m, accumulate, wOffset);
}

/**
 * Y = max(X·W + b, 0): a ReLU layer's forward pass with bias and activation fused into the SIMD
 * product (no separate passes over Y), else `matmul` then a ReLU pass.
 */
export function matmulBiasRelu(x: Mat, w: Mat, bias: Mat | null, y: Mat, n: number, k: number, m: number): void {
  const kernel = m === 1 ? null : useSimd(n, k, m);
  if (kernel) return kernel.matmul(x, w, bias, y, n, k, m, false, 0, true);
  matmul(x, w, bias, y, n, k, m);
  const size = n * m;
  for (let i = 0; i < size; i++) if (y[i] < 0) y[i] = 0;
}

/**
 * Y = max(Y + X·W[wOffset ..], 0) (or without the max when `relu` is false): a product added to
 * rows the caller started (a layer's shared part and bias), the ReLU fused as in `matmulBiasRelu`.
 */
export function matmulAddRelu(x: Mat, w: Mat, y: Mat, n: number, k: number, m: number, wOffset: number, relu: boolean): void {
  const kernel = m === 1 ? null : useSimd(n, k, m);
  if (kernel) return kernel.matmul(x, w, null, y, n, k, m, true, wOffset, relu);
  matmul(x, w, null, y, n, k, m, true, wOffset);
  if (relu) for (let i = 0; i < n * m; i++) if (y[i] < 0) y[i] = 0;
}

/** C (n × m) = A (n × k) · Bᵀ with B stored m × k [+ C]: dX = dY·Wᵀ. */
export function matmulTransB(a: Mat, b: Mat, c: Mat, n: number, k: number, m: number, accumulate = false): void {
  if (k === 1) return outerProduct(a, b, c, n, m, accumulate);
  const kernel = useSimd(n, k, m);
  if (kernel) kernel.matmulTransB(a, b, c, n, k, m, accumulate);
  else matmulTransBJs(a, b, c, n, k, m, accumulate);
}

/**
 * Bytes of one panel of a `PackedTransB`: a panel this size stays in a core's L2 cache while
 * every row of A passes over it.
 */
const PANEL_BYTES = 128 * 1024;

/**
 * B (m × k, row-major) repacked for `matmulTransBWide`: Bᵀ cut into panels of `width`
 * columns (the last may be narrower), each stored contiguously as k × width, so the kernel
 * reads a panel as it is, with no transpose per call. The same size as B.
 */
export interface PackedTransB {
  readonly data: Float32Array;
  /** Rows of B (columns of the product). */
  readonly rows: number;
  /** The shared dimension. */
  readonly k: number;
  /** Columns per panel: a multiple of 8 (the SIMD tile's width). */
  readonly width: number;
}

/** Packs B (m × k, row-major) for `matmulTransBWide`: O(m·k), once per B. */
export function packTransB(b: Mat, m: number, k: number): PackedTransB {
  const width = Math.max(8, Math.floor(PANEL_BYTES / (4 * Math.max(1, k)) / 8) * 8);
  const data = new Float32Array(m * k);
  for (let j0 = 0; j0 < m; j0 += width) {
    const w = Math.min(width, m - j0);
    const base = j0 * k;
    for (let j = 0; j < w; j++) {
      const row = (j0 + j) * k;
      for (let p = 0; p < k; p++) data[base + p * w + j] = b[row + p];
    }
  }
  return { data, rows: m, k, width };
}

// One panel's product in matmulTransBWide (one per thread, like the module).
let panelScratch = new Float32Array(0);

/**
 * C (n × m) = A (n × k) · Bᵀ with B packed by `packTransB`, for products far wider than tall:
 * a block of users' vectors against a whole item table (`scoreUsers`). B's panels (~128 KB)
 * stay in cache while every row of A passes over them — `matmulTransB` over all of a 50 K × 64
 * B streams it from memory once per 4 rows of A, and transposes it on every call, at about a
 * third of the speed. Biases go in as extra columns rather than a pass over C: rows
 * [u, 1, b_u] against rows [v, b_i, 1] give u·v + b_i + b_u. Uses the WebAssembly SIMD kernel
 * when available (float32 accumulation), else `matmulJs`.
 */
export function matmulTransBWide(a: Mat, b: PackedTransB, c: Mat, n: number): void {
  const { k, rows: m, width, data } = b;
  if (m <= width) {
    matmul(a, data, null, c, n, k, m);
    return;
  }
  if (panelScratch.length < n * width) panelScratch = new Float32Array(n * width);
  const t = panelScratch;
  for (let j0 = 0; j0 < m; j0 += width) {
    const w = Math.min(width, m - j0);
    matmul(a, data, null, t, n, k, w, false, j0 * k);
    for (let i = 0; i < n; i++) c.set(t.subarray(i * w, (i + 1) * w), i * m + j0);
  }
}

/** C (k × m) = Aᵀ · B with A stored n × k, B stored n × m [+ C]: dW = Xᵀ·dY. */
export function matmulTransA(a: Mat, b: Mat, c: Mat, n: number, k: number, m: number, accumulate = false): void {
  if (m === 1) return weightedRowSum(a, b, c, n, k, accumulate);
  const kernel = useSimd(n, k, m);
  if (kernel) kernel.matmulTransA(a, b, c, n, k, m, accumulate);
  else matmulTransAJs(a, b, c, n, k, m, accumulate);
}

// A single output column (a score layer: 32 → 1) is a matrix-vector product; the tiled kernels
// would spend most of their work on padding (SIMD) or fall to their scalar edge loops (JS).

/** y[i] (+)= bias + Σ_p x[i·k + p] · w[wOffset + p] for i < n: Y = X·w for one output column. */
function matVecRows(x: Mat, w: Mat, wOffset: number, bias: number, y: Mat, n: number, k: number, accumulate: boolean): void {
  for (let i = 0; i < n; i++) {
    const o = i * k;
    let s0 = 0,
      s1 = 0,
      s2 = 0,
      s3 = 0;
    let p = 0;
    for (; p + 4 <= k; p += 4) {
      s0 += x[o + p] * w[wOffset + p];
      s1 += x[o + p + 1] * w[wOffset + p + 1];
      s2 += x[o + p + 2] * w[wOffset + p + 2];
      s3 += x[o + p + 3] * w[wOffset + p + 3];
    }
    for (; p < k; p++) s0 += x[o + p] * w[wOffset + p];
    const s = bias + (s0 + s1 + (s2 + s3));
    y[i] = accumulate ? y[i] + s : s;
  }
}

/** c[i·m + j] (+)= a[i] · b[j]: dX = dY·Wᵀ when the layer has one output. */
function outerProduct(a: Mat, b: Mat, c: Mat, n: number, m: number, accumulate: boolean): void {
  for (let i = 0; i < n; i++) {
    const v = a[i];
    const o = i * m;
    if (accumulate) for (let j = 0; j < m; j++) c[o + j] += v * b[j];
    else for (let j = 0; j < m; j++) c[o + j] = v * b[j];
  }
}

/** c[p] (+)= Σ_r a[r·k + p] · b[r]: dW = Xᵀ·dY when the layer has one output. */
function weightedRowSum(a: Mat, b: Mat, c: Mat, n: number, k: number, accumulate: boolean): void {
  if (!accumulate) c.fill(0, 0, k);
  for (let r = 0; r < n; r++) {
    const v = b[r];
    if (v === 0) continue;
    const o = r * k;
    for (let p = 0; p < k; p++) c[p] += v * a[o + p];
  }
}

/** JavaScript kernel of `matmul` (4 × 4 register tiles). */
export function matmulJs(x: Mat, w: Mat, bias: Mat | null, y: Mat, n: number, k: number, m: number, accumulate = false, wOffset = 0): void {
  const n4 = n - (n % 4);
  const m4 = m - (m % 4);
  for (let i = 0; i < n4; i += 4) {
    const x0 = i * k;
    const x1 = x0 + k;
    const x2 = x1 + k;
    const x3 = x2 + k;
    for (let j = 0; j < m4; j += 4) {
      let c00 = 0,
        c01 = 0,
        c02 = 0,
        c03 = 0,
        c10 = 0,
        c11 = 0,
        c12 = 0,
        c13 = 0;
      let c20 = 0,
        c21 = 0,
        c22 = 0,
        c23 = 0,
        c30 = 0,
        c31 = 0,
        c32 = 0,
        c33 = 0;
      for (let p = 0, wi = wOffset + j; p < k; p++, wi += m) {
        const b0 = w[wi],
          b1 = w[wi + 1],
          b2 = w[wi + 2],
          b3 = w[wi + 3];
        let a = x[x0 + p];
        c00 += a * b0;
        c01 += a * b1;
        c02 += a * b2;
        c03 += a * b3;
        a = x[x1 + p];
        c10 += a * b0;
        c11 += a * b1;
        c12 += a * b2;
        c13 += a * b3;
        a = x[x2 + p];
        c20 += a * b0;
        c21 += a * b1;
        c22 += a * b2;
        c23 += a * b3;
        a = x[x3 + p];
        c30 += a * b0;
        c31 += a * b1;
        c32 += a * b2;
        c33 += a * b3;
      }
      if (bias !== null) {
        const e0 = bias[j],
          e1 = bias[j + 1],
          e2 = bias[j + 2],
          e3 = bias[j + 3];
        c00 += e0;
        c01 += e1;
        c02 += e2;
        c03 += e3;
        c10 += e0;
        c11 += e1;
        c12 += e2;
        c13 += e3;
        c20 += e0;
        c21 += e1;
        c22 += e2;
        c23 += e3;
        c30 += e0;
        c31 += e1;
        c32 += e2;
        c33 += e3;
      }
      storeTile(y, i * m + j, m, accumulate, c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33);
    }
  }
  // Edges: the last m % 4 columns of the full row blocks, then the last n % 4 rows.
  if (m4 < m) matmulEdge(x, w, bias, y, 0, n4, m4, m, k, m, accumulate, wOffset);
  if (n4 < n) matmulEdge(x, w, bias, y, n4, n, 0, m, k, m, accumulate, wOffset);
}

function matmulEdge(x: Mat, w: Mat, bias: Mat | null, y: Mat, i0: number, i1: number, j0: number, j1: number, k: number, m: number, accumulate: boolean, wOffset: number): void {
  for (let i = i0; i < i1; i++) {
    for (let j = j0; j < j1; j++) {
      let s = bias === null ? 0 : bias[j];
      for (let p = 0; p < k; p++) s += x[i * k + p] * w[wOffset + p * m + j];
      y[i * m + j] = accumulate ? y[i * m + j] + s : s;
    }
  }
}

/**
 * C (n × m) = A (n × k) · Bᵀ, with B stored m × k, [+ C when `accumulate`]. Both operands are
 * read along contiguous rows: this is dX = dY·Wᵀ with A = dY (n × out) and B = W (in × out).
 */
export function matmulTransBJs(a: Mat, b: Mat, c: Mat, n: number, k: number, m: number, accumulate = false): void {
  const n4 = n - (n % 4);
  const m4 = m - (m % 4);
  const t = tile;
  for (let i = 0; i < n4; i += 4) {
    for (let j = 0; j < m4; j += 4) {
      dots4x4(a, i, b, j, k, 0, k, t);
      storeTile(c, i * m + j, m, accumulate, t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9], t[10], t[11], t[12], t[13], t[14], t[15]);
    }
  }
  if (m4 < m) transBEdge(a, b, c, 0, n4, m4, m, k, m, accumulate);
  if (n4 < n) transBEdge(a, b, c, n4, n, 0, m, k, m, accumulate);
}

// The 4 × 4 tile of matmulTransBJs (one per thread, like the module).
const tile = new Float64Array(16);

/**
 * The register-tile micro-kernel: out[4r + c] = Σ_{k0 ≤ k < k1} a[(ar + r)·ld + k] · b[(br + c)·ld + k]
 * for r, c < 4 — sixteen dot products of contiguous row segments held in locals, so one pass
 * reads 8 values for 16 multiply-adds against 2 per multiply-add in a textbook loop. Shared by
 * `matmulTransBJs` (float32 operands) and the float64 Cholesky/inverse of the closed-form
 * baselines (src/models/baselines/dense.ts); it accumulates in float64 either way.
 */
export function dots4x4(a: Vec, ar: number, b: Vec, br: number, ld: number, k0: number, k1: number, out: Float64Array): void {
  const a0 = ar * ld,
    a1 = a0 + ld,
    a2 = a1 + ld,
    a3 = a2 + ld;
  const b0 = br * ld,
    b1 = b0 + ld,
    b2 = b1 + ld,
    b3 = b2 + ld;
  let s00 = 0,
    s01 = 0,
    s02 = 0,
    s03 = 0,
    s10 = 0,
    s11 = 0,
    s12 = 0,
    s13 = 0;
  let s20 = 0,
    s21 = 0,
    s22 = 0,
    s23 = 0,
    s30 = 0,
    s31 = 0,
    s32 = 0,
    s33 = 0;
  for (let k = k0; k < k1; k++) {
    const y0 = b[b0 + k],
      y1 = b[b1 + k],
      y2 = b[b2 + k],
      y3 = b[b3 + k];
    let x = a[a0 + k];
    s00 += x * y0;
    s01 += x * y1;
    s02 += x * y2;
    s03 += x * y3;
    x = a[a1 + k];
    s10 += x * y0;
    s11 += x * y1;
    s12 += x * y2;
    s13 += x * y3;
    x = a[a2 + k];
    s20 += x * y0;
    s21 += x * y1;
    s22 += x * y2;
    s23 += x * y3;
    x = a[a3 + k];
    s30 += x * y0;
    s31 += x * y1;
    s32 += x * y2;
    s33 += x * y3;
  }
  out[0] = s00;
  out[1] = s01;
  out[2] = s02;
  out[3] = s03;
  out[4] = s10;
  out[5] = s11;
  out[6] = s12;
  out[7] = s13;
  out[8] = s20;
  out[9] = s21;
  out[10] = s22;
  out[11] = s23;
  out[12] = s30;
  out[13] = s31;
  out[14] = s32;
  out[15] = s33;
}

function transBEdge(a: Mat, b: Mat, c: Mat, i0: number, i1: number, j0: number, j1: number, k: number, m: number, accumulate: boolean): void {
  for (let i = i0; i < i1; i++) {
    for (let j = j0; j < j1; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p] * b[j * k + p];
      c[i * m + j] = accumulate ? c[i * m + j] + s : s;
    }
  }
}

/**
 * C (k × m) = Aᵀ · B with A stored n × k and B stored n × m, [+ C when `accumulate`]: the
 * weight gradient dW = Xᵀ·dY summed over a batch of n rows. Tiles run over the batch with
 * 4 contiguous values of each operand per row.
 */
export function matmulTransAJs(a: Mat, b: Mat, c: Mat, n: number, k: number, m: number, accumulate = false): void {
  const k4 = k - (k % 4);
  const m4 = m - (m % 4);
  for (let i = 0; i < k4; i += 4) {
    for (let j = 0; j < m4; j += 4) {
      let c00 = 0,
        c01 = 0,
        c02 = 0,
        c03 = 0,
        c10 = 0,
        c11 = 0,
        c12 = 0,
        c13 = 0;
      let c20 = 0,
        c21 = 0,
        c22 = 0,
        c23 = 0,
        c30 = 0,
        c31 = 0,
        c32 = 0,
        c33 = 0;
      for (let r = 0, ai = i, bi = j; r < n; r++, ai += k, bi += m) {
        const v0 = b[bi],
          v1 = b[bi + 1],
          v2 = b[bi + 2],
          v3 = b[bi + 3];
        let u = a[ai];
        c00 += u * v0;
        c01 += u * v1;
        c02 += u * v2;
        c03 += u * v3;
        u = a[ai + 1];
        c10 += u * v0;
        c11 += u * v1;
        c12 += u * v2;
        c13 += u * v3;
        u = a[ai + 2];
        c20 += u * v0;
        c21 += u * v1;
        c22 += u * v2;
        c23 += u * v3;
        u = a[ai + 3];
        c30 += u * v0;
        c31 += u * v1;
        c32 += u * v2;
        c33 += u * v3;
      }
      storeTile(c, i * m + j, m, accumulate, c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33);
    }
  }
  if (m4 < m) transAEdge(a, b, c, 0, k4, m4, m, n, k, m, accumulate);
  if (k4 < k) transAEdge(a, b, c, k4, k, 0, m, n, k, m, accumulate);
}

function transAEdge(a: Mat, b: Mat, c: Mat, i0: number, i1: number, j0: number, j1: number, n: number, k: number, m: number, accumulate: boolean): void {
  for (let i = i0; i < i1; i++) {
    for (let j = j0; j < j1; j++) {
      let s = 0;
      for (let r = 0; r < n; r++) s += a[r * k + i] * b[r * m + j];
      c[i * m + j] = accumulate ? c[i * m + j] + s : s;
    }
  }
}

/** out[j] (+)= Σ_r a[r·m + j]: the bias gradient db = Σ_rows dY. */
export function addColumnSums(a: Mat, n: number, m: number, out: Mat, accumulate = false): void {
  if (!accumulate) out.fill(0, 0, m);
  for (let r = 0; r < n; r++) {
    const base = r * m;
    for (let j = 0; j < m; j++) out[j] += a[base + j];
  }
}

/**
 * A ReLU layer's backward in one pass: g[i] = 0 where the layer's output y[i] ≤ 0 (g = dL/dy in
 * place becomes dL/dz), and db[j] = Σ_r g[r·m + j], the bias gradient, from the masked values.
 * The same numbers as `activateBackward('relu', …)` then `addColumnSums`, one pass instead of two.
 */
export function reluBackwardColumnSums(y: Mat, g: Mat, n: number, m: number, db: Mat): void {
  db.fill(0, 0, m);
  for (let r = 0; r < n; r++) {
    const base = r * m;
    for (let j = 0; j < m; j++) {
      const i = base + j;
      if (y[i] > 0) db[j] += g[i];
      else g[i] = 0;
    }
  }
}

function storeTile(
  y: Mat,
  o: number,
  m: number,
  accumulate: boolean,
  c00: number,
  c01: number,
  c02: number,
  c03: number,
  c10: number,
  c11: number,
  c12: number,
  c13: number,
  c20: number,
  c21: number,
  c22: number,
  c23: number,
  c30: number,
  c31: number,
  c32: number,
  c33: number,
): void {
  if (accumulate) {
    y[o] += c00;
    y[o + 1] += c01;
    y[o + 2] += c02;
    y[o + 3] += c03;
    o += m;
    y[o] += c10;
    y[o + 1] += c11;
    y[o + 2] += c12;
    y[o + 3] += c13;
    o += m;
    y[o] += c20;
    y[o + 1] += c21;
    y[o + 2] += c22;
    y[o + 3] += c23;
    o += m;
    y[o] += c30;
    y[o + 1] += c31;
    y[o + 2] += c32;
    y[o + 3] += c33;
  } else {
    y[o] = c00;
    y[o + 1] = c01;
    y[o + 2] = c02;
    y[o + 3] = c03;
    o += m;
    y[o] = c10;
    y[o + 1] = c11;
    y[o + 2] = c12;
    y[o + 3] = c13;
    o += m;
    y[o] = c20;
    y[o + 1] = c21;
    y[o + 2] = c22;
    y[o + 3] = c23;
    o += m;
    y[o] = c30;
    y[o + 1] = c31;
    y[o + 2] = c32;
    y[o + 3] = c33;
  }
}

/** Reference Y = X·W (+ bias) by the textbook triple loop: for tests and the benchmark's baseline. */
export function matmulNaive(x: Mat, w: Mat, bias: Mat | null, y: Mat, n: number, k: number, m: number): void {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let s = bias === null ? 0 : bias[j];
      for (let p = 0; p < k; p++) s += x[i * k + p] * w[p * m + j];
      y[i * m + j] = s;
    }
  }
}
