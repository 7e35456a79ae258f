/**
 * GFLOPS per core of the dense-layer kernels (src/core/matmul.ts): the naive triple loop, the
 * JavaScript 4 × 4 register-tiled kernels, and the WebAssembly SIMD kernel (what `matmul`
 * dispatches to), for forward (X·W + b; and with ReLU fused or as a separate pass), input
 * gradient (dY·Wᵀ) and weight gradient (Xᵀ·dY),
 * on the shapes deep recommenders use (a 256-row batch through 64→32 and 128→64 layers) and a
 * 512³ product. Prints one JSON object. Run: node --import tsx bench/dense.ts
 */
import { matmulJs, matmulNaive, matmulTransAJs, matmulTransBJs } from '../src/core/matmul.ts';
import { WasmGemm } from '../src/core/wasm-gemm.ts';
import { Rng } from '../src/core/rng.ts';
import { activate } from '../src/core/activations.ts';

const TARGET_GFLOPS = 5;

function random(n: number, rng: Rng): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(-1, 1);
  return a;
}

/** Best-of-5 GFLOPS of `run`, repeated to ~0.2 s per sample. */
function gflops(flops: number, run: () => void): number {
  const reps = Math.max(2, Math.ceil(4e8 / flops));
  for (let r = 0; r < reps; r++) run();
  let best = Infinity;
  for (let t = 0; t < 5; t++) {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) run();
    best = Math.min(best, (performance.now() - t0) / reps);
  }
  return flops / (best * 1e6);
}

const rng = new Rng(1);
const wasm = WasmGemm.create();
const round = (v: number): number => Math.round(v * 100) / 100;
const shapes: [string, number, number, number][] = [
  ['256x64 * 64x32', 256, 64, 32],
  ['255x64 * 64x64 (NCF layer 1)', 255, 64, 64],
  ['256x128 * 128x64', 256, 128, 64],
  ['512x512 * 512x512', 512, 512, 512],
];
const results = shapes.map(([name, n, k, m]) => {
  const x = random(n * k, rng);
  const w = random(k * m, rng);
  const b = random(m, rng);
  const y = new Float32Array(n * m);
  const dx = new Float32Array(n * k);
  const dw = new Float32Array(k * m);
  const flops = 2 * n * k * m;
  const js = {
    forward: round(gflops(flops, () => matmulJs(x, w, b, y, n, k, m))),
    backwardInput: round(gflops(flops, () => matmulTransBJs(y, w, dx, n, m, k))),
    backwardWeights: round(gflops(flops, () => matmulTransAJs(x, y, dw, n, k, m))),
  };
  const simd = wasm
    ? {
        forward: round(gflops(flops, () => wasm.matmul(x, w, b, y, n, k, m, false, 0))),
        backwardInput: round(gflops(flops, () => wasm.matmulTransB(y, w, dx, n, m, k, false))),
        backwardWeights: round(gflops(flops, () => wasm.matmulTransA(x, y, dw, n, k, m, false))),
        // A ReLU layer's forward: bias and ReLU fused into the product, against the product then a JavaScript ReLU pass.
        forwardReluFused: round(gflops(flops, () => wasm.matmul(x, w, b, y, n, k, m, false, 0, true))),
        forwardReluSeparate: round(
          gflops(flops, () => {
            wasm.matmul(x, w, b, y, n, k, m, false, 0);
            activate('relu', y, n * m);
          }),
        ),
      }
    : null;
  const best = simd ?? js;
  const mean = (best.forward + best.backwardInput + best.backwardWeights) / 3;
  return { shape: name, naive: round(gflops(flops, () => matmulNaive(x, w, b, y, n, k, m))), javascript: js, wasmSimd: simd, fractionOfTarget: round(mean / TARGET_GFLOPS) };
});
console.log(JSON.stringify({ bench: 'dense', unit: 'GFLOPS per core', targetGflops: TARGET_GFLOPS, results }, null, 1));
