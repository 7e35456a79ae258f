import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../src/core/rng.ts';
import { EmbeddingInput, type EmbeddingOptimizerMode } from '../../../src/models/deep/embedding-input.ts';
import { NCF } from '../../../src/models/deep/ncf.ts';
import { createModel } from '../../../src/models/registry.ts';
import { checkModelGradient, pairBceLoss, randomArray, tinyInteractions } from '../../helpers/gradcheck.ts';
import { plantedSplit } from '../../helpers/deep-data.ts';
import { popularity, ranking } from '../../helpers/metrics.ts';

const LR = 0.01;
const L2 = 0.001;

/** Batches of (ids, row gradients): rows repeat within a batch (summed) and most rows sit some batches out. */
function batches(rows: number, dim: number): { ids: Int32Array; grad: Float32Array }[] {
  const pick = [
    [0, 3, 3, 1],
    [2, 4],
    [0, 0, rows - 1],
    [5, 1, 2],
  ];
  return pick.map((ids, b) => ({ ids: Int32Array.from(ids), grad: randomArray(ids.length * dim, 11 + b, 0.5) }));
}

/**
 * The plain Adam step PyTorch takes on a dense-gradient embedding table, in float64: every row
 * every step, a zero gradient on rows the batch did not touch, one global step count, L2 added
 * to the gradient of every row.
 */
function referenceDenseAdam(w0: Float32Array, rows: number, dim: number, steps: { ids: Int32Array; grad: Float32Array }[]): Float64Array {
  const w = Float64Array.from(w0);
  const m = new Float64Array(w.length);
  const v = new Float64Array(w.length);
  steps.forEach(({ ids, grad }, k) => {
    const g = new Float64Array(rows * dim);
    ids.forEach((row, r) => {
      for (let d = 0; d < dim; d++) g[row * dim + d] += grad[r * dim + d];
    });
    const t = k + 1;
    for (let i = 0; i < w.length; i++) {
      const gi = g[i] + L2 * w[i];
      m[i] = 0.9 * m[i] + 0.1 * gi;
      v[i] = 0.999 * v[i] + 0.001 * gi * gi;
      w[i] -= (LR * (m[i] / (1 - 0.9 ** t))) / (Math.sqrt(v[i] / (1 - 0.999 ** t)) + 1e-8);
    }
  });
  return w;
}

function stepped(mode: EmbeddingOptimizerMode, rows: number, dim: number): { w0: Float32Array; w: Float32Array } {
  const e = new EmbeddingInput('user', rows, dim, null, { name: 'adam', learningRate: LR }, new Rng(4), 0.3, mode);
  const w0 = e.table.id!.data.slice();
  for (const { ids, grad } of batches(rows, dim)) {
    e.accumulate(ids, ids.length, grad, dim, 0);
    e.apply(L2);
  }
  return { w0, w: e.table.id!.data };
}

// 8 × 3 runs Param.updateAll's JavaScript loop (float64 arithmetic); 40 × 16 its SIMD kernel (float32).
for (const [rows, dim, tol] of [
  [8, 3, 2e-7],
  [40, 16, 2e-6],
] as const) {
  test(`embeddingOptimizer 'dense' (${rows} × ${dim}): every row's Adam steps equal a plain dense reference within float rounding`, () => {
    const { w0, w } = stepped('dense', rows, dim);
    const ref = referenceDenseAdam(w0, rows, dim, batches(rows, dim));
    let worst = 0;
    for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(w[i] - ref[i]));
    assert.ok(worst < tol, `largest difference from the reference ${worst}`);
    // Row 4 is touched only in the 2nd batch: dense Adam keeps moving it on its momentum after.
    const lazy = stepped('lazy', rows, dim).w;
    const moved = (a: ArrayLike<number>, b: ArrayLike<number>, row: number): number => Math.abs(a[row * dim] - b[row * dim]);
    assert.ok(moved(w, lazy, 4) > LR / 10, `dense and lazy should differ on row 4 after it was left out: ${moved(w, lazy, 4)}`);
    // A row no batch touches still moves under dense (L2 only) but stays put under lazy.
    const never = rows - 2;
    assert.equal(moved(lazy, w0, never), 0);
    assert.ok(moved(w, w0, never) > 0);
  });
}

test("ncf with embeddingOptimizer 'dense': the gradient of embeddings and dense weights matches finite differences", async () => {
  // Plain SGD at rate 0.1 and no L2: a dense step on zero gradients moves nothing, so one epoch of
  // one example is one gradient step through the dense path's scatter.
  const train = tinyInteractions(3, 3, [[1, 2, 1]]);
  const config = { factors: 4, layers: [6, 3], activation: 'tanh', optimizer: 'sgd', learningRate: 0.1, negatives: 0, batchSize: 1, initStd: 0.3, embeddingOptimizer: 'dense' };
  const model = new NCF(config);
  await checkModelGradient(
    model,
    train,
    0.1,
    pairBceLoss(model, 1, 2, 1),
    [
      ['user.id', 4],
      ['user.id', 6],
      ['item.id', 8],
      ['item.id', 11],
      ['mlp.0.weight', 3],
      ['mlp.1.weight', 2],
      ['mlp.out.weight', 0],
    ],
    [
      ['user.id', 0],
      ['item.id', 0],
    ],
  );
});

test("ncf with embeddingOptimizer 'dense' learns planted preferences and clearly beats popularity", async () => {
  const { train, test: held } = plantedSplit();
  const pop = ranking(popularity(train), train, held);
  const model = createModel('ncf', { factors: 16, layers: [32, 16], learningRate: 0.005, embeddingOptimizer: 'dense', epochs: 8 });
  await model.fit(train, { threads: 1 });
  const r = ranking(model, train, held);
  assert.ok(r.auc > pop.auc + 0.1, `AUC ${r.auc} vs popularity ${pop.auc}`);
  assert.ok(r.p10 > pop.p10 + 0.05, `P@10 ${r.p10} vs popularity ${pop.p10}`);
});

test("embeddingOptimizer 'dense': clear errors for neumf and for embeddings with metadata features", async () => {
  assert.throws(() => createModel('neumf', { embeddingOptimizer: 'dense' }), /neumf: embeddingOptimizer 'dense' is ncf's only/);
  assert.throws(() => createModel('ncf' as string, { embeddingOptimizer: 'sparse' }), /embeddingOptimizer/);
  const { data, train } = plantedSplit({ itemFeatures: 4 });
  const model = createModel('ncf', { embeddingOptimizer: 'dense', epochs: 1 });
  await assert.rejects(model.fit(train, { threads: 1, itemFeatures: data.itemFeatures }), /item embedding: embeddingOptimizer 'dense' needs a plain id table/);
});
