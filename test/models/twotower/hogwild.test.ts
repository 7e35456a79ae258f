/**
 * The two-tower model trained Hogwild over two threads (twotower/parallel.ts): with the in-batch
 * softmax (and popularity negatives with the streaming log-Q and a bounded history) and with the
 * full softmax it learns at two threads as at one (beats popularity, AUC within 0.03 of one
 * thread's), the worker really trains, the shared weights save and reload, and one thread stays
 * reproducible.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MIN_PARALLEL_POSITIVES } from '../../../src/models/deep/parallel.ts';
import { createModel } from '../../../src/models/registry.ts';
import { plantedSplit } from '../../helpers/deep-data.ts';
import { assertLearnsOnTwoThreads } from '../../helpers/hogwild.ts';

const split = plantedSplit({ users: 1500, items: 300 });
const SMALL = { factors: 16, embeddingDim: 16, layers: [32], learningRate: 0.005, epochs: 3 };

const CASES: { name: string; config: Record<string, unknown> }[] = [
  { name: 'in-batch softmax', config: SMALL },
  { name: 'popularity negatives, streaming log-Q, history limit 5', config: { ...SMALL, negatives: 32, negativeSampler: 'popularity', logQ: 'streaming', historyLimit: 5 } },
  { name: 'full softmax', config: { ...SMALL, softmax: 'full' } },
];

test('the planted split is big enough to train over threads', () => {
  assert.ok(split.train.length >= MIN_PARALLEL_POSITIVES, `${split.train.length} positives`);
});

for (const c of CASES) {
  test(`two-tower (${c.name}) trained Hogwild on two threads learns as well as on one and beats popularity`, () => assertLearnsOnTwoThreads('two-tower', c.config, split));
}

test('two-tower on one thread stays reproducible: the same seed gives the same weights', async () => {
  const { train } = split;
  const config = { ...SMALL, epochs: 2, negatives: 8, logQ: 'streaming' } as never;
  const a = createModel('two-tower', config);
  const b = createModel('two-tower', config);
  await a.fit(train, { threads: 1, seed: 5 });
  await b.fit(train, { threads: 1, seed: 5 });
  assert.deepEqual(a.getState().tensors, b.getState().tensors);
});
