import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Rng } from '../../../src/core/rng.ts';
import type { Csr } from '../../../src/data/interactions.ts';
import { createModel } from '../../../src/models/registry.ts';
import { loadModel } from '../../../src/models/load.ts';
import type { TwoTower } from '../../../src/models/twotower/model.ts';
import { HistorySampler } from '../../../src/models/twotower/history-sample.ts';
import { TwoTowerNet } from '../../../src/models/twotower/network.ts';
import { fitQuietly, interactions, plantedSplit, scoresOf } from '../../helpers/baselines.ts';
import { featureRows, plantedImplicit } from '../../helpers/bilinear-data.ts';
import { aucWithin, popularity, rankingMetrics } from '../../helpers/metrics.ts';
import { checkParamGradients, randomArray } from '../../helpers/gradcheck.ts';

test('history sampler: k distinct positions, increasing, each drawn with probability k / n', () => {
  const sampler = new HistorySampler(3, new Rng(5));
  const out = new Int32Array(3);
  const counts = new Float64Array(10);
  const draws = 20_000;
  for (let r = 0; r < draws; r++) {
    sampler.sample(10, out);
    assert.ok(out[0] < out[1] && out[1] < out[2] && out[0] >= 0 && out[2] < 10, `${out}`);
    for (const p of out) counts[p]++;
  }
  // Uniform: 0.3 each; ±0.02 is > 6 standard deviations (sd ≈ 0.0032).
  counts.forEach((c, p) => assert.ok(Math.abs(c / draws - 0.3) < 0.02, `position ${p}: ${c / draws}`));
  assert.throws(() => new HistorySampler(0, new Rng(1)), /history limit must be a whole number ≥ 1/);
});

// 3 users × 8 items: user 0 has 6 items and user 1 has 5, so a limit of 2 samples both; user 2 (2 items) keeps its whole row.
const rows: Csr = interactions(
  [
    [0, 0, 1],
    [0, 1, 1],
    [0, 2, 1],
    [0, 4, 1],
    [0, 5, 1],
    [0, 7, 1],
    [1, 1, 1],
    [1, 2, 1],
    [1, 3, 1],
    [1, 6, 1],
    [1, 7, 1],
    [2, 0, 1],
    [2, 3, 1],
  ],
  3,
  8,
).byUser();

function net(): TwoTowerNet {
  const n = new TwoTowerNet(
    {
      numUsers: 3,
      numItems: 8,
      embeddingDim: 4,
      factors: 3,
      layers: [5],
      activation: 'tanh', // smooth, for finite differences
      userIdentity: true,
      itemIdentity: true,
      history: true,
      userFeatures: featureRows([[0], [1], [0, 1]], [[1], [1], [0.5, 0.5]], 2),
      itemFeatures: null,
    },
    { name: 'sgd', learningRate: 0.1 },
    new Rng(3),
    0.5,
  );
  n.params().forEach((p, k) => p.data.set(randomArray(p.data.length, 70 + k, 0.7)));
  return n;
}

test('two-tower with a history limit: the batch loss gradient matches finite differences, and reaches only the sampled history items', () => {
  const users = Int32Array.of(0, 0, 1, 2, 1);
  const targets = Int32Array.of(2, 5, 7, 3, 1);
  const candidates = Int32Array.of(2, 5, 7, 3, 1, 6);
  const logQ = Float32Array.of(-1.2, -0.7, -1.5, -0.9, -2, -2.2);
  let nonZero = 0;
  let sampledRowsSeen = 0;
  for (const seed of [1, 2, 3, 4]) {
    const n = net();
    // A fresh sampler of the same seed before every forward: the same sample, so the loss is a function of the weights.
    const loss = (): number => {
      n.sampleHistory(new HistorySampler(2, new Rng(seed)));
      return n.forward(users, targets, 5, candidates, 6, logQ, rows, 1);
    };
    loss();
    n.backward();
    const history = n.gradients().find((g) => g.param.name === 'user.history')!.grad;
    const touched = new Set<number>();
    for (let i = 0; i < 8; i++) if (history.subarray(i * 4, (i + 1) * 4).some((x) => x !== 0)) touched.add(i);
    // Users 0 and 1 send gradient to at most 2 items each; user 2's history without its target is item 0.
    assert.ok(touched.size <= 5, `seed ${seed}: history gradient on items ${[...touched]}`);
    sampledRowsSeen += touched.size;
    nonZero += checkParamGradients(n.gradients(), loss, 5e-3);
  }
  assert.ok(nonZero > 200, `enough clearly non-zero entries: ${nonZero}`);
  assert.ok(sampledRowsSeen > 4, 'the samples put gradient on history rows');
});

const small = { factors: 16, embeddingDim: 16, layers: [32], batchSize: 64, learningRate: 0.01, temperature: 0.1 };

function tensors(model: TwoTower): Record<string, Float32Array> {
  return Object.fromEntries(Object.entries(model.getState().tensors).map(([name, t]) => [name, t.data as Float32Array]));
}

test('two-tower: a history limit at least every history trains bit for bit as without one; a binding one changes the fit', async () => {
  const split = plantedSplit();
  const longest = Math.max(...Array.from({ length: split.train.numUsers }, (_, u) => split.train.byUser().indptr[u + 1] - split.train.byUser().indptr[u]));
  const fit = async (historyLimit: number | null) => (await fitQuietly(createModel('two-tower', { ...small, historyLimit, epochs: 2 }), split.train)) as TwoTower;
  const off = tensors(await fit(null));
  // longest − 1: every history without its target fits, so nothing is sampled.
  assert.deepEqual(tensors(await fit(longest - 1)), off);
  assert.deepEqual(tensors(await fit(1000)), off);
  const bound = tensors(await fit(longest - 3));
  assert.notDeepEqual(bound, off, 'a limit below the longest history samples');
});

test('two-tower with a history limit still beats popularity on planted data, and learns as well as without one', async () => {
  const split = plantedSplit();
  const pop = rankingMetrics(popularity(split.train), split)['ndcg@10'];
  const ndcg = async (historyLimit: number | null) =>
    rankingMetrics(await fitQuietly(createModel('two-tower', { ...small, historyLimit, epochs: 12 }), split.train), split)['ndcg@10'];
  const all = await ndcg(null);
  // ~24 train items per user: a limit of 5 samples every user's history in every batch.
  const limited = await ndcg(5);
  assert.ok(limited > pop + 0.1, `limit 5: NDCG@10 ${limited.toFixed(4)} vs popularity ${pop.toFixed(4)}`);
  assert.ok(limited > all - 0.05, `limit 5: NDCG@10 ${limited.toFixed(4)} vs the whole history ${all.toFixed(4)}`);
});

test('two-tower with a history limit: cold items from features, save → load keeps the limit and the scores', async (t) => {
  const data = plantedImplicit({ users: 300, items: 200, perUser: 24, coldItems: 40, seed: 9 });
  const model = (await fitQuietly(createModel('two-tower', { ...small, historyLimit: 6, epochs: 10 }), data.train, { itemFeatures: data.itemFeatures })) as TwoTower;
  const auc = aucWithin(model, data.train, data.test, 160, 200);
  assert.ok(auc > 0.75, `AUC among cold items ${auc.toFixed(4)}`);
  // A folded-in history of a training user (no id) is scored with the whole history, as training users are.
  const cold = model.foldIn(model.historyOf(5).map((h) => ({ item: model.itemIds.id(h.index) }))).scores;
  assert.ok(cold.every(Number.isFinite));
  const dir = await mkdtemp(path.join(tmpdir(), 'tastebud-two-tower-limit-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await model.save(dir);
  const loaded = (await loadModel(dir)) as TwoTower;
  assert.equal(loaded.config.historyLimit, 6);
  assert.deepEqual(loaded.config, model.config);
  for (const u of [0, 7, 299]) assert.deepEqual(scoresOf(loaded, u), scoresOf(model, u), `user ${u}`);
  assert.throws(() => createModel('two-tower', { historyLimit: 0 }), /two-tower: historyLimit must be ≥ 1|historyLimit/);
  assert.throws(() => createModel('two-tower', { historyLimt: 5 } as never), /did you mean "historyLimit"/);
});
