/**
 * The training checks on small planted data (always run): a healthy model raises nothing; an L2
 * that collapses the embeddings, a huge batch and labels a trivial predictor wins are each named
 * with a fix that, measured, helps; custom losses of the wrong shape, sign or gradient are caught;
 * the autoencoders' multinomial loss is recomputed and their batches counted in users.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transformValues } from '../../src/data/labels.ts';
import { generateSynthetic } from '../../src/data/synthetic.ts';
import { diagnose, rankingAucHiddenFromInput } from '../../src/doctor/train-checks.ts';
import { probe, rankingAuc } from '../../src/doctor/probe.ts';
import { measureLoss, objectiveOf } from '../../src/doctor/objective.ts';
import { Rng } from '../../src/core/rng.ts';
import { createModel } from '../../src/models/registry.ts';
import { warpWeight } from '../../src/core/losses.ts';
import { listModels } from '../../src/models/registry.ts';
import { checkCustomLoss } from '../../src/doctor/loss-checks.ts';
import { formatFindings, type Finding } from '../../src/doctor/findings.ts';
import type { CustomTripletLoss } from '../../src/models/deep/custom-loss.ts';
import { plantedSplit } from '../helpers/deep-data.ts';
import { tinyInteractions } from '../helpers/gradcheck.ts';
import { interactionsFrom } from '../helpers/toy-model.ts';

const codes = (findings: Finding[], ...levels: Finding['level'][]) => findings.filter((f) => levels.includes(f.level)).map((f) => f.code);
const sig = (x: number) => 1 / (1 + Math.exp(-x));
const bprLoss: CustomTripletLoss = { name: 'bpr', terms: (pos, neg) => pos.map((p, k) => Math.log1p(Math.exp(neg[k] - p))) };

test('a healthy model on planted data: nothing flagged, validation above popularity', async () => {
  const { train } = plantedSplit({ seed: 3 });
  const r = await diagnose({ model: 'warp', params: { factors: 16, epochs: 10 }, train, sample: 4000 });
  assert.deepEqual(codes(r.findings, 'warn', 'error'), [], formatFindings('healthy', r.findings));
  assert.ok(r.validationAuc! > r.popularityAuc! + 0.03, `validation AUC ${r.validationAuc} vs popularity ${r.popularityAuc}`);
  assert.match(formatFindings('t', r.findings), /nothing wrong found/);
});

test('an L2 that collapses the embeddings is named, and lowering it is measured to help', async () => {
  const { train } = plantedSplit({ seed: 3 });
  const r = await diagnose({ model: 'ncf', params: { factors: 8, layers: [16], l2: 3, learningRate: 0.01, epochs: 5 }, train, sample: 4000, fix: true });
  const f = r.findings.find((x) => x.code === 'regulariser');
  assert.equal(f?.level, 'warn', formatFindings('l2', r.findings));
  assert.ok(f!.numbers!.ratio < 0.5, `norm ratio ${f!.numbers!.ratio}`);
  assert.ok(f!.measured?.helped, JSON.stringify(f!.measured));
  assert.ok(f!.measured!.after > f!.measured!.before + 0.05, JSON.stringify(f!.measured));
  assert.equal(r.findings.find((x) => x.code === 'tiny-overfit')?.level, 'warn');
});

test('a batch as large as the sample leaves too few steps: named and measured', async () => {
  const { train } = plantedSplit({ seed: 3 });
  const r = await diagnose({ model: 'ncf', params: { factors: 8, layers: [16], batchSize: 16384, epochs: 5 }, train, sample: 3000, fix: true });
  const f = r.findings.find((x) => x.code === 'batch-size');
  assert.equal(f?.level, 'warn');
  assert.ok(f!.measured?.helped, JSON.stringify(f!.measured));
});

test('autoencoders: the multinomial loss starts at ln(items), batches count users and passes, and a smaller batch is measured to help', async () => {
  const { train } = plantedSplit({ seed: 3 });
  const r = await diagnose({ model: 'recvae', params: { hidden: 32, depth: 2, latent: 8, batchSize: 500, epochs: 3 }, train, sample: 4000, fix: true });
  const init = r.findings.find((x) => x.code === 'init-loss');
  assert.equal(init?.level, 'ok', formatFindings('recvae', r.findings));
  assert.ok(Math.abs(init!.numbers!.measured - init!.numbers!.expected) < 0.05, JSON.stringify(init!.numbers));
  assert.equal(init!.numbers!.expected, Math.log(train.numItems));
  assert.ok(init!.numbers!.final < init!.numbers!.measured, 'the likelihood improves over the short fit');
  const batch = r.findings.find((x) => x.code === 'batch-size');
  assert.equal(batch?.level, 'warn', formatFindings('recvae', r.findings));
  // Every sampled user fits in one batch of 500: one step in each of RecVAE's 3 + 1 passes.
  assert.equal(batch!.numbers!.stepsPerEpoch, 4);
  assert.match(batch!.message, /4 optimiser steps per epoch \(4 passes\) on the training data's 300 users \(4 on the sample's \d+\)/);
  assert.ok(batch!.measured?.helped, JSON.stringify(batch!.measured));
  assert.ok(
    r.findings.some((x) => x.code === 'learning-rate'),
    'the learning-rate range test runs on the multinomial loss',
  );
});

test("a learning rate far below the range test's lowest-loss rate is flagged, and a third of that rate is measured to help", async () => {
  const { train } = plantedSplit({ seed: 3 });
  const r = await diagnose({ model: 'ncf', params: { factors: 8, layers: [16], learningRate: 1e-4, epochs: 5 }, train, sample: 4000, fix: true });
  const f = r.findings.find((x) => x.code === 'learning-rate');
  assert.equal(f?.level, 'warn', formatFindings('lr', r.findings));
  assert.match(f!.message, /learningRate 1\.0e-4 is far below the lowest-loss rate/);
  assert.ok(Math.abs(f!.numbers!.suggested - f!.numbers!.lowestLossRate / 3) < 1e-12);
  assert.ok(f!.numbers!.lowestLossRate >= 1e-4 * 30 - 1e-12, 'at least three grid steps above the configured rate');
  assert.ok(f!.measured?.helped, JSON.stringify(f!.measured));
});

test("a learning rate a tenth of the lowest-loss rate is not flagged (a short test's lowest-loss rate is near divergence)", async () => {
  const { train } = plantedSplit({ seed: 3 });
  // RecVAE's range tests on this sample have their lowest loss at 0.045 (above it the loss rises):
  // 4.5e-3 is a tenth of that, inside the margin; 1.5e-3 is a grid step below the margin.
  const at = async (learningRate: number) => {
    const r = await diagnose({ model: 'recvae', params: { hidden: 32, depth: 2, latent: 8, batchSize: 64, learningRate, epochs: 3 }, train, sample: 4000 });
    return r.findings.find((x) => x.code === 'learning-rate')!;
  };
  const low = await at(1.5e-3);
  assert.equal(low.level, 'warn', low.message);
  const tenth = await at(4.5e-3);
  assert.equal(tenth.level, 'ok', tenth.message);
  assert.ok(Math.abs(tenth.numbers!.lowestLossRate / tenth.numbers!.learningRate - 10) < 1e-9, tenth.message);
  assert.match(tenth.message, /lowest loss at 0\.045, configured 4\.5e-3/);
});

test('a range test of too few optimiser steps per rate is not judged: it says so instead of suggesting a rate', async () => {
  const { train } = plantedSplit({ seed: 3 });
  const rangeOf = async (batchSize: number) => {
    const r = await diagnose({ model: 'multvae', params: { layers: [], latent: 8, batchSize, epochs: 2 }, train, sample: 4000 });
    return r.findings.find((x) => x.code === 'learning-rate')!;
  };
  // The range test's ~180 users fit in one batch of 500: one step an epoch, two per rate.
  const few = await rangeOf(500);
  assert.equal(few.level, 'info', few.message);
  assert.equal(few.numbers!.stepsPerRate, 2);
  assert.equal(few.fix, undefined);
  assert.match(few.message, /not judged: 2 epochs on its sample's \d+ users at batch size 500 are 2 optimiser steps per rate/);
  const enough = await rangeOf(32);
  assert.notEqual(enough.level, 'info', enough.message);
  assert.match(enough.message, /^learning-rate range test \(2 epochs on \d+ interactions/);
});

test("on long histories an autoencoder's range test takes enough users for its steps, not a fixed count of interactions", async () => {
  // ~100 interactions a user: the range test's 3,000 interactions would be ~40 users, one batch of
  // 64 an epoch and two steps a rate, too few to judge; 128 users make four.
  const data = generateSynthetic({ users: 160, items: 300, factors: 4, interactionsPerUser: 120, seed: 5 });
  // A sample of ~50 users: the fit part is short of 128 users, so the training data gives them.
  for (const sample of [20_000, 5_000]) {
    const r = await diagnose({ model: 'multvae', params: { layers: [], latent: 8, batchSize: 64, epochs: 2 }, train: data.interactions, sample });
    const f = r.findings.find((x) => x.code === 'learning-rate')!;
    assert.notEqual(f.level, 'info', f.message);
    const [, interactions] = /^learning-rate range test \(2 epochs on (\d+) interactions/.exec(f.message) ?? [];
    assert.ok(Number(interactions) > 6000, f.message);
  }
});

test('a learning rate at which the loss rises or diverges is an error, with a rate below the range tested as the fix', async () => {
  const { train } = plantedSplit({ seed: 3 });
  const r = await diagnose({ model: 'bpr', params: { factors: 8, learningRate: 1000, epochs: 3 }, train, sample: 4000 });
  const f = r.findings.find((x) => x.code === 'learning-rate')!;
  assert.equal(f.level, 'error', f.message);
  assert.match(f.message, /at the configured learningRate 1000 the loss (rises|diverges), and no lower rate tested brings it down/);
  assert.ok(f.numbers!.suggested < 1000 / 30, f.fix);
});

test('model and popularity at chance on data that is not thin: the model is named, not the data', async () => {
  // Four taste groups of 50 users, each taking 12 of its group's 20 items: every item about as
  // popular as any other and seen ~30 times, so popularity ranks at chance while the data is rich;
  // a model started at zero (BPR's gradients vanish there) learns nothing.
  const rng = new Rng(4);
  const triples: [number, number, number][] = [];
  for (let u = 0; u < 200; u++) {
    const own = rng.permutation(20).slice(0, 12);
    for (const k of own) triples.push([u, 4 * k + (u % 4), 1]);
  }
  const r = await diagnose({ model: 'bpr', params: { factors: 8, initScale: 0, epochs: 2 }, train: interactionsFrom(triples), sample: 3000 });
  assert.ok(r.popularityAuc! < 0.505, `popularity ${r.popularityAuc}`);
  assert.ok(!r.findings.some((f) => f.code === 'thin-data'), formatFindings('not thin', r.findings));
  const chance = r.findings.find((f) => f.code === 'chance');
  assert.equal(chance?.level, 'error', formatFindings('not thin', r.findings));
  assert.match(chance!.fix!, /more epochs|larger learning rate/);
});

test('a batch that suits the training data but leaves the sample few steps is said, not flagged', async () => {
  const { train } = plantedSplit({ seed: 3 });
  const r = await diagnose({ model: 'recvae', params: { hidden: 32, depth: 2, latent: 8, batchSize: 64, epochs: 3 }, train, sample: 4000 });
  const batch = r.findings.find((x) => x.code === 'batch-size');
  assert.equal(batch?.level, 'ok', formatFindings('recvae', r.findings));
  // 300 users in batches of 64: 5 steps a pass, 4 passes; the sample's ~240 users take 4 a pass.
  assert.equal(batch!.numbers!.stepsPerEpoch, 20);
  assert.equal(batch!.numbers!.sampleStepsPerEpoch, 16);
  assert.match(batch!.message, /the sample's \d+ users take only 16, so the short fits here run 2× the epochs/);
  // 20 steps an epoch on the full data, 16 on the sample: the short fits take 2 × 3 epochs.
  assert.equal(r.sample.epochs, 6);
  assert.ok(
    r.findings.some((x) => /^validation AUC \S+ after 6 epochs/.test(x.message)),
    formatFindings('recvae', r.findings),
  );
});

test('a model that overfits a tiny sample only slowly is not called stuck; one that stays below is, with both figures', async () => {
  const { train } = plantedSplit({ seed: 3 });
  const at = async (learningRate: number) => {
    const r = await diagnose({ model: 'warp', params: { factors: 16, learningRate, epochs: 3 }, train, sample: 4000 });
    return r.findings.find((x) => x.code === 'tiny-overfit')!;
  };
  const slow = await at(0.002);
  assert.equal(slow.level, 'ok', slow.message);
  assert.ok(slow.numbers!.trainingAuc < 0.9 && slow.numbers!.trainingAucLonger >= 0.9, JSON.stringify(slow.numbers));
  assert.match(slow.message, /overfits a tiny sample, slowly: .* after 30 epochs, .* after 90/);
  const stuck = await at(2e-4);
  assert.equal(stuck.level, 'warn', stuck.message);
  assert.match(stuck.message, /training AUC only .* after 30 epochs and .* after 90/);
});

test('NeuMF from pretrained GMF and MLP starts below ln 2, which is the point, not a fault', async () => {
  const { train } = plantedSplit({ seed: 3 });
  const params = { factors: 8, layers: [16, 8], pretrainEpochs: 5, pretrainLearningRate: 0.01, learningRate: 1e-4, epochs: 3 };
  const r = await diagnose({ model: 'neumf', params, train, sample: 4000 });
  const init = r.findings.find((x) => x.code === 'init-loss')!;
  assert.equal(init.level, 'ok', init.message);
  assert.ok(init.numbers!.measured < init.numbers!.expected - 0.1, JSON.stringify(init.numbers));
  assert.match(init.message, /after 5 epochs of pretraining, below a fresh start's 0\.6931/);
  // Without pretraining the same check compares with ln 2 as before.
  const fresh = await diagnose({ model: 'neumf', params: { ...params, pretrainEpochs: 0 }, train, sample: 4000 });
  assert.match(fresh.findings.find((x) => x.code === 'init-loss')!.message, /^loss at initialisation 0\.69\d+ vs 0\.6931 expected/);
});

test('the multinomial loss is −log softmax(scores) of each interaction, averaged over interactions', async () => {
  const { train } = plantedSplit({ users: 30, items: 20, seed: 4 });
  const model = createModel('multvae', { layers: [], latent: 4, epochs: 2 });
  await model.fit(train, { threads: 1, seed: 1, log: () => {} });
  const o = objectiveOf(model);
  assert.deepEqual(o, { kind: 'multinomial', batches: 'users' });
  assert.deepEqual(objectiveOf(createModel('two-tower')), { kind: 'multinomial', batches: 'pairs' });
  let total = 0;
  for (let k = 0; k < train.length; k++) {
    const scores = new Float32Array(train.numItems);
    model.scoreItems(train.users[k], scores);
    const max = Math.max(...scores);
    const lse = max + Math.log(scores.reduce((a, v) => a + Math.exp(v - max), 0));
    total += lse - scores[train.items[k]];
  }
  const measured = measureLoss(model, o, train, new Rng(1), train.length);
  assert.ok(Math.abs(measured - total / train.length) < 1e-4, `${measured} vs ${total / train.length}`);
});

test('sampled softmax and BPR configurations of NCF and DeepFM, and the bilinear losses with WARP and the adaptive hinge, are recomputed: a softmax starts at ln(1 + negatives)', async () => {
  const objective = (type: 'ncf' | 'deepfm', params: Record<string, unknown>) => objectiveOf(createModel(type, params as never));
  assert.deepEqual(objective('ncf', { loss: 'softmax', negatives: 16 }), { kind: 'sampled', loss: 'softmax', negatives: 16 });
  assert.deepEqual(objective('ncf', { loss: 'bpr' }), { kind: 'triplet', loss: 'bpr', margin: 0 });
  assert.deepEqual(objective('deepfm', { loss: 'bpr' }), { kind: 'triplet', loss: 'bpr', margin: 0 });
  const bilinear = (params: Record<string, unknown>) => objectiveOf(createModel('bilinear', params as never));
  assert.deepEqual(bilinear({ loss: 'bpr' }), { kind: 'triplet', loss: 'bpr', margin: 0 });
  assert.deepEqual(bilinear({ loss: 'margin', margin: 0.3 }), { kind: 'triplet', loss: 'margin', margin: 0.3 });
  assert.deepEqual(bilinear({ loss: 'logistic', negatives: 3 }), { kind: 'sampled', loss: 'bce', negatives: 3 });
  assert.deepEqual(bilinear({ loss: 'warp' }), { kind: 'warp', margin: 1, maxSampled: 10, maxWeight: 10 });
  assert.deepEqual(bilinear({ loss: 'adaptive-hinge', negatives: 4, margin: 0.5 }), { kind: 'adaptive-hinge', negatives: 4, margin: 0.5 });
  assert.deepEqual(objectiveOf(createModel('ease')), { kind: 'other' });
  // 1,000 items, positives among the first 10; scores 5 on those and 0 elsewhere. A row with c of
  // its 16 uniform negatives among the first 10 (binomial, p = 0.01) is log((1 + c)·e⁵ + 16 − c) − 5.
  const triples = Array.from({ length: 400 }, (_, k): [number, number, number] => [k % 40, k % 10, 1]);
  const data = tinyInteractions(40, 1000, triples);
  const stub = (score: (item: number) => number) => ({ score: (_u: Int32Array, items: Int32Array) => Float32Array.from(items, score) }) as never;
  const o = { kind: 'sampled', loss: 'softmax', negatives: 16 } as const;
  const flat = measureLoss(
    stub(() => 0),
    o,
    data,
    new Rng(2),
  );
  assert.ok(Math.abs(flat - Math.log(17)) < 1e-9, `${flat} vs ln 17`);
  const peaked = measureLoss(
    stub((i) => (i < 10 ? 5 : 0)),
    o,
    data,
    new Rng(2),
  );
  let expected = 0;
  for (let c = 0, p = 0.99 ** 16; c <= 16; p *= ((16 - c) / (c + 1)) * (0.01 / 0.99), c++) expected += p * (Math.log((1 + c) * Math.exp(5) + 16 - c) - 5);
  // 400 rows: the mean's standard error is ~0.012.
  assert.ok(Math.abs(peaked - expected) < 0.04, `${peaked} vs ${expected}`);
  // WARP: on flat scores every positive violates at the first draw, rank weight L(N − 1) × the
  // margin; with s⁺ 0.6 above every negative the violation is 0.4 and the weight the same.
  const warp = { kind: 'warp', margin: 1, maxSampled: 10, maxWeight: 100 } as const;
  const first = warpWeight(1000, 1);
  assert.ok(
    Math.abs(
      measureLoss(
        stub(() => 0),
        warp,
        data,
        new Rng(2),
      ) - first,
    ) < 1e-9,
  );
  assert.ok(
    Math.abs(
      measureLoss(
        stub((i) => (i < 10 ? 0.6 : 0)),
        warp,
        data,
        new Rng(2),
      ) -
        0.4 * first,
    ) <
      0.04 * first,
  );
  assert.equal(
    measureLoss(
      stub(() => 0),
      { ...warp, maxWeight: 3 },
      data,
      new Rng(2),
    ),
    3,
    'the weight is capped',
  );
  // The adaptive hinge: the margin on flat scores; with s⁺ 0.3 above the rest, 0.7 unless a draw hits a positive's item.
  const adaptive = { kind: 'adaptive-hinge', negatives: 5, margin: 1 } as const;
  assert.equal(
    measureLoss(
      stub(() => 0),
      adaptive,
      data,
      new Rng(2),
    ),
    1,
  );
  const lifted = measureLoss(
    stub((i) => (i < 10 ? 0.3 : 0)),
    adaptive,
    data,
    new Rng(2),
  );
  assert.ok(lifted >= 0.7 - 1e-6 && lifted < 0.7 + 0.3 * 0.1, `${lifted}`);
  const r = await diagnose({ model: 'ncf', params: { factors: 8, layers: [16], loss: 'softmax', negatives: 8, epochs: 3 }, train: plantedSplit({ seed: 3 }).train, sample: 3000 });
  const init = r.findings.find((x) => x.code === 'init-loss');
  assert.equal(init?.level, 'ok', formatFindings('ncf softmax', r.findings));
  assert.equal(init!.numbers!.expected, Math.log(9));
  assert.ok(
    r.findings.some((x) => x.code === 'learning-rate'),
    'the learning-rate range test runs on the sampled softmax',
  );
});

test('the two-tower model: its catalogue softmax starts at ln(items), and its batches count positive pairs', async () => {
  const { train } = plantedSplit({ seed: 3 });
  const r = await diagnose({ model: 'two-tower', params: { factors: 16, embeddingDim: 16, layers: [32], batchSize: 64, epochs: 3 }, train, sample: 3000 });
  const init = r.findings.find((x) => x.code === 'init-loss');
  assert.equal(init?.level, 'ok', formatFindings('two-tower', r.findings));
  assert.equal(init!.numbers!.expected, Math.log(train.numItems));
  assert.ok(init!.numbers!.final < init!.numbers!.measured - 0.1, JSON.stringify(init!.numbers));
  const batch = r.findings.find((x) => x.code === 'batch-size');
  assert.match(batch!.message, /rows/, 'pairs, not users');
  // Judged on all of the training data; the sample's count is said beside it.
  assert.equal(batch!.numbers!.stepsPerEpoch, Math.ceil(train.length / 64));
  assert.equal(batch!.numbers!.sampleStepsPerEpoch, Math.ceil(r.sample.fit / 64));
});

test('labels that are 80 % positive judged by F1: the trivial predictor wins, ranking the positives is measured', async () => {
  const { train } = plantedSplit({ seed: 5 });
  // Every interaction a row; 80 % labelled 1 at random, so F1 of "yes everywhere" is 0.89.
  let s = 1;
  const labels = transformValues(train, () => ((s = (s * 16807) % 2147483647) / 2147483647 < 0.8 ? 1 : 0));
  const r = await diagnose({ model: 'ncf', params: { factors: 8, layers: [16], negatives: 0, loss: 'bce', epochs: 5 }, train: labels, metric: 'f1', sample: 4000, fix: true });
  const f = r.findings.find((x) => x.code === 'trivial-metric');
  assert.equal(f?.level, 'warn', formatFindings('f1', r.findings));
  assert.ok(Math.abs(f!.numbers!.positiveShare - 0.8) < 0.05);
  assert.ok(f!.numbers!.f1 <= f!.numbers!.allPositiveF1 + 0.02);
  assert.ok(f!.measured && f.measured.after > f.measured.before, JSON.stringify(f!.measured));
});

test('custom losses: a batch × batch matrix is refused, a flipped sign and a wrong gradient are errors, a bounded loss saturates', () => {
  const matrix: CustomTripletLoss = {
    name: 'matrix',
    terms: (pos, neg) => {
      const out: number[] = [];
      for (const p of pos) for (const n of neg) out.push(1 - sig(p - n));
      return out;
    },
  };
  const refused = checkCustomLoss(matrix);
  assert.ok(refused.refused);
  assert.match(refused.findings[0].message, /batch × batch score matrix/);

  const flipped: CustomTripletLoss = { name: 'flipped', terms: (pos, neg) => pos.map((p, k) => Math.log1p(Math.exp(p - neg[k]))) };
  assert.deepEqual(codes(checkCustomLoss(flipped).findings, 'error'), ['loss-sign']);

  const badGradient: CustomTripletLoss = { ...bprLoss, name: 'bad', gradient: (pos, neg) => ({ pos: pos.map(() => -1), neg: neg.map(() => 1) }) };
  assert.ok(codes(checkCustomLoss(badGradient).findings, 'error').includes('loss-gradient'));
  const goodGradient: CustomTripletLoss = {
    ...bprLoss,
    gradient: (pos, neg) => ({ pos: pos.map((p, k) => -sig(neg[k] - p)), neg: neg.map((n, k) => sig(n - pos[k])) }),
  };
  assert.deepEqual(codes(checkCustomLoss(goodGradient).findings, 'warn', 'error'), []);

  const bounded: CustomTripletLoss = { name: '1 - sigmoid', terms: (pos, neg) => pos.map((p, k) => 1 - sig(p - neg[k])) };
  assert.deepEqual(codes(checkCustomLoss(bounded).findings, 'warn'), ['loss-saturates']);

  const flat: CustomTripletLoss = { name: 'flat', terms: (pos) => pos.map(() => 1) };
  assert.deepEqual(codes(checkCustomLoss(flat).findings, 'error'), ['loss-vanishes']);
});

test('diagnose stops at a refused custom loss, before any fit', async () => {
  const { train } = plantedSplit({ seed: 3 });
  const matrix: CustomTripletLoss = { name: 'matrix', terms: (pos, neg) => Array.from({ length: pos.length * neg.length }, () => 0) };
  const r = await diagnose({ model: 'match', params: { factors: 8, layers: [16] }, customLoss: matrix, train });
  assert.deepEqual(codes(r.findings, 'error'), ['loss-shape']);
  assert.equal(r.sample.interactions, 0);
});

test('every registered type goes through the doctor; closed forms and neighbourhoods are not asked to overfit', async () => {
  const { train } = plantedSplit({ users: 60, items: 40, seed: 3 });
  for (const { type } of listModels()) {
    if (type === 'blend') continue; // needs members; its own error says so
    const r = await diagnose({ model: type, train, sample: 800, epochs: 1 });
    assert.ok(
      r.findings.some((f) => f.code === 'validation' || f.code === 'chance' || f.code === 'below-popularity'),
      `${type}: ${formatFindings(type, r.findings)}`,
    );
    if (['popularity', 'ease', 'item-knn', 'user-knn', 'rp3beta', 'ials'].includes(type)) {
      assert.ok(!r.findings.some((f) => f.code === 'tiny-overfit' || f.code === 'overfitting'), `${type}: ${formatFindings(type, r.findings)}`);
    }
  }
});

test('dead ReLU units: a healthy NCF has few; a learning rate far too high kills most of them, and the doctor says so', async () => {
  const { train } = plantedSplit({ seed: 3 });
  const healthy = await diagnose({ model: 'ncf', params: { factors: 8, layers: [32, 16], epochs: 3 }, train, sample: 3000 });
  const ok = healthy.findings.find((f) => f.code === 'dead-relu');
  assert.equal(ok?.level, 'ok', formatFindings('healthy', healthy.findings));
  assert.ok(ok!.numbers!.deadShare < 0.5);
  const broken = await diagnose({ model: 'ncf', params: { factors: 8, layers: [32, 16], optimizer: 'sgd', learningRate: 50, epochs: 2 }, train, sample: 3000 });
  const dead = broken.findings.find((f) => f.code === 'dead-relu');
  assert.equal(dead?.level, 'warn', formatFindings('broken', broken.findings));
  assert.ok(dead!.numbers!.worstLayer >= 0.95 || dead!.numbers!.deadShare > 0.5);
});

test("an autoencoder's training AUC ranks training items hidden from its input: reconstructing the input is not memorising", () => {
  const { train } = plantedSplit({ seed: 3 });
  // Scores 1 for the items in the input row, 0 elsewhere: perfect reconstruction, nothing learned.
  const copier = {
    foldIn(history: { index: number; weight: number }[]) {
      const scores = new Float32Array(train.numItems);
      for (const h of history) scores[h.index] = 1;
      return { scores, source: 'model' as const, history, unknown: 0 };
    },
  };
  const hidden = rankingAucHiddenFromInput(copier, { fit: train, relevance: undefined });
  assert.ok(Math.abs(hidden - 0.5) < 1e-9, `a copier ranks hidden items at chance, got ${hidden}`);
  // Ranked from inside the input, as for the factor models, the copier would look perfect.
  const rows = train.byUser();
  const inRow = (u: number, i: number) => rows.indices.subarray(rows.indptr[u], rows.indptr[u + 1]).includes(i);
  const inside = rankingAuc({ score: (users, items) => Float32Array.from(items, (i) => (inRow(users[0], i) ? 1 : 0)) }, train, null);
  assert.equal(inside, 1);
});

test('data too thin to rank: popularity at chance too is named as the data, with the k-core to train on', async () => {
  // 400 users with 12 items each from a catalogue of 20,000: almost every item is seen once.
  const rng = new Rng(5);
  const triples: [number, number, number][] = [];
  for (let u = 0; u < 400; u++) for (let k = 0; k < 12; k++) triples.push([u, rng.int(20_000), 1]);
  const train = tinyInteractions(400, 20_000, triples);
  const r = await diagnose({ model: 'bpr', params: { factors: 8, epochs: 2 }, train, sample: 4000 });
  const f = r.findings.find((x) => x.code === 'thin-data');
  assert.equal(f?.level, 'error', formatFindings('thin', r.findings));
  assert.ok(!r.findings.some((x) => x.code === 'chance' || x.code === 'overfitting'), 'not blamed on the model');
  assert.ok(f!.numbers!.coldValidationShare > 0.8, JSON.stringify(f!.numbers));
  assert.ok(f!.numbers!.thinItemShare > 0.99, JSON.stringify(f!.numbers));
  assert.equal(f!.numbers!.medianItemInteractions, 1);
  assert.equal(f!.numbers!.coreInteractions, 0);
  assert.match(f!.fix!, /the 5-core \(--min-item-interactions 5 --min-user-interactions 5\) keeps only 0 of the 4800 interactions: this data needs more interactions per item/);
});

test("an autoencoder's memorisation is judged on a sample of enough of the training users, and said, not flagged, on a few", async () => {
  const { train } = plantedSplit({ seed: 3, users: 600 });
  // No input dropout and a fast rate: it learns its training rows by heart (validation AUC falls from epoch 4).
  const params = { variational: false, layers: [], latent: 64, dropout: 0, batchSize: 50, learningRate: 0.01 };
  const all = await diagnose({ model: 'multvae', params, train, sample: 20_000, epochs: 20 });
  const judged = all.findings.find((x) => x.code === 'overfitting');
  assert.equal(judged?.level, 'warn', formatFindings('all users', all.findings));
  const few = await diagnose({ model: 'multvae', params, train, sample: 1200, epochs: 20 });
  const said = few.findings.find((x) => x.code === 'overfitting');
  assert.equal(said?.level, 'info', formatFindings('few users', few.findings));
  assert.ok(said!.numbers!.sampleUsers * 4 < said!.numbers!.trainingUsers, JSON.stringify(said!.numbers));
  assert.match(said!.message, /not judged: the model has no weights per user/);
});

test('a slow short fit says where it is after each epoch; a quick one stays quiet', async () => {
  const { train, test: validation } = plantedSplit({ seed: 3 });
  const recipe = { type: 'bpr', params: { factors: 8 }, customLoss: null };
  const lines: string[] = [];
  await probe(recipe, { fit: train, validation }, 3, 1, { progress: (l) => lines.push(l), progressAfter: 0, progressEvery: 0 });
  assert.deepEqual(
    lines.map((l) => l.replace(/\(\d+ s\)/, '(n s)')),
    ['doctor: short fit, epoch 1/3 (n s)', 'doctor: short fit, epoch 2/3 (n s)', 'doctor: short fit, epoch 3/3 (n s)'],
  );
  // Every 10 s by default: a quick fit past the start says only where it ended.
  const sparse: string[] = [];
  await probe(recipe, { fit: train, validation }, 3, 1, { progress: (l) => sparse.push(l), progressAfter: 0 });
  assert.deepEqual(
    sparse.map((l) => l.replace(/\(\d+ s\)/, '(n s)')),
    ['doctor: short fit, epoch 1/3 (n s)', 'doctor: short fit, epoch 3/3 (n s)'],
  );
  const quiet: string[] = [];
  await probe(recipe, { fit: train, validation }, 3, 1, { progress: (l) => quiet.push(l) });
  assert.deepEqual(quiet, []);
});
