import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateSaved, trainAndEvaluate } from '../../src/index.ts';
import { perUserSplit } from '../../src/data/splits.ts';
import { generateSynthetic } from '../../src/data/synthetic.ts';
import { loadModel } from '../../src/models/load.ts';

const data = generateSynthetic({ users: 150, items: 120, factors: 4, interactionsPerUser: 16, popularitySkew: 0.8, noise: 0.1, seed: 5 });
const rated = generateSynthetic({ users: 150, items: 120, factors: 4, interactionsPerUser: 16, noise: 0.1, ratings: true, seed: 6 });
const split = perUserSplit(data.interactions, { testRatio: 0.25, seed: 1 });
const heldOut = { train: split.train, test: split.test, description: 'synthetic (per-user split)' };
const protocolOptions = { data, testRatio: 0.25 };

const outDir = await mkdtemp(join(tmpdir(), 'tastebud-pipeline-'));
const onHeldOut = await trainAndEvaluate({ model: 'bpr', params: { factors: 8 }, epochs: 8, threads: 1, seed: 2, data: heldOut, out: join(outDir, 'held-out') });
const underProtocol = await trainAndEvaluate({
  model: 'bpr',
  params: { factors: 8 },
  epochs: 8,
  threads: 1,
  seed: 2,
  protocol: 'full-ranking',
  protocolOptions,
  out: join(outDir, 'protocol'),
});

test('trainAndEvaluate on held-out data returns the metrics, the popularity baseline beside them and the comparison', () => {
  const r = onHeldOut;
  assert.equal(r.protocol, null);
  assert.equal(r.type, 'bpr');
  assert.equal(r.mainMetric, 'ndcg@10');
  assert.equal(r.seed, 2);
  assert.deepEqual([r.sizes.train, r.sizes.test], [split.train.length, split.test.length]);
  for (const m of ['precision@10', 'ndcg@10', 'auc']) {
    assert.ok(Number.isFinite(r.metrics[m]), `model ${m}`);
    assert.ok(Number.isFinite(r.baseline!.metrics[m]), `popularity ${m}`);
  }
  assert.equal(r.baseline!.name, 'popularity');
  assert.match(r.baseline!.fittedOn, /same training data/);
  assert.equal(r.vsBaseline!.metric, 'ndcg@10');
  assert.ok(Math.abs(r.vsBaseline!.delta - (r.metrics['ndcg@10'] - r.baseline!.metrics['ndcg@10'])) < 1e-12);
  assert.equal(r.vsBaseline!.beats, r.metrics['ndcg@10'] > r.baseline!.metrics['ndcg@10']);
  assert.match(r.vsBaseline!.test!, /Wilcoxon/);
  assert.ok(r.history.epochs.length === 8);
  assert.ok(r.vsBaseline!.beats, `BPR learns the planted structure (${r.metrics['ndcg@10']} vs ${r.baseline!.metrics['ndcg@10']})`);
});

test('trainAndEvaluate under a protocol uses the protocol’s metrics for both, and saves the model with them', async () => {
  const r = underProtocol;
  assert.equal(r.protocol, 'full-ranking');
  assert.equal(r.mainMetric, 'ndcg@10');
  assert.equal(r.seed, 2, 'the run seed is the protocol split seed');
  assert.ok(r.sizes.train > 0 && r.sizes.test > 0);
  assert.deepEqual(Object.keys(r.baseline!.metrics).sort(), Object.keys(r.metrics).sort());
  assert.ok(r.notes.length > 0, 'the protocol’s conventions come along');
  assert.equal(r.saved, join(outDir, 'protocol'));
  const manifest = JSON.parse(await readFile(join(outDir, 'protocol', 'manifest.json'), 'utf8'));
  assert.equal(JSON.stringify(manifest).includes('full-ranking'), true, 'the model file keeps the protocol name with its metrics');
});

test('evaluateSaved under the same protocol gives the same numbers, popularity fitted on the protocol’s train part', async () => {
  const r = await evaluateSaved(join(outDir, 'protocol'), 'full-ranking', { seed: 2, protocolOptions });
  assert.equal(r.type, 'bpr');
  assert.equal(r.dropped, 0);
  assert.deepEqual(r.warnings, []);
  assert.match(r.baseline!.fittedOn, /protocol's train part/);
  for (const [m, v] of Object.entries(underProtocol.metrics)) assert.ok(Math.abs(r.metrics[m] - v) < 1e-9, `${m}: ${r.metrics[m]} vs ${v}`);
  for (const [m, v] of Object.entries(underProtocol.baseline!.metrics)) assert.ok(Math.abs(r.baseline!.metrics[m] - v) < 1e-9, `popularity ${m}`);
  assert.equal(r.vsBaseline!.beats, underProtocol.vsBaseline!.beats);
});

test('evaluateSaved on held-out test data: popularity from the given train, else from the model file', async () => {
  const model = await loadModel(join(outDir, 'held-out'));
  const withTrain = await evaluateSaved(model, { test: split.test, train: split.train });
  assert.equal(withTrain.protocol, null);
  for (const [m, v] of Object.entries(onHeldOut.metrics)) assert.ok(Math.abs(withTrain.metrics[m] - v) < 1e-9, `${m}`);
  for (const [m, v] of Object.entries(onHeldOut.baseline!.metrics)) assert.ok(Math.abs(withTrain.baseline!.metrics[m] - v) < 1e-9, `popularity ${m}`);
  const fromFile = await evaluateSaved(model, split.test);
  assert.match(fromFile.baseline!.fittedOn, /from its file/);
  assert.deepEqual(fromFile.baseline!.metrics, withTrain.baseline!.metrics, 'implicit data: the file’s training pairs give the same counts');
});

test('a rating model is compared with the shrunk item-mean rating on RMSE (lower is better)', async () => {
  const parts = perUserSplit(rated.interactions, { testRatio: 0.2, seed: 3 });
  const r = await trainAndEvaluate({
    model: 'mf',
    params: { factors: 4 },
    epochs: 5,
    threads: 1,
    data: { train: parts.train, test: parts.test, description: 'synthetic ratings' },
  });
  assert.equal(r.mainMetric, 'rmse');
  assert.equal(r.lowerIsBetter, true);
  assert.equal(r.baseline!.config.task, 'rating');
  assert.ok(Number.isFinite(r.metrics.rmse) && Number.isFinite(r.baseline!.metrics.rmse));
  assert.equal(r.vsBaseline!.beats, r.metrics.rmse < r.baseline!.metrics.rmse);
  assert.equal(r.saved, null);
});

test('trainAndEvaluate without a test part trains and saves but reports no metrics', async () => {
  const out = join(outDir, 'no-test');
  const r = await trainAndEvaluate({ model: 'popularity', data: { train: split.train, description: 'train only' }, out });
  assert.deepEqual(r.metrics, {});
  assert.equal(r.baseline, null);
  assert.ok(existsSync(join(out, 'manifest.json')));
});

test('an unknown model fails before any data is read', async () => {
  await assert.rejects(trainAndEvaluate({ model: 'deepestfm', data: { dataset: 'no-such-dataset' } }), /unknown model "deepestfm"/);
});
