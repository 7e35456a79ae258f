import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/contracts/errors.ts';
import { IdMap } from '../../src/data/idmap.ts';
import { InteractionsBuilder } from '../../src/data/builder.ts';
import { Interactions } from '../../src/data/interactions.ts';
import { evaluateRanking } from '../../src/eval/ranking.ts';
import { evaluatePointwise } from '../../src/eval/pointwise.ts';
import { evaluateHeldOut } from '../../src/eval/held-out.ts';
import { checkIdMaps, firstDifference } from '../../src/eval/id-maps.ts';
import { alignToModel } from '../../src/serve/align.ts';
import { createModel } from '../../src/models/registry.ts';
import { fitQuietly, plantedSplit } from '../helpers/baselines.ts';
import { matrixScorer, rowsToInteractions } from '../helpers/eval.ts';

/** The same pairs rebuilt by a new builder (its own id maps), rows in reverse: ids get other indices. */
function withOwnMaps(data: Interactions, extra: [string, string][] = []): Interactions {
  const b = new InteractionsBuilder();
  for (let p = data.length - 1; p >= 0; p--) b.add(data.userIds.id(data.users[p]), data.itemIds.id(data.items[p]), data.values[p], NaN);
  for (const [u, i] of extra) b.add(u, i, 1, NaN);
  return b.build().interactions;
}

const { train, test: heldOut } = plantedSplit();
const model = await fitQuietly(createModel('item-knn', { neighbors: 20 }), train);

test('evaluateRanking, evaluatePointwise and evaluateHeldOut refuse test data indexed by its own id maps, saying how to align it', () => {
  const own = withOwnMaps(heldOut);
  assert.notEqual(own.userIds.id(0), model.userIds.id(0), 'the rebuilt data must number users differently for this test to mean anything');
  const message =
    /the test data's user ids are indexed differently from the model's \(index 0 is "u\d+" in the test data, "u\d+" in the model\): align it first with alignToModel\(model, test\)/;
  assert.throws(
    () => evaluateRanking(model, own, { k: [10], exclude: model.seen }),
    (e: Error) => e instanceof ConfigError && message.test(e.message) && /\.dropped/.test(e.message),
  );
  assert.throws(
    () => evaluatePointwise(model, own),
    (e: Error) => e instanceof ConfigError && message.test(e.message),
  );
  assert.throws(
    () => evaluateHeldOut(model, own),
    (e: Error) => e instanceof ConfigError && message.test(e.message),
  );
});

test('item ids indexed differently are refused too, naming the item side', () => {
  // Users in the model's order, items in another.
  const b = new InteractionsBuilder({ userIds: model.userIds.clone() });
  for (let p = heldOut.length - 1; p >= 0; p--) b.add(heldOut.userIds.id(heldOut.users[p]), heldOut.itemIds.id(heldOut.items[p]), 1, NaN);
  const own = b.build().interactions;
  assert.throws(
    () => evaluateRanking(model, own, { exclude: model.seen }),
    /the test data's item ids are indexed differently from the model's \(index 0 is "i\d+" in the test data, "i\d+" in the model\)/,
  );
});

test('aligned with alignToModel, the refused data gives exactly the numbers of data sharing the model maps', () => {
  const reference = evaluateRanking(model, heldOut, { k: [10], exclude: model.seen });
  const aligned = alignToModel(model, withOwnMaps(heldOut));
  assert.equal(aligned.dropped, 0);
  const result = evaluateRanking(model, aligned.interactions, { k: [10], exclude: model.seen });
  assert.equal(result.usersEvaluated, reference.usersEvaluated);
  for (const name of ['auc', 'precision@10', 'ndcg@10']) assert.ok(Math.abs(result.metrics[name] - reference.metrics[name]) < 1e-12, name);
});

test('maps with equal content pass: a copy held by the model, and test splits on the dataset maps', async () => {
  // What a trained model holds once fit keeps its own copy of the training maps.
  const copy = await fitQuietly(createModel('item-knn', { neighbors: 20 }), train);
  copy.userIds = copy.userIds.clone();
  copy.itemIds = copy.itemIds.clone();
  assert.notEqual(copy.userIds, heldOut.userIds);
  const a = evaluateRanking(copy, heldOut, { k: [10], exclude: model.seen });
  const b = evaluateRanking(model, heldOut, { k: [10], exclude: model.seen });
  assert.deepEqual(a.metrics, b.metrics);
  assert.doesNotThrow(() => evaluateHeldOut(copy, heldOut));
  // Data whose maps are a longer copy holding only known ids, or a shorter prefix, agree where both have ids.
  const longer = new Interactions({ ...columns(heldOut), userIds: new IdMap([...heldOut.userIds.toArray(), 'later']), itemIds: heldOut.itemIds.clone() });
  assert.doesNotThrow(() => evaluateRanking(model, longer, { exclude: model.seen }));
  const some = rowsToInteractions([[0, 0, 1]], 1, 1);
  assert.doesNotThrow(() => checkIdMaps({ userIds: new IdMap(['u0', 'u1']), itemIds: new IdMap(['i0', 'i1']) }, some));
});

test('a user or item added to the data maps after the model was trained is refused by name', () => {
  const b = new InteractionsBuilder({ userIds: model.userIds.clone(), itemIds: model.itemIds.clone() });
  for (let p = 0; p < heldOut.length; p++) b.add(heldOut.userIds.id(heldOut.users[p]), heldOut.itemIds.id(heldOut.items[p]), 1, NaN);
  b.add('newcomer', 'i0', 1, NaN);
  const grown = b.build().interactions;
  assert.throws(
    () => evaluateRanking(model, grown, { exclude: model.seen }),
    /the test data has user "newcomer" \(index 400\), which the model does not know \(it has 400 users\): align it first with alignToModel/,
  );
  assert.throws(() => evaluatePointwise(model, grown), /user "newcomer"/);
});

test('a scorer without id maps is not checked', () => {
  const data = rowsToInteractions([[1, 0, 1]], 2, 2);
  const r = evaluateRanking(
    matrixScorer([
      [0, 1],
      [1, 0],
    ]),
    data,
  );
  assert.equal(r.metrics.auc, 1);
});

test('the verdict is cached per pair of maps: later calls compare nothing, a grown map only its new indices', () => {
  let reads = 0;
  const counted = (ids: string[]): IdMap => {
    const map = new IdMap(ids);
    const id = map.id.bind(map);
    map.id = (k: number) => (reads++, id(k));
    return map;
  };
  const a = counted(['x', 'y', 'z']);
  const b = counted(['x', 'y', 'z', 'w']);
  assert.equal(firstDifference(a, b), -1);
  assert.equal(reads, 6, 'three indices, both maps');
  reads = 0;
  assert.equal(firstDifference(a, b), -1);
  assert.equal(reads, 0);
  a.add('w');
  a.add('v');
  b.add('u');
  assert.equal(firstDifference(a, b), 4);
  assert.equal(reads, 4, 'only indices 3 and 4');
  reads = 0;
  assert.equal(firstDifference(a, b), 4, 'a difference stays (maps only grow)');
  assert.equal(reads, 0);
  assert.equal(firstDifference(a, a), -1);
});

function columns(data: Interactions): { users: Int32Array; items: Int32Array; values: Float32Array } {
  return { users: data.users, items: data.items, values: data.values };
}
