/**
 * One vector against a fixed table of rows, in WebAssembly SIMD: out = T·x + offsets, the
 * single-user scoring of serving (every item's vector times the user's). The table is copied
 * once into the module's memory, column-blocked (16 rows per block, each block stored dimension
 * by dimension), so the kernel is 4 vector multiply-adds per loaded x[d] and needs no horizontal
 * sums; about 4× the JavaScript loop (src/core/gemv.ts) at 1.7 K–20 K rows × 64.
 *
 * Sums are in float32, in dimension order (JavaScript's loop sums in float64): the scores agree
 * with it up to float rounding. Null where WebAssembly SIMD is missing; callers keep their
 * JavaScript path.
 */
import {
  ADD,
  block,
  br,
  brIf,
  EQZ,
  F32X4_ADD,
  F32X4_MUL,
  F32X4_SPLAT,
  get,
  I32,
  i32,
  loop,
  MODULE_HEADER,
  name,
  section,
  set,
  simd,
  SUB,
  uleb,
  V128,
  v128Load,
  v128Store,
} from './wasm-encode.ts';

/** The slice of the WebAssembly JS API used here (the compiler's ES2022 lib does not declare it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
}

/** gemv(table, x, offsets, out, dim, blocks): byte addresses, all 16-aligned. */
type GemvFn = (t: number, x: number, offsets: number, out: number, dim: number, blocks: number) => void;

const BLOCK = 16;

export class ResidentGemv {
  private constructor(
    private readonly fn: GemvFn,
    private readonly memory: Float32Array,
    private readonly dim: number,
    private readonly blocks: number,
    /** Float offsets of x, the offsets and the output in `memory`. */
    private readonly x: number,
    private readonly offsets: number,
    private readonly out: number,
    /** The output for the table's rows (a view of the module's memory). */
    private readonly view: Float32Array,
  ) {}

  /**
   * The rows × dim row-major `table` (and per-row `offsets`, or zeros) copied into a new
   * module's memory; null without WebAssembly SIMD.
   */
  static create(table: Float32Array, rows: number, dim: number, offsets: Float32Array | null): ResidentGemv | null {
    const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    if (!wasm || rows < 1 || dim < 1) return null;
    try {
      const bytes = gemvModule();
      if (!wasm.validate(bytes)) return null;
      const blocks = Math.ceil(rows / BLOCK);
      const padded = blocks * BLOCK;
      const x = padded * dim;
      const off = x + Math.ceil(dim / 4) * 4;
      const out = off + padded;
      const floats = out + padded;
      const memory = new wasm.Memory({ initial: Math.ceil((floats * 4) / 65536) });
      const instance = new wasm.Instance(new wasm.Module(bytes), { env: { memory } });
      const mem = new Float32Array(memory.buffer);
      // Block b holds rows 16b..16b+15, dimension by dimension: mem[(b·dim + d)·16 + r].
      for (let i = 0; i < rows; i++) {
        const base = Math.floor(i / BLOCK) * dim * BLOCK + (i % BLOCK);
        for (let d = 0; d < dim; d++) mem[base + d * BLOCK] = table[i * dim + d];
      }
      if (offsets) mem.set(offsets.subarray(0, rows), off);
      return new ResidentGemv(instance.exports.gemv as GemvFn, mem, dim, blocks, x, off, out, mem.subarray(out, out + rows));
    } catch {
      return null;
    }
  }

  /** T·x + offsets for every row: a view into the module's memory, overwritten by the next call. */
  scores(x: Float32Array, xOffset = 0): Float32Array {
    this.memory.set(x.subarray(xOffset, xOffset + this.dim), this.x);
    this.fn(0, this.x * 4, this.offsets * 4, this.out * 4, this.dim, this.blocks);
    return this.view;
  }
}

// ---- The module, assembled from bytes (no toolchain, no binary file).

const f32Load = [0x2a, 2, 0];

/** The module: imports env.memory, exports gemv (see GemvFn). */
export function gemvModule(): Uint8Array {
  // Params 0 t, 1 x, 2 offsets, 3 out, 4 dim, 5 blocks; locals 6 po, 7 px, 8 d (i32); 9..12 acc, 13 xv (v128).
  const [t, x, offsets, out, dim, blocks, po, px, d, xv] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 13];
  const acc = (h: number): number => 9 + h;
  const start: number[] = [];
  for (let h = 0; h < 4; h++) start.push(...get(offsets), ...get(po), ADD, ...v128Load(16 * h), ...set(acc(h)));
  // One dimension: acc[h] += x[d] · t[16 floats of this dimension].
  const step: number[] = [...get(px), ...f32Load, ...simd(F32X4_SPLAT), ...set(xv)];
  for (let h = 0; h < 4; h++) step.push(...get(acc(h)), ...get(xv), ...get(t), ...v128Load(16 * h), ...simd(F32X4_MUL), ...simd(F32X4_ADD), ...set(acc(h)));
  step.push(...get(t), ...i32(64), ADD, ...set(t), ...get(px), ...i32(4), ADD, ...set(px), ...get(d), ...i32(1), SUB, ...set(d));
  const store: number[] = [];
  for (let h = 0; h < 4; h++) store.push(...get(out), ...get(po), ADD, ...get(acc(h)), ...v128Store(16 * h));
  const body = [
    ...i32(0),
    ...set(po),
    ...block(
      loop([
        ...get(blocks),
        EQZ,
        ...brIf(1),
        ...start,
        ...get(x),
        ...set(px),
        ...get(dim),
        ...set(d),
        ...block(loop([...get(d), EQZ, ...brIf(1), ...step, ...br(0)])),
        ...store,
        ...get(po),
        ...i32(64),
        ADD,
        ...set(po),
        ...get(blocks),
        ...i32(1),
        SUB,
        ...set(blocks),
        ...br(0),
      ]),
    ),
    0x0b,
  ];
  const func = [2, 3, I32, 5, V128, ...body];
  return Uint8Array.from([
    ...MODULE_HEADER,
    ...section(1, [1, 0x60, 6, ...new Array(6).fill(I32), 0]),
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x00, 1]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name('gemv'), 0x00, 0]),
    ...section(10, [1, ...uleb(func.length), ...func]),
  ]);
}
