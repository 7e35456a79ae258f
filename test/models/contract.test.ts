/**
 * The model contract, run for every type in the registry (as implicit's tests do for its
 * models): fit on small planted data and beat chance, `recommend` (k distinct unseen items,
 * best first; `filter`; `excludeSeen: false`), `score` and `scoreUsers` agree with
 * `scoreItems`, save → load scores identically, the config round-trips through `createModel`,
 * a misspelt hyperparameter is a ConfigError, and `similarItems` works or says why not.
 *
 * Types come from `listModels()`, so a new model is covered without touching this file; a type
 * that cannot be built and fitted from its defaults (plus threads/seed) fails here until it gets
 * an entry in CASES. CASES only makes models small and fast, or supplies required settings.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/contracts/errors.ts';
import { generateSynthetic } from '../../src/data/synthetic.ts';
import { perUserSplit } from '../../src/data/splits.ts';
import type { Interactions } from '../../src/data/interactions.ts';
import type { Split } from '../../src/data/types.ts';
import { evaluatePointwise } from '../../src/eval/pointwise.ts';
import { loadModel } from '../../src/models/load.ts';
import type { Recommender } from '../../src/models/recommender.ts';
import { createModel, listModels, type ModelInfo } from '../../src/models/registry.ts';
import { withTempDir } from '../helpers/temp-dir.ts';
import { ranking } from '../helpers/metrics.ts';
import { SMALL_BILINEAR, SMALL_DEEP, SMALL_RECVAE, SMALL_TWO_TOWER } from '../helpers/small-configs.ts';

type Task = 'ranking' | 'rating';

interface Case {
  /** Hyperparameters beside threads: 1 and a seed: small and fast, or required. */
  config?: Record<string, unknown>;
  /** Extra tasks to run besides the type's own (for baselines with a `task` hyperparameter). */
  tasks?: Task[];
  /** Why the model is not held to beating chance (it is not a learner). */
  exempt?: string;
  /** Per-user AUC floor on held-out planted positives (default AUC_FLOOR). */
  minAuc?: number;
}

/** A learner must rank held-out planted positives clearly above chance (0.5). */
const AUC_FLOOR = 0.6;
const SEED = 7;

const CASES: Record<string, Case> = {
  bilinear: { config: SMALL_BILINEAR },
  blend: {
    // A blend is built from members, so it has no useful default.
    config: {
      members: [
        { type: 'ease', params: { lambda: 50 }, weight: 1 },
        { type: 'item-knn', params: { neighbors: 20 }, weight: 0.5 },
      ],
    },
  },
  bpr: { config: SMALL_BILINEAR },
  deepfm: { config: SMALL_DEEP },
  ease: { config: { lambda: 50 } },
  ials: { config: { factors: 16, iterations: 5, epochs: 5 } },
  'item-knn': { config: { neighbors: 20 } },
  logistic: { config: SMALL_BILINEAR },
  'logistic-regression': { config: { epochs: 5 } },
  match: { config: { ...SMALL_DEEP, userFactors: 8, itemFactors: 8 } },
  mf: { config: { factors: 8, epochs: 20, learningRate: 0.01 } },
  multvae: { config: { layers: [32], latent: 16, epochs: 20, batchSize: 64, learningRate: 0.005 } },
  recvae: { config: SMALL_RECVAE },
  ncf: { config: { ...SMALL_DEEP, gmfFactors: 8 } },
  neumf: { config: { ...SMALL_DEEP, gmfFactors: 8 } },
  'neural-rating': { config: SMALL_DEEP },
  popularity: { tasks: ['rating'] },
  random: { tasks: ['rating'], exempt: 'random scores by design: it is the chance level the others must beat' },
  rp3beta: { config: { neighbors: 30 } },
  'two-tower': { config: SMALL_TWO_TOWER },
  triplet: { config: SMALL_BILINEAR },
  'user-knn': { config: { neighbors: 20 }, tasks: ['rating'] },
  warp: { config: SMALL_BILINEAR },
};

/** Planted low-rank data (src/data/synthetic.ts), split 80/20 per user; ratings for rating models. */
function planted(task: Task): Split {
  const data = generateSynthetic({
    users: 150,
    items: 100,
    factors: 6,
    clusters: 6,
    interactionsPerUser: 16,
    popularitySkew: 0.8,
    noise: 0.05,
    ratings: task === 'rating',
    seed: 3,
  });
  return perUserSplit(data.interactions, { testRatio: 0.2, seed: 1 });
}

const DATA: Record<Task, Split> = { ranking: planted('ranking'), rating: planted('rating') };

const models = listModels();
const registered = new Set(models.map((m) => m.type));

test('CASES names only registered model types', () => {
  const stale = Object.keys(CASES).filter((type) => !registered.has(type));
  assert.deepEqual(stale, [], `CASES has entries for unregistered types: ${stale.join(', ')}`);
});

for (const info of models) {
  const spec = CASES[info.type] ?? {};
  const own: Task = info.task === 'rating' ? 'rating' : 'ranking';
  const tasks = [...new Set<Task>([own, ...(spec.tasks ?? [])])];
  for (const task of tasks) contract(info, spec, task, task !== own);
}

/** The contract for one type on one task; `variant`: the task is not the type's own, so it is set in the config. */
function contract(info: ModelInfo, spec: Case, task: Task, variant: boolean): void {
  const type = info.type;
  const { train, test: held } = DATA[task];
  const config = { threads: 1, seed: SEED, ...spec.config, ...(variant ? { task } : {}) };

  describe(`${type}${variant ? ` (task: ${task})` : ''} model contract`, () => {
    let model: Recommender;
    let all: Float32Array;
    const users = Int32Array.from({ length: train.numUsers }, (_, u) => u);

    before(async () => {
      try {
        model = createModel(type, config);
        await model.fit(train, { progress: false, log: () => {} });
      } catch (err) {
        throw new Error(`${type} cannot be built and fitted with ${JSON.stringify(config)}; give it a CASES entry in test/models/contract.test.ts (${(err as Error).message})`, {
          cause: err,
        });
      }
      all = new Float32Array(users.length * model.numItems);
      model.scoreUsers(users, all);
    });

    test('fit sees every user and item; scores are finite', () => {
      assert.equal(model.type, type);
      assert.equal(model.numUsers, train.numUsers);
      assert.equal(model.numItems, train.numItems);
      const bad = all.findIndex((v) => !Number.isFinite(v));
      assert.equal(bad, -1, `score of user ${Math.floor(bad / model.numItems)}, item ${bad % model.numItems} is ${all[bad]}`);
    });

    if (spec.exempt) {
      test(`beats chance: exempt (${spec.exempt})`, { skip: spec.exempt }, () => {});
    } else if (task === 'ranking') {
      const floor = spec.minAuc ?? AUC_FLOOR;
      test(`beats chance: per-user AUC on held-out planted positives > ${floor}`, (t) => {
        const { auc } = ranking(model, train, held);
        t.diagnostic(`AUC ${auc.toFixed(3)}`);
        assert.ok(auc > floor, `AUC ${auc.toFixed(3)} ≤ ${floor}`);
      });
    } else {
      test('beats chance: held-out RMSE below the global-mean predictor', (t) => {
        const rmse = evaluatePointwise(model, held).metrics.rmse;
        const mean = train.values.reduce((s, v) => s + v, 0) / train.length;
        const baseline = Math.sqrt(held.values.reduce((s, v) => s + (v - mean) ** 2, 0) / held.length);
        t.diagnostic(`RMSE ${rmse.toFixed(4)}, global mean ${baseline.toFixed(4)}`);
        assert.ok(rmse < baseline, `RMSE ${rmse.toFixed(4)} ≥ global mean's ${baseline.toFixed(4)}`);
      });
    }

    test('recommend(user, {k}) gives k distinct unseen items, best first, with their scores', () => {
      const seen = train.byUser();
      const k = 10;
      const row = new Float32Array(model.numItems);
      for (const u of [0, 1, 17, train.numUsers - 1]) {
        model.scoreItems(u, row);
        for (const who of [u, model.userIds.id(u)]) {
          const recs = model.recommend(who, { k });
          assert.equal(recs.length, k, `user ${u}`);
          assert.equal(new Set(recs.map((r) => r.index)).size, k, `user ${u}: duplicates`);
          for (let r = 0; r < k; r++) {
            const { index, item, score } = recs[r];
            assert.equal(item, model.itemIds.id(index));
            assert.ok(!isSeen(seen, u, index), `user ${u}: recommended seen item ${index}`);
            assert.equal(score, row[index], `user ${u}, item ${index}: recommend's score is not scoreItems'`);
            if (r > 0) assert.ok(score <= recs[r - 1].score, `user ${u}: not sorted at rank ${r}`);
          }
          // Nothing unseen outside the list scores higher than its last entry.
          const listed = new Set(recs.map((r) => r.index));
          for (let i = 0; i < row.length; i++) {
            if (!listed.has(i) && !isSeen(seen, u, i)) assert.ok(row[i] <= recs[k - 1].score, `user ${u}: item ${i} (${row[i]}) beats the list`);
          }
        }
      }
    });

    test('recommend honours filter', () => {
      const keep = (i: number): boolean => i % 3 === 1;
      for (const u of [0, 5, 33]) {
        const recs = model.recommend(u, { k: 8, filter: keep });
        assert.equal(recs.length, 8);
        for (const r of recs) assert.ok(keep(r.index), `user ${u}: item ${r.index} fails the filter`);
        const best = model.recommend(u, { k: 1, filter: (i) => i === 42 });
        assert.deepEqual(
          best.map((r) => r.index),
          isSeen(train.byUser(), u, 42) ? [] : [42],
        );
      }
    });

    test('recommend with excludeSeen: false can return seen items', () => {
      const seen = train.byUser();
      for (const u of [0, 9]) {
        const recs = model.recommend(u, { k: model.numItems, excludeSeen: false });
        assert.equal(recs.length, model.numItems);
        const got = new Set(recs.map((r) => r.index));
        for (let p = seen.indptr[u]; p < seen.indptr[u + 1]; p++) assert.ok(got.has(seen.indices[p]), `user ${u}: seen item ${seen.indices[p]} missing`);
      }
    });

    test('score(users, items) agrees with scoreItems (1e-5 relative)', () => {
      // Unsorted users with repeats: a per-user cache in score() must not leak between users.
      const us = Int32Array.of(3, 3, 0, 140, 3, 77, 0, 12, 12, 149);
      const is = Int32Array.of(0, 99, 5, 50, 7, 1, 5, 33, 34, 98);
      const got = model.score(us, is);
      assert.equal(got.length, us.length);
      const row = new Float32Array(model.numItems);
      for (let q = 0; q < us.length; q++) {
        model.scoreItems(us[q], row);
        assertClose(got[q], row[is[q]], scaleOf(row), `score(${us[q]}, ${is[q]})`);
      }
    });

    test('scoreUsers agrees with scoreItems (1e-5 relative)', () => {
      const row = new Float32Array(model.numItems);
      for (const u of [0, 1, 64, train.numUsers - 1]) {
        model.scoreItems(u, row);
        const scale = scaleOf(row);
        for (let i = 0; i < row.length; i++) assertClose(all[u * model.numItems + i], row[i], scale, `scoreUsers row ${u}, item ${i}`);
      }
      // A batch in another order, with a repeat, gives the same rows.
      const order = Int32Array.of(149, 2, 2, 0);
      const batch = new Float32Array(order.length * model.numItems);
      model.scoreUsers(order, batch);
      order.forEach((u, b) => {
        const expect = all.subarray(u * model.numItems, (u + 1) * model.numItems);
        const scale = scaleOf(expect);
        for (let i = 0; i < model.numItems; i++) assertClose(batch[b * model.numItems + i], expect[i], scale, `batch row ${b} (user ${u}), item ${i}`);
      });
    });

    test('save → loadModel gives identical scores, type, config and recommendations', () =>
      withTempDir(async (dir) => {
        await model.save(dir);
        const loaded = await loadModel(dir);
        assert.equal(loaded.type, type);
        assert.deepEqual(loaded.config, model.config);
        const again = new Float32Array(all.length);
        loaded.scoreUsers(users, again);
        assert.deepEqual(again, all);
        assert.deepEqual(loaded.recommend(4, { k: 5 }), model.recommend(4, { k: 5 }));
        const pairs = [Int32Array.of(2, 8), Int32Array.of(3, 60)] as const;
        assert.deepEqual(loaded.score(...pairs), model.score(...pairs));
      }));

    test('createModel(type, model.config) round-trips the config', () => {
      const copy = createModel(type, model.config);
      assert.equal(copy.type, type);
      assert.deepEqual(copy.config, model.config);
    });

    test('a misspelt hyperparameter is a ConfigError naming it', () => {
      const keys = Object.keys(model.config);
      assert.ok(keys.length > 0, 'config has no keys');
      const key = keys[0];
      const known = new Set([...keys, ...Object.keys(info.schema), 'epochs', 'threads', 'seed']);
      let bad = '';
      for (let p = 1; p <= key.length && (!bad || known.has(bad)); p++) bad = key.slice(0, p - 1) + key.slice(p);
      assert.ok(bad && !known.has(bad), `no misspelling of "${key}" found`);
      const { [key]: value, ...rest } = model.config;
      assert.throws(
        () => createModel(type, { ...rest, [bad]: value }),
        (err: Error) => err instanceof ConfigError && err.message.includes(`"${bad}"`),
        `"${bad}" (for "${key}") was not rejected with a ConfigError naming it`,
      );
    });

    test('similarItems gives k other items, or a ConfigError', (t) => {
      let recs;
      try {
        recs = model.similarItems(7, 5);
      } catch (err) {
        assert.ok(err instanceof ConfigError, `similarItems threw ${(err as Error).name}: ${(err as Error).message}`);
        t.diagnostic(`no similarItems: ${err.message}`);
        return;
      }
      assert.equal(recs.length, 5);
      assert.equal(new Set(recs.map((r) => r.index)).size, 5);
      for (let r = 0; r < recs.length; r++) {
        assert.notEqual(recs[r].index, 7, 'the item itself');
        assert.ok(Number.isFinite(recs[r].score));
        if (r > 0) assert.ok(recs[r].score <= recs[r - 1].score, `not sorted at rank ${r}`);
      }
    });
  });
}

function isSeen(seen: ReturnType<Interactions['byUser']>, u: number, i: number): boolean {
  for (let p = seen.indptr[u]; p < seen.indptr[u + 1]; p++) if (seen.indices[p] === i) return true;
  return false;
}

/** The magnitude of a user's scores: the relative tolerance is taken against it, so scores near 0 are not held to 1e-5 of themselves. */
function scaleOf(row: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < row.length; i++) m = Math.max(m, Math.abs(row[i]));
  return m;
}

function assertClose(got: number, want: number, scale: number, what: string): void {
  assert.ok(Math.abs(got - want) <= 1e-5 * Math.max(Math.abs(got), Math.abs(want), scale), `${what}: ${got} vs ${want}`);
}

test('a model neither fitted nor loaded says so when asked for recommendations, not "index out of range"', () => {
  for (const { type } of listModels()) {
    const model = createModel(type, {});
    assert.throws(
      () => model.recommend(0, { k: 3 }),
      (e: unknown) => e instanceof ConfigError && e.message === `${type} model is not trained yet: call fit() or load a model file`,
      type,
    );
    assert.throws(() => model.recommend('u1'), /is not trained yet/, type);
  }
});
