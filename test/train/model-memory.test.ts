import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { generateSynthetic } from '../../src/data/synthetic.ts';
import { createModel } from '../../src/models/registry.ts';
import type { Recommender } from '../../src/models/recommender.ts';
import type { DataShape, MemoryEstimate } from '../../src/train/types.ts';
import { MIN_PARALLEL_POSITIVES } from '../../src/models/deep/parallel.ts';
import { WORKER_RUNTIME_BYTES } from '../../src/models/cost.ts';

// A collectable heap, so that what a fit keeps can be told from garbage it left behind.
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

/** Collects twice around a turn of the event loop: typed arrays' memory is released after the collection that finds them. */
async function gc(): Promise<void> {
  collect();
  await new Promise((resolve) => setImmediate(resolve));
  collect();
}

/**
 * The estimate is checked against the typed-array memory (process.memoryUsage().arrayBuffers) a
 * fit of one epoch allocates: its growth after a collection (what the model keeps: weights,
 * gradients, optimizer state, batch buffers) and right after the fit (also the garbage of the
 * epoch, a stand-in for the peak). Within a factor of 1.5 both ways.
 */
const FACTOR = 1.5;

// Items dominate both autoencoders; 4,000 items keeps the items-wide layers the bulk, as at scale.
const data = generateSynthetic({ users: 400, items: 4000, factors: 4, interactionsPerUser: 15, seed: 2 });
const train = data.interactions;
train.byUser(); // cached: the fit loop's rows, allocated before any estimate is asked for
const shape: DataShape = { users: train.numUsers, items: train.numItems, interactions: train.length };

async function measure(type: string, config: Record<string, unknown>): Promise<{ estimate: MemoryEstimate; kept: number; atEnd: number }> {
  const model = createModel(type, { ...config, epochs: 1 }) as Recommender & { estimateMemory(s: DataShape, threads: number): MemoryEstimate };
  const estimate = model.estimateMemory(shape, 1);
  await gc();
  const before = process.memoryUsage().arrayBuffers;
  await model.fit(train, { threads: 1, seed: 1, memoryBudget: 2 ** 40 });
  // Scoring builds what validation and serving use (two-tower: the retrieval vectors).
  model.recommend(train.userIds.id(0), { k: 5 });
  const atEnd = process.memoryUsage().arrayBuffers - before;
  await gc();
  const kept = process.memoryUsage().arrayBuffers - before;
  return { estimate, kept, atEnd };
}

function assertWithin(type: string, m: { estimate: MemoryEstimate; kept: number; atEnd: number }): void {
  const e = m.estimate.bytes;
  const text = `${type}: estimate ${(e / 2 ** 20).toFixed(2)} MB, kept ${(m.kept / 2 ** 20).toFixed(2)} MB, at the end of the fit ${(m.atEnd / 2 ** 20).toFixed(2)} MB (${m.estimate.what})`;
  if (process.env.TASTEBUD_VERBOSE) console.log(text);
  assert.ok(m.kept > 0, text);
  assert.ok(e >= m.kept / FACTOR && e <= m.kept * FACTOR, `kept memory: ${text}`);
  assert.ok(e >= m.atEnd / FACTOR && e <= m.atEnd * FACTOR, `memory at the end of the fit: ${text}`);
}

test('Mult-VAE estimates its memory within 1.5× of what a fit allocates: exact, sampled under each optimizer, with a weight average', async () => {
  assertWithin('multvae', await measure('multvae', { layers: [64], latent: 16, batchSize: 100, annealSteps: 0 }));
  // A sampled output layer keeps no dense gradient, and its optimizer may be another one.
  for (const sampledOptimizer of ['adam', 'adagrad', 'sgd']) {
    assertWithin(
      `multvae sampled ${sampledOptimizer}`,
      await measure('multvae', { layers: [], latent: 64, batchSize: 100, annealSteps: 0, sampledSoftmax: 200, sampledOptimizer }),
    );
  }
  assertWithin('multvae emaDecay', await measure('multvae', { layers: [], latent: 16, batchSize: 100, annealSteps: 0, emaDecay: 0.99 }));
});

test('RecVAE estimates its memory within 1.5× of what a fit allocates', async () => {
  assertWithin('recvae', await measure('recvae', { hidden: 48, depth: 2, latent: 16, batchSize: 100 }));
});

test('the two-tower model estimates its memory within 1.5× of what a fit allocates', async () => {
  assertWithin('two-tower', await measure('two-tower', { factors: 16, embeddingDim: 32, layers: [32], batchSize: 64 }));
});

test('the estimates grow with the catalogue, and the fit loop refuses a fit over budget before allocating', async () => {
  for (const type of ['multvae', 'recvae', 'two-tower']) {
    const model = createModel(type, { epochs: 1 }) as Recommender & { estimateMemory(s: DataShape, threads: number): MemoryEstimate };
    const small = model.estimateMemory({ users: 1000, items: 1000, interactions: 40_000 }, 1).bytes;
    const large = model.estimateMemory({ users: 1000, items: 100_000, interactions: 40_000 }, 1).bytes;
    assert.ok(large > 10 * small, `${type}: ${small} → ${large}`);
    await gc();
    const before = process.memoryUsage().arrayBuffers;
    await assert.rejects(model.fit(train, { threads: 1, memoryBudget: 1000 }), new RegExp(`${type} needs about .* more than the 1000 B allowed by the memory budget`));
    assert.ok(process.memoryUsage().arrayBuffers - before < 2 ** 20, `${type} allocated before refusing`);
  }
});

test('the two-tower estimate counts its Hogwild workers: above the threads threshold each adds its runtime and its own gradients and batch; below it, nothing', () => {
  const model = createModel('two-tower', { epochs: 1 }) as Recommender & { estimateMemory(s: DataShape, threads: number): MemoryEstimate };
  const large = { users: 2000, items: 4000, interactions: MIN_PARALLEL_POSITIVES };
  const one = model.estimateMemory(large, 1).bytes;
  const two = model.estimateMemory(large, 2);
  // At least the worker's runtime and its gradient of the user and item id tables (64 wide).
  assert.ok(two.bytes >= one + WORKER_RUNTIME_BYTES + (2000 + 4000) * 64 * 4, `${one} → ${two.bytes}`);
  assert.match(two.what, /for 1 worker thread/);
  const small = { ...large, interactions: MIN_PARALLEL_POSITIVES - 1 };
  assert.equal(model.estimateMemory(small, 2).bytes, model.estimateMemory(small, 1).bytes);
});

test("the VAEs' estimates count the second thread's products: the helper's runtime", () => {
  const big = { users: 2000, items: 20_000, interactions: 100_000 };
  for (const type of ['multvae', 'recvae']) {
    const model = createModel(type) as Recommender & { estimateMemory(s: DataShape, threads: number): MemoryEstimate };
    const one = model.estimateMemory(big, 1).bytes;
    const two = model.estimateMemory(big, 2);
    assert.equal(two.bytes, one + WORKER_RUNTIME_BYTES, type);
    assert.match(two.what, /MB for the products' second thread/);
  }
});
