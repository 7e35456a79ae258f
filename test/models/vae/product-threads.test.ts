import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { helperProducts } from '../../../src/core/gemm-threads.ts';
import { simdKernel } from '../../../src/core/matmul.ts';
import { createModel } from '../../../src/models/registry.ts';
import type { Recommender } from '../../../src/models/recommender.ts';
import { fitQuietly, plantedSplit } from '../../helpers/baselines.ts';

const skip =
  simdKernel() === null
    ? 'WebAssembly SIMD is unavailable (or TASTEBUD_WASM=0): products run in JavaScript on one thread'
    : availableParallelism() < 2
      ? 'one core: a fit caps threads at the cores'
      : false;

const split = plantedSplit();

/** Every tensor of both models equal bit for bit. */
function assertSameTensors(a: Recommender, b: Recommender): void {
  const ta = a.getState().tensors;
  const tb = b.getState().tensors;
  assert.deepEqual(Object.keys(tb), Object.keys(ta));
  for (const [name, t] of Object.entries(ta)) {
    const x = t.data as Float32Array;
    const y = tb[name].data as Float32Array;
    const differ = x.findIndex((v, i) => !Object.is(v, y[i]));
    assert.equal(differ, -1, `${name}: first difference at ${differ}`);
  }
}

/** Fits `type` on one thread and on two (same seed): the same model bit for bit, the same scores, and the helper took part. */
async function assertSameOnTwoThreads(type: string, config: Record<string, unknown>): Promise<void> {
  const one = await fitQuietly(createModel(type, config), split.train, { threads: 1 });
  const before = helperProducts();
  const two = await fitQuietly(createModel(type, config), split.train, { threads: 2 });
  assert.ok(helperProducts() > before, `${type}: the helper thread ran part of the products`);
  assert.deepEqual(
    two.history!.epochs.map((e) => e.loss),
    one.history!.epochs.map((e) => e.loss),
  );
  assertSameTensors(one, two);
  const users = Int32Array.from({ length: 120 }, (_, u) => u);
  const s1 = new Float32Array(users.length * one.numItems);
  const s2 = new Float32Array(users.length * two.numItems);
  one.scoreUsers(users, s1);
  const scoring = helperProducts();
  two.scoreUsers(users, s2);
  assert.ok(helperProducts() > scoring, `${type}: scoring used the helper`);
  assert.deepEqual(s2, s1);
}

// Batches of 100 users and 256-wide layers: products over 2 M multiply-adds, which are split.
test('multvae: two threads train the same model bit for bit (exact softmax and a sampled one)', { skip }, async () => {
  const config = { layers: [256], latent: 32, batchSize: 100, annealSteps: 20, epochs: 3 };
  await assertSameOnTwoThreads('multvae', config);
  await assertSameOnTwoThreads('multvae', { ...config, sampledSoftmax: 200 });
});

test('recvae: two threads train the same model bit for bit', { skip }, async () => {
  await assertSameOnTwoThreads('recvae', { hidden: 256, depth: 2, latent: 32, batchSize: 100, epochs: 2, emaDecay: 0.99 });
});
