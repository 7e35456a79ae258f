import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bpr } from '../../../src/core/losses.ts';
import { Param } from '../../../src/core/params.ts';
import { DeepFM } from '../../../src/models/deep/deepfm.ts';
import { NCF } from '../../../src/models/deep/ncf.ts';
import { DecayingTrainer } from '../../../src/models/deep/schedule.ts';
import type { Tower } from '../../../src/models/deep/tower.ts';
import { createModel } from '../../../src/models/registry.ts';
import type { EpochContext } from '../../../src/train/types.ts';
import { Rng } from '../../../src/core/rng.ts';
import { checkModelGradient, tinyInteractions } from '../../helpers/gradcheck.ts';
import { plantedSplit } from '../../helpers/deep-data.ts';
import { popularity, ranking } from '../../helpers/metrics.ts';

// Two items and one positive (user 1, item 1): the only unseen item, 0, is always the negative.
const GRAD_CONFIG = { factors: 4, layers: [6, 3], activation: 'tanh', optimizer: 'sgd', learningRate: 0.1, loss: 'bpr', batchSize: 2, initStd: 0.3 };

function pairBprLoss(model: NCF | DeepFM, user: number, pos: number, neg: number): () => number {
  return () => {
    const s = model.score(Int32Array.of(user, user), Int32Array.of(pos, neg));
    return bpr(s[0], s[1]);
  };
}

test("ncf loss 'bpr': the per-triplet gradient of embeddings and dense weights matches finite differences", async () => {
  const train = tinyInteractions(3, 2, [[1, 1, 1]]);
  const model = new NCF(GRAD_CONFIG);
  await checkModelGradient(
    model,
    train,
    0.1,
    pairBprLoss(model, 1, 1, 0),
    [
      ['user.id', 4],
      ['user.id', 6],
      ['item.id', 1],
      ['item.id', 6],
      ['mlp.0.weight', 3],
      ['mlp.0.weight', 40],
      ['mlp.1.weight', 2],
      ['mlp.out.weight', 0],
    ],
    // The output bias cancels in s⁺ − s⁻, and user 0 is in no triplet.
    [
      ['mlp.out.bias', 0],
      ['user.id', 0],
    ],
  );
});

test("deepfm loss 'bpr': the per-triplet gradient matches finite differences", async () => {
  const train = tinyInteractions(3, 2, [[1, 1, 1]]);
  const model = new DeepFM({ ...GRAD_CONFIG, negatives: 1 });
  await checkModelGradient(
    model,
    train,
    0.1,
    pairBprLoss(model, 1, 1, 0),
    [
      ['embeddings', 4],
      ['embeddings', 13],
      ['embeddings', 18],
      ['linear', 3],
      ['deep.0.weight', 5],
      ['deep.out.weight', 1],
    ],
    [['bias', 0]],
  );
});

test("ncf and deepfm with loss 'bpr' learn planted preferences and clearly beat popularity", async () => {
  const { train, test: held } = plantedSplit();
  const pop = ranking(popularity(train), train, held);
  for (const type of ['ncf', 'deepfm']) {
    const model = createModel(type, { factors: 16, layers: [32, 16], learningRate: 0.005, loss: 'bpr', epochs: 8 });
    await model.fit(train, { threads: 1 });
    const r = ranking(model, train, held);
    assert.ok(r.auc > pop.auc + 0.1, `${type} AUC ${r.auc} vs popularity ${pop.auc}`);
    assert.ok(r.p10 > pop.p10 + 0.05, `${type} P@10 ${r.p10} vs popularity ${pop.p10}`);
  }
});

test("loss 'bpr' without sampled negatives is a clear configuration error", async () => {
  const train = tinyInteractions(3, 2, [[1, 1, 1]]);
  await assert.rejects(new NCF({ loss: 'bpr', negatives: 0, epochs: 1 }).fit(train, { threads: 1 }), /bpr.*negatives/);
});

test('lrDecay: epoch e trains at each parameter’s own rate × decay^(e−1)', () => {
  const a = new Param('a', 1, 1, { name: 'sgd', learningRate: 0.1 });
  const b = new Param('b', 1, 1, { name: 'adam', learningRate: 0.02 });
  const tower = { params: () => [a, b] } as unknown as Tower;
  const seen: number[][] = [];
  const trainer = new DecayingTrainer({ epoch: () => (seen.push([a.learningRate, b.learningRate]), 0) }, 0.5);
  for (let epoch = 1; epoch <= 3; epoch++) trainer.epoch(tower, { epoch, rng: new Rng(1), threads: 1, options: {}, progress: () => {} } as EpochContext);
  const expected = [
    [0.1, 0.02],
    [0.05, 0.01],
    [0.025, 0.005],
  ];
  seen.forEach((row, e) => row.forEach((lr, k) => assert.ok(Math.abs(lr - expected[e][k]) < 1e-12, `epoch ${e + 1}: ${lr} vs ${expected[e][k]}`)));
  assert.throws(() => new NCF({ lrDecay: 0 }), /lrDecay/);
  assert.throws(() => new NCF({ lrDecay: 1.5 }), /lrDecay/);
});

test('lrDecay changes training, and samplerAlpha reaches the popularity sampler', async () => {
  const { train } = plantedSplit({ users: 60, items: 50 });
  const scores = async (config: Record<string, unknown>) => {
    const model = new NCF({ factors: 8, layers: [8], epochs: 3, ...config });
    await model.fit(train, { threads: 1 });
    return model.score(Int32Array.of(0, 1, 2), Int32Array.of(3, 4, 5));
  };
  const base = await scores({});
  assert.deepEqual(await scores({ lrDecay: 1 }), base, 'lrDecay 1 is the constant rate, draw for draw');
  assert.notDeepEqual(await scores({ lrDecay: 0.5 }), base);
  const pop = await scores({ sampler: 'popularity' });
  assert.notDeepEqual(await scores({ sampler: 'popularity', samplerAlpha: 0 }), pop);
});
