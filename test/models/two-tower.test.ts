import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FeatureMatrix } from '../../src/contracts/types.ts';
import { Rng } from '../../src/core/rng.ts';
import type { Csr } from '../../src/data/interactions.ts';
import { createModel } from '../../src/models/registry.ts';
import { loadModel } from '../../src/models/load.ts';
import type { TwoTower } from '../../src/models/twotower/model.ts';
import { StreamingFrequency } from '../../src/models/twotower/frequency.ts';
import { TwoTowerNet, type TwoTowerShape } from '../../src/models/twotower/network.ts';
import { fitQuietly, interactions, plantedSplit, scoresOf } from '../helpers/baselines.ts';
import { featureRows, plantedImplicit } from '../helpers/bilinear-data.ts';
import { aucWithin, popularity, ranking, rankingMetrics } from '../helpers/metrics.ts';
import { checkParamGradients, randomArray } from '../helpers/gradcheck.ts';

/** A feature matrix from per-row (feature, weight) lists. */
function features(rows: [number, number][][], numFeatures: number): FeatureMatrix {
  return featureRows(
    rows.map((r) => r.map((f) => f[0])),
    rows.map((r) => r.map((f) => f[1])),
    numFeatures,
  );
}

// 4 users × 6 items; user 3 has a single item (its history without the target is empty).
const rows: Csr = interactions(
  [
    [0, 0, 1],
    [0, 2, 1],
    [0, 3, 1],
    [1, 1, 1],
    [1, 2, 1],
    [1, 4, 1],
    [2, 0, 1],
    [2, 5, 1],
    [3, 4, 1],
  ],
  4,
  6,
).byUser();

function tinyNet(shape: Partial<TwoTowerShape> = {}): TwoTowerNet {
  const net = new TwoTowerNet(
    {
      numUsers: 4,
      numItems: 6,
      embeddingDim: 4,
      factors: 3,
      layers: [5],
      activation: 'tanh', // smooth: finite differences across a ReLU kink would be wrong
      userIdentity: true,
      itemIdentity: true,
      history: true,
      userFeatures: features(
        [
          [[0, 1]],
          [[1, 1]],
          [
            [0, 0.5],
            [1, 0.5],
          ],
          [],
        ],
        2,
      ),
      itemFeatures: features(
        [
          [[0, 1]],
          [[1, 1]],
          [[2, 1]],
          [[0, 1]],
          [
            [1, 1],
            [2, 0.5],
          ],
          [[2, 1]],
        ],
        3,
      ),
      ...shape,
    },
    { name: 'sgd', learningRate: 0.1 },
    new Rng(3),
    0.5,
  );
  net.params().forEach((p, k) => p.data.set(randomArray(p.data.length, 50 + k, 0.7)));
  return net;
}

/**
 * The batch loss (hybrid bags, history means without the target, both MLP towers, unit
 * normalisation, temperature, log-Q, an accidental hit masked, extra negatives) against central
 * differences on every entry of every parameter.
 */
function gradCheck(net: TwoTowerNet, full = false): number {
  const users = Int32Array.of(0, 1, 2, 3);
  const targets = Int32Array.of(2, 4, 0, 4); // item 4 twice: an accidental hit between rows 1 and 3
  // The full softmax: every item a candidate, the targets' own columns positive, no log Q.
  const candidates = full ? Int32Array.of(0, 1, 2, 3, 4, 5) : Int32Array.of(2, 4, 0, 4, 5, 1);
  const logQ = full ? new Float32Array(6) : Float32Array.of(-1.2, -0.7, -1.5, -0.7, -2, -2.2);
  const loss = (): number => net.forward(users, targets, 4, candidates, 6, logQ, rows, 0.5, full ? targets : null);
  loss();
  net.backward();
  return checkParamGradients(net.gradients(), loss, 5e-3);
}

test('two-tower: the sampled-softmax loss gradient matches finite differences (features, history, log-Q, hits, extra negatives)', () => {
  assert.ok(gradCheck(tinyNet()) > 80, 'enough clearly non-zero entries to prove something');
  gradCheck(tinyNet({ layers: [], userFeatures: null, history: false }));
  gradCheck(tinyNet({ userIdentity: false, itemIdentity: false }));
  assert.ok(gradCheck(tinyNet(), true) > 80, 'full softmax');
});

test('two-tower: the full softmax is the exact cross-entropy over every item', () => {
  const net = tinyNet({ history: false }); // the user vector is then the scoring one
  const users = Int32Array.of(0, 2);
  const targets = Int32Array.of(3, 5);
  const all = Int32Array.of(0, 1, 2, 3, 4, 5);
  const loss = net.forward(users, targets, 2, all, 6, new Float32Array(6), rows, 0.5, targets);
  const U = net.userVectors(rows);
  const V = net.itemVectors();
  let expected = 0;
  for (const [b, u] of [0, 2].entries()) {
    const logits = [0, 1, 2, 3, 4, 5].map((j) => {
      let dot = 0;
      for (let d = 0; d < 3; d++) dot += U[u * 3 + d] * V[j * 3 + d];
      return dot / 0.5;
    });
    expected += Math.log(logits.reduce((s, x) => s + Math.exp(x), 0)) - logits[targets[b]];
  }
  assert.ok(Math.abs(loss - expected / 2) < 1e-5, `${loss} vs ${expected / 2}`);
});

test('two-tower: the streaming frequency estimate tracks how often items appear', () => {
  const f = new StreamingFrequency(3, 0.05);
  for (let step = 1; step <= 400; step++) {
    f.observe(0, step); // every batch
    if (step % 4 === 0) f.observe(1, step); // every fourth
  }
  assert.ok(Math.abs(f.logProbability(0)) < 1e-9, `item 0: ${f.logProbability(0)}`);
  assert.ok(Math.abs(f.logProbability(1) - Math.log(1 / 4)) < 0.05, `item 1: ${Math.exp(f.logProbability(1))}`);
  assert.equal(f.logProbability(2), 0, 'never seen: no correction');
});

const small = { factors: 16, embeddingDim: 16, layers: [32], batchSize: 64, learningRate: 0.01, temperature: 0.1 };

test('two-tower beats popularity on planted data, with and without extra negatives and log-Q', async () => {
  const split = plantedSplit();
  const pop = rankingMetrics(popularity(split.train), split)['ndcg@10'];
  for (const extra of [{}, { negatives: 64, negativeSampler: 'popularity' as const, logQ: 'streaming' as const }, { softmax: 'full' as const }]) {
    const model = await fitQuietly(createModel('two-tower', { ...small, ...extra, epochs: 12 }), split.train);
    const losses = model.history!.epochs.map((e) => e.loss);
    assert.ok(losses.every(Number.isFinite) && losses.at(-1)! < losses[0], `losses ${losses[0]} → ${losses.at(-1)}`);
    const ndcg = rankingMetrics(model, split)['ndcg@10'];
    assert.ok(ndcg > pop + 0.1, `${JSON.stringify(extra)}: NDCG@10 ${ndcg.toFixed(4)} vs popularity ${pop.toFixed(4)}`);
  }
});

test('two-tower: items with features but no interactions get useful vectors from their features', async () => {
  const data = plantedImplicit({ users: 300, items: 200, perUser: 24, coldItems: 40, seed: 9 });
  const model = await fitQuietly(createModel('two-tower', { ...small, epochs: 10 }), data.train, { itemFeatures: data.itemFeatures });
  const auc = aucWithin(model, data.train, data.test, 160, 200);
  assert.ok(auc > 0.75, `AUC among cold items ${auc.toFixed(4)}`);
  assert.ok(ranking(model, data.train, data.test).auc > 0.8);
  // The cold vector from features alone equals the trained table's row for an item whose id vector is zero.
  const tt = model as TwoTower;
  const fromFeatures = tt.itemVectorFromFeatures([data.clusterOf[170]]);
  const coldId = tt.network!.item.id!.param;
  const row = 170 * coldId.cols;
  const keep = coldId.data.slice(row, row + coldId.cols);
  coldId.data.fill(0, row, row + coldId.cols);
  const table = new TwoTowerNet(tt.network!.shape, { name: 'sgd', learningRate: 1 }, new Rng(1), 0);
  table.params().forEach((p, k) => p.data.set(tt.network!.params()[k].data));
  coldId.data.set(keep, row);
  const all = table.itemVectors();
  fromFeatures.forEach((v, d) => assert.ok(Math.abs(v - all[170 * 16 + d]) < 1e-6));
  // Without features a cold item has only its untrained id vector: ranking among cold items is chance.
  const plain = await fitQuietly(createModel('two-tower', { ...small, epochs: 10 }), data.train);
  assert.ok(Math.abs(aucWithin(plain, data.train, data.test, 160, 200) - 0.5) < 0.1);
});

test('two-tower: factor tables score like the model; save → load; exact history fold-in without user ids', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'tastebud-two-tower-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const split = plantedSplit();
  const model = (await fitQuietly(createModel('two-tower', { ...small, userIdentity: false, epochs: 2 }), split.train)) as TwoTower;
  const users = model.userFactors();
  const items = model.itemFactors();
  const u = 7;
  const expected = Float32Array.from({ length: model.numItems }, (_, i) => {
    let s = 0;
    for (let d = 0; d < users.dim; d++) s += users.data[u * users.dim + d] * items.data[i * items.dim + d];
    return s / model.config.temperature;
  });
  scoresOf(model, u).forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-4, `item ${i}`));
  // A history is the user tower without the id: a training user's own history folds in to their scores.
  const history = model.historyOf(12).map((h) => ({ item: model.itemIds.id(h.index) }));
  const folded = model.foldIn(history).scores;
  scoresOf(model, 12).forEach((v, i) => assert.ok(Math.abs(v - folded[i]) < 1e-4, `fold-in item ${i}`));
  await model.save(dir);
  const loaded = await loadModel(dir);
  assert.equal(loaded.type, 'two-tower');
  assert.deepEqual(loaded.config, model.config);
  for (const v of [0, 7, 399]) assert.deepEqual(scoresOf(loaded, v), scoresOf(model, v), `user ${v}`);
});

test('two-tower: bad hyperparameters and impossible towers are refused clearly', () => {
  assert.throws(() => createModel('two-tower', { temprature: 0.1 } as never), /unknown hyperparameter "temprature" \(did you mean "temperature"\?\)/);
  assert.throws(() => createModel('two-tower', { logQ: 'sometimes' } as never), /two-tower: logQ must be one of/);
  assert.throws(() => tinyNet({ itemIdentity: false, itemFeatures: null }), /item: without identity vectors the table needs metadata features/);
  const full = createModel('two-tower', { softmax: 'full', negatives: 8 });
  assert.throws(() => full.prepare(plantedSplit().train, new Rng(1), {}), /softmax "full" already scores every item; set negatives to 0/);
});
