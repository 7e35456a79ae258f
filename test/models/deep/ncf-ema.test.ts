import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NCF } from '../../../src/models/deep/ncf.ts';
import { createModel } from '../../../src/models/registry.ts';
import { plantedSplit } from '../../helpers/deep-data.ts';
import { assertReloadScoresEqual } from '../../helpers/deep-scoring.ts';
import { popularity, ranking } from '../../helpers/metrics.ts';

const SMALL = { factors: 8, layers: [16, 8], learningRate: 0.01, loss: 'softmax', negatives: 4, dropout: 0.2 };

function allScores(model: NCF, users: number, items: number): Float32Array {
  const out = new Float32Array(users * items);
  model.scoreUsers(
    Int32Array.from({ length: users }, (_, u) => u),
    out,
  );
  return out;
}

test('ncf emaDecay: the average does not change training (the live weights are those of the same fit without it)', async () => {
  const { train } = plantedSplit({ users: 60, items: 40 });
  for (const embeddingOptimizer of ['lazy', 'dense']) {
    const plain = new NCF({ ...SMALL, embeddingOptimizer, epochs: 3 });
    const averaged = new NCF({ ...SMALL, embeddingOptimizer, epochs: 3, emaDecay: 0.99 });
    await plain.fit(train, { threads: 1 });
    await averaged.fit(train, { threads: 1 });
    const want = allScores(plain, train.numUsers, train.numItems);
    const live = averaged.withLiveWeights(() => allScores(averaged, train.numUsers, train.numItems));
    assert.deepEqual(live, want, `${embeddingOptimizer}: live weights equal the plain fit's`);
    const avg = allScores(averaged, train.numUsers, train.numItems);
    assert.notDeepEqual(avg, want, `${embeddingOptimizer}: the average scores differently`);
    // withLiveWeights puts the average back.
    assert.deepEqual(allScores(averaged, train.numUsers, train.numItems), avg);
  }
});

test('ncf emaDecay: after one step the saved weights are d₀·w₀ + (1 − d₀)·w₁, d₀ = min(decay, 1/10)', async () => {
  const { train } = plantedSplit({ users: 30, items: 20 });
  // One batch per epoch: every positive and its negatives in one step.
  const one = { ...SMALL, batchSize: 100_000 };
  const init = new NCF({ ...one, epochs: 0 });
  await init.fit(train, { threads: 1 });
  const stepped = new NCF({ ...one, epochs: 1 });
  await stepped.fit(train, { threads: 1 });
  const averaged = new NCF({ ...one, epochs: 1, emaDecay: 0.5 });
  await averaged.fit(train, { threads: 1 });
  const w0 = init.getState().tensors;
  const w1 = stepped.getState().tensors;
  const a = averaged.getState().tensors;
  for (const name of Object.keys(w0)) {
    for (let i = 0; i < w0[name].data.length; i++) {
      const expected = 0.1 * w0[name].data[i] + 0.9 * w1[name].data[i];
      assert.ok(Math.abs(a[name].data[i] - expected) < 1e-6, `${name}[${i}]: ${a[name].data[i]} vs ${expected}`);
    }
  }
  assert.ok(
    Object.keys(w0).some((name) => w0[name].data.some((v, i) => v !== w1[name].data[i])),
    'the step moved some weight',
  );
});

test('ncf emaDecay learns planted preferences, clearly beats popularity, and saves the averaged weights', async () => {
  const { train, test: held } = plantedSplit();
  const pop = ranking(popularity(train), train, held);
  const model = createModel('ncf', { factors: 16, layers: [32, 16], learningRate: 0.005, loss: 'softmax', negatives: 8, epochs: 8, emaDecay: 0.99 }) as NCF;
  await model.fit(train, { threads: 1 });
  const r = ranking(model, train, held);
  assert.ok(r.auc > pop.auc + 0.1, `AUC ${r.auc} vs popularity ${pop.auc}`);
  assert.ok(r.p10 > pop.p10 + 0.05, `P@10 ${r.p10} vs popularity ${pop.p10}`);
  const users = Int32Array.of(0, 1, 2);
  const all = new Float32Array(users.length * train.numItems);
  model.scoreUsers(users, all);
  await assertReloadScoresEqual(model, users, all);
});

test('emaDecay is refused for neumf with a clear error', () => {
  assert.throws(() => createModel('neumf', { emaDecay: 0.99 }), /neumf: emaDecay/);
});
