/**
 * WebAssembly binary encoding by hand (binary format 1 and the SIMD proposal): LEB128 numbers,
 * sections, and the instructions the kernels in wasm-gemm.ts and wasm-gemv.ts are written in.
 * No toolchain and no binary file: each kernel assembles its module from these bytes at start.
 */

export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;

/** The 8 bytes every module starts with: "\0asm" and version 1. */
export const MODULE_HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

export function uleb(v: number): number[] {
  const out: number[] = [];
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

/** Signed LEB128, as i32.const takes it: 64 is 0xc0 0x00 (0x40 alone would be -64). */
export function sleb(v: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

export const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
export const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];

// Instructions.
export const get = (i: number): number[] => [0x20, ...uleb(i)];
export const set = (i: number): number[] => [0x21, ...uleb(i)];
export const tee = (i: number): number[] => [0x22, ...uleb(i)];
export const i32 = (v: number): number[] => [0x41, ...sleb(v)];
export const i32Load = (offset = 0): number[] => [0x28, 2, ...uleb(offset)];
export const ADD = 0x6a;
export const SUB = 0x6b;
export const MUL = 0x6c;
export const SHL = 0x74;
export const GE_S = 0x4e;
export const EQZ = 0x45;
export const block = (body: number[]): number[] => [0x02, 0x40, ...body, 0x0b];
export const loop = (body: number[]): number[] => [0x03, 0x40, ...body, 0x0b];
export const brIf = (depth: number): number[] => [0x0d, ...uleb(depth)];
export const br = (depth: number): number[] => [0x0c, ...uleb(depth)];
export const ifThen = (body: number[]): number[] => [0x04, 0x40, ...body, 0x0b];
export const simd = (op: number): number[] => [0xfd, ...uleb(op)];
export const v128Load = (offset = 0): number[] => [...simd(0), 2, ...uleb(offset)];
export const v128Store = (offset = 0): number[] => [...simd(11), 2, ...uleb(offset)];
/** v128.load32_splat: one float from memory into all four lanes (a load and a splat in one). */
export const v128Load32Splat = (offset = 0): number[] => [...simd(9), 2, ...uleb(offset)];
export const v128Zero = (): number[] => [...simd(12), ...new Array(16).fill(0)];
export const F32X4_SPLAT = 19;
export const F32X4_ADD = 228;
export const F32X4_MUL = 230;
