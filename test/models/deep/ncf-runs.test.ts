import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../src/core/rng.ts';
import { bceWithLogits, bceWithLogitsGrad } from '../../../src/core/losses.ts';
import { ConcatTower } from '../../../src/models/deep/concat-tower.ts';
import { pointwiseLoss } from '../../../src/models/deep/pointwise.ts';
import { assertGradClose, numericGradient, randomArray } from '../../helpers/gradcheck.ts';

// ConcatTower's training pass over a positive and its negatives shares the user's half of the
// first layer over the user's run of rows (Dense.forwardRuns); inference runs whole rows. The
// two must be the same function, and the training step's gradients must be the true ones.
const LR = 0.1;
const users = Int32Array.of(0, 0, 0, 2, 2, 1, 1, 1);
const items = Int32Array.of(3, 1, 7, 0, 5, 2, 8, 4);
const n = users.length;

function tower(layers: number[]): ConcatTower {
  return new ConcatTower(new Rng(3), {
    numUsers: 4,
    numItems: 9,
    userFactors: 8,
    itemFactors: 8,
    layers,
    activation: 'relu',
    dropout: 0,
    optimizer: { name: 'sgd', learningRate: LR },
    initStd: 0.5,
    userFeatures: null,
    itemFeatures: null,
    l2: 0,
    denseL2: 0,
  });
}

for (const layers of [
  [16, 8],
  [6, 3],
]) {
  test(`ncf tower [${layers}]: the training pass over user runs equals inference, and its SGD step follows finite differences`, () => {
    const t = tower(layers);
    for (const l of t.mlp.layers()) l.bias.data.set(randomArray(l.outDim, 4, 0.2));
    const c = randomArray(n, 5);
    const loss = (): number => {
      t.fill(users, items, n);
      const z = t.forward(n, null);
      let s = 0;
      for (let r = 0; r < n; r++) s += c[r] * z[r];
      return s;
    };
    t.fill(users, items, n);
    const inference = t.forward(n, null).slice(0, n);
    t.fill(users, items, n);
    const training = t.forward(n, new Rng(1)).slice(0, n);
    // The first layer took its input as runs (it holds no whole rows to backpropagate through).
    assert.throws(() => t.mlp.hidden[0].backwardBatch(new Float32Array(n * layers[0]), n), /after forwardRuns/);
    for (let r = 0; r < n; r++) assert.ok(Math.abs(training[r] - inference[r]) <= 1e-5 * (1 + Math.abs(inference[r])), `row ${r}: ${training[r]} vs ${inference[r]}`);

    const params = t.params();
    const numeric = params.map((p) =>
      Array.from({ length: 6 }, (_, k) => Math.floor(((k + 0.5) * p.data.length) / 6)).map((i) => [i, numericGradient(loss, p.data, i, 2e-3)] as const),
    );
    const before = params.map((p) => p.data.slice());
    t.fill(users, items, n);
    t.forward(n, new Rng(1));
    t.backward(c.slice(), n, users, items);
    t.update();
    let checked = 0;
    params.forEach((p, k) => {
      for (const [i, g] of numeric[k]) {
        const analytic = (before[k][i] - p.data[i]) / LR;
        assertGradClose(analytic, g, `${p.name}[${i}]`, { rtol: 1e-2, atol: 1e-4 });
        if (Math.abs(g) > 1e-3) checked++;
      }
    });
    assert.ok(checked >= 10, `only ${checked} probed gradients were clearly non-zero`);
    // User 3 is in no row: its vector must not move.
    assert.deepEqual(Array.from(t.users.table.id!.row(3)), Array.from(before[0].subarray(24, 32)));
  });
}

test("pointwiseLoss 'bce' (one exp per row) gives bceWithLogits and its gradient exactly", () => {
  const z = Float32Array.of(-30, -2.5, -1e-3, 0, 1e-3, 0.7, 4, 40);
  const labels = Float32Array.of(1, 0, 1, 0, 1, 1, 0, 0.3);
  const grad = new Float32Array(z.length);
  const total = pointwiseLoss('bce', z, labels, z.length, grad);
  let expected = 0;
  for (let r = 0; r < z.length; r++) {
    expected += bceWithLogits(z[r], labels[r]);
    assert.equal(grad[r], Math.fround(bceWithLogitsGrad(z[r], labels[r]) / z.length), `gradient of row ${r}`);
  }
  assert.equal(total, expected);
});

test('ncf tower: a forward pass after a training pass, without a new fill, still sees the filled rows', () => {
  const t = tower([16, 8]);
  t.fill(users, items, n);
  t.forward(n, new Rng(1));
  const again = t.forward(n, null).slice(0, n);
  t.fill(users, items, n);
  const inference = t.forward(n, null).slice(0, n);
  for (let r = 0; r < n; r++) assert.ok(Math.abs(again[r] - inference[r]) <= 1e-6 * (1 + Math.abs(inference[r])), `row ${r}`);
});
