import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Rng } from '../../../src/core/rng.ts';
import { ConfigError } from '../../../src/contracts/errors.ts';
import { perUserSplit } from '../../../src/data/splits.ts';
import { MultVae } from '../../../src/models/vae/multvae.ts';
import { MultVaeNet, type MultVaeShape } from '../../../src/models/vae/network.ts';
import { SparseInputLayer } from '../../../src/models/vae/sparse-input.ts';
import { createModel } from '../../../src/models/registry.ts';
import { loadModel } from '../../../src/models/load.ts';
import { validationScore } from '../../../src/train/validation.ts';
import { fitQuietly, plantedSplit, scoresOf, tinyUserRows } from '../../helpers/baselines.ts';
import { rankingMetrics } from '../../helpers/metrics.ts';
import { checkParamGradients, randomArray } from '../../helpers/gradcheck.ts';

// 5 users × 7 items (user 4 has one item, item 6 none).
const tinyRows = tinyUserRows();

/** A tiny network with every parameter (biases too) set to random values. */
function tinyNet<T extends MultVaeNet>(
  shape: Partial<MultVaeShape> = {},
  make: new (s: MultVaeShape, o: { name: 'sgd'; learningRate: number }, r: Rng) => T = MultVaeNet as never,
): T {
  const net = new make({ numItems: 7, layers: [5, 4], latent: 3, variational: true, ...shape }, { name: 'sgd', learningRate: 0.1 }, new Rng(11));
  net.params().forEach((p, k) => p.data.set(randomArray(p.data.length, 100 + k, 0.6)));
  return net;
}

const USERS = Int32Array.of(0, 1, 2, 3, 4);
const BETA = 0.7;

/**
 * The whole batch loss (sparse first layer with a fixed input-dropout mask, encoder, fixed
 * reparameterisation noise, β·KL, decoder, softmax likelihood) against central differences on
 * every entry of every parameter.
 */
function gradCheck(net: MultVaeNet): void {
  const n = USERS.length;
  net.setBatch(tinyRows, USERS, n, 0.3, new Rng(5)); // one dropout draw, reused by every loss() below
  const noise = net.variational ? randomArray(n * net.latent, 77, 1.5) : null;
  const loss = (): number => {
    net.forward(n, noise);
    return net.loss(n, BETA);
  };
  net.forward(n, noise);
  net.loss(n, BETA, true);
  net.backward(n, BETA);
  const nonZero = checkParamGradients(net.gradients(), loss, 3e-3);
  assert.ok(nonZero > 50, `only ${nonZero} clearly non-zero gradient entries: the check would prove little`);
}

test('multvae: the full loss gradient matches finite differences (VAE with two hidden layers, DAE, no hidden layer)', () => {
  gradCheck(tinyNet());
  gradCheck(tinyNet({ variational: false, layers: [5] }));
  gradCheck(tinyNet({ layers: [] }));
});

test('multvae: the gradient check catches a broken backward pass', () => {
  // Forgets the ½ of d exp(½ log σ²) / d log σ² (reparameterisation and KL share it).
  class HalfMissing extends MultVaeNet {
    protected override latentBackward(dz: Float32Array, n: number, beta: number, dEnc: Float32Array): void {
      super.latentBackward(dz, n, beta, dEnc);
      const L = this.latent;
      for (let r = 0; r < n; r++) for (let d = 0; d < L; d++) dEnc[r * 2 * L + L + d] *= 2;
    }
  }
  // Softmax gradient without the row's item count: −x + softmax instead of −x + |x|·softmax.
  class CountMissing extends MultVaeNet {
    protected override outputGradient(logits: Float32Array, o: number, lse: number, _count: number, items: Int32Array, start: number, end: number, scale: number): void {
      super.outputGradient(logits, o, lse, 1, items, start, end, scale);
    }
  }
  assert.throws(() => gradCheck(tinyNet({}, HalfMissing)), /analytic .* vs numeric/);
  assert.throws(() => gradCheck(tinyNet({}, CountMissing)), /analytic .* vs numeric/);
});

test('multvae: the sparse forward pass equals the dense textbook computation of the loss', () => {
  const net = tinyNet({ layers: [5] });
  const n = USERS.length;
  const noise = randomArray(n * 3, 9, 1);
  net.setBatch(tinyRows, USERS, n, 0, null);
  net.forward(n, noise);
  const got = net.loss(n, BETA);
  // Dense reference: x / ‖x‖ → tanh(x·W₁ + b₁) → [μ, log σ²] → z → tanh → logits.
  const [w1, b1, we, be, wd, bd, wo, bo] = net.params().map((p) => p.data);
  const dense = (x: number[], w: Float32Array, b: Float32Array, out: number): number[] =>
    Array.from({ length: out }, (_, j) => x.reduce((s, v, i) => s + v * w[i * out + j], b[j]));
  let total = 0;
  for (let r = 0; r < n; r++) {
    const items = Array.from(tinyRows.indices.subarray(tinyRows.indptr[r], tinyRows.indptr[r + 1]));
    const x: number[] = Array.from({ length: 7 }, (_, i) => (items.includes(i) ? 1 : 0));
    const xn = x.map((v) => v / Math.sqrt(items.length));
    const h = dense(xn, w1, b1, 5).map(Math.tanh);
    const e = dense(h, we, be, 6);
    const z = [0, 1, 2].map((d) => e[d] + noise[r * 3 + d] * Math.exp(0.5 * e[3 + d]));
    const logits = dense(dense(z, wd, bd, 5).map(Math.tanh), wo, bo, 7);
    const lse = Math.log(logits.reduce((s, l) => s + Math.exp(l), 0));
    const nll = -x.reduce((s, v, i) => s + v * (logits[i] - lse), 0);
    const kl = [0, 1, 2].reduce((s, d) => s + 0.5 * (-e[3 + d] + Math.exp(e[3 + d]) + e[d] * e[d] - 1), 0);
    total += nll + BETA * kl;
  }
  assert.ok(Math.abs(got - total / n) < 1e-4 * Math.abs(got), `network loss ${got} vs reference ${total / n}`);
});

test('multvae: β rises linearly over annealSteps gradient steps and stops at annealCap', () => {
  const m = new MultVae({ annealCap: 0.2, annealSteps: 1000 });
  assert.equal(m.beta(0), 0);
  assert.ok(Math.abs(m.beta(100) - 0.1) < 1e-12);
  assert.equal(m.beta(200), 0.2);
  assert.equal(m.beta(5000), 0.2);
  assert.equal(new MultVae({ annealSteps: 0, annealCap: 0.3 }).beta(0), 0.3);
});

// Planted taste clusters with Zipf popularity (test/helpers/baselines.ts): 400 users × 300 items.
const split = plantedSplit();
const small = { layers: [64], latent: 16, batchSize: 50, annealSteps: 100, learningRate: 0.003 };

test('multvae and its DAE variant beat popularity on planted data by a wide NDCG@10 margin', async () => {
  const pop = rankingMetrics(await fitQuietly(createModel('popularity'), split.train), split)['ndcg@10'];
  for (const variational of [true, false]) {
    const model = await fitQuietly(createModel('multvae', { ...small, variational, epochs: 30 }), split.train);
    const losses = model.history!.epochs.map((e) => e.loss);
    assert.ok(losses.every(Number.isFinite) && losses.at(-1)! < losses[0], `losses ${losses[0]} → ${losses.at(-1)}`);
    const ndcg = rankingMetrics(model, split)['ndcg@10'];
    assert.ok(ndcg > pop + 0.2, `variational ${variational}: NDCG@10 ${ndcg.toFixed(4)} vs popularity ${pop.toFixed(4)}`);
  }
});

test('multvae works with the fit loop: per-epoch validation, early stopping, restore-best', async () => {
  const inner = perUserSplit(split.train, { testRatio: 0.1, seed: 42 });
  const model = createModel('multvae', { ...small, epochs: 40, learningRate: 0.01 });
  const history = await fitQuietly(model, inner.train, { validation: inner.test, validationMetric: 'ndcg@10', earlyStopping: { patience: 2 } }).then((m) => m.history!);
  assert.equal(history.metric, 'ndcg@10');
  assert.ok(history.epochs.length >= 3 && history.epochs.every((e) => e.validation !== undefined));
  const best = history.epochs[history.bestEpoch - 1].validation!;
  assert.equal(Math.max(...history.epochs.map((e) => e.validation!)), best);
  // The model holds the best epoch's parameters.
  assert.ok(Math.abs(validationScore(model, inner.test, 'ndcg@10') - best) < 1e-12);
});

test('multvae: save → load gives identical scores; fold-in of a training row equals its scores', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'tastebud-multvae-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const model = await fitQuietly(createModel('multvae', { ...small, epochs: 3 }), split.train);
  assert.ok(new Set(scoresOf(model, 7)).size > 100, 'varied scores');
  await model.save(dir);
  const loaded = await loadModel(dir);
  assert.equal(loaded.type, 'multvae');
  assert.deepEqual(loaded.config, model.config);
  for (const u of [0, 7, 399]) assert.deepEqual(scoresOf(loaded, u), scoresOf(model, u), `user ${u}`);
  const users = Int32Array.of(3, 3, 41, 12);
  const a = new Float32Array(users.length * model.numItems);
  const b = new Float32Array(users.length * model.numItems);
  model.scoreUsers(users, a);
  loaded.scoreUsers(users, b);
  assert.deepEqual(a, b);
  // Batched and one-user scoring may take different matmul kernels (SIMD f32 vs JS f64 sums).
  const one = scoresOf(model, 41);
  one.forEach((v, i) => assert.ok(Math.abs(v - a[2 * model.numItems + i]) < 1e-4, `batched vs one-user score of item ${i}`));
  assert.deepEqual(loaded.recommend('u7', { k: 5 }), model.recommend('u7', { k: 5 }));
  const seen = model.seen!;
  const folded = new Float32Array(model.numItems);
  (model as MultVae).foldInItems(seen.indices.subarray(seen.indptr[12], seen.indptr[13]), folded);
  assert.deepEqual(folded, scoresOf(model, 12));
  // A state from a differently shaped model is refused with the tensor's name and both shapes.
  const other = new MultVae({ ...small, latent: 8 });
  other.itemIds = model.itemIds;
  other.userIds = model.userIds;
  assert.throws(
    () => other.setState(model.getState()),
    (e: Error) => e instanceof ConfigError && /tensor "encoder\.out\.weight" has shape \[64,32\], expected \[64,16\]/.test(e.message),
  );
});

test('multvae: a seeded single-thread fit is reproducible bit for bit', async () => {
  const fit = (seed: number) => fitQuietly(createModel('multvae', { ...small, epochs: 3 }), split.train, { seed });
  const [a, b, c] = await Promise.all([fit(5), fit(5), fit(6)]);
  for (const u of [0, 100, 250]) assert.deepEqual(scoresOf(a, u), scoresOf(b, u));
  assert.deepEqual(
    a.history!.epochs.map((e) => e.loss),
    b.history!.epochs.map((e) => e.loss),
  );
  assert.notDeepEqual(scoresOf(a, 0), scoresOf(c, 0));
});

test('multvae: bad hyperparameters give clear errors', () => {
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ latent: 0 }, /multvae: latent must be a whole number ≥ 1, got 0/],
    [{ layers: 600 }, /multvae: layers must be a list of positive whole numbers/],
    [{ layers: [600, -1] }, /layers must be a list of positive whole numbers, .*got \[600,-1\]/],
    [{ dropout: 1 }, /multvae: dropout must be a number ≥ 0 and < 1, got 1/],
    [{ annealCap: -0.1 }, /multvae: annealCap must be a number ≥ 0/],
    [{ annealSteps: 2.5 }, /multvae: annealSteps must be a whole number ≥ 0, got 2.5/],
    [{ batchSize: 0 }, /multvae: batchSize must be a whole number ≥ 1/],
    [{ learningRate: 0 }, /multvae: learningRate must be a number > 0/],
    [{ l2: -1 }, /multvae: l2 must be a number ≥ 0/],
    [{ variational: 'yes' }, /multvae: variational must be true or false/],
    [{ optimizer: 'rmsprop' }, /multvae: optimizer must be one of 'adam', 'sgd', 'adagrad'/],
    [{ annealStep: 10 }, /multvae: unknown hyperparameter "annealStep"/],
  ];
  for (const [config, message] of bad)
    assert.throws(
      () => createModel('multvae', config),
      (e: Error) => e instanceof ConfigError && message.test(e.message),
      JSON.stringify(config),
    );
  assert.throws(() => new MultVae().scoreItems(0, new Float32Array(1)), /has not been trained or loaded/);
});

test('multvae warns before training when the KL weight would stay near 0 for the whole fit', async () => {
  const warnings = async (params: Record<string, unknown>) => (await fitQuietly(createModel('multvae', { ...small, epochs: 2, ...params }), split.train)).history!.warnings;
  // 400 users at batch 50: 8 steps an epoch, 16 in the fit; the paper's 200,000-step ramp leaves β at 8e-5.
  const paper = await warnings({ annealSteps: 200_000 });
  assert.equal(paper.length, 1, paper.join('\n'));
  assert.match(paper[0], /multvae: the KL weight β would reach only 8\.0e-5 of annealCap 0\.2 in this fit \(2 epochs × 8 steps = 16 steps, annealSteps 200000\)/);
  assert.match(paper[0], /set annealSteps to about the steps planned \(e\.g\. 8\), or 0/);
  // A ramp the fit gets through, no ramp, or no KL term at all: nothing to say.
  assert.deepEqual(await warnings({ annealSteps: 16 }), []);
  assert.deepEqual(await warnings({ annealSteps: 0 }), []);
  assert.deepEqual(await warnings({ annealSteps: 200_000, variational: false }), []);
});

test('multvae inputNormExponent: each of n input items enters as 1/n^e; e = 1 (the mean) and e = 0 (raw) still learn, and the exponent survives save → load', async (t) => {
  const rows = split.train.byUser();
  const inputOf = (e: number, dropout: number) => {
    const layer = new SparseInputLayer('x', rows.cols, 2, { name: 'sgd', learningRate: 1 }, new Rng(1), e);
    layer.setBatch(rows, Int32Array.of(0, 1), 2, dropout, dropout > 0 ? new Rng(9) : null);
    return (layer as unknown as { inValues: Float32Array }).inValues[0];
  };
  const n = rows.indptr[1] - rows.indptr[0];
  assert.equal(inputOf(0.5, 0), Math.fround(1 / Math.sqrt(n)));
  assert.equal(inputOf(1, 0), Math.fround(1 / n));
  assert.equal(inputOf(0, 0), 1);
  assert.equal(inputOf(0.25, 0.5), Math.fround(2 / n ** 0.25), 'inverted dropout scales on top');
  const pop = rankingMetrics(await fitQuietly(createModel('popularity'), split.train), split)['ndcg@10'];
  for (const inputNormExponent of [1, 0]) {
    const model = await fitQuietly(createModel('multvae', { ...small, variational: false, inputNormExponent, epochs: 30 }), split.train);
    const ndcg = rankingMetrics(model, split)['ndcg@10'];
    assert.ok(ndcg > pop + 0.2, `e ${inputNormExponent}: NDCG@10 ${ndcg.toFixed(4)} vs popularity ${pop.toFixed(4)}`);
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'tastebud-multvae-norm-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const model = await fitQuietly(createModel('multvae', { ...small, inputNormExponent: 0.25, epochs: 2 }), split.train);
  await model.save(dir);
  const loaded = await loadModel(dir);
  for (const u of [0, 7]) assert.deepEqual(scoresOf(loaded, u), scoresOf(model, u), `user ${u}`);
  const plain = await fitQuietly(createModel('multvae', { ...small, epochs: 2 }), split.train);
  assert.notDeepEqual(scoresOf(plain, 0), scoresOf(model, 0), 'the exponent changes the model');
});
