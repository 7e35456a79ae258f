import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Rng } from '../../src/core/rng.ts';
import { RecVaeEncoder } from '../../src/models/vae/recvae-encoder.ts';
import { RecVaeNet, type GradientPart, type RecVaeShape } from '../../src/models/vae/recvae-network.ts';
import { createModel } from '../../src/models/registry.ts';
import { loadModel } from '../../src/models/load.ts';
import { fitQuietly, plantedSplit, scoresOf, tinyUserRows } from '../helpers/baselines.ts';
import { rankingMetrics } from '../helpers/metrics.ts';
import { checkParamGradients, randomArray } from '../helpers/gradcheck.ts';

// 5 users × 7 items (user 4 has one item, item 6 none).
const tinyRows = tinyUserRows();
const USERS = Int32Array.of(0, 1, 2, 3, 4);

/** A tiny network with every parameter random, and an old encoder that differs from the live one. */
function tinyNet<T extends RecVaeNet>(shape: Partial<RecVaeShape> = {}, make: new (s: RecVaeShape, o: { name: 'sgd'; learningRate: number }, r: Rng) => T = RecVaeNet as never): T {
  const net = new make({ numItems: 7, hidden: 5, depth: 3, latent: 3, ...shape }, { name: 'sgd', learningRate: 0.1 }, new Rng(11));
  net.params().forEach((p, k) => p.data.set(randomArray(p.data.length, 100 + k, 0.6)));
  net.oldEncoder.params().forEach((p, k) => p.data.set(randomArray(p.data.length, 300 + k, 0.6)));
  return net;
}

/**
 * The whole batch loss (sparse first layer with a fixed dropout mask, swish + LayerNorm layers
 * with dense residuals, fixed noise, the composite prior's one-sample KL with user-specific β,
 * decoder, softmax likelihood) against central differences on every entry of every parameter.
 */
function gradCheck(net: RecVaeNet, part: GradientPart = 'both', gamma = 0.3, beta = 0): number {
  const n = USERS.length;
  net.setBatch(tinyRows, USERS, n, 0.3, new Rng(5), gamma, beta);
  const noise = randomArray(n * net.latent, 77, 1.5);
  const loss = (): number => {
    net.forward(n, noise);
    return net.loss(n);
  };
  net.forward(n, noise);
  net.loss(n, true);
  for (const { grad } of net.gradients()) grad.fill(0);
  net.backward(n, part);
  const decoderNames = new Set(['decoder.weight', 'decoder.bias', 'decoder.skip']);
  // A phase's gradients cover its own part only.
  return checkParamGradients(net.gradients(), loss, 5e-3, (name) => part === 'both' || (part === 'decoder') === decoderNames.has(name));
}

test('recvae: the full loss gradient matches finite differences (γ·|x_u| and constant β, depth 1 and 3)', () => {
  assert.ok(gradCheck(tinyNet()) > 150, 'enough clearly non-zero entries to prove something');
  gradCheck(tinyNet({ depth: 1 }), 'both', 0, 0.8);
  // An encoder phase's and a decoder phase's gradients are the same partial derivatives.
  gradCheck(tinyNet(), 'encoder');
  gradCheck(tinyNet(), 'decoder');
});

test('recvae skip: the shortcut x·S gets the right gradient, its diagonal none', () => {
  // Random diagonal entries too: the forward pass must not read them.
  const withSkip = () => tinyNet({ skip: true });
  assert.ok(gradCheck(withSkip()) > 150 + 30, 'the shortcut adds checked entries');
  gradCheck(withSkip(), 'encoder');
  const net = withSkip();
  gradCheck(net, 'decoder');
  const N = net.numItems;
  const grad = net.gradients().find((g) => g.param.name === 'decoder.skip')!.grad;
  for (let j = 0; j < N; j++) assert.equal(grad[j * N + j], 0, `S[${j}][${j}]`);
});

test('recvae keptWeight: the emphasised likelihood gets the right gradient', () => {
  const emphasised = () => {
    const net = tinyNet();
    net.keptWeight = 0.25;
    return net;
  };
  assert.ok(gradCheck(emphasised()) > 150);
  gradCheck(emphasised(), 'encoder');
});

test('recvae keptWeight: a kept positive weighs keptWeight, a hidden one 1, and whole rows all 1', () => {
  const n = USERS.length;
  const noise = randomArray(n * 3, 77, 1.5);
  const lossAt = (keptWeight: number, dropout: number): { loss: number; logits: Float32Array; net: RecVaeNet } => {
    const net = tinyNet();
    net.keptWeight = keptWeight;
    net.setBatch(tinyRows, USERS, n, dropout, new Rng(5), 0.3);
    const logits = net.forward(n, noise).slice();
    return { loss: net.loss(n), logits, net };
  };
  const full = lossAt(1, 0.3);
  const none = lossAt(0, 0.3);
  // loss(1) − loss(0) = the kept positives' terms, (1/n)·Σ_r Σ_{j kept} (log Σ_i e^{logit_ri} − logit_rj).
  let keptTerms = 0;
  let keptCount = 0;
  let rowCount = 0;
  for (let r = 0; r < n; r++) {
    const kept = full.net.encoder.input.keptItems(r)!;
    const row = Array.from(tinyRows.indices.subarray(tinyRows.indptr[r], tinyRows.indptr[r + 1]));
    assert.ok(
      [...kept].every((j) => row.includes(j)),
      `row ${r}: the kept items are the row's`,
    );
    const logits = Array.from(full.logits.subarray(r * 7, r * 7 + 7));
    const lse = Math.log(logits.reduce((s, v) => s + Math.exp(v), 0));
    for (const j of kept) keptTerms += lse - logits[j];
    keptCount += kept.length;
    rowCount += row.length;
  }
  assert.ok(keptCount > 0 && keptCount < rowCount, `dropout 0.3 keeps some positives and hides others (${keptCount} of ${rowCount})`);
  assert.ok(Math.abs(full.loss - none.loss - keptTerms / n) < 1e-4, `${full.loss} − ${none.loss} vs ${keptTerms / n}`);
  const half = lossAt(0.5, 0.3);
  assert.ok(Math.abs(half.loss - (full.loss + none.loss) / 2) < 1e-4, 'linear in keptWeight');
  // Without dropout every row enters whole: the weight does not apply.
  assert.ok(Math.abs(lossAt(0, 0).loss - lossAt(1, 0).loss) < 1e-6);
  assert.equal(lossAt(0, 0).net.encoder.input.keptItems(0), null);
});

test('recvae: the gradient check catches a wrong prior derivative', () => {
  // Drops the composite prior's pull on z (the KL's ∂/∂z through log p).
  class NoPriorPull extends RecVaeNet {
    override loss(n: number, grad = false): number {
      const value = super.loss(n, grad);
      if (grad) (this as unknown as { dz: Float32Array }).dz.fill(0);
      return value;
    }
  }
  assert.throws(() => gradCheck(tinyNet({}, NoPriorPull)), /analytic .* vs numeric/);
});

test('recvae encoder: LayerNorm rows have mean shift and unit variance before the gain', () => {
  const enc = new RecVaeEncoder({ numItems: 7, hidden: 6, depth: 2, latent: 2 }, { name: 'sgd', learningRate: 0.1 }, new Rng(3));
  enc.setBatch(tinyRows, USERS, 5, 0, null);
  enc.forward(5);
  const h = (enc as unknown as { h: Float32Array[] }).h[1];
  for (let r = 0; r < 5; r++) {
    const row = Array.from(h.subarray(r * 6, r * 6 + 6));
    const mean = row.reduce((s, v) => s + v, 0) / 6;
    assert.ok(Math.abs(mean) < 1e-5, `row ${r} mean ${mean}`);
    const variance = row.reduce((s, v) => s + v * v, 0) / 6;
    assert.ok(variance < 1 && variance > 0, `row ${r}: variance ${variance} is below 1 (ε = 0.1 in the denominator)`);
  }
});

// Planted taste clusters with Zipf popularity (test/helpers/baselines.ts): 400 users × 300 items.
const split = plantedSplit();
const small = { hidden: 64, depth: 3, latent: 16, batchSize: 50, learningRate: 0.003 };

test('recvae beats popularity on planted data by a wide NDCG@10 margin, alternating or not', async () => {
  const pop = rankingMetrics(await fitQuietly(createModel('popularity'), split.train), split)['ndcg@10'];
  for (const alternating of [true, false]) {
    const model = await fitQuietly(createModel('recvae', { ...small, alternating, epochs: alternating ? 8 : 24 }), split.train);
    const losses = model.history!.epochs.map((e) => e.loss);
    assert.ok(losses.every(Number.isFinite) && losses.at(-1)! < losses[0], `losses ${losses[0]} → ${losses.at(-1)}`);
    const ndcg = rankingMetrics(model, split)['ndcg@10'];
    assert.ok(ndcg > pop + 0.2, `alternating ${alternating}: NDCG@10 ${ndcg.toFixed(4)} vs popularity ${pop.toFixed(4)}`);
  }
});

test('recvae skip: learns a shortcut (zero diagonal) and still beats popularity widely', async () => {
  const pop = rankingMetrics(await fitQuietly(createModel('popularity'), split.train), split)['ndcg@10'];
  const model = await fitQuietly(createModel('recvae', { ...small, skip: true, skipL2: 0.1, epochs: 8 }), split.train);
  const ndcg = rankingMetrics(model, split)['ndcg@10'];
  assert.ok(ndcg > pop + 0.2, `NDCG@10 ${ndcg.toFixed(4)} vs popularity ${pop.toFixed(4)}`);
  const S = (model as unknown as { network: RecVaeNet }).network.skip!;
  const N = S.rows;
  let off = 0;
  for (let j = 0; j < N; j++) {
    assert.equal(S.data[j * N + j], 0, `S[${j}][${j}]`);
    for (let i = 0; i < N; i++) if (i !== j) off += Math.abs(S.data[j * N + i]);
  }
  assert.ok(off / (N * (N - 1)) > 1e-4, `the shortcut moved off zero (mean |S_ji| ${off / (N * (N - 1))})`);
});

test('recvae: save → load gives identical scores; fold-in of a training row equals its scores', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'tastebud-recvae-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  for (const skip of [false, true]) await saveLoadFoldIn(path.join(dir, String(skip)), skip);
});

async function saveLoadFoldIn(dir: string, skip: boolean): Promise<void> {
  const model = await fitQuietly(createModel('recvae', { ...small, skip, epochs: 1 }), split.train);
  assert.ok(new Set(scoresOf(model, 7)).size > 100, 'varied scores');
  await model.save(dir);
  const loaded = await loadModel(dir);
  assert.equal(loaded.type, 'recvae');
  assert.deepEqual(loaded.config, model.config);
  for (const u of [0, 7, 399]) assert.deepEqual(scoresOf(loaded, u), scoresOf(model, u), `user ${u}`);
  const history = model.historyOf(12).map((h) => ({ item: model.itemIds.id(h.index) }));
  const folded = model.foldIn(history).scores;
  assert.deepEqual(folded, scoresOf(model, 12));
}

test('recvae: bad hyperparameters are refused with the key', () => {
  assert.throws(() => createModel('recvae', { gama: 0.1 } as never), /unknown hyperparameter "gama" \(did you mean "gamma"\?\)/);
  assert.throws(() => createModel('recvae', { dropout: 1 }), /recvae: dropout must be a number/);
});
