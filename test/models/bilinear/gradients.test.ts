import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BilinearModel } from '../../../src/models/bilinear/model.ts';
import { tableParams } from '../../../src/models/bilinear/tables.ts';
import { Rng } from '../../../src/core/rng.ts';
import { IdMap } from '../../../src/data/idmap.ts';
import { Interactions } from '../../../src/data/interactions.ts';
import { tinyItemFeatures, tinyUserFeatures } from '../../helpers/bilinear-data.ts';
import { assertGradClose, FLOAT32_GRAD_TOLERANCE, numericGradients } from '../../helpers/gradcheck.ts';

// 4 users × 6 items; user features: 3 (users 0,1 share f0), item features: 4 (weighted, overlapping).
const userIds = new IdMap(['a', 'b', 'c', 'd']);
const itemIds = new IdMap(['p', 'q', 'r', 's', 't', 'u']);
const train = new Interactions({ users: Int32Array.from([0, 0, 1, 2, 3]), items: Int32Array.from([0, 1, 2, 3, 4]), userIds, itemIds });

const userFeatures = tinyUserFeatures;
const itemFeatures = tinyItemFeatures;

const lr = 1e-3;
const variants: { name: string; config: Record<string, unknown>; hybrid: 'none' | 'both' | 'features-only' }[] = [];
for (const loss of ['bpr', 'warp', 'logistic', 'margin', 'adaptive-hinge']) {
  for (const hybrid of ['none', 'both', 'features-only'] as const) {
    variants.push({ name: `${loss}, dot, ${hybrid}`, config: { loss }, hybrid });
  }
}
for (const hybrid of ['none', 'both'] as const) variants.push({ name: `margin, cosine, ${hybrid}`, config: { loss: 'margin', similarity: 'cosine' }, hybrid });
variants.push({ name: 'bpr, dot, no biases', config: { loss: 'bpr', biases: false }, hybrid: 'none' });
for (const loss of ['bpr', 'warp', 'logistic']) {
  for (const hybrid of ['none', 'both'] as const) {
    for (const optimizer of ['adagrad', 'adagrad-rowwise'])
      variants.push({ name: `${loss}, dot, ${hybrid}, ${optimizer}`, config: { loss, optimizer, initialAccumulator: 0.5 }, hybrid });
  }
}
variants.push({
  name: 'margin, cosine, both, adagrad-rowwise',
  config: { loss: 'margin', similarity: 'cosine', optimizer: 'adagrad-rowwise', initialAccumulator: 0.5 },
  hybrid: 'both',
});

for (const v of variants) {
  test(`bilinear ${v.name}: one triplet step moves every parameter by −lr × the finite-difference gradient`, async () => {
    const model = new BilinearModel('bilinear', {
      optimizer: 'sgd',
      ...v.config,
      factors: 3,
      learningRate: lr,
      initScale: 0.6,
      margin: 2,
      identityFeatures: v.hybrid !== 'features-only',
    });
    const withFeatures = v.hybrid !== 'none';
    await model.fit(train, { epochs: 0, threads: 1, userFeatures: withFeatures ? userFeatures : undefined, itemFeatures: withFeatures ? itemFeatures : undefined });
    const params = tableParams(model.tables!);
    const rng = new Rng(5);
    for (const p of params) for (let k = 0; k < p.data.length; k++) p.data[k] = rng.uniform(-0.6, 0.6); // biases too
    const kernel = model.trainingKernel!;
    const [u, i, j] = [1, 2, 5];
    // Numeric gradient of the triplet loss for every parameter entry.
    const numeric = numericGradients(
      () => kernel.tripletLoss(u, i, j),
      params.map((p) => p.data),
      1e-3,
    );
    const loss = kernel.tripletLoss(u, i, j);
    assert.ok(loss > 0, `the triplet must be inside the margin / have a gradient (loss ${loss})`);
    const before = params.map((p) => Float64Array.from(p.data));
    assert.equal(kernel.tripletStep(u, i, j), loss, 'tripletStep reports the loss before its update');
    let moved = 0;
    params.forEach((p, k) => {
      for (let e = 0; e < p.data.length; e++) {
        const delta = p.data[e] - before[k][e];
        if (delta !== 0) moved++;
        if (v.config.optimizer === 'adagrad-rowwise') {
          // Row-wise Adagrad from a₀: acc = a₀ + mean over the row of g², Δ = −lr·g / (√acc + ε).
          const row = Math.floor(e / p.cols);
          let ms = 0;
          for (let c = 0; c < p.cols; c++) ms += numeric[k][row * p.cols + c] ** 2;
          const expected = (-lr * numeric[k][e]) / (Math.sqrt(0.5 + ms / p.cols) + 1e-7);
          assertGradClose(delta / lr, expected / lr, `${p.name}[${e}] row-wise adagrad step`, FLOAT32_GRAD_TOLERANCE);
        } else if (v.config.optimizer === 'adagrad') {
          // Adagrad from accumulator a₀: Δ = −lr·g / (√(a₀ + g²) + ε), per coordinate.
          const g = numeric[k][e];
          const expected = (-lr * g) / (Math.sqrt(0.5 + g * g) + 1e-7);
          assertGradClose(delta / lr, expected / lr, `${p.name}[${e}] adagrad step`, FLOAT32_GRAD_TOLERANCE);
        } else {
          assertGradClose(-delta / lr, numeric[k][e], `${p.name}[${e}]`, FLOAT32_GRAD_TOLERANCE);
        }
      }
    });
    assert.ok(moved > 0);
  });
}
