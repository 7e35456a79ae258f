/**
 * Guards on the scoring API: `score` refuses out-of-range indices (for every model, whether it
 * keeps the base class's pairwise score or has its own), and `recommend` refuses scores that are
 * not finite numbers rather than list items ranked by NaN.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/contracts/errors.ts';
import { generateSynthetic } from '../../src/data/synthetic.ts';
import type { Interactions } from '../../src/data/interactions.ts';
import type { Recommender } from '../../src/models/recommender.ts';
import type { HistoryEntry } from '../../src/contracts/types.ts';
import { createModel, listModels } from '../../src/models/registry.ts';
import { ToyModel, interactionsFrom } from '../helpers/toy-model.ts';
import { SMALL_BILINEAR, SMALL_DEEP, SMALL_RECVAE, SMALL_TWO_TOWER } from '../helpers/small-configs.ts';

/** The toy model, folding a history in to its one score vector. */
class FoldingToy extends ToyModel {
  protected override scoreHistory(_history: HistoryEntry[], out: Float32Array): void {
    out.set(this.scores);
  }
}

/** Small and fast: one or two epochs; blend needs members. */
const CONFIGS: Record<string, Record<string, unknown>> = {
  bilinear: { ...SMALL_BILINEAR, epochs: 1 },
  blend: { members: [{ type: 'popularity', params: {}, weight: 1 }] },
  bpr: { ...SMALL_BILINEAR, epochs: 1 },
  deepfm: { ...SMALL_DEEP, epochs: 1 },
  ials: { factors: 4, iterations: 1, epochs: 1 },
  logistic: { ...SMALL_BILINEAR, epochs: 1 },
  'logistic-regression': { epochs: 1 },
  match: { ...SMALL_DEEP, userFactors: 8, itemFactors: 8, epochs: 1 },
  mf: { factors: 4, epochs: 1 },
  multvae: { layers: [16], latent: 8, epochs: 1 },
  recvae: { ...SMALL_RECVAE, epochs: 1 },
  ncf: { ...SMALL_DEEP, gmfFactors: 8, epochs: 1 },
  neumf: { ...SMALL_DEEP, gmfFactors: 8, epochs: 1 },
  'neural-rating': { ...SMALL_DEEP, epochs: 1 },
  'two-tower': { ...SMALL_TWO_TOWER, epochs: 1 },
  triplet: { ...SMALL_BILINEAR, epochs: 1 },
  warp: { ...SMALL_BILINEAR, epochs: 1 },
};

const ranking = generateSynthetic({ users: 30, items: 20, factors: 4, interactionsPerUser: 6, seed: 5 }).interactions;
const rating = generateSynthetic({ users: 30, items: 20, factors: 4, interactionsPerUser: 6, ratings: true, seed: 5 }).interactions;

/** Every registered type, and the baselines with their own pairwise score also on the rating task. */
const cases: { name: string; type: string; config: Record<string, unknown>; data: Interactions }[] = [];
for (const info of listModels()) {
  if (info.type === 'toy') continue;
  const config = { threads: 1, seed: 1, ...CONFIGS[info.type] };
  cases.push({ name: info.type, type: info.type, config, data: info.task === 'rating' ? rating : ranking });
}
for (const type of ['popularity', 'random', 'user-knn']) cases.push({ name: `${type} (rating)`, type, config: { threads: 1, seed: 1, task: 'rating' }, data: rating });

for (const c of cases) {
  describe(`${c.name}: score checks every index`, () => {
    let model: Recommender;
    before(async () => {
      model = createModel(c.type, c.config);
      await model.fit(c.data, { progress: false, log: () => {} });
    });

    test('out-of-range users and items are refused, naming the position and the index', () => {
      const U = model.numUsers;
      const I = model.numItems;
      const refused = (users: number[], items: number[], message: RegExp): void => {
        assert.throws(
          () => model.score(Int32Array.from(users), Int32Array.from(items)),
          (e: unknown) => e instanceof ConfigError && message.test(e.message),
          `${c.name}: ${users} × ${items}`,
        );
      };
      refused([-1], [0], new RegExp(`^score: users\\[0\\] = -1 is out of range: this model's user indices run from 0 to ${U - 1}; translate external ids with userIndex\\(id\\)$`));
      refused([0, 1, U], [0, 1, 2], new RegExp(`^score: users\\[2\\] = ${U} is out of range`));
      refused([0], [-1], /^score: items\[0\] = -1 is out of range: this model's item indices run from 0 to \d+; translate external ids with itemIndex\(id\)$/);
      refused([0, 0], [0, I + 979], new RegExp(`^score: items\\[1\\] = ${I + 979} is out of range`));
      refused([0], [0, 1], /^score: users \(1\) and items \(2\) differ in length/);
    });

    test('in-range pairs still score as scoreItems does', () => {
      const row = new Float32Array(model.numItems);
      model.scoreItems(1, row);
      const got = model.score(Int32Array.of(1, 1), Int32Array.of(0, model.numItems - 1));
      assert.ok(Math.abs(got[0] - row[0]) <= 1e-4 * Math.max(1, Math.abs(row[0])), `${got[0]} vs ${row[0]}`);
      assert.ok(Math.abs(got[1] - row[model.numItems - 1]) <= 1e-4 * Math.max(1, Math.abs(row[model.numItems - 1])));
      assert.equal(model.score(new Int32Array(0), new Int32Array(0)).length, 0);
    });
  });
}

test('score on a model neither fitted nor loaded says so, not "out of range (0..-1)"', () => {
  assert.throws(() => createModel('mf').score(Int32Array.of(0), Int32Array.of(0)), /^ConfigError: mf model is not trained yet: call fit\(\) or load a model file$/);
});

describe('recommend refuses scores that are not finite numbers', () => {
  test('a diverged model: names the user, what is not finite, and the fix', async () => {
    const data = generateSynthetic({ users: 40, items: 30, factors: 4, interactionsPerUser: 6, seed: 1 });
    const model = createModel('mf', { learningRate: 1e6, epochs: 3, threads: 1, seed: 1 });
    await model.fit(data.interactions, { progress: false, log: () => {} });
    assert.equal(model.status, 'diverged');
    const id = model.userIds.id(0);
    assert.throws(
      () => model.recommend(id, { k: 3 }),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.message ===
          `cannot recommend for user "${id}": the mf model's scores are not finite numbers (NaN for all 30 items), so a list would rank nothing; the model diverged in training (a non-finite loss): retrain with a lower learning rate or more L2`,
    );
    assert.throws(() => model.recommend(0), /cannot recommend for user/);
  });

  test('a folded-in history with non-finite scores: names the history', async () => {
    const model = new FoldingToy({ epochs: 1, script: [[NaN, NaN, NaN, NaN]] });
    await model.fit(interactionsFrom([[0, 0]], 1, 4), { progress: false, log: () => {} });
    assert.throws(
      () => model.recommend({ history: ['i0', 'i9'] }),
      /^ConfigError: cannot recommend for this history \(2 items\): the toy model's scores are not finite numbers \(NaN for all 4 items\)/,
    );
  });

  test('a model that trained normally but holds non-finite weights: counts them, says to retrain', async () => {
    const train = interactionsFrom([
      [0, 0],
      [1, 1],
    ]);
    for (const [scores, what] of [
      [[NaN, 1, 2, 3], '1 NaN of 4 items'],
      [[Infinity, 1, 2, 3], '1 +∞ of 4 items'],
      [[NaN, -Infinity, 2, Infinity], '1 NaN, 1 +∞, 1 −∞ of 4 items'],
    ] as const) {
      const model = new ToyModel({ epochs: 1, script: [scores] });
      await model.fit(
        interactionsFrom(
          [...train.users].map((u, p) => [u, train.items[p]]),
          2,
          4,
        ),
        { progress: false, log: () => {} },
      );
      assert.equal(model.status, 'trained');
      assert.throws(
        () => model.recommend('u0', { k: 2 }),
        (e: unknown) =>
          e instanceof ConfigError &&
          e.message.startsWith(
            `cannot recommend for user "u0": the toy model's scores are not finite numbers (${what}), so a list would rank nothing; its weights hold non-finite values`,
          ),
        what,
      );
    }
  });

  test('finite scores, and −∞ set by exclusions, still rank as before', async () => {
    const model = new ToyModel({ epochs: 1, script: [[4, 3, 2, 1]] });
    await model.fit(interactionsFrom([[0, 0]], 1, 4), { progress: false, log: () => {} });
    assert.deepEqual(
      model.recommend('u0', { k: 2 }).map((r) => r.item),
      ['i1', 'i2'],
    );
    assert.deepEqual(
      model.recommend('u0', { k: 10, filter: (i) => i !== 2 }).map((r) => r.item),
      ['i1', 'i3'],
    );
  });
});
