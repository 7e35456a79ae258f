import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../src/core/rng.ts';
import { ConcatTower } from '../../../src/models/deep/concat-tower.ts';
import { pointwiseLoss } from '../../../src/models/deep/pointwise.ts';
import { createModel } from '../../../src/models/registry.ts';
import { checkEntries } from '../../helpers/gradcheck.ts';
import { plantedSplit } from '../../helpers/deep-data.ts';
import { popularity, ranking } from '../../helpers/metrics.ts';

const LR = 0.1;

function tower(inputDropout: number): ConcatTower {
  return new ConcatTower(new Rng(3), {
    numUsers: 3,
    numItems: 4,
    userFactors: 4,
    itemFactors: 4,
    layers: [6, 3],
    activation: 'tanh',
    dropout: 0,
    inputDropout,
    optimizer: { name: 'sgd', learningRate: LR },
    initStd: 0.3,
    userFeatures: null,
    itemFeatures: null,
    l2: 0,
    denseL2: 0,
  });
}

const users = Int32Array.of(1, 1, 2, 2);
const items = Int32Array.of(0, 2, 3, 2);
const labels = Float32Array.of(1, 0, 1, 0);

/** The batch-mean BCE of the batch, the input dropout mask drawn from a fresh Rng(5) each time. */
function batchLoss(t: ConcatTower, rng: () => Rng | null): number {
  t.fill(users, items, 4);
  return pointwiseLoss('bce', t.forward(4, rng()), labels, 4, new Float32Array(4)) / 4;
}

test('ncf inputDropout: gradients through the dropped embedding inputs match finite differences (same mask)', () => {
  const t = tower(0.5);
  const mask = (): Rng => new Rng(5);
  // The mask changes the loss, so the check below runs through it.
  assert.notEqual(
    batchLoss(t, mask),
    batchLoss(t, () => null),
  );
  const before = t.params().map((p) => p.data.slice());
  // One SGD step on the masked batch: the change / LR is the analytic gradient.
  t.fill(users, items, 4);
  const dz = new Float32Array(4);
  pointwiseLoss('bce', t.forward(4, mask()), labels, 4, dz);
  t.backward(dz, 4, users, items);
  t.update();
  const grads = t.params().map((p, k) => Float32Array.from(p.data, (w, i) => (before[k][i] - w) / LR));
  t.params().forEach((p, k) => p.data.set(before[k]));
  let dropped = 0;
  t.params().forEach((p, k) => {
    checkEntries(() => batchLoss(t, mask), p.data, grads[k], p.name, 24);
    // user 1 and 2's rows: inputs dropped in every row they appear in get no gradient.
    if (p.name === 'user.id') for (let i = 4; i < 12; i++) if (grads[k][i] === 0) dropped++;
  });
  assert.ok(dropped > 0, 'the mask should drop some user inputs in every row (seeded)');
});

test('ncf inputDropout is off at inference, and rate 0 draws nothing (seeded runs unchanged)', () => {
  const a = tower(0);
  const b = tower(0.5);
  assert.equal(
    batchLoss(a, () => null),
    batchLoss(b, () => null),
  );
  const r1 = new Rng(9);
  const r2 = new Rng(9);
  batchLoss(a, () => r1);
  assert.equal(r1.next(), r2.next());
});

test('ncf with inputDropout learns planted preferences and clearly beats popularity', async () => {
  const { train, test: held } = plantedSplit();
  const pop = ranking(popularity(train), train, held);
  const model = createModel('ncf', { factors: 16, layers: [32, 16], learningRate: 0.005, inputDropout: 0.2, epochs: 10 });
  await model.fit(train, { threads: 1 });
  const r = ranking(model, train, held);
  assert.ok(r.auc > pop.auc + 0.1, `AUC ${r.auc} vs popularity ${pop.auc}`);
  assert.ok(r.p10 > pop.p10 + 0.05, `P@10 ${r.p10} vs popularity ${pop.p10}`);
});
