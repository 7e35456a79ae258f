/**
 * The deep models' fold-in (deep/fold-in.ts): it learns from the history (held-out items of the
 * same user rank high), is deterministic, and leaves the model exactly as it was (the scratch
 * user rows are restored).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateSynthetic } from '../../src/data/synthetic.ts';
import { createModel } from '../../src/models/registry.ts';
import { SMALL_DEEP } from '../helpers/small-configs.ts';
import { userSlices, withFittedUser } from '../../src/models/deep/fold-in.ts';
import type { Tower } from '../../src/models/deep/tower.ts';

const data = generateSynthetic({ users: 150, items: 100, factors: 6, clusters: 6, interactionsPerUser: 16, popularitySkew: 0.8, noise: 0.05, seed: 3 }).interactions;

for (const [type, config] of [
  ['ncf', { ...SMALL_DEEP, gmfFactors: 8, epochs: 8 }],
  ['match', { ...SMALL_DEEP, userFactors: 8, itemFactors: 8, epochs: 8 }],
  ['deepfm', { ...SMALL_DEEP, epochs: 8 }],
] as const) {
  test(`${type}: fold-in learns from half a history, deterministically, and leaves the model unchanged`, async (t) => {
    const model = createModel(type, { ...config, threads: 1, seed: 7 });
    await model.fit(data, { progress: false, log: () => {} });
    const before = new Float32Array(model.numItems * 40);
    model.scoreUsers(
      Int32Array.from({ length: 40 }, (_, u) => u),
      before,
    );
    // AUC of each user's second half against unseen items, from a fold-in of the first half.
    let auc = 0;
    const users = 30;
    for (let u = 0; u < users; u++) {
      const history = model.historyOf(u);
      const half = Math.floor(history.length / 2);
      const given = history.slice(0, half).map((h) => ({ item: model.itemIds.id(h.index), weight: h.weight }));
      const held = new Set(history.slice(half).map((h) => h.index));
      const own = new Set(history.map((h) => h.index));
      const { scores } = model.foldIn(given);
      assert.deepEqual(model.foldIn(given).scores, scores, 'the same history gives the same scores');
      let wins = 0;
      let pairs = 0;
      for (const i of held) {
        for (let j = 0; j < model.numItems; j++) {
          if (own.has(j)) continue;
          pairs++;
          wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
        }
      }
      auc += wins / pairs;
    }
    auc /= users;
    const after = new Float32Array(model.numItems * 40);
    model.scoreUsers(
      Int32Array.from({ length: 40 }, (_, u) => u),
      after,
    );
    assert.deepEqual(after, before, 'training users score as before (scratch rows restored)');
    t.diagnostic(`held-out AUC ${auc.toFixed(3)}`);
    assert.ok(auc > 0.75, `held-out AUC ${auc.toFixed(3)} from a fold-in of half the history`);
  });
}

for (const [type, dims] of [
  ['ncf', 8],
  ['neumf', 16],
] as const) {
  test(`${type}: the exact user gradient agrees with finite differences`, async () => {
    const model = createModel(type, { ...SMALL_DEEP, gmfFactors: 8, threads: 1, seed: 7 });
    await model.fit(data, { progress: false, log: () => {} });
    const tower = (model as unknown as { tower: Tower }).tower;
    const slices = userSlices(tower, model.numUsers)!;
    for (const loss of ['bce', 'softmax', 'bpr', 'margin', 'mse'] as const) {
      const gradient = (finiteDifferences: boolean): Float64Array => {
        let first = new Float64Array(0);
        const o = { tower, slices, numUsers: model.numUsers, numItems: model.numItems, loss, margin: 1, l2: 0, seed: 1, finiteDifferences, steps: 1 };
        const ok = withFittedUser({ ...o, onGradient: (_step, g) => (first = g.slice()) }, model.historyOf(3), () => {});
        assert.ok(ok);
        return first;
      };
      const exact = gradient(false);
      const numeric = gradient(true);
      assert.equal(exact.length, dims);
      let diff = 0;
      let norm = 0;
      for (let j = 0; j < exact.length; j++) {
        diff += (exact[j] - numeric[j]) ** 2;
        norm += exact[j] ** 2;
      }
      const relative = Math.sqrt(diff / norm);
      assert.ok(norm > 0 && relative < 0.02, `${loss}: relative error ${relative.toExponential(2)} between exact and finite-difference gradients`);
    }
  });
}
