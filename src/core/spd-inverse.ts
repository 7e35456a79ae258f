/**
 * The inverse of a large symmetric positive-definite matrix in float32, in place, on the
 * WebAssembly SIMD GEMM (src/core/wasm-gemm.ts) over one or two threads sharing one
 * WebAssembly memory. This is EASE's O(n³) step (an items × items matrix).
 *
 * The algorithm is the blocked symmetric sweep (Gauss–Jordan elimination without pivoting,
 * which is safe on SPD matrices: its pivots are the Schur complements Cholesky would take;
 * Goodnight 1979, "A tutorial on the SWEEP operator"). For each diagonal block K (nb × nb):
 *
 *   D = A_KK⁻¹ (a small float64 Cholesky; a non-positive pivot means "not SPD")
 *   A_ij ← A_ij − (A_iK·D)·A_Kj   for every block i, j ≠ K   (a rank-nb update: the GEMM)
 *   A_iK ← A_iK·D,  A_KK ← −D
 *
 * After every block is swept the matrix holds −A⁻¹. Only the lower block triangle is stored
 * and updated, so the whole inverse costs n³ flops — the same as Cholesky + triangular
 * inverse + LᵀL (LAPACK's potrf/potri, n³/3 each), but every step is one uniform GEMM over
 * the whole lower triangle, which splits over threads with no triangular solves in between.
 * Each step's update is split by block columns between the calling thread and one worker.
 *
 * Memory (floats): the padded matrix N², plus four N × nb panels and one nb × nb block.
 * A WebAssembly memory holds at most 4 GiB, i.e. n up to about 31,000.
 */
import { ConfigError } from '../contracts/errors.ts';
import { WorkerPool } from './pool.ts';
import { gemmModule } from './wasm-gemm.ts';

/** The kernel's signature: gemm(a, b, c, rows, inner, cols, aRowStride, aInnerStride, ldb, ldc, accumulate); addresses in bytes, strides in floats. */
export type GemmCall = [number, number, number, number, number, number, number, number, number, number, number];
type GemmFn = (...args: GemmCall) => void;

/** The slice of the WebAssembly JS API used here. */
interface SharedMemory {
  readonly buffer: SharedArrayBuffer;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => SharedMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
}

const wasmApi = (): WasmApi | undefined => (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

/** Block size: a multiple of the kernel's 8-column tile; a 128 × 128 block (64 KB) stays in L2. */
export const SWEEP_BLOCK = 128;
const MAX_BYTES = 2 ** 32;
/** Smallest pivot (relative to the block's largest starting diagonal) that counts as positive. */
const PIVOT_TOLERANCE = 1e-7;

let relaxed: boolean | undefined;

/**
 * Whether the runtime validates relaxed-SIMD's f32x4.relaxed_madd (Node ≥ 22, or Node 20 with
 * --experimental-wasm-relaxed-simd); the kernel then uses one fused multiply-add per lane.
 * TASTEBUD_RELAXED_SIMD=0 turns it off.
 */
export function relaxedSimdAvailable(): boolean {
  if (relaxed === undefined) {
    const wasm = wasmApi();
    relaxed = process.env.TASTEBUD_RELAXED_SIMD !== '0' && !!wasm && wasm.validate(gemmModule({ shared: true, relaxed: true }));
  }
  return relaxed;
}

/** The GEMM compiled against a shared memory (the calling thread's instance). */
export function sharedGemm(memory: SharedMemory, useRelaxed: boolean): GemmFn {
  const wasm = wasmApi()!;
  const instance = new wasm.Instance(new wasm.Module(gemmModule({ shared: true, relaxed: useRelaxed })), { env: { memory } });
  return instance.exports.gemm as GemmFn;
}

/** Bytes `SpdInverse.create(n)` allocates. */
export function spdInverseBytes(n: number): number {
  const big = roundUp(Math.max(n, 1), SWEEP_BLOCK);
  return 4 * (big * big + 4 * big * SWEEP_BLOCK + SWEEP_BLOCK * SWEEP_BLOCK);
}

export class SpdInverse {
  /** The matrix, row-major with row stride `ld`: fill the lower triangle (diagonal included) of the leading n × n block. */
  readonly a: Float32Array;
  readonly n: number;
  readonly ld: number;
  readonly relaxed: boolean;
  private readonly gemm: GemmFn;
  private readonly memory: SharedMemory;
  private readonly panel: number;
  private readonly scaled: number;
  private readonly packed: number;
  private readonly block: number;

  private constructor(memory: SharedMemory, n: number, big: number, useRelaxed: boolean) {
    this.memory = memory;
    this.n = n;
    this.ld = big;
    this.relaxed = useRelaxed;
    this.a = new Float32Array(memory.buffer, 0, big * big);
    this.panel = big * big;
    this.scaled = this.panel + big * SWEEP_BLOCK;
    this.packed = this.scaled + big * SWEEP_BLOCK;
    this.block = this.packed + big * SWEEP_BLOCK;
    this.gemm = sharedGemm(memory, useRelaxed);
  }

  /**
   * Workspace for an n × n inverse, or null where WebAssembly SIMD or shared memory is missing
   * (or TASTEBUD_WASM=0), so the caller keeps its float64 path. Throws a ConfigError when n is
   * too large for one WebAssembly memory.
   */
  static create(n: number): SpdInverse | null {
    const wasm = wasmApi();
    if (!wasm || process.env.TASTEBUD_WASM === '0' || typeof SharedArrayBuffer === 'undefined') return null;
    if (!wasm.validate(gemmModule({ shared: true }))) return null;
    const bytes = spdInverseBytes(n);
    if (bytes > MAX_BYTES)
      throw new ConfigError(`a float32 inverse of ${n} × ${n} needs ${(bytes / 2 ** 30).toFixed(1)} GiB, over WebAssembly's 4 GiB; use precision 'float64' or fewer items`);
    const pages = Math.ceil(bytes / 65536);
    const memory = new wasm.Memory({ initial: pages, maximum: pages, shared: true });
    return new SpdInverse(memory, n, roundUp(Math.max(n, 1), SWEEP_BLOCK), relaxedSimdAvailable());
  }

  /**
   * Replaces the lower triangle of `a` by that of −A⁻¹ (the sweep's sign; entries above the
   * diagonal are workspace). `threads` ≥ 2 adds one worker thread. Padding rows are identity.
   */
  async invertNegated(threads = 1): Promise<void> {
    const { n, ld: big, a } = this;
    for (let i = 0; i < big; i++) {
      if (i >= n) a.fill(0, i * big, i * big + i);
      a.fill(0, i * big + i + 1, (i + 1) * big);
      if (i >= n) a[i * big + i] = 1;
    }
    const blocks = big / SWEEP_BLOCK;
    const pool = threads >= 2 && blocks >= 4 ? await WorkerPool.start(new URL('./spd-worker.ts', import.meta.url), 1, { memory: this.memory, relaxed: this.relaxed }) : null;
    try {
      // The worker takes block columns [0, split): left columns are the tall ones, so a third of them is half the triangle.
      const split = pool ? Math.round(blocks * (1 - Math.SQRT1_2)) : 0;
      for (let k = 0; k < blocks; k++) {
        this.preparePanel(k);
        const mine: GemmCall[] = [];
        const theirs: GemmCall[] = [];
        for (let j = 0; j < blocks; j++) if (j !== k) (j < split ? theirs : mine).push(this.updateCall(j));
        const remote = pool && theirs.length > 0 ? pool.send(0, theirs) : null;
        for (const call of mine) this.gemm(...call);
        if (remote) await remote;
        this.writePanel(k);
      }
    } finally {
      await pool?.close();
    }
  }

  /** Gathers block column K (P = A_·K from the lower storage), D = P_KK⁻¹, S = P·D, and −Pᵀ packed by blocks. */
  private preparePanel(k: number): void {
    const { ld: big, a } = this;
    const nb = SWEEP_BLOCK;
    const f = new Float32Array(this.memory.buffer);
    const P = this.panel;
    const k0 = k * nb;
    // Rows at or below block K: A[r][K..]; rows above: A_iK = (A_Ki)ᵀ, read along A's row K·nb + c.
    for (let r = k0; r < big; r++) f.set(a.subarray(r * big + k0, r * big + k0 + nb), P + r * nb);
    for (let c = 0; c < nb; c++) {
      const row = (k0 + c) * big;
      for (let r = 0; r < k0; r++) f[P + r * nb + c] = a[row + r];
    }
    this.invertPivot(f, P + k0 * nb, k);
    this.gemm(4 * P, 4 * this.block, 4 * this.scaled, big, nb, nb, nb, 1, nb, nb, 0);
    const T = this.packed;
    for (let j = 0; j < big / nb; j++) {
      const t = T + j * nb * nb;
      for (let r = 0; r < nb; r++) {
        const p = P + (j * nb + r) * nb;
        for (let c = 0; c < nb; c++) f[t + c * nb + r] = -f[p + c];
      }
    }
  }

  /** C_{i ≥ j, j} += S_{i ≥ j}·(−P_jᵀ): block column j of the lower triangle. */
  private updateCall(j: number): GemmCall {
    const nb = SWEEP_BLOCK;
    const big = this.ld;
    const j0 = j * nb;
    return [4 * (this.scaled + j0 * nb), 4 * (this.packed + j * nb * nb), 4 * (j0 * big + j0), big - j0, nb, nb, nb, 1, nb, big, 1];
  }

  /** Writes S back as block column (and, transposed, block row) K, and −D as the diagonal block. */
  private writePanel(k: number): void {
    const { ld: big, a } = this;
    const nb = SWEEP_BLOCK;
    const f = new Float32Array(this.memory.buffer);
    const S = this.scaled;
    const D = this.block;
    const k0 = k * nb;
    for (let r = k0 + nb; r < big; r++) a.set(f.subarray(S + r * nb, S + r * nb + nb), r * big + k0);
    for (let c = 0; c < nb; c++) {
      const row = (k0 + c) * big;
      for (let r = 0; r < k0; r++) a[row + r] = f[S + r * nb + c];
    }
    for (let r = 0; r < nb; r++) for (let c = 0; c < nb; c++) a[(k0 + r) * big + k0 + c] = -f[D + r * nb + c];
  }

  /** D = (block at `at`, nb × nb, symmetric)⁻¹ through a float64 Cholesky, into the D slot. */
  private invertPivot(f: Float32Array, at: number, k: number): void {
    const nb = SWEEP_BLOCK;
    const l = new Float64Array(nb * nb);
    let scale = 0;
    for (let i = 0; i < nb; i++) scale = Math.max(scale, f[at + i * nb + i]);
    for (let i = 0; i < nb; i++) {
      for (let j = 0; j <= i; j++) {
        let s = f[at + i * nb + j];
        for (let p = 0; p < j; p++) s -= l[i * nb + p] * l[j * nb + p];
        if (i === j) {
          if (!(s > scale * PIVOT_TOLERANCE)) throw new ConfigError(`matrix is not positive definite (pivot ${k * nb + i} is ${s}); increase the regularisation`);
          l[i * nb + i] = Math.sqrt(s);
        } else l[i * nb + j] = s / l[j * nb + j];
      }
    }
    // W = L⁻¹ (lower), then D = WᵀW.
    const w = new Float64Array(nb * nb);
    for (let j = 0; j < nb; j++) {
      w[j * nb + j] = 1 / l[j * nb + j];
      for (let i = j + 1; i < nb; i++) {
        let s = 0;
        for (let p = j; p < i; p++) s -= l[i * nb + p] * w[p * nb + j];
        w[i * nb + j] = s / l[i * nb + i];
      }
    }
    const D = this.block;
    for (let i = 0; i < nb; i++) {
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let p = i; p < nb; p++) s += w[p * nb + i] * w[p * nb + j];
        f[D + i * nb + j] = s;
        f[D + j * nb + i] = s;
      }
    }
  }
}

function roundUp(v: number, to: number): number {
  return Math.ceil(v / to) * to;
}
