// Mult-VAE's moving average of the weights (emaDecay): what scores, early-stops and is saved is
// the average; training itself is unchanged. The average's update rule is tested in
// recvae-options.test.ts (weight-average.ts is shared); the loss and its gradient do not change,
// so the gradient checks stay those of multvae.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { perUserSplit } from '../../../src/data/splits.ts';
import { createModel } from '../../../src/models/registry.ts';
import { loadModel } from '../../../src/models/load.ts';
import type { MultVae } from '../../../src/models/vae/multvae.ts';
import { validationScore } from '../../../src/train/validation.ts';
import { fitQuietly, plantedSplit, scoresOf } from '../../helpers/baselines.ts';
import { rankingMetrics } from '../../helpers/metrics.ts';

const split = plantedSplit();
// The flat shape (no hidden layer) with the KL weight still rising, as on msr-stratified.
const small = { layers: [], latent: 16, batchSize: 50, annealSteps: 100, annealCap: 1, learningRate: 0.003 };

test('multvae emaDecay: the averaged weights score, training is unchanged, and it learns', async () => {
  const pop = rankingMetrics(await fitQuietly(createModel('popularity'), split.train), split)['ndcg@10'];
  const plain = (await fitQuietly(createModel('multvae', { ...small, epochs: 20 }), split.train)) as MultVae;
  const averaged = (await fitQuietly(createModel('multvae', { ...small, epochs: 20, emaDecay: 0.99 }), split.train)) as MultVae;
  // Same seed: the trained weights are identical with or without the average.
  assert.deepEqual(
    averaged.network!.params().map((p) => Array.from(p.data)),
    plain.network!.params().map((p) => Array.from(p.data)),
  );
  assert.deepEqual(
    averaged.history!.epochs.map((e) => e.loss),
    plain.history!.epochs.map((e) => e.loss),
  );
  assert.notDeepEqual(scoresOf(averaged, 3), scoresOf(plain, 3), 'the averaged weights score');
  const ndcg = rankingMetrics(averaged, split)['ndcg@10'];
  assert.ok(ndcg > pop + 0.2, `NDCG@10 ${ndcg.toFixed(4)} vs popularity ${pop.toFixed(4)}`);
});

test('multvae emaDecay: the average follows every step (a decay that barely binds scores as the last weights)', async () => {
  // d_t = min(decay, (1 + t)/(10 + t)) = 1e-6: the average is the live weights after each step, up to rounding.
  const averaged = (await fitQuietly(createModel('multvae', { ...small, epochs: 3, emaDecay: 1e-6 }), split.train)) as MultVae;
  const plain = await fitQuietly(createModel('multvae', { ...small, epochs: 3 }), split.train);
  for (const u of [0, 7, 99]) {
    const a = scoresOf(averaged, u);
    const b = scoresOf(plain, u);
    a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-4, `user ${u}, item ${i}: ${v} vs ${b[i]}`));
  }
});

test('multvae emaDecay: early stopping restores the best epoch of the average', async () => {
  const inner = perUserSplit(split.train, { testRatio: 0.1, seed: 42 });
  const model = createModel('multvae', { ...small, epochs: 30, learningRate: 0.01, emaDecay: 0.99 });
  const history = await fitQuietly(model, inner.train, { validation: inner.test, validationMetric: 'ndcg@10', earlyStopping: { patience: 2 } }).then((m) => m.history!);
  const best = history.epochs[history.bestEpoch - 1].validation!;
  assert.equal(Math.max(...history.epochs.map((e) => e.validation!)), best);
  assert.ok(Math.abs(validationScore(model, inner.test, 'ndcg@10') - best) < 1e-12);
});

test('multvae emaDecay: save → load keeps the averaged weights, and fold-in uses them', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'tastebud-multvae-ema-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const model = await fitQuietly(createModel('multvae', { ...small, epochs: 3, emaDecay: 0.99 }), split.train);
  await model.save(dir);
  const loaded = await loadModel(dir);
  for (const u of [0, 7, 399]) assert.deepEqual(scoresOf(loaded, u), scoresOf(model, u), `user ${u}`);
  const seen = model.seen!;
  const folded = new Float32Array(model.numItems);
  (model as MultVae).foldInItems(seen.indices.subarray(seen.indptr[12], seen.indptr[13]), folded);
  assert.deepEqual(folded, scoresOf(model, 12));
});

test('multvae emaDecay: out of range, or beside a sampled softmax, is refused', () => {
  assert.throws(() => createModel('multvae', { emaDecay: 1 }), /multvae: emaDecay must be a number ≥ 0 and < 1, got 1/);
  assert.throws(() => createModel('multvae', { emaDecay: 0.99, sampledSoftmax: 100 }), /multvae: emaDecay averages every weight .* sampledSoftmax/);
});
