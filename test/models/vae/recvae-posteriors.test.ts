import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simdKernel } from '../../../src/core/matmul.ts';
import { createModel } from '../../../src/models/registry.ts';
import type { RecVae } from '../../../src/models/vae/recvae.ts';
import { RecVaeNet } from '../../../src/models/vae/recvae-network.ts';
import { fitQuietly, plantedSplit } from '../../helpers/baselines.ts';

const split = plantedSplit();
const users = new Set(Array.from(split.train.users)).size;

/** A fit with the old encoder's posteriors reused or recomputed every batch. */
async function fit(config: Record<string, unknown>, reuse: boolean): Promise<RecVae> {
  const before = RecVaeNet.reusePosteriors;
  RecVaeNet.reusePosteriors = reuse;
  try {
    return await fitQuietly(createModel('recvae', config) as RecVae, split.train);
  } finally {
    RecVaeNet.reusePosteriors = before;
  }
}

/** Reusing gives the same losses and tensors bit for bit, with the old encoder run on `expectedRows` rows instead of every batch's. */
async function assertSameModel(config: Record<string, unknown>, expectedRows: number): Promise<void> {
  const reused = await fit(config, true);
  const recomputed = await fit(config, false);
  assert.deepEqual(
    reused.history!.epochs.map((e) => e.loss),
    recomputed.history!.epochs.map((e) => e.loss),
  );
  const a = reused.getState().tensors;
  const b = recomputed.getState().tensors;
  for (const [name, t] of Object.entries(a)) assert.deepEqual(t.data, b[name].data, name);
  const epochs = config.epochs as number;
  assert.equal(recomputed.network!.oldEncoderRows, users * 4 * epochs, 'recomputing runs the old encoder on every row of every pass');
  assert.equal(reused.network!.oldEncoderRows, expectedRows);
}

test('recvae: reusing the old posteriors trains the same model; only the first pass runs the old encoder', {
  skip: simdKernel() === null ? 'WebAssembly SIMD is unavailable: rows are not batch-independent, only decoder passes reuse' : false,
}, async () => {
  // 128 × 128 and 128 × 64 products run on the SIMD kernel at any batch size.
  await assertSameModel({ hidden: 128, depth: 2, latent: 32, batchSize: 50, epochs: 3 }, users);
});

test('recvae: with layers too small for row-independent products, only the decoder passes reuse (the encoder is the old one there)', async () => {
  // 16 × 16 products run in JavaScript for small batches: each epoch's three encoder passes recompute.
  await assertSameModel({ hidden: 16, depth: 2, latent: 4, batchSize: 50, epochs: 3 }, users * 3 * 3);
});
