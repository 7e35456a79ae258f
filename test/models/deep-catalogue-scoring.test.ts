import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateSynthetic } from '../../src/data/synthetic.ts';
import { createModel } from '../../src/models/registry.ts';
import { SCORE_CHUNK } from '../../src/models/deep/scoring.ts';

// More items than one scoring chunk, so chunk boundaries are crossed.
const data = generateSynthetic({ users: 40, items: SCORE_CHUNK + 300, factors: 4, interactionsPerUser: 30, seed: 9 });

/**
 * Full-catalogue scores (SplitMlp: item halves precomputed, the first two ReLU layers fused in the
 * SIMD kernel when the sizes allow) against the plain forward pass of every (user, item) pair.
 */
test('full-catalogue scores of ncf and neumf equal pairwise forward passes, on the fused SIMD path and off it', async () => {
  for (const [type, layers] of [
    ['ncf', [32, 16]],
    ['ncf', [64, 32, 8]],
    ['ncf', [6, 3]],
    ['neumf', [32, 16]],
    ['ncf', [16]],
  ] as [string, number[]][]) {
    const model = createModel(type, { factors: 8, layers, epochs: 1 });
    await model.fit(data.interactions, { threads: 1 });
    const users = Int32Array.of(0, 17, 39);
    const n = model.numItems;
    const all = new Float32Array(users.length * n);
    model.scoreUsers(users, all);
    const pu = new Int32Array(users.length * n);
    const pi = new Int32Array(users.length * n);
    for (let q = 0; q < users.length; q++)
      for (let i = 0; i < n; i++) {
        pu[q * n + i] = users[q];
        pi[q * n + i] = i;
      }
    const pairs = model.score(pu, pi);
    let worst = 0;
    for (let e = 0; e < pairs.length; e++) worst = Math.max(worst, Math.abs(pairs[e] - all[e]));
    assert.ok(worst < 1e-4, `${type} ${layers}: largest difference ${worst}`);
  }
});
