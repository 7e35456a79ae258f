import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateSynthetic } from '../../src/data/synthetic.ts';
import { BilinearModel } from '../../src/models/bilinear/model.ts';
import { Ials } from '../../src/models/baselines/ials.ts';
import { MatrixFactorization } from '../../src/models/mf/mf.ts';
import type { Recommender } from '../../src/models/recommender.ts';
import { simdKernel } from '../../src/core/matmul.ts';

// 1,203 items: several GEMM panels (a panel holds ~500 items at 64 factors) and a ragged last one.
const data = generateSynthetic({ users: 150, items: 1203, factors: 8, interactionsPerUser: 12, itemFeatures: 6, userFeatures: 5, ratings: true, seed: 4 });

/**
 * The blocked `scoreUsers` agrees with per-user `scoreItems` for every user in blocks of odd
 * sizes: each score within 1e-5 of the row's largest magnitude (float32 GEMM accumulation
 * against the per-user loops' float64).
 */
function assertBlockedMatches(model: Recommender, label: string): void {
  const n = model.numItems;
  const row = new Float32Array(n);
  for (const size of [1, 7, 64]) {
    for (let start = 0; start < model.numUsers; start += size) {
      const users = Int32Array.from({ length: Math.min(size, model.numUsers - start) }, (_, b) => start + b);
      const out = new Float32Array(users.length * n).fill(Number.NaN);
      model.scoreUsers(users, out);
      for (let b = 0; b < users.length; b++) {
        model.scoreItems(users[b], row);
        let scale = 0;
        for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(row[i]));
        for (let i = 0; i < n; i++) {
          const got = out[b * n + i];
          assert.ok(Math.abs(got - row[i]) <= 1e-5 * scale, `${label}: user ${users[b]} item ${i}: blocked ${got} vs per-user ${row[i]} (block of ${size})`);
        }
      }
    }
  }
}

test('the WebAssembly SIMD kernel is available here (else the JavaScript kernels run)', () => {
  assert.ok(simdKernel() !== null || process.env.TASTEBUD_WASM === '0');
});

for (const similarity of ['dot', 'cosine'] as const) {
  for (const biases of [true, false]) {
    test(`bilinear ${similarity}${biases ? '' : ' without biases'}: blocked scoreUsers equals scoreItems`, async () => {
      // logistic: a pointwise loss, so user biases move away from 0 (pairwise losses never change them).
      const model = new BilinearModel(biases ? 'logistic' : 'warp', { factors: 64, epochs: 2, similarity, biases });
      await model.fit(data.interactions, { threads: 1, seed: 1, log: () => {} });
      assertBlockedMatches(model, `${similarity} biases=${biases}`);
    });
  }
}

test('hybrid bilinear (user and item features, with and without identity vectors): blocked scoreUsers equals scoreItems', async () => {
  for (const identityFeatures of [true, false]) {
    for (const similarity of ['dot', 'cosine'] as const) {
      const model = new BilinearModel('logistic', { factors: 24, epochs: 2, similarity, identityFeatures });
      await model.fit(data.interactions, { threads: 1, seed: 1, log: () => {}, userFeatures: data.userFeatures, itemFeatures: data.itemFeatures });
      assertBlockedMatches(model, `hybrid ${similarity} identity=${identityFeatures}`);
    }
  }
});

test('few factors (the JavaScript kernel: a shared dimension under 8) agree too', async () => {
  const model = new BilinearModel('warp', { factors: 4, epochs: 2 });
  await model.fit(data.interactions, { threads: 1, seed: 1, log: () => {} });
  assertBlockedMatches(model, 'bilinear 4 factors');
  const ials = new Ials({ factors: 3, iterations: 2 });
  await ials.fit(data.interactions, { log: () => {} });
  assertBlockedMatches(ials, 'ials 3 factors');
});

test('iALS: blocked scoreUsers equals scoreItems', async () => {
  const model = new Ials({ factors: 64, iterations: 3, regularization: 1 });
  await model.fit(data.interactions, { log: () => {} });
  assertBlockedMatches(model, 'ials');
});

test('mf: blocked scoreUsers equals scoreItems (μ + b_u + b_i + p·q)', async () => {
  const model = new MatrixFactorization({ factors: 32, epochs: 3 });
  await model.fit(data.interactions, { log: () => {} });
  assertBlockedMatches(model, 'mf');
});

test('blocked scores follow the parameters after another fit and after setState', async () => {
  const a = new BilinearModel('warp', { factors: 16, epochs: 1 });
  await a.fit(data.interactions, { threads: 1, seed: 1, log: () => {} });
  a.scoreUsers(Int32Array.of(0, 1), new Float32Array(2 * a.numItems));
  await a.fit(data.interactions, { threads: 1, seed: 5, log: () => {} });
  assertBlockedMatches(a, 'refit');
  const b = new BilinearModel('warp', { factors: 16, epochs: 1 });
  await b.fit(data.interactions, { threads: 1, seed: 9, log: () => {} });
  b.scoreUsers(Int32Array.of(0, 1), new Float32Array(2 * b.numItems));
  b.setState(a.getState());
  assertBlockedMatches(b, 'setState');
});
