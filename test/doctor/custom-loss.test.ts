/**
 * Custom triplet losses on the deep match model: the trainer's dL/ds from a value-only loss
 * (central differences) matches BPR's analytic gradient, and a match model trained with a custom
 * BPR loss learns planted data (beats popularity); the bounded 1 − σ(s⁺ − s⁻) learns less.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bprGrad } from '../../src/core/losses.ts';
import { customTripletStep, type CustomTripletLoss } from '../../src/models/deep/custom-loss.ts';
import { MatchModel } from '../../src/models/deep/match.ts';
import { ConfigError } from '../../src/contracts/errors.ts';
import { plantedSplit } from '../helpers/deep-data.ts';
import { popularity, ranking } from '../helpers/metrics.ts';
import { assertGradClose } from '../helpers/gradcheck.ts';

const bprLoss: CustomTripletLoss = { name: 'bpr', terms: (pos, neg) => pos.map((p, k) => Math.log1p(Math.exp(neg[k] - p))) };

test('a value-only custom loss gets its gradient by central differences, matching BPR analytically', () => {
  const b = 6;
  const s = Float32Array.from({ length: 2 * b }, (_, k) => Math.sin(3 * k) * 2);
  const dz = new Float32Array(2 * b);
  const total = customTripletStep(bprLoss, s, b, dz);
  let expected = 0;
  for (let k = 0; k < b; k++) {
    expected += Math.log1p(Math.exp(s[b + k] - s[k]));
    const g = bprGrad(s[k], s[b + k]) / b;
    assertGradClose(dz[k], g, `dL/ds⁺ row ${k}`, { rtol: 1e-5, atol: 1e-7 });
    assertGradClose(dz[b + k], -g, `dL/ds⁻ row ${k}`, { rtol: 1e-5, atol: 1e-7 });
  }
  assert.ok(Math.abs(total - expected) < 1e-5);
});

test('a custom loss returning a batch × batch matrix is refused while training, with what to do', async () => {
  const { train } = plantedSplit({ users: 40, items: 30, seed: 2 });
  const matrix: CustomTripletLoss = { name: 'matrix', terms: (pos, neg) => Array.from({ length: pos.length * neg.length }, () => 0) };
  const model = new MatchModel({ factors: 4, layers: [8], epochs: 1, batchSize: 16 }).useLoss(matrix);
  await assert.rejects(
    model.fit(train, { threads: 1, log: () => {} }),
    (e: Error) => e instanceof ConfigError && /batch × batch score matrix/.test(e.message) && /one term per row/.test(e.message),
  );
});

test('match trained with a custom BPR loss learns planted data: beats popularity', async () => {
  const { train, test: held } = plantedSplit({ seed: 3 });
  const model = new MatchModel({ factors: 16, layers: [32], learningRate: 0.005, epochs: 8 }).useLoss(bprLoss);
  await model.fit(train, { threads: 1, log: () => {} });
  const learned = ranking(model, train, held);
  const floor = ranking(popularity(train), train, held);
  assert.ok(learned.auc > floor.auc + 0.03, `custom BPR AUC ${learned.auc.toFixed(4)} vs popularity ${floor.auc.toFixed(4)}`);
});
