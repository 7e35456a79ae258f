// Mult-VAE's sampled softmax (`sampledSoftmax: k`, src/models/vae/sampled-softmax.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Rng } from '../../../src/core/rng.ts';
import { ConfigError } from '../../../src/contracts/errors.ts';
import type { Csr } from '../../../src/data/interactions.ts';
import { MultVae } from '../../../src/models/vae/multvae.ts';
import { MultVaeNet, type MultVaeShape } from '../../../src/models/vae/network.ts';
import { SampledItemOutput, sampledUserNll } from '../../../src/models/vae/sampled-softmax.ts';
import { createModel } from '../../../src/models/registry.ts';
import { loadModel } from '../../../src/models/load.ts';
import { fitQuietly, plantedSplit, scoresOf, tinyUserRows } from '../../helpers/baselines.ts';
import { rankingMetrics } from '../../helpers/metrics.ts';
import { checkParamGradients, checkVectorGradient, FLOAT32_STEP, randomArray } from '../../helpers/gradcheck.ts';

// 5 users × 7 items (user 4 has one item, item 6 none).
const tinyRows = tinyUserRows();
const USERS = Int32Array.of(0, 1, 2, 3, 4);
const BETA = 0.7;

function tinyNet(shape: Partial<MultVaeShape> = {}): MultVaeNet {
  const net = new MultVaeNet({ numItems: 7, layers: [5, 4], latent: 3, variational: true, sampledSoftmax: 3, ...shape }, { name: 'sgd', learningRate: 0.1 }, new Rng(11));
  net.params().forEach((p, k) => p.data.set(randomArray(p.data.length, 100 + k, 0.6)));
  return net;
}

test("sampled softmax: one user's NLL gradient w.r.t. every logit matches finite differences (a masked negative included)", () => {
  const pos = Float64Array.of(0.3, -1.2, 2.0);
  const neg = Float64Array.of(0.5, -Infinity, 1.7, -0.4);
  const loss = () => sampledUserNll(pos, 0, 3, neg, 0, 4, 0.25, false);
  const gPos = pos.slice();
  const gNeg = neg.slice();
  sampledUserNll(gPos, 0, 3, gNeg, 0, 4, 0.25, true);
  checkVectorGradient(
    pos,
    Array.from(gPos, (g) => g / 0.25),
    loss,
    'positive logits',
  );
  const finite = [0, 2, 3];
  for (const s of finite) checkVectorGradient(neg.subarray(s, s + 1), [gNeg[s] / 0.25], loss, `negative logit ${s}`);
  assert.equal(gNeg[1], 0, 'a masked negative gets no gradient');
  // The gradient sums to zero over the candidates' softmax shares: count·Σp − count = 0.
  assert.ok(Math.abs(gPos.reduce((a, b) => a + b, 0) + gNeg.reduce((a, b) => a + b, 0)) < 1e-12);
});

/**
 * The whole sampled batch loss (sparse first layer with a fixed dropout mask, encoder, fixed
 * noise, β·KL, decoder, the item-major output over positives and a fixed shared sample) against
 * central differences on every entry of every parameter.
 */
function gradCheck(net: MultVaeNet, sampleSeed: number): void {
  const n = USERS.length;
  net.setBatch(tinyRows, USERS, n, 0.3, new Rng(5));
  net.drawSample(new Rng(sampleSeed));
  const noise = net.variational ? randomArray(n * net.latent, 77, 1.5) : null;
  const loss = (): number => {
    net.forward(n, noise, false);
    return net.loss(n, BETA);
  };
  net.forward(n, noise, false);
  net.loss(n, BETA, true);
  net.backward(n, BETA);
  // The helper's float32 step: at 3e-3 the loss's float32 rounding (logits stored as float32)
  // moves a few entries' differences by ~0.3 %, past the tolerance, in either direction by step.
  const nonZero = checkParamGradients(net.gradients(), loss, FLOAT32_STEP);
  assert.ok(nonZero > 50, `only ${nonZero} clearly non-zero gradient entries: the check would prove little`);
}

test('sampled softmax: the batch loss gradient matches finite differences for every parameter (VAE, DAE, no hidden layer)', () => {
  const net = tinyNet();
  assert.ok(net.sampledOutput, 'k = 3 < 7 items trains with a sampled softmax');
  // Samples with accidental hits: every user of tinyRows has 1–4 of the 7 items.
  for (const seed of [1, 2]) gradCheck(tinyNet(), seed);
  gradCheck(tinyNet({ variational: false, layers: [5] }), 3);
  gradCheck(tinyNet({ layers: [] }), 4);
  gradCheck(tinyNet({ sampledSoftmax: 1 }), 5);
});

test('sampled softmax: k ≥ items builds the exact network; the sample is k distinct items', () => {
  assert.equal(tinyNet({ sampledSoftmax: 7 }).sampledOutput, null);
  assert.equal(tinyNet({ sampledSoftmax: null }).sampledOutput, null);
  const out = new SampledItemOutput('o', 50, 4, 20, { name: 'sgd', learningRate: 0.1 }, new Rng(1));
  const counts = new Float64Array(50);
  const rng = new Rng(3);
  for (let t = 0; t < 5000; t++) {
    out.drawSample(rng);
    assert.equal(new Set(out.sample).size, 20);
    for (const j of out.sample) counts[j]++;
  }
  // Each item's inclusion probability is k / items = 0.4.
  for (let j = 0; j < 50; j++) assert.ok(Math.abs(counts[j] / 5000 - 0.4) < 0.03, `item ${j}: ${counts[j] / 5000}`);
});

// An output layer over 12 items, width 3, and rows whose users hold many of them (so accidental hits are common).
const N = 12;
const H = 3;
const rows: Csr = {
  rows: 3,
  cols: N,
  indptr: Int32Array.of(0, 1, 6, 10),
  indices: Int32Array.of(4, 0, 2, 3, 7, 11, 1, 5, 6, 9),
  values: new Float32Array(10).fill(1),
  order: new Int32Array(0),
};
const users = Int32Array.of(0, 1, 2);
const h = randomArray(3 * H, 21, 1);

function layer(k: number, make: typeof SampledItemOutput = SampledItemOutput): SampledItemOutput {
  const out = new make('decoder.out', N, H, k, { name: 'sgd', learningRate: 0.1 }, new Rng(1));
  out.weight.data.set(randomArray(N * H, 31, 1));
  out.bias.data.set(randomArray(N, 41, 0.5));
  // The users' own items score high, so the positives carry much of the softmax's mass.
  for (let r = 0; r < 3; r++)
    for (let q = rows.indptr[r]; q < rows.indptr[r + 1]; q++) for (let d = 0; d < H; d++) out.weight.data[rows.indices[q] * H + d] += 1.2 * Math.sign(h[r * H + d]);
  return out;
}

/** The exact multinomial NLL of each user's row: count · log Σ_all e^l − Σ_pos l. */
function exactNll(out: SampledItemOutput): number[] {
  const logits = new Float32Array(3 * N);
  out.logits(h, 3, logits);
  return [0, 1, 2].map((r) => {
    const row = Array.from(logits.subarray(r * N, (r + 1) * N));
    const lse = Math.log(row.reduce((s, l) => s + Math.exp(l), 0));
    const items = Array.from(rows.indices.subarray(rows.indptr[r], rows.indptr[r + 1]));
    return items.length * lse - items.reduce((s, j) => s + row[j], 0);
  });
}

/** The sampled NLL of user r alone, for the sample drawn last. */
function userNll(out: SampledItemOutput, r: number): number {
  return out.loss(h.subarray(r * H, (r + 1) * H), rows, users.subarray(r, r + 1), 1, false);
}

class NoCorrection extends SampledItemOutput {
  protected override correction(): number {
    return 0;
  }
}
class NoMask extends SampledItemOutput {
  protected override maskAccidentalHits(): void {}
}

/** With k = items every item is sampled: the sampled NLL must be the exact one. */
function assertExactAtFullSample(make: typeof SampledItemOutput): void {
  const out = layer(N, make);
  out.drawSample(new Rng(9));
  const exact = exactNll(out);
  for (let r = 0; r < 3; r++) assert.ok(Math.abs(userNll(out, r) - exact[r]) < 1e-4 * exact[r], `user ${r}: sampled ${userNll(out, r)} vs exact ${exact[r]}`);
}

/**
 * The sum inside the log is an importance-sampling estimate of the exact normaliser Z: for user
 * r, E[exp((NLL + Σ_pos l) / count)] = Z over the draws of the sample.
 */
function assertUnbiasedNormaliser(make: typeof SampledItemOutput, k: number): void {
  const out = layer(k, make);
  const exact = exactNll(out);
  const logits = new Float32Array(3 * N);
  out.logits(h, 3, logits);
  const rng = new Rng(17);
  const draws = 4000;
  for (let r = 1; r < 3; r++) {
    const items = Array.from(rows.indices.subarray(rows.indptr[r], rows.indptr[r + 1]));
    const hit = items.reduce((s, j) => s + logits[r * N + j], 0);
    const z = Math.exp((exact[r] + hit) / items.length);
    let mean = 0;
    for (let t = 0; t < draws; t++) {
      out.drawSample(rng);
      mean += Math.exp((userNll(out, r) + hit) / items.length) / draws;
    }
    assert.ok(Math.abs(mean / z - 1) < 0.03, `user ${r}, k ${k}: mean estimate ${mean.toFixed(4)} vs Z ${z.toFixed(4)} (ratio ${(mean / z).toFixed(4)})`);
  }
}

test('sampled softmax: with every item sampled the loss is the exact softmax; without the accidental-hit mask it is not', () => {
  assertExactAtFullSample(SampledItemOutput);
  assert.throws(() => assertExactAtFullSample(NoMask), /sampled .* vs exact/);
});

test('sampled softmax: the log-Q-corrected sum is an unbiased estimate of the exact normaliser; without the correction or the mask it is biased', () => {
  for (const k of [3, 6]) assertUnbiasedNormaliser(SampledItemOutput, k);
  assert.throws(() => assertUnbiasedNormaliser(NoCorrection, 3), /ratio/);
  assert.throws(() => assertUnbiasedNormaliser(NoMask, 6), /ratio/);
});

test("sampled softmax: at k = items the gradients equal the exact layer's", () => {
  const sampled = tinyNet({ sampledSoftmax: 7, layers: [5] });
  assert.equal(sampled.sampledOutput, null);
  // The sampled path's gradients through a layer that samples everything against the exact net's.
  const exact = new MultVaeNet({ numItems: 7, layers: [5], latent: 3, variational: false }, { name: 'sgd', learningRate: 0.1 }, new Rng(11));
  const viaSample = new MultVaeNet({ numItems: 7, layers: [5], latent: 3, variational: false, sampledSoftmax: 6 }, { name: 'sgd', learningRate: 0.1 }, new Rng(11));
  exact.params().forEach((p, k) => p.data.set(randomArray(p.data.length, 100 + k, 0.6)));
  viaSample.loadState({ tensors: exact.tensors() });
  const full = new SampledItemOutput('decoder.out', 7, 5, 7, { name: 'sgd', learningRate: 0.1 }, new Rng(1));
  full.load({ tensors: exact.tensors() });
  (viaSample as unknown as { sampledOutput: SampledItemOutput }).sampledOutput = full;
  for (const net of [exact, viaSample]) {
    net.setBatch(tinyRows, USERS, 5, 0, null);
    net.drawSample(new Rng(2));
    net.forward(5, null, false);
  }
  const a = exact.loss(5, 0, true);
  const b = viaSample.loss(5, 0, true);
  assert.ok(Math.abs(a - b) < 1e-5 * a, `loss ${a} vs ${b}`);
  exact.backward(5, 0);
  viaSample.backward(5, 0);
  const ga = exact.gradients();
  const gb = viaSample.gradients();
  for (let p = 0; p < ga.length; p++) {
    const isOut = ga[p].param.name === 'decoder.out.weight';
    for (let i = 0; i < ga[p].grad.length; i++) {
      // The exact layer is width × items, the sampled one items × width.
      const j = isOut ? (i % 7) * 5 + Math.floor(i / 7) : i;
      assert.ok(Math.abs(ga[p].grad[i] - gb[p].grad[j]) < 1e-5, `${ga[p].param.name}[${i}]: ${ga[p].grad[i]} vs ${gb[p].grad[j]}`);
    }
  }
});

// Planted taste clusters with Zipf popularity (test/helpers/baselines.ts): 400 users × 300 items.
const split = plantedSplit();
const small = { layers: [64], latent: 16, batchSize: 50, annealSteps: 100, learningRate: 0.003 };

test('multvae with a sampled softmax (30 of 300 items per batch) still beats popularity by a wide NDCG@10 margin', async () => {
  const pop = rankingMetrics(await fitQuietly(createModel('popularity'), split.train), split)['ndcg@10'];
  for (const variational of [true, false]) {
    const model = await fitQuietly(createModel('multvae', { ...small, variational, sampledSoftmax: 30, epochs: 30 }), split.train);
    assert.ok((model as MultVae).network!.sampledOutput, 'trained with a sampled softmax');
    const losses = model.history!.epochs.map((e) => e.loss);
    assert.ok(losses.every(Number.isFinite) && losses.at(-1)! < losses[0], `losses ${losses[0]} → ${losses.at(-1)}`);
    const ndcg = rankingMetrics(model, split)['ndcg@10'];
    assert.ok(ndcg > pop + 0.2, `variational ${variational}: NDCG@10 ${ndcg.toFixed(4)} vs popularity ${pop.toFixed(4)}`);
  }
});

test('multvae: sampledSoftmax ≥ the catalogue trains bit for bit as the exact model (option off)', async () => {
  const fit = (extra: Record<string, unknown>) => fitQuietly(createModel('multvae', { ...small, epochs: 2, ...extra }), split.train, { seed: 3 });
  const off = await fit({});
  for (const k of [300, 1000]) {
    const m = await fit({ sampledSoftmax: k });
    assert.deepEqual(
      m.history!.epochs.map((e) => e.loss),
      off.history!.epochs.map((e) => e.loss),
    );
    const a = off.getState().tensors;
    const b = m.getState().tensors;
    for (const name of Object.keys(a)) assert.deepEqual(b[name].data, a[name].data, `k ${k}: ${name}`);
  }
  const sampled = await fit({ sampledSoftmax: 299 });
  assert.notDeepEqual(scoresOf(sampled, 0), scoresOf(off, 0));
});

test('multvae with a sampled softmax: save → load keeps the setting, the exact layout and the scores; seeded fits repeat', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'tastebud-multvae-sampled-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const model = await fitQuietly(createModel('multvae', { ...small, sampledSoftmax: 40, epochs: 3 }), split.train, { seed: 4 });
  const again = await fitQuietly(createModel('multvae', { ...small, sampledSoftmax: 40, epochs: 3 }), split.train, { seed: 4 });
  assert.deepEqual(scoresOf(again, 5), scoresOf(model, 5));
  const exact = await fitQuietly(createModel('multvae', { ...small, epochs: 0 }), split.train);
  const shapes = (m: typeof model) => Object.fromEntries(Object.entries(m.getState().tensors).map(([k, v]) => [k, v.shape]));
  assert.deepEqual(shapes(model), shapes(exact), 'the same tensors, names and shapes as the exact model');
  await model.save(dir);
  const loaded = await loadModel(dir);
  assert.equal((loaded.config as { sampledSoftmax: number }).sampledSoftmax, 40);
  assert.deepEqual(loaded.config, model.config);
  for (const u of [0, 7, 399]) assert.deepEqual(scoresOf(loaded, u), scoresOf(model, u), `user ${u}`);
  // Scores are every item's logit: the item-major layer against the textbook product.
  const net = (model as MultVae).network!;
  const logits = scoresOf(model, 7);
  assert.equal(logits.length, 300);
  const state = model.getState().tensors;
  assert.deepEqual(Array.from(state['decoder.out.bias'].data), Array.from(net.sampledOutput!.bias.data));
  // An exact model loads the sampled model's file and scores the same (up to the kernel's sums).
  const asExact = createModel('multvae', { ...small });
  asExact.itemIds = model.itemIds;
  asExact.userIds = model.userIds;
  asExact.setState(model.getState());
  const a = new Float32Array(300);
  (asExact as MultVae).foldInItems(model.seen!.indices.subarray(model.seen!.indptr[7], model.seen!.indptr[8]), a);
  a.forEach((v, i) => assert.ok(Math.abs(v - logits[i]) < 1e-4, `item ${i}: ${v} vs ${logits[i]}`));
});

test('multvae: bad sampledSoftmax values give clear errors', () => {
  const bad: [unknown, RegExp][] = [
    [0, /multvae: sampledSoftmax must be a whole number ≥ 1, got 0/],
    [-5, /multvae: sampledSoftmax must be a whole number ≥ 1, got -5/],
    [2.5, /multvae: sampledSoftmax must be a whole number ≥ 1, got 2.5/],
    ['100', /multvae: sampledSoftmax must be a whole number ≥ 1, got "100"/],
  ];
  for (const [value, message] of bad)
    assert.throws(
      () => createModel('multvae', { sampledSoftmax: value as number }),
      (e: Error) => e instanceof ConfigError && message.test(e.message),
      String(value),
    );
  assert.throws(() => createModel('multvae', { sampledSoftmx: 10 } as never), /unknown hyperparameter "sampledSoftmx" \(did you mean "sampledSoftmax"\?\)/);
});

test('multvae: the cost model counts the sample, not the catalogue, in a sampled epoch', () => {
  const shape = { users: 125_000, items: 20_000, interactions: 5_000_000 };
  const exact = new MultVae().validationCost(shape);
  const sampled = new MultVae({ sampledSoftmax: 1000 }).validationCost(shape);
  assert.equal(sampled.perScore, exact.perScore);
  // The decoder's last layer dominates: 600 × 20,000 per user against 600 × 1,000 (+ a column per positive).
  assert.ok(sampled.epoch < exact.epoch / 5 && sampled.epoch > exact.epoch / 40, `${sampled.epoch} vs ${exact.epoch}`);
  assert.deepEqual(new MultVae({ sampledSoftmax: 20_000 }).validationCost(shape), exact);
  assert.ok(new MultVae({ sampledSoftmax: 1000 }).estimateMemory(shape).bytes <= new MultVae().estimateMemory(shape).bytes);
});
