/**
 * Bilinear models with a custom triplet loss (bilinear/custom-loss.ts): one step moves every
 * parameter by −lr × (the finite-difference gradient of the loss + its L2), for dot and cosine,
 * with and without features; a hand-written BPR learns planted data as well as the built-in
 * BPR; a batch × batch loss is refused; the log says training runs on one thread.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BilinearModel } from '../../../src/models/bilinear/model.ts';
import { CustomLossTrainer } from '../../../src/models/bilinear/custom-loss.ts';
import { tableParams } from '../../../src/models/bilinear/tables.ts';
import type { CustomTripletLoss } from '../../../src/models/deep/custom-loss.ts';
import type { NegativeSampler } from '../../../src/sampling/negatives.ts';
import { ConfigError } from '../../../src/contracts/errors.ts';
import { Rng } from '../../../src/core/rng.ts';
import { cosineSimilarity } from '../../../src/core/similarity.ts';
import { assertGradClose, FLOAT32_GRAD_TOLERANCE, numericGradients, tinyInteractions } from '../../helpers/gradcheck.ts';
import { plantedImplicit, tinyItemFeatures, tinyUserFeatures } from '../../helpers/bilinear-data.ts';
import { popularity, ranking } from '../../helpers/metrics.ts';

const softplus = (x: number): number => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** BPR written by hand, with its gradient. */
const bprByHand: CustomTripletLoss = {
  name: 'bpr-by-hand',
  terms: (pos, neg) => pos.map((p, k) => softplus(neg[k] - p)),
  gradient: (pos, neg) => ({ pos: pos.map((p, k) => -sigmoid(neg[k] - p)), neg: pos.map((p, k) => sigmoid(neg[k] - p)) }),
};
/** Not pairwise (the user bias gets a gradient too), value only: central differences give dℓ/ds. */
const lopsided: CustomTripletLoss = { name: 'lopsided', terms: (pos, neg) => pos.map((p, k) => softplus(1.5 * neg[k] - p) + 0.3 * neg[k] * neg[k]) };

const userFeatures = tinyUserFeatures;
const itemFeatures = tinyItemFeatures;
const train = tinyInteractions(4, 6, [
  [0, 0, 1],
  [1, 2, 1],
  [2, 3, 1],
  [3, 4, 1],
]);

const lr = 1e-3;
const variants: { name: string; loss: CustomTripletLoss; config: Record<string, unknown>; withFeatures: boolean }[] = [
  { name: 'bpr by hand, dot', loss: bprByHand, config: {}, withFeatures: false },
  { name: 'bpr by hand, dot, L2', loss: bprByHand, config: { userL2: 0.1, itemL2: 0.2, biasL2: 0.05 }, withFeatures: false },
  { name: 'lopsided (value only), dot, features', loss: lopsided, config: {}, withFeatures: true },
  { name: 'lopsided (value only), cosine', loss: lopsided, config: { similarity: 'cosine' }, withFeatures: false },
  { name: 'bpr by hand, cosine, features', loss: bprByHand, config: { similarity: 'cosine' }, withFeatures: true },
];

for (const v of variants) {
  test(`bilinear custom loss (${v.name}): one triplet step moves every parameter by −lr × (finite-difference gradient + L2)`, async () => {
    const model = new BilinearModel('bpr', { optimizer: 'sgd', factors: 3, learningRate: lr, ...v.config }).useLoss(v.loss);
    await model.fit(train, {
      epochs: 0,
      threads: 1,
      userFeatures: v.withFeatures ? userFeatures : undefined,
      itemFeatures: v.withFeatures ? itemFeatures : undefined,
    });
    const t = model.tables!;
    const params = tableParams(t);
    const rng = new Rng(5);
    for (const p of params) for (let k = 0; k < p.data.length; k++) p.data[k] = rng.uniform(-0.6, 0.6); // biases too
    const [u, i, j] = [1, 2, 5];
    const sampler = { sample: () => j } as unknown as NegativeSampler;
    const spec = {
      loss: 'bpr',
      similarity: model.config.similarity,
      margin: 1,
      negatives: 1,
      maxSampled: 10,
      maxWarpWeight: 10,
      userL2: model.config.userL2,
      itemL2: model.config.itemL2,
      biasL2: model.config.biasL2,
    } as const;
    const trainer = new CustomLossTrainer(v.loss, spec, t, sampler);
    // From the tables themselves (model.score caches the item side until the next epoch).
    const score = (item: number): number => {
      const p = new Float64Array(3);
      const q = new Float64Array(3);
      t.user.forward(u, p);
      t.item.forward(item, q);
      const sim = v.config.similarity === 'cosine' ? cosineSimilarity(p, 0, q, 0, 3) : p[0] * q[0] + p[1] * q[1] + p[2] * q[2];
      return sim + (t.userBias?.value(u) ?? 0) + (t.itemBias?.value(item) ?? 0);
    };
    const lossAt = (): number => v.loss.terms(Float64Array.of(score(i)), Float64Array.of(score(j)))[0];
    const numeric = numericGradients(
      lossAt,
      params.map((p) => p.data),
      1e-3,
    );
    const before = params.map((p) => Float64Array.from(p.data));
    const expectedLoss = lossAt();
    const reported = trainer.run(Int32Array.of(u), Int32Array.of(i), Int32Array.of(0), 0, 1);
    assert.ok(Math.abs(reported - expectedLoss) < 1e-5, `reported loss ${reported} vs ${expectedLoss} before the step`);
    let moved = 0;
    params.forEach((p, k) => {
      const l2 = p.name.startsWith('user.') ? model.config.userL2 : p.name.startsWith('item.') ? model.config.itemL2 : model.config.biasL2;
      for (let e = 0; e < p.data.length; e++) {
        const delta = p.data[e] - before[k][e];
        if (delta !== 0) moved++;
        // L2 acts on the rows the triplet touched: those with a gradient (this data has no exact zeros there).
        const decay = delta !== 0 ? l2 * before[k][e] : 0;
        assertGradClose(-delta / lr, numeric[k][e] + decay, `${p.name}[${e}]`, FLOAT32_GRAD_TOLERANCE);
      }
    });
    assert.ok(moved > 0);
  });
}

test('bilinear custom loss: the summed loss of a batch is reported at its start', async () => {
  const model = new BilinearModel('bpr', { optimizer: 'sgd', factors: 3, learningRate: 0.5 }).useLoss(bprByHand);
  await model.fit(train, { epochs: 0, threads: 1 });
  const t = model.tables!;
  const sampler = { sample: (u: number) => (u + 3) % 6 } as unknown as NegativeSampler;
  const spec = { loss: 'bpr', similarity: 'dot', margin: 1, negatives: 1, maxSampled: 10, maxWarpWeight: 10, userL2: 0, itemL2: 0, biasL2: 0 } as const;
  const users = Int32Array.of(0, 1, 2, 3);
  const items = Int32Array.of(0, 2, 3, 4);
  const s = model.score(Int32Array.of(...users, ...users), Int32Array.of(...items, ...Array.from(users, (u) => (u + 3) % 6)));
  let expected = 0;
  for (let k = 0; k < 4; k++) expected += softplus(s[4 + k] - s[k]);
  const reported = new CustomLossTrainer(bprByHand, spec, t, sampler).run(users, items, Int32Array.of(0, 1, 2, 3), 0, 4);
  assert.ok(Math.abs(reported - expected) < 1e-5, `reported ${reported} vs ${expected}`);
});

test('bilinear custom loss: a batch × batch loss is refused while training, with what to do', async () => {
  const matrix: CustomTripletLoss = { name: 'matrix', terms: (pos, neg) => Array.from({ length: pos.length * neg.length }, () => 0) };
  const data = plantedImplicit({ users: 40, items: 30, perUser: 6, seed: 2 });
  const model = new BilinearModel('triplet', { factors: 4, epochs: 1 }).useLoss(matrix);
  await assert.rejects(
    model.fit(data.train, { threads: 1, log: () => {} }),
    (e: Error) => e instanceof ConfigError && /batch × batch score matrix/.test(e.message) && /one term per row/.test(e.message),
  );
});

test('bilinear custom loss: says it trains on one thread when more were asked for', async () => {
  const data = plantedImplicit({ users: 40, items: 30, perUser: 6, seed: 2 });
  const lines: string[] = [];
  await new BilinearModel('bpr', { factors: 4, epochs: 1 }).useLoss(bprByHand).fit(data.train, { threads: 2, log: (l) => lines.push(l) });
  assert.ok(
    lines.some((l) => /custom loss "bpr-by-hand" trains on one thread/.test(l)),
    lines.join('\n'),
  );
});

test('bpr with BPR written by hand as a custom loss learns planted data as well as the built-in BPR', async (t) => {
  const data = plantedImplicit({ users: 300, items: 200, perUser: 24, seed: 7 });
  const floor = ranking(popularity(data.train), data.train, data.test);
  const builtIn = new BilinearModel('bpr', { epochs: 30 });
  await builtIn.fit(data.train, { threads: 1, seed: 3, log: () => {} });
  const custom = new BilinearModel('bpr', { epochs: 30 }).useLoss(bprByHand);
  await custom.fit(data.train, { threads: 1, seed: 3, log: () => {} });
  const a = ranking(builtIn, data.train, data.test);
  const b = ranking(custom, data.train, data.test);
  const numbers = `custom AUC ${b.auc.toFixed(4)}, built-in ${a.auc.toFixed(4)}, popularity ${floor.auc.toFixed(4)}`;
  t.diagnostic(numbers);
  assert.ok(a.auc > floor.auc + 0.03, `the built-in BPR must learn here: ${numbers}`);
  assert.ok(b.auc > floor.auc + 0.03, `custom BPR must beat popularity: ${numbers}`);
  assert.ok(Math.abs(b.auc - a.auc) < 0.015, `custom BPR must match the built-in: ${numbers}`);
});
