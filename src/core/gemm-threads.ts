/**
 * A second thread for the WebAssembly GEMM (src/core/wasm-gemm.ts) that synchronous code can use:
 * the calling thread's kernel works in a shared WebAssembly memory, hands part of each large
 * product to one helper worker through a shared control block, computes its own part, and blocks
 * (Atomics.wait, which Node allows on its main thread) until the helper is done. This is how the
 * VAEs, whose training step is a chain of dense products over the catalogue, use two cores
 * without Hogwild: nothing about training changes but where the arithmetic runs.
 *
 * The split is at whole tiles — C's rows at a multiple of 4, or its columns at a multiple of 8 —
 * and the kernel computes each 4 × 8 tile of C the same way whichever thread runs it (the same
 * operands, the same order over the shared dimension), so a product over two threads equals the
 * one-thread product bit for bit. Products under SPLIT_MIN_WORK multiply-adds, and every product
 * before the helper has started, run on the calling thread alone (with the same result).
 *
 * One helper per process, started on first use and unref'd (it never keeps a process alive);
 * idle, it sleeps in Atomics.wait and costs no CPU.
 */
import type { Worker } from 'node:worker_threads';
import { startWorker } from './pool.ts';
import { type GemmFn, SHARED_MAX_PAGES, WasmGemm, type WasmMemory } from './wasm-gemm.ts';

/** The control block's slots (Int32Array): the state, the helper's gemm arguments, the ready flag, products run by the helper. */
export const CONTROL = { state: 0, args: 1, ready: 12, jobs: 13, length: 16 } as const;
/** Values of the state slot. */
export const STATE = { idle: 0, posted: 1, done: 2, failed: 3 } as const;

/** Products smaller than this many multiply-adds are not split: waking the helper (~10–50 µs) would cost more than half of them. */
export const SPLIT_MIN_WORK = 1 << 21;

interface SharedWasm {
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
}

interface Helper {
  kernel: WasmGemm;
  control: Int32Array;
  worker: Worker;
}

// Started on first use; null where WebAssembly SIMD or shared memory is missing.
let helper: Helper | null | undefined;
let warned = false;

/** The two-thread kernel (starting its helper on first call), or null where it cannot run. */
export function twoThreadKernel(): WasmGemm | null {
  if (helper === undefined) helper = startHelper();
  return helper?.kernel ?? null;
}

/**
 * Resolves true once the helper takes work (products before that run on one thread), false
 * where there is none or it failed to start. For callers that want the speed from the first product.
 */
export async function twoThreadsReady(): Promise<boolean> {
  if (twoThreadKernel() === null) return false;
  const control = helper!.control;
  // Polled on a timer: the helper is unref'd, and an Atomics.waitAsync alone would not keep the process waiting for it.
  while (Atomics.load(control, CONTROL.ready) === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  if (Atomics.load(control, CONTROL.ready) === 1) return true;
  if (!warned) process.emitWarning('the GEMM helper thread did not start: products run on one thread', { code: 'TASTEBUD_GEMM_HELPER' });
  warned = true;
  return false;
}

/** Products the helper has run in this process (for tests and benches: proof that the work was split). */
export function helperProducts(): number {
  return helper ? Atomics.load(helper.control, CONTROL.jobs) : 0;
}

function startHelper(): Helper | null {
  const wasm = (globalThis as { WebAssembly?: SharedWasm }).WebAssembly;
  if (!wasm || typeof SharedArrayBuffer === 'undefined') return null;
  let memory: WasmMemory;
  try {
    memory = new wasm.Memory({ initial: 16, maximum: SHARED_MAX_PAGES, shared: true });
  } catch {
    return null;
  }
  const control = new Int32Array(new SharedArrayBuffer(4 * CONTROL.length));
  const kernel = WasmGemm.create({ memory, wrap: (gemm) => splitOverHelper(gemm, control) });
  if (kernel === null) return null;
  const worker = startWorker(new URL('./gemm-worker.ts', import.meta.url), { memory, control });
  worker.unref();
  const fail = (): void => {
    Atomics.store(control, CONTROL.ready, -1);
    Atomics.notify(control, CONTROL.ready);
  };
  worker.on('error', fail);
  worker.on('exit', fail);
  return { kernel, control, worker };
}

/**
 * `gemm` with large products split between this thread and the helper: C's rows at a multiple of
 * 4 when that halves it at least as evenly as its columns at a multiple of 8, else the columns.
 */
function splitOverHelper(gemm: GemmFn, control: Int32Array): GemmFn {
  return (a, b, c, n, k, m, sai, sap, ldb, ldc, acc) => {
    if (n * k * m < SPLIT_MIN_WORK || Atomics.load(control, CONTROL.ready) !== 1) return gemm(a, b, c, n, k, m, sai, sap, ldb, ldc, acc);
    const byRows = n / 4 >= m / 8;
    const half = byRows ? Math.round(n / 8) * 4 : Math.round(m / 16) * 8;
    if (half === 0 || half === (byRows ? n : m)) return gemm(a, b, c, n, k, m, sai, sap, ldb, ldc, acc);
    // Addresses are in bytes, strides in floats. The helper takes the second part.
    if (byRows) control.set([a + 4 * half * sai, b, c + 4 * half * ldc, n - half, k, m, sai, sap, ldb, ldc, acc], CONTROL.args);
    else control.set([a, b + 4 * half, c + 4 * half, n, k, m - half, sai, sap, ldb, ldc, acc], CONTROL.args);
    Atomics.store(control, CONTROL.state, STATE.posted);
    Atomics.notify(control, CONTROL.state);
    try {
      if (byRows) gemm(a, b, c, half, k, m, sai, sap, ldb, ldc, acc);
      else gemm(a, b, c, n, k, half, sai, sap, ldb, ldc, acc);
    } finally {
      // Never leave while the helper still writes into this memory (unless it is gone).
      while (Atomics.load(control, CONTROL.state) === STATE.posted && Atomics.load(control, CONTROL.ready) !== -1) Atomics.wait(control, CONTROL.state, STATE.posted, 1000);
    }
    const state = Atomics.exchange(control, CONTROL.state, STATE.idle);
    if (state !== STATE.done) throw new Error('the GEMM helper thread failed on its part of a product');
  };
}
