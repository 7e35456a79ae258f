import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/contracts/errors.ts';
import { generateSynthetic } from '../../src/data/synthetic.ts';
import { readInteractions } from '../../src/data/readers/delimited.ts';
import { csrHas } from '../../src/data/interactions.ts';
import { overlappingPairs } from '../../src/data/splits.ts';
import type { Dataset } from '../../src/data/types.ts';
import { getProtocol, listProtocols, popularityScorer, referenceScorer } from '../../src/eval/protocols.ts';
import { dataDir, dataPath, skipUnlessData } from '../helpers/data-dir.ts';

const close = (actual: number, expected: number, tol: number): void => assert.ok(Math.abs(actual - expected) <= tol, `${actual} ≠ ${expected}`);
const missing = skipUnlessData('ml-100k/u.data', 'ml-100k/ua.base', 'ml-100k/ua.test');
const load = { dataDir, download: false };

test('protocols are listed and looked up by name; an unknown name lists the known ones', () => {
  assert.deepEqual(
    listProtocols().map((p) => p.name),
    ['lightfm-ua', 'full-ranking', 'msr-stratified', 'recbole-ml1m', 'pointwise', 'bookcrossing-f1'],
  );
  assert.equal(getProtocol('msr-stratified').mainMetric, 'ndcg@10');
  assert.throws(
    () => getProtocol('lightfm'),
    (e: unknown) => e instanceof ConfigError && /known protocols: lightfm-ua, full-ranking/.test(e.message),
  );
});

/*
 * Expected numbers computed independently from the raw files with a short Python script
 * (rating ≥ 4 filter on ua.base / ua.test; popularity = count of train positives, ties broken by
 * first appearance in u.data, which is the loader's item index order):
 *   train positives 49,906 (942 users), test positives 5,469 (934 users, none also in train);
 *   popularity: 624 hits in 934 top-10 lists → P@10 = 0.0668094218, R@10 = 0.1187204718,
 *   NDCG@10 = 0.1105940752, AUC = 0.8723738587 (AUC does not depend on tie order).
 */
test('lightfm-ua on ML-100K: sizes, and the popularity reference numbers', { skip: missing }, async () => {
  const protocol = getProtocol('lightfm-ua');
  const prepared = await protocol.prepare(load);
  assert.equal(prepared.train.length, 49906);
  assert.equal(prepared.test.length, 5469);
  assert.equal(prepared.sizes.trainUsers, 942);
  assert.equal(prepared.sizes.testUsers, 934);
  assert.equal(prepared.sizes.trainRatings, 90570);
  assert.equal(prepared.sizes.testRatings, 9430);
  assert.equal(overlappingPairs(prepared.train, prepared.test), 0);
  assert.ok(prepared.train.values.every((v) => v === 1));

  const result = protocol.evaluate(popularityScorer(prepared.train), prepared);
  assert.equal(result.sizes.usersEvaluated, 934);
  assert.equal(result.sizes.usersSkipped, 0);
  close(result.metrics['precision@10'], 624 / 9340, 1e-12);
  close(result.metrics['recall@10'], 0.1187204718, 1e-9);
  close(result.metrics['ndcg@10'], 0.1105940752, 1e-9);
  close(result.metrics.auc, 0.8723738587, 1e-9);
  assert.equal(result.perUser?.users.length, 934);
  assert.ok(result.notes.some((n) => /min\(k, number of relevant items\)/.test(n)));
  assert.equal(referenceScorer(protocol, prepared).name, 'popularity');
});

test('msr-stratified on ML-100K: every user split 75/25 (rounded), seen items excluded', { skip: missing }, async () => {
  const protocol = getProtocol('msr-stratified');
  const prepared = await protocol.prepare(load);
  // Σ_u round(n_u / 4) over the 943 users' rating counts (Python, round-half-up as Math.round).
  assert.equal(prepared.test.length, 25113);
  assert.equal(prepared.train.length, 74887);
  assert.equal(prepared.seed, 42);
  const all = prepared.train.userCounts();
  const held = prepared.test.userCounts();
  for (let u = 0; u < all.length; u++) assert.equal(held[u], Math.round((all[u] + held[u]) * 0.25), `user ${u}`);
  const again = await protocol.prepare(load);
  assert.deepEqual(again.test.items, prepared.test.items, 'seeded: the same split twice');
  const result = protocol.evaluate(popularityScorer(prepared.train), prepared);
  assert.equal(result.sizes.usersEvaluated, 943);
  for (const m of ['precision@10', 'recall@10', 'map@10', 'ndcg@10']) assert.ok(result.metrics[m] > 0 && result.metrics[m] < 1, m);
});

function syntheticRatings(): Dataset {
  return generateSynthetic({ users: 60, items: 80, interactionsPerUser: 20, ratings: true, seed: 5 });
}

test('recbole-ml1m on any dataset: ratings ≥ 3 kept, per-user 80/10/10, train and validation masked', async () => {
  const data = syntheticRatings();
  const protocol = getProtocol('recbole-ml1m');
  const prepared = await protocol.prepare({ data, seed: 3 });
  const kept = data.interactions.values.filter((v) => v >= 3).length;
  assert.ok(kept < data.interactions.length, 'the fixture has ratings below 3');
  assert.equal(prepared.train.length + prepared.validation!.length + prepared.test.length, kept);
  assert.equal(prepared.sizes.droppedBelow3, data.interactions.length - kept);
  const counts = [prepared.train.userCounts(), prepared.validation!.userCounts(), prepared.test.userCounts()];
  for (let u = 0; u < data.interactions.numUsers; u++) {
    const n = counts[0][u] + counts[1][u] + counts[2][u];
    if (n >= 10) assert.equal(counts[2][u], Math.round(n * 0.1), `user ${u} test share`);
  }
  const v = prepared.validation!;
  for (let p = 0; p < v.length; p++) assert.ok(csrHas(prepared.exclude, v.users[p], v.items[p]), 'validation pairs are masked');
  const result = protocol.evaluate(popularityScorer(prepared.train), prepared);
  assert.ok(result.metrics['recall@10'] > 0);
  assert.ok(result.metrics['ndcg@10'] > 0);
  assert.equal(result.sizes.usersEvaluated + result.sizes.usersSkipped, prepared.sizes.testUsers);
});

test('full-ranking: default per-user 80/20, a caller split, extra cut-offs with 10 always included', async () => {
  const data = syntheticRatings();
  const protocol = getProtocol('full-ranking');
  const prepared = await protocol.prepare({ data, k: [5, 20] });
  assert.deepEqual(prepared.k, [5, 10, 20]);
  const result = protocol.evaluate(popularityScorer(prepared.train), prepared);
  for (const k of [5, 10, 20])
    for (const m of ['precision', 'recall', 'map', 'ndcg', 'mrr', 'hit', 'coverage']) assert.ok(Number.isFinite(result.metrics[`${m}@${k}`]), `${m}@${k}`);
  const given = await protocol.prepare({ data, split: { train: prepared.train, test: prepared.test }, threshold: 4 });
  assert.match(given.labelRule, /test value ≥ 4/);
  const thresholded = protocol.evaluate(popularityScorer(given.train), given);
  assert.ok(thresholded.sizes.usersEvaluated <= result.sizes.usersEvaluated);
  assert.throws(() => getProtocol('lightfm-ua').evaluate(popularityScorer(prepared.train), prepared), /prepared for protocol full-ranking/);
  await assert.rejects(protocol.prepare({ data, split: 'ua' }), /has no split "ua"/);
});

const BX_SLICE = 'book-crossing/raw-slice/BX-Book-Ratings.slice_users_43842-55178.csv';
const bxSlice = dataPath(BX_SLICE);

/*
 * Python over the raw slice: 39,268 rows, 15,111 non-zero ratings (all distinct pairs), 8,603 of
 * them ≥ 8; the shuffled split puts round(15,111 · 0.1) = 1,511 pairs in test and in validation.
 */
test('bookcrossing-f1 on the Book-Crossing slice: sizes, labels, the all-positive F1 beside the model', { skip: skipUnlessData(BX_SLICE) }, async () => {
  const { interactions, report } = await readInteractions(bxSlice, { separator: ';', encoding: 'latin1', columns: { user: 0, item: 1, rating: 2 } });
  const data: Dataset = { name: 'book-crossing-slice', interactions, report };
  const protocol = getProtocol('bookcrossing-f1');
  const prepared = await protocol.prepare({ data });
  assert.equal(prepared.sizes.droppedZeros, 39268 - 15111);
  assert.equal(prepared.test.length, 1511);
  assert.equal(prepared.validation!.length, 1511);
  assert.equal(prepared.train.length, 15111 - 2 * 1511);
  let positives = 0;
  for (const part of [prepared.train, prepared.validation!, prepared.test]) for (const v of part.values) if (v >= 8) positives++;
  assert.equal(positives, 8603);

  const { model } = referenceScorer(protocol, prepared);
  const result = protocol.evaluate(model, prepared);
  const p = prepared.sizes.testPositives / 1511;
  close(result.metrics.f1_all_positive, (2 * p) / (1 + p), 1e-12);
  close(result.metrics.positive_rate, p, 1e-12);
  for (const m of ['f1', 'precision', 'recall', 'accuracy', 'auc', 'logloss']) assert.ok(Number.isFinite(result.metrics[m]), m);
  assert.throws(() => protocol.evaluate({ numItems: 3, scoreItems() {} }, prepared), /needs score\(users, items\)/);
});
