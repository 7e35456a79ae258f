import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../../src/contracts/errors.ts';
import { confidenceWeights } from '../../../src/models/baselines/confidence.ts';
import { Ials } from '../../../src/models/baselines/ials.ts';
import { ItemKnn } from '../../../src/models/baselines/item-knn.ts';
import { evaluateRanking } from '../../../src/eval/ranking.ts';
import type { Recommender } from '../../../src/models/recommender.ts';
import type { Interactions } from '../../../src/data/interactions.ts';
import { fitQuietly, fromMatrix } from '../../helpers/baselines.ts';
import { heavyTailedSplit } from '../../helpers/counts.ts';

// u0 played i0 twice and i1 once; u1 played i0 four times; nobody played i2.
const COUNTS = [
  [2, 1, 0],
  [4, 0, 0],
];
const OPTIONS = { logEpsilon: 1, bm25K1: 100, bm25B: 0.8 };

function weightOf(data: Interactions, w: Float32Array, user: number, item: number): number {
  for (let k = 0; k < data.length; k++) if (data.users[k] === user && data.items[k] === item) return w[k];
  throw new Error('no such pair');
}

test('binary, linear and log weights match hand values', () => {
  const data = fromMatrix(COUNTS);
  const w = (kind: 'binary' | 'linear' | 'log', eps = 1) => confidenceWeights(data, kind, { ...OPTIONS, logEpsilon: eps });
  assert.equal(weightOf(data, w('binary'), 1, 0), 1);
  assert.equal(weightOf(data, w('linear'), 1, 0), 4);
  // r = 4: log(1 + 4/1) = log 5 = 1.6094; r = 2 with ε = 0.5: log(1 + 2/0.5) = log 5; r = 1: log 2.
  assert.ok(Math.abs(weightOf(data, w('log'), 1, 0) - 1.6094379) < 1e-6);
  assert.ok(Math.abs(weightOf(data, w('log', 0.5), 0, 0) - 1.6094379) < 1e-6);
  assert.ok(Math.abs(weightOf(data, w('log'), 0, 1) - Math.LN2) < 1e-6);
});

test("bm25 matches implicit's bm25_weight worked by hand", () => {
  const data = fromMatrix(COUNTS);
  const w = confidenceWeights(data, 'bm25', OPTIONS);
  // Item totals 6, 1, 0 (mean 7/3); len(i0) = 0.2 + 0.8·6/(7/3) = 2.257143.
  // idf(u1) = log 3 − log(1 + 1) = 0.405465; w = 4·101 / (100·2.257143 + 4) · 0.405465 = 0.713094.
  assert.ok(Math.abs(weightOf(data, w, 1, 0) - 0.7130941) < 1e-5, `got ${weightOf(data, w, 1, 0)}`);
  // u0 has 2 of the 3 items: idf = log 3 − log 3 = 0.
  assert.equal(weightOf(data, w, 0, 0), 0);
});

async function recallAt10(model: Recommender, split: ReturnType<typeof heavyTailedSplit>): Promise<number> {
  await fitQuietly(model, split.train);
  return evaluateRanking(model, split.validation!, { k: [10], exclude: split.train.byUser(), perUser: false }).metrics['recall@10'];
}

test('on planted heavy-tailed play counts raw confidence fails and the default does not (item-kNN and iALS)', async () => {
  const split = heavyTailedSplit({ users: 1500, items: 800, perUser: 30, seed: 5 });
  const knnRaw = await recallAt10(new ItemKnn({ confidence: 'linear' }), split);
  const knnDefault = await recallAt10(new ItemKnn(), split);
  const knnLog = await recallAt10(new ItemKnn({ confidence: 'log' }), split);
  assert.ok(knnDefault > 2 * knnRaw, `item-knn: default R@10 ${knnDefault}, raw ${knnRaw}`);
  assert.ok(knnLog > 2 * knnRaw, `item-knn: log R@10 ${knnLog}, raw ${knnRaw}`);
  const ialsRaw = await recallAt10(new Ials({ confidence: 'linear', iterations: 8 }), split);
  const ialsDefault = await recallAt10(new Ials({ iterations: 8 }), split);
  assert.ok(ialsDefault > 1.15 * ialsRaw, `ials: default R@10 ${ialsDefault}, raw ${ialsRaw}`);
});

test('the fit log says which weighting was used, and a bad one is a ConfigError naming the option', async () => {
  const lines: string[] = [];
  await new Ials({ confidence: 'log', iterations: 1 }).fit(fromMatrix(COUNTS), { threads: 1, progress: false, log: (l) => lines.push(l) });
  assert.ok(
    lines.some((l) => /ials: confidence log \(values 1\.\.4\)/.test(l)),
    lines.join('\n'),
  );
  assert.throws(
    () => new ItemKnn({ confidence: 'raw' as never }),
    (e: unknown) => e instanceof ConfigError && /confidence/.test(e.message),
  );
});

test('fold-in weighs history the way training weighed values: a log-trained model folds in log weights', async () => {
  const split = heavyTailedSplit({ users: 300, items: 200, perUser: 20, seed: 2 });
  const model = await fitQuietly(new Ials({ confidence: 'log', iterations: 4, solver: 'cholesky' }), split.train);
  const { indptr, indices, values } = split.train.byUser();
  const u = 3;
  const history = [];
  for (let p = indptr[u]; p < indptr[u + 1]; p++) history.push({ item: split.train.itemIds.id(indices[p]), weight: values[p] });
  const folded = model.recommend({ history }, { k: 10 }).map((r) => r.item);
  const trained = model.recommend(split.train.userIds.id(u), { k: 10 }).map((r) => r.item);
  // The exact row solve on the same weights is the training user's own factor row.
  assert.deepEqual(folded, trained);
});
