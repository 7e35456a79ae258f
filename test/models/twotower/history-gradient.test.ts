import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Param } from '../../../src/core/params.ts';
import { SparseGradTable } from '../../../src/core/sparse-grad.ts';
import { Rng } from '../../../src/core/rng.ts';
import { HistoryGradient } from '../../../src/models/twotower/history-gradient.ts';
import { randomArray } from '../../helpers/gradcheck.ts';

/**
 * The compact history gradient gives the same Adam steps, bit for bit, as a table-sized gradient
 * (SparseGradTable) fed the same additions: registered items only, each once per batch whatever
 * order they came in, and rows nobody touched keep their weights and step counts.
 */
test('history gradient: compact sums step the same rows to the same weights as a table-sized gradient', () => {
  const rows = 50;
  const dim = 6;
  const make = () => {
    const p = new Param('h', rows, dim, { name: 'adam', learningRate: 0.01 });
    p.init({ kind: 'normal', std: 0.1 }, new Rng(4));
    return p;
  };
  const compactParam = make();
  const denseParam = make();
  const dense = new SparseGradTable(denseParam);
  const compact = new HistoryGradient(rows, dim);
  const rng = new Rng(9);
  const g = randomArray(8 * dim, 11);
  for (let batch = 0; batch < 5; batch++) {
    // A batch's users' histories (items out of order, repeated across users) and two targets.
    const histories = Array.from({ length: 4 }, () => Int32Array.from({ length: 3 + rng.int(6) }, () => rng.int(rows)));
    const targets = histories.map((h) => h[0]);
    for (const h of histories) for (const item of h) compact.register(item);
    for (const t of targets) compact.register(t);
    compact.seal();
    targets.forEach((t, s) => {
      compact.add(t, g, s * dim, -0.25);
      dense.accumulate(t, g, s * dim, -0.25);
    });
    histories.forEach((h, s) => {
      compact.addEach(h, 0, h.length, g, (s + 4) * dim);
      for (const item of h) dense.accumulate(item, g, (s + 4) * dim, 1);
    });
    const distinct = new Set(histories.flatMap((h) => [...h]));
    assert.equal(compact.size, distinct.size, 'one slot per distinct item');
    assert.deepEqual(compact.dense(), dense.grad, 'the same sums, placed at their items');
    compact.step(compactParam, 0.001);
    dense.update(0.001);
    assert.deepEqual(compactParam.data, denseParam.data, `batch ${batch}: the same weights`);
    assert.equal(compact.size, 0, 'reset after the step');
  }
  // A batch that registers nothing changes nothing, nor does a step before any gradient (no seal).
  const before = compactParam.data.slice();
  compact.seal();
  compact.step(compactParam, 0.001);
  assert.deepEqual(compactParam.data, before);
  compact.register(3);
  compact.step(compactParam, 0.001);
  assert.deepEqual(compactParam.data, before);
});
