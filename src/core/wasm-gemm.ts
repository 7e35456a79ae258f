/**
 * A WebAssembly SIMD matrix kernel for the dense layers: C (+)= A·B on 4 × 8 tiles with f32x4
 * vectors (8 vector accumulators; per step 2 vector loads of B, 4 broadcasts of A, 16 vector
 * multiply-adds = 64 flops). JavaScript has no SIMD, and its numbers are doubles, so this is
 * how the dense kernels get past ~3 GFLOPS per core. The module is assembled here from bytes
 * (no toolchain, no binary file) and runs in Node ≥ 16.4 and current browsers; where
 * WebAssembly SIMD is missing `WasmGemm.create()` returns null and src/core/matmul.ts keeps
 * its JavaScript kernels.
 *
 * Operands are copied into the module's memory padded to whole tiles (rows to 4, columns to
 * 8, zeros outside), which costs O(n·k + k·m + n·m) against the O(n·k·m) product.
 * Accumulation is in float32 (the JavaScript kernels accumulate in float64).
 */
import {
  ADD,
  block,
  br,
  brIf,
  EQZ,
  F32,
  F32X4_ADD,
  F32X4_MUL,
  GE_S,
  get,
  I32,
  i32,
  i32Load,
  ifThen,
  loop,
  MODULE_HEADER,
  MUL,
  name,
  section,
  set,
  SHL,
  simd,
  SUB,
  tee,
  uleb,
  V128,
  v128Load,
  v128Load32Splat,
  v128Store,
  v128Zero,
} from './wasm-encode.ts';

/** The kernel's signature: gemm(a, b, c, rows, inner, cols, aRowStride, aInnerStride, ldb, ldc, accumulate). */
export type GemmFn = (a: number, b: number, c: number, n: number, k: number, m: number, sai: number, sap: number, ldb: number, ldc: number, acc: number) => void;

/** The slice of the WebAssembly JS API used here (the compiler's ES2022 lib does not declare it). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
}

export class WasmGemm {
  private readonly memory: WasmMemory;
  private readonly fn: GemmFn;
  private f32: Float32Array;

  /** relu(ptr, count): max(x, 0) in place over `count` floats (a multiple of 4) at byte `ptr`. */
  private readonly reluFn: ((ptr: number, count: number) => void) | null;
  /** addRowRelu(ptr, rowPtr, count, cols): max(x + row, 0) in place, rows of `cols` (a multiple of 4). */
  private readonly addRowReluFn: ((ptr: number, rowPtr: number, count: number, cols: number) => void) | null;

  /** The layer passes (layerModule): a ReLU mask with bias column sums, per-run row sums, per-run row starts. */
  private readonly maskFn: ((g: number, y: number, db: number, n: number, m: number) => void) | null;
  private readonly runSumsFn: ((dy: number, start: number, runs: number, m: number, out: number) => void) | null;
  private readonly expandRunsFn: ((u: number, bias: number, start: number, runs: number, m: number, y: number) => void) | null;
  private readonly adamFn: ((w: number, m: number, v: number, g: number, count: number, ...f32: number[]) => void) | null;
  private i32: Int32Array;

  private constructor(memory: WasmMemory, fn: GemmFn, relu: Record<string, unknown> | null = null, layer: Record<string, unknown> | null = null) {
    this.memory = memory;
    this.fn = fn;
    this.maskFn = (layer?.reluMaskColumnSums as WasmGemm['maskFn']) ?? null;
    this.runSumsFn = (layer?.runSums as WasmGemm['runSumsFn']) ?? null;
    this.expandRunsFn = (layer?.expandRuns as WasmGemm['expandRunsFn']) ?? null;
    this.adamFn = (layer?.adam as WasmGemm['adamFn']) ?? null;
    this.i32 = new Int32Array(memory.buffer);
    this.reluFn = (relu?.relu as (ptr: number, count: number) => void) ?? null;
    this.addRowReluFn = (relu?.addRowRelu as (ptr: number, rowPtr: number, count: number, cols: number) => void) ?? null;
    this.f32 = new Float32Array(memory.buffer);
  }

  /**
   * A kernel instance with its own scratch memory, or null where WebAssembly SIMD is unavailable.
   * `shared`: work in this shared memory instead (declared with SHARED_MAX_PAGES), every product
   * going through `wrap(gemm)`, so another thread can take part of it (src/core/gemm-threads.ts).
   */
  static create(shared?: { memory: WasmMemory; wrap(gemm: GemmFn): GemmFn }): WasmGemm | null {
    const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    if (!wasm) return null;
    try {
      const isShared = shared !== undefined;
      const bytes = gemmModule({ shared: isShared });
      if (!wasm.validate(bytes)) return null;
      const memory = shared?.memory ?? new wasm.Memory({ initial: 16 });
      const instance = new wasm.Instance(new wasm.Module(bytes), { env: { memory } });
      // The ReLU kernel is a second module over the same memory (fused into `matmul`'s output).
      const relu = new wasm.Instance(new wasm.Module(reluModule(isShared)), { env: { memory } });
      const layer = new wasm.Instance(new wasm.Module(layerModule(isShared)), { env: { memory } });
      const gemm = instance.exports.gemm as GemmFn;
      return new WasmGemm(memory, shared ? shared.wrap(gemm) : gemm, relu.exports, layer.exports);
    } catch {
      return null;
    }
  }

  /** Scratch of at least `floats` floats (memory grows; views are refreshed). */
  private reserve(floats: number): Float32Array {
    const bytes = floats * 4;
    if (this.memory.buffer.byteLength < bytes) {
      this.memory.grow(Math.ceil((bytes - this.memory.buffer.byteLength) / 65536));
    }
    if (this.f32.buffer !== this.memory.buffer) {
      this.f32 = new Float32Array(this.memory.buffer);
      this.i32 = new Int32Array(this.memory.buffer);
    }
    return this.f32;
  }

  /**
   * Whether the layer passes are here, for a layer of `m` outputs: `forwardRuns`, `backwardRelu`
   * and `backwardReluRuns` keep a layer's operands in this memory for a whole pass (one copy in
   * and out per operand, the elementwise passes in f32x4) and need m % 8 = 0.
   */
  hasLayerPasses(m: number): boolean {
    return this.maskFn !== null && this.reluFn !== null && m % 8 === 0;
  }

  /** Whether the f32x4 Adam step (`adam`) is here. */
  get hasAdam(): boolean {
    return this.adamFn !== null;
  }

  /**
   * One Adam step over w, m, v (length n) with gradient g, in float32 four lanes at a time (see
   * adamFunc): the dense layers' step (Param.updateAll). Copied in and out in blocks of
   * ADAM_BLOCK floats: the same arithmetic as one pass, but under Hogwild (shared tables, another
   * thread stepping them meanwhile) a copy-out only overwrites what changed during one block's
   * step, not during the whole table's.
   */
  adam(
    w: Float32Array,
    m: Float32Array,
    v: Float32Array,
    g: Float32Array,
    n: number,
    lr: number,
    b1: number,
    b2: number,
    c1: number,
    c2: number,
    eps: number,
    l2: number,
    scale: number,
  ): void {
    const block = Math.min(n, ADAM_BLOCK);
    const a = new Arena();
    const W = a.take(block);
    const M = a.take(block);
    const V = a.take(block);
    const G = a.take(block);
    const mem = this.reserve(a.size);
    for (let s = 0; s < n; s += block) {
      const k = Math.min(block, n - s);
      mem.set(w.subarray(s, s + k), W);
      mem.set(m.subarray(s, s + k), M);
      mem.set(v.subarray(s, s + k), V);
      mem.set(g.subarray(s, s + k), G);
      this.adamFn!(W * 4, M * 4, V * 4, G * 4, roundUp(k, 4), lr, b1, 1 - b1, b2, 1 - b2, c1, c2, eps, l2, scale);
      out(mem, W, w.subarray(s), k);
      out(mem, M, m.subarray(s), k);
      out(mem, V, v.subarray(s), k);
    }
  }

  /**
   * A layer's forward over rows in runs (src/core/dense.ts, RunRows): Y (n × m) = [shared row of
   * r's run | rest_r]·W + b, then max(·, 0) when `relu`: the shared part's product once per run
   * (runs × ks · ks × m), spread to its rows with the bias, then the rest's product added in place.
   */
  forwardRuns(
    shared: Float32Array,
    rest: Float32Array,
    start: Int32Array,
    runs: number,
    w: Float32Array,
    bias: Float32Array,
    y: Float32Array,
    n: number,
    ks: number,
    kr: number,
    m: number,
    relu: boolean,
  ): void {
    const np = roundUp(n, 4);
    const rp = roundUp(runs, 4);
    const a = new Arena();
    const S = a.take(rp * ks);
    const W = a.take((ks + kr) * m);
    const B = a.take(m);
    const U = a.take(rp * m);
    const R = a.take(np * kr);
    const Y = a.take(np * m);
    const ST = a.take(runs + 1);
    const mem = this.reserve(a.size);
    copyPadded(shared, 0, runs, ks, ks, mem, S, rp, ks);
    mem.set(w.subarray(0, (ks + kr) * m), W);
    mem.set(bias.subarray(0, m), B);
    copyPadded(rest, 0, n, kr, kr, mem, R, np, kr);
    this.i32.set(start.subarray(0, runs + 1), ST);
    mem.fill(0, U, U + rp * m);
    this.fn(S * 4, W * 4, U * 4, rp, ks, m, ks, 1, m, m, 1);
    this.expandRunsFn!(U * 4, B * 4, ST * 4, runs, m, Y * 4);
    mem.fill(0, Y + n * m, Y + np * m);
    this.fn(R * 4, (W + ks * m) * 4, Y * 4, np, kr, m, kr, 1, m, m, 1);
    if (relu) this.reluFn!(Y * 4, np * m);
    out(mem, Y, y, n * m);
  }

  /**
   * Backward of a ReLU layer Y = max(X·W + b, 0) given dL/dY: with dZ = dY where Y > 0 (else 0),
   * gradW = Xᵀ·dZ, gradB = Σ_rows dZ and, when `dx` is given, dx = dZ·Wᵀ. dY is not modified.
   */
  backwardRelu(
    x: Float32Array,
    y: Float32Array,
    dy: Float32Array,
    w: Float32Array,
    gradW: Float32Array,
    gradB: Float32Array,
    dx: Float32Array | null,
    n: number,
    k: number,
    m: number,
  ): void {
    const np = roundUp(n, 4);
    const kp = roundUp(k, 4);
    const k8 = roundUp(k, 8);
    const a = new Arena();
    const X = a.take(n * kp);
    const Y = a.take(n * m);
    const D = a.take(np * m);
    const DB = a.take(m);
    const GW = a.take(kp * m);
    const WT = a.take(m * k8);
    const DX = a.take(np * k8);
    const mem = this.reserve(a.size);
    copyPadded(x, 0, n, k, k, mem, X, n, kp);
    mem.set(y.subarray(0, n * m), Y);
    mem.set(dy.subarray(0, n * m), D);
    mem.fill(0, D + n * m, D + np * m);
    this.maskFn!(D * 4, Y * 4, DB * 4, n, m);
    mem.fill(0, GW, GW + kp * m);
    this.fn(X * 4, D * 4, GW * 4, kp, n, m, 1, kp, m, m, 1);
    out(mem, GW, gradW, k * m);
    out(mem, DB, gradB, m);
    if (dx === null) return;
    transposeInto(w, 0, k, m, mem, WT, k8);
    mem.fill(0, DX, DX + np * k8);
    this.fn(D * 4, WT * 4, DX * 4, np, m, k8, m, 1, k8, k8, 1);
    copyOut(mem, DX, k8, dx, n, k);
  }

  /**
   * `backwardRelu` for a layer that ran `forwardRuns`: the masked dZ summed per run (S) gives the
   * shared rows' weight gradient (sharedᵀ·S) and dShared = S·W_sharedᵀ per run; the rest's rows
   * get restᵀ·dZ and dRest = dZ·W_restᵀ per row.
   */
  backwardReluRuns(
    shared: Float32Array,
    rest: Float32Array,
    start: Int32Array,
    runs: number,
    y: Float32Array,
    dy: Float32Array,
    w: Float32Array,
    gradW: Float32Array,
    gradB: Float32Array,
    dShared: Float32Array,
    dRest: Float32Array,
    n: number,
    ks: number,
    kr: number,
    m: number,
  ): void {
    const np = roundUp(n, 4);
    const rp = roundUp(runs, 4);
    const [ksp, krp, ks8, kr8] = [roundUp(ks, 4), roundUp(kr, 4), roundUp(ks, 8), roundUp(kr, 8)];
    const a = new Arena();
    const SH = a.take(runs * ksp);
    const RS = a.take(n * krp);
    const Y = a.take(n * m);
    const D = a.take(np * m);
    const DB = a.take(m);
    const SS = a.take(rp * m);
    const ST = a.take(runs + 1);
    const GS = a.take(ksp * m);
    const GR = a.take(krp * m);
    const WS = a.take(m * ks8);
    const WR = a.take(m * kr8);
    const XS = a.take(rp * ks8);
    const XR = a.take(np * kr8);
    const mem = this.reserve(a.size);
    copyPadded(shared, 0, runs, ks, ks, mem, SH, runs, ksp);
    copyPadded(rest, 0, n, kr, kr, mem, RS, n, krp);
    mem.set(y.subarray(0, n * m), Y);
    mem.set(dy.subarray(0, n * m), D);
    mem.fill(0, D + n * m, D + np * m);
    this.i32.set(start.subarray(0, runs + 1), ST);
    this.maskFn!(D * 4, Y * 4, DB * 4, n, m);
    this.runSumsFn!(D * 4, ST * 4, runs, m, SS * 4);
    mem.fill(0, SS + runs * m, SS + rp * m);
    mem.fill(0, GS, GR + krp * m);
    this.fn(SH * 4, SS * 4, GS * 4, ksp, runs, m, 1, ksp, m, m, 1);
    this.fn(RS * 4, D * 4, GR * 4, krp, n, m, 1, krp, m, m, 1);
    out(mem, GS, gradW, ks * m);
    out(mem, GR, gradW.subarray(ks * m), kr * m);
    out(mem, DB, gradB, m);
    transposeInto(w, 0, ks, m, mem, WS, ks8);
    transposeInto(w, ks * m, kr, m, mem, WR, kr8);
    mem.fill(0, XS, XR + np * kr8);
    this.fn(SS * 4, WS * 4, XS * 4, rp, m, ks8, m, 1, ks8, ks8, 1);
    this.fn(D * 4, WR * 4, XR * 4, np, m, kr8, m, 1, kr8, kr8, 1);
    copyOut(mem, XS, ks8, dShared, runs, ks);
    copyOut(mem, XR, kr8, dRest, n, kr);
  }

  /** Y (n × m) = X (n × k) · W[wOffset ..] (k × m) [+ bias] [+ Y], then max(·, 0) when `relu` (a dense layer's bias and ReLU fused into its product). */
  matmul(x: Float32Array, w: Float32Array, bias: Float32Array | null, y: Float32Array, n: number, k: number, m: number, accumulate: boolean, wOffset: number, relu = false): void {
    const np = roundUp(n, 4);
    const mp = roundUp(m, 8);
    const X = 0;
    const W = X + np * k;
    const Y = W + k * mp;
    const mem = this.reserve(Y + np * mp);
    copyPadded(x, 0, n, k, k, mem, X, np, k);
    copyPadded(w, wOffset, k, m, m, mem, W, k, mp);
    if (bias !== null && !accumulate && mp === m) {
      // Start C at the bias rather than zeros plus a pass adding it: one row, then doubling copies.
      for (let j = 0; j < m; j++) mem[Y + j] = bias[j];
      for (let rows = 1; rows < n; rows *= 2) mem.copyWithin(Y + rows * mp, Y, Y + Math.min(rows, n - rows) * mp);
      mem.fill(0, Y + n * mp, Y + np * mp);
    } else this.initC(mem, Y, np, mp, y, n, m, accumulate);
    if (bias !== null && !(!accumulate && mp === m)) {
      for (let i = 0; i < n; i++) {
        const o = Y + i * mp;
        for (let j = 0; j < m; j++) mem[o + j] += bias[j];
      }
    }
    this.fn(X * 4, W * 4, Y * 4, np, k, mp, k, 1, mp, mp, 1);
    if (relu) {
      if (this.reluFn) this.reluFn(Y * 4, np * mp);
      else for (let i = Y; i < Y + np * mp; i++) if (mem[i] < 0) mem[i] = 0;
    }
    copyOut(mem, Y, mp, y, n, m);
  }

  /**
   * Y (n × m) = max(max(X + row, 0) · W + bias, 0), X the n × k rows of `x` from row `x0` and `row`
   * k floats added to each: two ReLU layers of full-catalogue scoring (precomputed item halves
   * plus one user's half, then the next layer) in one pass through this memory. Needs k % 4 = 0.
   */
  addRowReluMatmulRelu(x: Float32Array, x0: number, row: Float32Array, w: Float32Array, bias: Float32Array | null, y: Float32Array, n: number, k: number, m: number): void {
    if (k % 4 !== 0 || !this.addRowReluFn) throw new RangeError(`addRowReluMatmulRelu needs k a multiple of 4 and the SIMD ReLU module (k = ${k})`);
    const np = roundUp(n, 4);
    const mp = roundUp(m, 8);
    const R = 0;
    const X = R + k;
    const W = X + np * k;
    const Y = W + k * mp;
    const mem = this.reserve(Y + np * mp);
    mem.set(row.subarray(0, k), R);
    copyPadded(x, x0 * k, n, k, k, mem, X, np, k);
    this.addRowReluFn(X * 4, R * 4, n * k, k);
    copyPadded(w, 0, k, m, m, mem, W, k, mp);
    this.initC(mem, Y, np, mp, y, n, m, false);
    if (bias !== null) {
      for (let j = 0; j < m; j++) mem[Y + j] = bias[j];
      for (let rows = 1; rows < n; rows *= 2) mem.copyWithin(Y + rows * mp, Y, Y + Math.min(rows, n - rows) * mp);
    }
    this.fn(X * 4, W * 4, Y * 4, np, k, mp, k, 1, mp, mp, 1);
    this.reluFn!(Y * 4, np * mp);
    copyOut(mem, Y, mp, y, n, m);
  }

  /** C (n × m) = A (n × k) · Bᵀ with B stored m × k [+ C]. */
  matmulTransB(a: Float32Array, b: Float32Array, c: Float32Array, n: number, k: number, m: number, accumulate: boolean): void {
    const np = roundUp(n, 4);
    const mp = roundUp(m, 8);
    const A = 0;
    const B = A + np * k;
    const C = B + k * mp;
    const mem = this.reserve(C + np * mp);
    copyPadded(a, 0, n, k, k, mem, A, np, k);
    // Bᵀ (k × mp), so the kernel reads contiguous rows.
    for (let p = 0; p < k; p++) {
      const o = B + p * mp;
      for (let j = 0; j < mp; j++) mem[o + j] = j < m ? b[j * k + p] : 0;
    }
    this.initC(mem, C, np, mp, c, n, m, accumulate);
    this.fn(A * 4, B * 4, C * 4, np, k, mp, k, 1, mp, mp, 1);
    copyOut(mem, C, mp, c, n, m);
  }

  /** C (k × m) = Aᵀ · B with A stored n × k and B stored n × m [+ C]. */
  matmulTransA(a: Float32Array, b: Float32Array, c: Float32Array, n: number, k: number, m: number, accumulate: boolean): void {
    const kp = roundUp(k, 4);
    const mp = roundUp(m, 8);
    const A = 0;
    const B = A + n * kp;
    const C = B + n * mp;
    const mem = this.reserve(C + kp * mp);
    copyPadded(a, 0, n, k, k, mem, A, n, kp);
    copyPadded(b, 0, n, m, m, mem, B, n, mp);
    this.initC(mem, C, kp, mp, c, k, m, accumulate);
    // Rows of C are A's columns (stride 1), the inner index walks A's rows (stride kp).
    this.fn(A * 4, B * 4, C * 4, kp, n, mp, 1, kp, mp, mp, 1);
    copyOut(mem, C, mp, c, k, m);
  }

  private initC(mem: Float32Array, at: number, rows: number, cols: number, c: Float32Array, n: number, m: number, accumulate: boolean): void {
    if (accumulate) copyPadded(c, 0, n, m, m, mem, at, rows, cols);
    else mem.fill(0, at, at + rows * cols);
  }
}

/** Regions of the scratch memory, in floats, each starting on a 16-byte boundary. */
class Arena {
  size = 0;
  take(floats: number): number {
    const at = this.size;
    this.size += roundUp(floats, 4);
    return at;
  }
}

/** Floats of w, m, v and g per block of the Adam step: 16 KB in all, small next to L1 + L2. */
const ADAM_BLOCK = 1024;

/** out[0 .. count) = mem[at .. at + count). */
function out(mem: Float32Array, at: number, to: Float32Array, count: number): void {
  to.set(mem.subarray(at, at + count));
}

/**
 * dst[at + p·ld + j] = w[off + j·m + p] for j < k, p < m, zeros in columns k .. ld: rows k of a
 * weight block W (k × m) transposed, so dX = dZ·Wᵀ is a plain product. Reads W row by row.
 */
function transposeInto(w: Float32Array, off: number, k: number, m: number, dst: Float32Array, at: number, ld: number): void {
  if (ld !== k) dst.fill(0, at, at + m * ld);
  for (let j = 0; j < k; j++) {
    const o = off + j * m;
    for (let p = 0; p < m; p++) dst[at + p * ld + j] = w[o + p];
  }
}

function roundUp(v: number, to: number): number {
  return Math.ceil(v / to) * to;
}

/** dst[at + r·dstCols + c] = src[off + r·srcStride + c] for r < rows, c < cols; zeros elsewhere. */
function copyPadded(src: Float32Array, off: number, rows: number, cols: number, srcStride: number, dst: Float32Array, at: number, dstRows: number, dstCols: number): void {
  if (cols === dstCols && srcStride === cols) {
    dst.set(src.subarray(off, off + rows * cols), at);
  } else {
    for (let r = 0; r < rows; r++) {
      const o = at + r * dstCols;
      const s = off + r * srcStride;
      for (let j = 0; j < cols; j++) dst[o + j] = src[s + j];
      for (let j = cols; j < dstCols; j++) dst[o + j] = 0;
    }
  }
  dst.fill(0, at + rows * dstCols, at + dstRows * dstCols);
}

function copyOut(mem: Float32Array, at: number, stride: number, out: Float32Array, n: number, m: number): void {
  if (stride === m) {
    out.set(mem.subarray(at, at + n * m));
    return;
  }
  for (let i = 0; i < n; i++) {
    const o = at + i * stride;
    for (let j = 0; j < m; j++) out[i * m + j] = mem[o + j];
  }
}

// ---- The module, assembled by hand (WebAssembly binary format 1 + the SIMD proposal). ----

/** Pages of a shared memory's declared maximum: WebAssembly's 4 GiB (address space, not memory in use). */
export const SHARED_MAX_PAGES = 65536;

/**
 * The import section of env.memory. Limits: flags 0 (min 1 page); a shared memory must declare a
 * maximum (flags 3, up to 4 GiB).
 */
function memoryImport(shared: boolean): number[] {
  return section(2, [1, ...name('env'), ...name('memory'), 0x02, ...(shared ? [0x03, 1, ...uleb(SHARED_MAX_PAGES)] : [0x00, 1])]);
}

const F32X4_RELAXED_MADD = 0x105;

/**
 * The whole module: imports env.memory, exports gemm. `shared` declares the imported memory
 * shared (so several threads' instances work in one memory); `relaxed` uses relaxed-SIMD's
 * fused multiply-add (f32x4.relaxed_madd) instead of a multiply and an add.
 */
export function gemmModule(options: { shared?: boolean; relaxed?: boolean } = {}): Uint8Array {
  // Locals: 0 a, 1 b, 2 c, 3 n, 4 k, 5 m, 6 sai, 7 sap, 8 ldb, 9 ldc, 10 acc (params);
  // 11 i, 12 j, 13 p, 14 pa, 15 pb, 16 pc, 17 sai2, 18 sai3, 19 rowA, 20 rowC (i32);
  // 21 x, 22 w0, 23 w1, 24..31 accumulators c[r][h] = 24 + 2r + h (v128).
  const [a, b, c, n, k, m, sai, sap, ldb, ldc, acc] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const [i, j, p, pa, pb, pc, sai2, sai3, rowA, rowC] = [11, 12, 13, 14, 15, 16, 17, 18, 19, 20];
  const [x, w0, w1] = [21, 22, 23];
  const cr = (r: number, h: number): number => 24 + 2 * r + h;
  const toBytes = (l: number): number[] => [...get(l), ...i32(2), SHL, ...set(l)];

  const zeroAcc: number[] = [];
  for (let r = 0; r < 4; r++) for (let h = 0; h < 2; h++) zeroAcc.push(...v128Zero(), ...set(cr(r, h)));

  // One step of the inner loop: B's 8 values at pb, A's 4 rows at pa + r·sai.
  const step: number[] = [...get(pb), ...v128Load(0), ...set(w0), ...get(pb), ...v128Load(16), ...set(w1)];
  const rowOffset = [null, sai, sai2, sai3];
  for (let r = 0; r < 4; r++) {
    step.push(...get(pa));
    if (rowOffset[r] !== null) step.push(...get(rowOffset[r]!), ADD);
    step.push(...v128Load32Splat(0), ...set(x));
    for (let h = 0; h < 2; h++) {
      if (options.relaxed) step.push(...get(x), ...get(h === 0 ? w0 : w1), ...get(cr(r, h)), ...simd(F32X4_RELAXED_MADD), ...set(cr(r, h)));
      else step.push(...get(cr(r, h)), ...get(x), ...get(h === 0 ? w0 : w1), ...simd(F32X4_MUL), ...simd(F32X4_ADD), ...set(cr(r, h)));
    }
  }
  step.push(...get(pa), ...get(sap), ADD, ...set(pa), ...get(pb), ...get(ldb), ADD, ...set(pb), ...get(p), ...i32(1), SUB, ...set(p));

  // Store the tile at pc (adding what is there when acc ≠ 0), row by row.
  const store: number[] = [];
  for (let r = 0; r < 4; r++) {
    const addOld: number[] = [];
    for (let h = 0; h < 2; h++) addOld.push(...get(pc), ...v128Load(16 * h), ...get(cr(r, h)), ...simd(F32X4_ADD), ...set(cr(r, h)));
    store.push(...get(acc), ...ifThen(addOld));
    for (let h = 0; h < 2; h++) store.push(...get(pc), ...get(cr(r, h)), ...v128Store(16 * h));
    store.push(...get(pc), ...get(ldc), ADD, ...set(pc));
  }

  const jLoop = block(
    loop([
      ...get(j),
      ...get(m),
      GE_S,
      ...brIf(1),
      ...zeroAcc,
      ...get(rowA),
      ...set(pa),
      ...get(b),
      ...get(j),
      ...i32(2),
      SHL,
      ADD,
      ...set(pb),
      ...get(k),
      ...set(p),
      ...block(loop([...get(p), EQZ, ...brIf(1), ...step, ...br(0)])),
      ...get(rowC),
      ...get(j),
      ...i32(2),
      SHL,
      ADD,
      ...set(pc),
      ...store,
      ...get(j),
      ...i32(8),
      ADD,
      ...set(j),
      ...br(0),
    ]),
  );
  const iLoop = block(
    loop([
      ...get(i),
      ...get(n),
      GE_S,
      ...brIf(1),
      ...get(a),
      ...get(i),
      ...get(sai),
      MUL,
      ADD,
      ...set(rowA),
      ...get(c),
      ...get(i),
      ...get(ldc),
      MUL,
      ADD,
      ...set(rowC),
      ...i32(0),
      ...set(j),
      ...jLoop,
      ...get(i),
      ...i32(4),
      ADD,
      ...set(i),
      ...br(0),
    ]),
  );
  const body = [
    ...toBytes(sai),
    ...toBytes(sap),
    ...toBytes(ldb),
    ...toBytes(ldc),
    ...get(sai),
    ...i32(1),
    SHL,
    ...set(sai2),
    ...get(sai2),
    ...get(sai),
    ADD,
    ...set(sai3),
    ...i32(0),
    ...set(i),
    ...iLoop,
    0x0b,
  ];
  const locals = [2, ...uleb(10), I32, ...uleb(11), V128];
  const func = [...locals, ...body];

  const bytes = [
    ...MODULE_HEADER,
    ...section(1, [1, 0x60, 11, ...new Array(11).fill(I32), 0]),
    ...memoryImport(options.shared ?? false),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name('gemm'), 0x00, 0]),
    ...section(10, [1, ...uleb(func.length), ...func]),
  ];
  return Uint8Array.from(bytes);
}

/**
 * The body of addRowRelu(ptr, rowPtr, count, cols): x = max(x + row, 0) over `count` floats at
 * byte `ptr`, laid out as rows of `cols` (a multiple of 4) floats, `row` the `cols` floats at
 * byte `rowPtr`: the first ReLU layer of full-catalogue scoring, item halves plus a user's half.
 */
function addRowReluBody(): number[] {
  // Locals: 0 ptr, 1 rowPtr, 2 count, 3 cols (params); 4 end, 5 q, 6 rowEnd (i32); 7 zero (v128).
  const [ptr, rowPtr, count, cols, end, q, rowEnd, zero] = [0, 1, 2, 3, 4, 5, 6, 7];
  const F32X4_MAX = 233;
  return [
    ...get(ptr),
    ...get(count),
    ...i32(2),
    SHL,
    ADD,
    ...set(end),
    ...get(rowPtr),
    ...get(cols),
    ...i32(2),
    SHL,
    ADD,
    ...set(rowEnd),
    ...get(rowPtr),
    ...set(q),
    ...v128Zero(),
    ...set(zero),
    ...block(
      loop([
        ...get(ptr),
        ...get(end),
        GE_S,
        ...brIf(1),
        ...get(ptr),
        ...get(ptr),
        ...v128Load(0),
        ...get(q),
        ...v128Load(0),
        ...simd(F32X4_ADD),
        ...get(zero),
        ...simd(F32X4_MAX),
        ...v128Store(0),
        ...get(ptr),
        ...i32(16),
        ADD,
        ...set(ptr),
        ...get(q),
        ...i32(16),
        ADD,
        ...set(q),
        ...get(q),
        ...get(rowEnd),
        GE_S,
        ...ifThen([...get(rowPtr), ...set(q)]),
        ...br(0),
      ]),
    ),
    0x0b,
  ];
}

/** A module exporting relu(ptr, count): x = max(x, 0) over `count` floats (a multiple of 4) at byte `ptr`, four at a time; and addRowRelu. */
function reluModule(shared = false): Uint8Array {
  // Locals: 0 ptr, 1 count (params); 2 end (i32); 3 zero (v128).
  const [ptr, count, end, zero] = [0, 1, 2, 3];
  const F32X4_MAX = 233;
  const body = [
    ...get(ptr),
    ...get(count),
    ...i32(2),
    SHL,
    ADD,
    ...set(end),
    ...v128Zero(),
    ...set(zero),
    ...block(
      loop([
        ...get(ptr),
        ...get(end),
        GE_S,
        ...brIf(1),
        ...get(ptr),
        ...get(ptr),
        ...v128Load(0),
        ...get(zero),
        ...simd(F32X4_MAX),
        ...v128Store(0),
        ...get(ptr),
        ...i32(16),
        ADD,
        ...set(ptr),
        ...br(0),
      ]),
    ),
    0x0b,
  ];
  const func = [2, 1, I32, 1, V128, ...body];
  const func2 = [2, 3, I32, 1, V128, ...addRowReluBody()];
  return Uint8Array.from([
    ...MODULE_HEADER,
    ...section(1, [2, 0x60, 2, I32, I32, 0, 0x60, 4, I32, I32, I32, I32, 0]),
    ...memoryImport(shared),
    ...section(3, [2, 0, 1]),
    ...section(7, [2, ...name('relu'), 0x00, 0, ...name('addRowRelu'), 0x00, 1]),
    ...section(10, [2, ...uleb(func.length), ...func, ...uleb(func2.length), ...func2]),
  ]);
}

// ---- Elementwise passes of a ReLU layer's forward and backward, in the kernel's memory. ----

const F32X4_GT = 0x44;
const V128_AND = 0x4e;

/** r = start[q], rEnd = start[q + 1]: run q's rows (start a byte pointer to int32 row offsets). */
function runBounds(start: number, q: number, r: number, rEnd: number): number[] {
  const at = [...get(start), ...get(q), ...i32(2), SHL, ADD];
  return [...at, ...i32Load(0), ...set(r), ...at, ...i32Load(4), ...set(rEnd)];
}

/** `for (; v < end; v += step) body` as a block/loop (v and end locals, step a constant). */
function forLoop(v: number, end: number, step: number, body: number[]): number[] {
  return block(loop([...get(v), ...get(end), GE_S, ...brIf(1), ...body, ...get(v), ...i32(step), ADD, ...set(v), ...br(0)]));
}

/**
 * reluMaskColumnSums(g, y, db, n, m): g = g where y > 0 else 0 (in place), db = Σ_rows g — a ReLU
 * layer's mask and its bias gradient in one f32x4 pass. Rows of m floats (m % 4 = 0); byte pointers.
 */
function reluMaskColumnSumsFunc(): number[] {
  // Locals: 0 g, 1 y, 2 db, 3 n, 4 m (params); 5 end, 6 j, 7 rowBytes (i32); 8 zero, 9 v (v128).
  const [g, y, db, n, m, end, j, rowBytes, zero, v] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const body = [
    ...get(m),
    ...i32(2),
    SHL,
    ...set(rowBytes),
    ...get(g),
    ...get(n),
    ...get(rowBytes),
    MUL,
    ADD,
    ...set(end),
    ...v128Zero(),
    ...set(zero),
    ...i32(0),
    ...set(j),
    ...forLoop(j, rowBytes, 16, [...get(db), ...get(j), ADD, ...get(zero), ...v128Store(0)]),
    ...i32(0),
    ...set(j),
    ...block(
      loop([
        ...get(g),
        ...get(end),
        GE_S,
        ...brIf(1),
        ...get(g),
        ...get(g),
        ...v128Load(0),
        ...get(y),
        ...v128Load(0),
        ...get(zero),
        ...simd(F32X4_GT),
        ...simd(V128_AND),
        ...tee(v),
        ...v128Store(0),
        ...get(db),
        ...get(j),
        ADD,
        ...get(db),
        ...get(j),
        ADD,
        ...v128Load(0),
        ...get(v),
        ...simd(F32X4_ADD),
        ...v128Store(0),
        ...get(g),
        ...i32(16),
        ADD,
        ...set(g),
        ...get(y),
        ...i32(16),
        ADD,
        ...set(y),
        ...get(j),
        ...i32(16),
        ADD,
        ...tee(j),
        ...get(rowBytes),
        GE_S,
        ...ifThen([...i32(0), ...set(j)]),
        ...br(0),
      ]),
    ),
    0x0b,
  ];
  return [2, 3, I32, 2, V128, ...body];
}

/**
 * runSums(dy, start, runs, m, out): out row q = Σ dy rows [start[q], start[q + 1]) (start: runs + 1
 * i32 at byte `start`), rows of m floats (m % 4 = 0): a layer's output gradient summed per run of
 * rows that share their input's first columns.
 */
function runSumsFunc(): number[] {
  // Locals: 0 dy, 1 start, 2 runs, 3 m, 4 out (params); 5 rowBytes, 6 q, 7 r, 8 rEnd, 9 p, 10 j (i32); 11 zero (v128).
  const [dy, start, runs, m, out, rowBytes, q, r, rEnd, p, j, zero] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const addRow = [...get(out), ...get(j), ADD, ...get(out), ...get(j), ADD, ...v128Load(0), ...get(p), ...get(j), ADD, ...v128Load(0), ...simd(F32X4_ADD), ...v128Store(0)];
  const body = [
    ...get(m),
    ...i32(2),
    SHL,
    ...set(rowBytes),
    ...v128Zero(),
    ...set(zero),
    ...i32(0),
    ...set(q),
    ...forLoop(q, runs, 1, [
      ...i32(0),
      ...set(j),
      ...forLoop(j, rowBytes, 16, [...get(out), ...get(j), ADD, ...get(zero), ...v128Store(0)]),
      ...runBounds(start, q, r, rEnd),
      ...get(dy),
      ...get(r),
      ...get(rowBytes),
      MUL,
      ADD,
      ...set(p),
      ...forLoop(r, rEnd, 1, [...i32(0), ...set(j), ...forLoop(j, rowBytes, 16, addRow), ...get(p), ...get(rowBytes), ADD, ...set(p)]),
      ...get(out),
      ...get(rowBytes),
      ADD,
      ...set(out),
    ]),
    0x0b,
  ];
  return [2, 6, I32, 1, V128, ...body];
}

/**
 * expandRuns(u, bias, start, runs, m, y): y rows [start[q], start[q + 1]) = u row q + bias, rows of
 * m floats (m % 4 = 0): a layer's output started from its shared columns' product, once per run.
 */
function expandRunsFunc(): number[] {
  // Locals: 0 u, 1 bias, 2 start, 3 runs, 4 m, 5 y (params); 6 rowBytes, 7 q, 8 r, 9 rEnd, 10 p, 11 j (i32).
  const [u, bias, start, runs, m, y, rowBytes, q, r, rEnd, p, j] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const copyRow = [...get(p), ...get(j), ADD, ...get(u), ...get(j), ADD, ...v128Load(0), ...get(bias), ...get(j), ADD, ...v128Load(0), ...simd(F32X4_ADD), ...v128Store(0)];
  const body = [
    ...get(m),
    ...i32(2),
    SHL,
    ...set(rowBytes),
    ...i32(0),
    ...set(q),
    ...forLoop(q, runs, 1, [
      ...runBounds(start, q, r, rEnd),
      ...get(y),
      ...get(r),
      ...get(rowBytes),
      MUL,
      ADD,
      ...set(p),
      ...forLoop(r, rEnd, 1, [...i32(0), ...set(j), ...forLoop(j, rowBytes, 16, copyRow), ...get(p), ...get(rowBytes), ADD, ...set(p)]),
      ...get(u),
      ...get(rowBytes),
      ADD,
      ...set(u),
    ]),
    0x0b,
  ];
  return [1, 6, I32, ...body];
}

/**
 * adam(w, m, v, g, count, lr, b1, 1 − b1, b2, 1 − b2, c1, c2, eps, l2, scale): one Adam step over
 * `count` floats (a multiple of 4) of w, m, v with gradient g, four lanes at a time:
 * g' = g·scale + l2·w, m = b1·m + (1 − b1)·g', v = b2·v + (1 − b2)·g'², w −= lr·m·c1 / (√(v·c2) + eps),
 * c1, c2 the bias corrections. Float32 throughout (Param.updateAll's JavaScript loop: float64).
 */
function adamFunc(): number[] {
  // Params: 0 w, 1 m, 2 v, 3 g, 4 count (i32); 5 lr, 6 b1, 7 ob1, 8 b2, 9 ob2, 10 c1, 11 c2, 12 eps, 13 l2, 14 scale (f32).
  // Locals: 15 o, 16 end (i32); 17..26 the f32 params splat (v128); 27 G, 28 M, 29 V, 30 W (v128).
  const [w, m, v, g, count, o, end] = [0, 1, 2, 3, 4, 15, 16];
  const splat = (param: number): number => 17 + (param - 5);
  const [LR, B1, OB1, B2, OB2, C1, C2, EPS, L2, SC] = [5, 6, 7, 8, 9, 10, 11, 12, 13, 14].map(splat);
  const [G, M, V, W] = [27, 28, 29, 30];
  const F32X4_SQRT = 0xe3;
  const F32X4_SUB = 0xe5;
  const F32X4_DIV = 0xe7;
  const at = (base: number): number[] => [...get(base), ...get(o), ADD];
  const mul = simd(F32X4_MUL);
  const add = simd(F32X4_ADD);
  const body: number[] = [...get(count), ...i32(2), SHL, ...set(end)];
  for (let p = 5; p <= 14; p++) body.push(...get(p), ...simd(19), ...set(splat(p)));
  body.push(
    ...i32(0),
    ...set(o),
    ...forLoop(o, end, 16, [
      ...at(w),
      ...v128Load(0),
      ...set(W),
      // g' = g·scale + l2·w
      ...at(g),
      ...v128Load(0),
      ...get(SC),
      ...mul,
      ...get(L2),
      ...get(W),
      ...mul,
      ...add,
      ...set(G),
      // m = b1·m + (1 − b1)·g'
      ...at(m),
      ...get(B1),
      ...at(m),
      ...v128Load(0),
      ...mul,
      ...get(OB1),
      ...get(G),
      ...mul,
      ...add,
      ...tee(M),
      ...v128Store(0),
      // v = b2·v + (1 − b2)·g'²
      ...at(v),
      ...get(B2),
      ...at(v),
      ...v128Load(0),
      ...mul,
      ...get(OB2),
      ...get(G),
      ...mul,
      ...get(G),
      ...mul,
      ...add,
      ...tee(V),
      ...v128Store(0),
      // w −= lr·(m·c1) / (√(v·c2) + eps)
      ...at(w),
      ...get(W),
      ...get(LR),
      ...get(M),
      ...get(C1),
      ...mul,
      ...mul,
      ...get(V),
      ...get(C2),
      ...mul,
      ...simd(F32X4_SQRT),
      ...get(EPS),
      ...add,
      ...simd(F32X4_DIV),
      ...simd(F32X4_SUB),
      ...v128Store(0),
    ]),
    0x0b,
  );
  return [2, 2, I32, 14, V128, ...body];
}

/** A module over the shared scratch memory exporting reluMaskColumnSums, runSums, expandRuns and adam. */
export function layerModule(shared = false): Uint8Array {
  const funcs = [reluMaskColumnSumsFunc(), runSumsFunc(), expandRunsFunc(), adamFunc()];
  const names = ['reluMaskColumnSums', 'runSums', 'expandRuns', 'adam'];
  const exports: number[] = [names.length];
  names.forEach((nm, f) => exports.push(...name(nm), 0x00, f));
  const code: number[] = [funcs.length];
  for (const f of funcs) code.push(...uleb(f.length), ...f);
  return Uint8Array.from([
    ...MODULE_HEADER,
    // Types: 0 (i32 × 5) → (), 1 (i32 × 6) → (), 2 (i32 × 5, f32 × 10) → ().
    ...section(1, [3, 0x60, 5, I32, I32, I32, I32, I32, 0, 0x60, 6, I32, I32, I32, I32, I32, I32, 0, 0x60, 15, I32, I32, I32, I32, I32, ...new Array(10).fill(F32), 0]),
    ...memoryImport(shared),
    ...section(3, [4, 0, 0, 1, 2]),
    ...section(7, exports),
    ...section(10, code),
  ]);
}
