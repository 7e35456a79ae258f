import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Dense, type RunRows } from '../../src/core/dense.ts';
import { simdKernel } from '../../src/core/matmul.ts';
import { Mlp } from '../../src/core/mlp.ts';
import { Rng } from '../../src/core/rng.ts';
import { checkEntries, randomArray } from '../helpers/gradcheck.ts';

const SGD = { name: 'sgd' as const, learningRate: 0.1 };
// A smaller step than the helpers' default (with 16 and 8 ReLU units a step of 1e-2 often crosses
// a kink), so a looser tolerance for float32 round-off in the differences; a wrong mask or product
// is off by far more.
const H = 2e-3;
const TOL = { rtol: 1e-2, atol: 5e-5 };

/** Rows in runs: `lengths[q]` rows share run q's first `ks` columns. */
function runRows(lengths: number[], ks: number, kr: number, seed: number): { rows: RunRows; full: Float32Array; n: number } {
  const runs = lengths.length;
  const n = lengths.reduce((a, b) => a + b, 0);
  const start = new Int32Array(runs + 1);
  for (let q = 0; q < runs; q++) start[q + 1] = start[q] + lengths[q];
  const shared = randomArray(runs * ks, seed);
  const rest = randomArray(n * kr, seed + 1);
  const full = new Float32Array(n * (ks + kr));
  for (let q = 0; q < runs; q++) {
    for (let r = start[q]; r < start[q + 1]; r++) {
      full.set(shared.subarray(q * ks, (q + 1) * ks), r * (ks + kr));
      full.set(rest.subarray(r * kr, (r + 1) * kr), r * (ks + kr) + ks);
    }
  }
  return { rows: { runs, start, shared, sharedDim: ks, rest }, full, n };
}

/** The plain JavaScript reference of a ReLU layer: y = max(x·W + b, 0); dz = dy·[y > 0]; dW = xᵀdz, db = Σ dz, dx = dz·Wᵀ. */
function reference(x: Float32Array, w: Float32Array, b: Float32Array, dy: Float32Array, n: number, k: number, m: number, relu: boolean) {
  const y = new Float64Array(n * m);
  const dz = new Float64Array(n * m);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      let s = b[j];
      for (let p = 0; p < k; p++) s += x[i * k + p] * w[p * m + j];
      y[i * m + j] = relu ? Math.max(s, 0) : s;
      dz[i * m + j] = relu && !(s > 0) ? 0 : dy[i * m + j];
    }
  const dW = new Float64Array(k * m);
  const db = new Float64Array(m);
  const dx = new Float64Array(n * k);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      const g = dz[i * m + j];
      db[j] += g;
      for (let p = 0; p < k; p++) {
        dW[p * m + j] += x[i * k + p] * g;
        dx[i * k + p] += g * w[p * m + j];
      }
    }
  return { y, dW, db, dx };
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, count: number, what: string): void {
  for (let i = 0; i < count; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= 1e-5 * (1 + Math.abs(expected[i])), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
}

// m = 16: the SIMD kernel's layer passes; m = 6: the JavaScript path (outputs not a multiple of 8).
for (const m of [16, 6]) {
  test(`a ReLU layer (${m} outputs) over runs of rows and over whole rows both equal the plain JavaScript reference`, () => {
    if (m === 16 && process.env.TASTEBUD_WASM !== '0') assert.ok(simdKernel()?.hasLayerPasses(m), 'the SIMD layer passes should be available here');
    const [ks, kr] = [5, 7];
    const { rows, full, n } = runRows([1, 5, 3, 5], ks, kr, 3);
    const layer = new Dense(ks + kr, m, new Rng(1), { optimizer: SGD });
    layer.bias.data.set(randomArray(m, 4, 0.5));
    const dy = randomArray(n * m, 5);
    const ref = reference(full, layer.weight.data, layer.bias.data, dy, n, ks + kr, m, true);

    const y = layer.forwardBatch(full, n, true).slice(0, n * m);
    assertClose(y, ref.y, n * m, 'whole rows: y');
    const dx = layer.backwardRelu(dy.slice(), n)!.slice(0, n * (ks + kr));
    assertClose(layer.gradWeight, ref.dW, ref.dW.length, 'whole rows: dW');
    assertClose(layer.gradBias, ref.db, m, 'whole rows: db');
    assertClose(dx, ref.dx, n * (ks + kr), 'whole rows: dx');

    const yr = layer.forwardRuns(rows, n, true).slice(0, n * m);
    assertClose(yr, ref.y, n * m, 'runs: y');
    const g = layer.backwardReluRuns(dy.slice(), n);
    assertClose(layer.gradWeight, ref.dW, ref.dW.length, 'runs: dW');
    assertClose(layer.gradBias, ref.db, m, 'runs: db');
    // dShared is the run's rows' shared-column gradients summed; dRest is per row.
    for (let q = 0; q < rows.runs; q++) {
      const sum = new Float64Array(ks);
      for (let r = rows.start[q]; r < rows.start[q + 1]; r++) for (let p = 0; p < ks; p++) sum[p] += ref.dx[r * (ks + kr) + p];
      assertClose(g.shared.subarray(q * ks), sum, ks, `runs: dShared run ${q}`);
    }
    for (let r = 0; r < n; r++) assertClose(g.rest.subarray(r * kr), ref.dx.subarray(r * (ks + kr) + ks), kr, `runs: dRest row ${r}`);
  });
}

test('a linear layer over runs (forwardRuns without ReLU, backwardRuns) equals the plain reference', () => {
  const [ks, kr, m] = [4, 3, 8];
  const { rows, full, n } = runRows([2, 2, 4], ks, kr, 7);
  const layer = new Dense(ks + kr, m, new Rng(2), { optimizer: SGD });
  layer.bias.data.set(randomArray(m, 8, 0.5));
  const dy = randomArray(n * m, 9);
  const ref = reference(full, layer.weight.data, layer.bias.data, dy, n, ks + kr, m, false);
  assertClose(layer.forwardRuns(rows, n, false), ref.y, n * m, 'y');
  const g = layer.backwardRuns(dy.slice(), n);
  assertClose(layer.gradWeight, ref.dW, ref.dW.length, 'dW');
  assertClose(layer.gradBias, ref.db, m, 'db');
  for (let r = 0; r < n; r++) assertClose(g.rest.subarray(r * kr), ref.dx.subarray(r * (ks + kr) + ks), kr, `dRest row ${r}`);
  assert.throws(() => new Dense(3, 8, new Rng(1), { optimizer: SGD }).backwardReluRuns(dy, 1), /before forwardRuns/);
});

test('ReLU MLP gradients through forwardRuns / backwardRuns (the SIMD layer passes) match finite differences', () => {
  const [ks, kr] = [6, 10];
  const { rows, n } = runRows([3, 1, 4], ks, kr, 11);
  const mlp = new Mlp(new Rng(3), { inputDim: ks + kr, layers: [16, 8], outputDim: 1, optimizer: SGD });
  for (const layer of mlp.layers()) layer.bias.data.set(randomArray(layer.outDim, 12, 0.3));
  const c = randomArray(n, 13);
  const loss = (): number => {
    const y = mlp.forwardRuns(rows, n, new Rng(1));
    let s = 0;
    for (let i = 0; i < n; i++) s += c[i] * y[i];
    return s;
  };
  loss();
  const g = mlp.backwardRuns(c.slice(), n);
  const dShared = g.shared.slice(0, rows.runs * ks);
  const dRest = g.rest.slice(0, n * kr);
  const grads = mlp.layers().map((l) => ({ w: l.gradWeight.slice(), b: l.gradBias.slice() }));
  mlp.layers().forEach((l, i) => {
    checkEntries(loss, l.weight.data, grads[i].w, `layer ${i} dW`, 12, H, TOL);
    checkEntries(loss, l.bias.data, grads[i].b, `layer ${i} db`, 6, H, TOL);
  });
  checkEntries(loss, rows.shared, dShared, 'dShared', 12, H, TOL);
  checkEntries(loss, rows.rest, dRest, 'dRest', 12, H, TOL);
});

test('ReLU MLP gradients over whole rows with layers of 8 and 16 (the SIMD backward) match finite differences', () => {
  const n = 7;
  const mlp = new Mlp(new Rng(5), { inputDim: 9, layers: [16, 8], outputDim: 2, optimizer: SGD });
  for (const layer of mlp.layers()) layer.bias.data.set(randomArray(layer.outDim, 14, 0.3));
  const x = randomArray(n * 9, 15);
  const c = randomArray(n * 2, 16);
  const loss = (): number => {
    const y = mlp.forwardBatch(x, n, new Rng(1));
    let s = 0;
    for (let i = 0; i < n * 2; i++) s += c[i] * y[i];
    return s;
  };
  loss();
  const dx = mlp.backwardBatch(c.slice(), n)!.slice(0, n * 9);
  const grads = mlp.layers().map((l) => ({ w: l.gradWeight.slice(), b: l.gradBias.slice() }));
  mlp.layers().forEach((l, i) => {
    checkEntries(loss, l.weight.data, grads[i].w, `layer ${i} dW`, 12, H, TOL);
    checkEntries(loss, l.bias.data, grads[i].b, `layer ${i} db`, 6, H, TOL);
  });
  checkEntries(loss, x, dx, 'dX', 12, H, TOL);
});
