/**
 * The work of bench/thread-contention.ts, per thread:
 * - `gemm`: NCF's first layer forward, 255 × 64 · 64 × 64 with bias and ReLU, in the SIMD kernel
 *   (its own WebAssembly memory; nothing shared);
 * - `rows`: row-sparse Adam steps on 200 random rows per step of a 1,682 × 32 item table (an NCF
 *   batch's item updates on ML-100K), the rows drawn per thread;
 * - `dense`: dense Adam steps on NCF's layers (64 × 64, 64 × 32, 32 × 1 weights);
 * `rows` and `dense` on private parameters, or, with `shared` buffers, on the same parameters as
 * the other thread (Hogwild's layout: the writes of one core invalidate the other's cache lines).
 */
import { WasmGemm } from '../src/core/wasm-gemm.ts';
import { Param } from '../src/core/params.ts';
import { Rng } from '../src/core/rng.ts';

export type Buffers = ReturnType<Param['buffers']>[];

const ADAM = { name: 'adam' as const, learningRate: 1e-3 };
const DENSE: [number, number][] = [
  [64, 64],
  [64, 32],
  [32, 1],
];

/** The parameters of `kind` ('rows' or 'dense'), over `shared` buffers when given. */
export function contentionParams(kind: string, shared: Buffers | null): Param[] {
  const shapes: [number, number][] = kind === 'rows' ? [[1682, 32]] : DENSE;
  return shapes.map(([r, c], k) => {
    const p = new Param(`p${k}`, r, c, ADAM);
    if (shared) p.adoptBuffers(shared[k]);
    return p;
  });
}

export function contentionWork(kind: string, seed: number, shared: Buffers | null = null): (reps: number) => number {
  const rng = new Rng(seed);
  if (kind === 'gemm') {
    const gemm = WasmGemm.create();
    if (!gemm) throw new Error('no WebAssembly SIMD');
    const x = Float32Array.from({ length: 255 * 64 }, () => rng.uniform(-1, 1));
    const w = Float32Array.from({ length: 64 * 64 }, () => rng.uniform(-1, 1));
    const b = new Float32Array(64);
    const y = new Float32Array(255 * 64);
    return (reps) => {
      for (let r = 0; r < reps; r++) gemm.matmul(x, w, b, y, 255, 64, 64, false, 0, true);
      return y[0];
    };
  }
  const params = contentionParams(kind, shared);
  if (kind === 'rows') {
    const table = params[0];
    const batches = 64;
    const rows = Int32Array.from({ length: batches * 200 }, () => rng.int(1682));
    const grads = Float32Array.from({ length: 200 * 32 }, () => rng.uniform(-1e-3, 1e-3));
    return (reps) => {
      for (let r = 0; r < reps; r++) table.updateRows(rows.subarray((r % batches) * 200), 200, grads, 0);
      return table.data[0];
    };
  }
  const grads = params.map((p) => Float32Array.from({ length: p.rows * p.cols }, () => rng.uniform(-1e-3, 1e-3)));
  return (reps) => {
    for (let r = 0; r < reps; r++) for (let k = 0; k < params.length; k++) params[k].updateAll(grads[k]);
    return params[0].data[0];
  };
}
