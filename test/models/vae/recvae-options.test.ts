// RecVAE's options beyond the paper: a moving average of the weights (emaDecay), an
// exponentially decaying step size (learningRateDecay), a popularity shift of the scores
// (popularityWeight), the encoder's training input (inputNormalization, wholeRowShare) and the
// likelihood's weight on kept positives (keptWeight). The gradient checks of the network, the
// weighted likelihood's included, are in test/models/recvae.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Param } from '../../../src/core/params.ts';
import { Rng } from '../../../src/core/rng.ts';
import { createModel } from '../../../src/models/registry.ts';
import { loadModel } from '../../../src/models/load.ts';
import type { RecVae } from '../../../src/models/vae/recvae.ts';
import { SparseInputLayer } from '../../../src/models/vae/sparse-input.ts';
import { WeightAverage } from '../../../src/models/vae/weight-average.ts';
import { fitQuietly, plantedSplit, scoresOf } from '../../helpers/baselines.ts';
import { rankingMetrics } from '../../helpers/metrics.ts';

const split = plantedSplit();
const small = { hidden: 64, depth: 3, latent: 16, batchSize: 50, learningRate: 0.003 };

test('weight average: follows avg ← d_t·avg + (1 − d_t)·w with d_t = min(decay, (1 + t)/(10 + t))', () => {
  const live = [new Param('w', 1, 3, { name: 'sgd', learningRate: 1 }), new Param('b', 1, 1, { name: 'sgd', learningRate: 1 })];
  const averaged = [new Param('w', 1, 3, { name: 'sgd', learningRate: 1 }), new Param('b', 1, 1, { name: 'sgd', learningRate: 1 })];
  live[0].data.set([1, 2, 3]);
  live[1].data.set([4]);
  const average = new WeightAverage(live, averaged, 0.5);
  assert.deepEqual(Array.from(averaged[0].data), [1, 2, 3], 'starts at the live weights');
  let expected = [1, 2, 3, 4];
  for (let t = 0; t < 12; t++) {
    const w = [t, -t, 2 * t, 0.5];
    live[0].data.set(w.slice(0, 3));
    live[1].data.set(w.slice(3));
    average.update();
    // Steps 0–8: (1 + t)/(10 + t) < 0.5 warms up; from t = 8 on the cap 0.5 holds.
    const d = Math.min(0.5, (1 + t) / (10 + t));
    expected = expected.map((a, k) => d * a + (1 - d) * w[k]);
    const got = [...averaged[0].data, ...averaged[1].data];
    got.forEach((v, k) => assert.ok(Math.abs(v - expected[k]) < 1e-5, `step ${t}, weight ${k}: ${v} vs ${expected[k]}`));
  }
  assert.equal(WeightAverage.decayAt(0.99, 0), 0.1);
  assert.equal(WeightAverage.decayAt(0.99, 10_000), 0.99);
});

test('recvae emaDecay: scores come from the averaged weights, the training itself is unchanged, and it still learns', async () => {
  const pop = rankingMetrics(await fitQuietly(createModel('popularity'), split.train), split)['ndcg@10'];
  const plain = (await fitQuietly(createModel('recvae', { ...small, epochs: 8 }), split.train)) as RecVae;
  const averaged = (await fitQuietly(createModel('recvae', { ...small, epochs: 8, emaDecay: 0.9 }), split.train)) as RecVae;
  // Same seed: the live (trained) weights are identical with or without the average.
  const live = (m: RecVae) => m.network!.params().map((p) => Array.from(p.data.subarray(0, 50)));
  assert.deepEqual(live(averaged), live(plain));
  assert.notDeepEqual(scoresOf(averaged, 3), scoresOf(plain, 3), 'the averaged weights score');
  const ndcg = rankingMetrics(averaged, split)['ndcg@10'];
  assert.ok(ndcg > pop + 0.2, `NDCG@10 ${ndcg.toFixed(4)} vs popularity ${pop.toFixed(4)}`);
});

test('recvae emaDecay: save → load keeps the averaged weights, and fold-in uses them', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'tastebud-recvae-ema-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const model = await fitQuietly(createModel('recvae', { ...small, epochs: 2, emaDecay: 0.9 }), split.train);
  await model.save(dir);
  const loaded = await loadModel(dir);
  for (const u of [0, 7, 399]) assert.deepEqual(scoresOf(loaded, u), scoresOf(model, u), `user ${u}`);
  const history = model.historyOf(12).map((h) => ({ item: model.itemIds.id(h.index) }));
  assert.deepEqual(model.foldIn(history).scores, scoresOf(model, 12));
});

test('recvae learningRateDecay: the step size of epoch e is learningRate·decay^(e − 1), and it still learns', async () => {
  const pop = rankingMetrics(await fitQuietly(createModel('popularity'), split.train), split)['ndcg@10'];
  const model = (await fitQuietly(createModel('recvae', { ...small, epochs: 8, learningRateDecay: 0.8 }), split.train)) as RecVae;
  for (const p of model.network!.params()) assert.ok(Math.abs(p.learningRate - 0.003 * 0.8 ** 7) < 1e-9, `${p.name}: ${p.learningRate}`);
  const ndcg = rankingMetrics(model, split)['ndcg@10'];
  assert.ok(ndcg > pop + 0.2, `NDCG@10 ${ndcg.toFixed(4)} vs popularity ${pop.toFixed(4)}`);
});

test('recvae popularityWeight: adds α·log(1 + training count) to every score, fold-in included', async () => {
  const plain = await fitQuietly(createModel('recvae', { ...small, epochs: 1 }), split.train);
  const shifted = await fitQuietly(createModel('recvae', { ...small, epochs: 1, popularityWeight: 0.3 }), split.train);
  const counts = new Float32Array(plain.numItems);
  for (const item of split.train.items) counts[item]++;
  for (const u of [0, 5]) {
    const a = scoresOf(plain, u);
    const b = scoresOf(shifted, u);
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(b[i] - a[i] - 0.3 * Math.log1p(counts[i])) < 1e-4, `user ${u}, item ${i}`);
  }
  const history = shifted.historyOf(5).map((h) => ({ item: shifted.itemIds.id(h.index) }));
  assert.deepEqual(shifted.foldIn(history).scores, scoresOf(shifted, 5));
});

test('recvae: the new options refuse out-of-range values with the key', () => {
  assert.throws(() => createModel('recvae', { emaDecay: 1 }), /recvae: emaDecay must be a number/);
  assert.throws(() => createModel('recvae', { learningRateDecay: 0 }), /recvae: learningRateDecay must be a number/);
  assert.throws(() => createModel('recvae', { popularityWeigth: 1 } as never), /did you mean "popularityWeight"/);
});

test('recvae inputNormalization after-dropout: the same masks, each kept row at unit norm; scoring rows unchanged; it still learns', async () => {
  const rows = split.train.byUser();
  const users = Int32Array.of(0, 1, 2, 3);
  const batch = (after: boolean, dropout: number) => {
    const layer = new SparseInputLayer('x', rows.cols, 2, { name: 'sgd', learningRate: 1 }, new Rng(1));
    layer.normalizeAfterDropout = after;
    layer.setBatch(rows, users, 4, dropout, new Rng(9));
    const { inPtr, inItems, inValues } = layer as unknown as { inPtr: Int32Array; inItems: Int32Array; inValues: Float32Array };
    return Array.from({ length: 4 }, (_, r) => ({ items: Array.from(inItems.subarray(inPtr[r], inPtr[r + 1])), values: Array.from(inValues.subarray(inPtr[r], inPtr[r + 1])) }));
  };
  const before = batch(false, 0.8);
  const after = batch(true, 0.8);
  for (let r = 0; r < 4; r++) {
    assert.deepEqual(after[r].items, before[r].items, `row ${r}: the same kept items`);
    const norm = Math.hypot(...after[r].values);
    assert.ok(Math.abs(norm - 1) < 1e-5, `row ${r}: norm ${norm}`);
    const full = rows.indptr[r + 1] - rows.indptr[r];
    assert.ok(Math.abs(before[r].values[0] - 5 / Math.sqrt(full)) < 1e-5, `row ${r}: before-dropout is 1/(1 − 0.8)/√|x_u|`);
  }
  assert.deepEqual(batch(true, 0), batch(false, 0), 'no dropout (scoring): the same rows');
  const pop = rankingMetrics(await fitQuietly(createModel('popularity'), split.train), split)['ndcg@10'];
  const model = await fitQuietly(createModel('recvae', { ...small, inputNormalization: 'after-dropout', epochs: 8 }), split.train);
  const ndcg = rankingMetrics(model, split)['ndcg@10'];
  assert.ok(ndcg > pop + 0.2, `NDCG@10 ${ndcg.toFixed(4)} vs popularity ${pop.toFixed(4)}`);
});

test('recvae wholeRowShare: that share of the encoder rows skips dropout (1: every row whole); it still learns', async () => {
  const rows = split.train.byUser();
  const n = rows.rows;
  const users = Int32Array.from({ length: n }, (_, u) => u);
  const wholeRows = (share: number) => {
    const layer = new SparseInputLayer('x', rows.cols, 2, { name: 'sgd', learningRate: 1 }, new Rng(1));
    layer.wholeRowShare = share;
    layer.setBatch(rows, users, n, 0.8, new Rng(9));
    const { inPtr } = layer as unknown as { inPtr: Int32Array };
    let whole = 0;
    for (let u = 0; u < n; u++) if (inPtr[u + 1] - inPtr[u] === rows.indptr[u + 1] - rows.indptr[u]) whole++;
    return whole / n;
  };
  assert.equal(wholeRows(1), 1);
  assert.ok(wholeRows(0) < 0.01, `dropout 0.8 keeps a whole row of ≥ 5 items by chance only: ${wholeRows(0)}`);
  const half = wholeRows(0.5);
  assert.ok(half > 0.42 && half < 0.58, `share 0.5: ${half} of ${n} rows whole`);
  const pop = rankingMetrics(await fitQuietly(createModel('popularity'), split.train), split)['ndcg@10'];
  const model = await fitQuietly(createModel('recvae', { ...small, wholeRowShare: 0.25, epochs: 8 }), split.train);
  const ndcg = rankingMetrics(model, split)['ndcg@10'];
  assert.ok(ndcg > pop + 0.2, `NDCG@10 ${ndcg.toFixed(4)} vs popularity ${pop.toFixed(4)}`);
});

test('recvae keptWeight 0 (learning only from the positives dropout hid) still learns', async () => {
  assert.throws(() => createModel('recvae', { keptWeight: -1 }), /recvae: keptWeight must be a number/);
  const pop = rankingMetrics(await fitQuietly(createModel('popularity'), split.train), split)['ndcg@10'];
  const model = await fitQuietly(createModel('recvae', { ...small, keptWeight: 0, epochs: 8 }), split.train);
  const ndcg = rankingMetrics(model, split)['ndcg@10'];
  assert.ok(ndcg > pop + 0.2, `NDCG@10 ${ndcg.toFixed(4)} vs popularity ${pop.toFixed(4)}`);
});

test("recvae inputNormExponent: the encoder, the prior's old encoder and the averaged weights all read rows at 1/n^e; it still learns; save → load keeps it", async (t) => {
  const model = await fitQuietly(createModel('recvae', { ...small, inputNormExponent: 0, emaDecay: 0.9, epochs: 8 }), split.train);
  const net = (model as unknown as { network: { encoder: { input: SparseInputLayer }; oldEncoder: { input: SparseInputLayer } } }).network;
  assert.equal(net.encoder.input.normExponent, 0);
  assert.equal(net.oldEncoder.input.normExponent, 0);
  const averaged = (model as unknown as { averagedNet: { encoder: { input: SparseInputLayer } } }).averagedNet;
  assert.equal(averaged.encoder.input.normExponent, 0, 'the averaged weights score with the same rows');
  const pop = rankingMetrics(await fitQuietly(createModel('popularity'), split.train), split)['ndcg@10'];
  const ndcg = rankingMetrics(model, split)['ndcg@10'];
  assert.ok(ndcg > pop + 0.2, `NDCG@10 ${ndcg.toFixed(4)} vs popularity ${pop.toFixed(4)}`);
  const dir = await mkdtemp(path.join(tmpdir(), 'tastebud-recvae-norm-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await model.save(dir);
  const loaded = await loadModel(dir);
  for (const u of [0, 7]) assert.deepEqual(scoresOf(loaded, u), scoresOf(model, u), `user ${u}`);
  const history = model.historyOf(12).map((h) => ({ item: model.itemIds.id(h.index) }));
  assert.deepEqual(model.foldIn(history).scores, scoresOf(model, 12), 'fold-in reads the row as training did');
});
