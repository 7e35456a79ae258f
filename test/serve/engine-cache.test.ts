import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecommendEngine } from '../../src/serve/engine.ts';
import { parseFilter, parseFilterCached } from '../../src/serve/filter.ts';
import { EventStore } from '../../src/serve/store.ts';
import { tinyModel } from './helpers.ts';

test('the same filter text gives the same predicate; a different text another', () => {
  const a = parseFilterCached('category = "a"');
  assert.equal(parseFilterCached('category = "a"'), a);
  assert.notEqual(parseFilterCached('category = "b"'), a);
  assert.throws(() => parseFilterCached('category ='), /filter: position 11: expected a value/);
});

test('cached filter results follow item changes: a put that changes a property changes the list', async () => {
  const model = await tinyModel();
  const store = EventStore.open(':memory:');
  try {
    for (let i = 0; i < model.numItems; i++) store.putItem({ id: model.itemIds.id(i), properties: { category: i % 2 === 0 ? 'a' : 'b' }, available: true, expiresAt: null });
    const engine = new RecommendEngine(model, store, { modelVersion: 't', ann: { mode: 'off' } });
    const filter = parseFilterCached('category = "a"');
    const first = engine.recommend({ user: 'u0', k: 5, filter }).items.map((r) => r.item);
    assert.equal(first.length, 5);
    // The best item moves to category b: the same (cached) filter must now leave it out …
    store.putItem({ id: first[0], properties: { category: 'b' }, available: true, expiresAt: null });
    const second = engine.recommend({ user: 'u0', k: 5, filter }).items.map((r) => r.item);
    assert.ok(!second.includes(first[0]), `${first[0]} is in category b now`);
    assert.deepEqual(second.slice(0, 4), first.slice(1));
    // … and a freshly parsed predicate of the same text agrees with the cached one.
    assert.deepEqual(engine.recommend({ user: 'u0', k: 5, filter: parseFilter('category = "a"') }).items, engine.recommend({ user: 'u0', k: 5, filter }).items);
    // Back to category a: back in the list, first.
    store.putItem({ id: first[0], properties: { category: 'a' }, available: true, expiresAt: null });
    assert.deepEqual(
      engine.recommend({ user: 'u0', k: 5, filter }).items.map((r) => r.item),
      first,
    );
  } finally {
    store.close();
  }
});

test('cached visibility follows deletes, puts and expiry times as they pass', async () => {
  const model = await tinyModel();
  const store = EventStore.open(':memory:');
  try {
    const engine = new RecommendEngine(model, store, { modelVersion: 't', ann: { mode: 'off' } });
    const list = () => engine.recommend({ user: 'u0', k: 5 }).items.map((r) => r.item);
    const first = list();
    const [a, b] = first;
    store.putItem({ id: a, properties: {}, available: true, expiresAt: null });
    store.deleteItem(a);
    assert.ok(!list().includes(a), 'deleted: never recommended');
    store.putItem({ id: a, properties: {}, available: false, expiresAt: null });
    assert.ok(!list().includes(a), 'unavailable: never recommended');
    store.putItem({ id: a, properties: {}, available: true, expiresAt: null });
    assert.deepEqual(list(), first, 'put back: recommended again, in its place');
    // Visible until its expiry, which passes without any put: it must drop out by itself.
    store.putItem({ id: b, properties: {}, available: true, expiresAt: Date.now() + 150 });
    assert.ok(list().includes(b), 'not expired yet');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(!list().includes(b), 'expired since the last request');
  } finally {
    store.close();
  }
});

test('per-item filter results are kept for at most 32 filters (memory stays bounded)', async () => {
  const model = await tinyModel();
  const store = EventStore.open(':memory:');
  try {
    const engine = new RecommendEngine(model, store, { modelVersion: 't', ann: { mode: 'off' } });
    for (let n = 0; n < 40; n++) engine.recommend({ user: 'u0', k: 3, filter: parseFilterCached(`id != "i${n}"`) });
    assert.equal(engine.cachedFilters, 32);
    // The most recent stays; an old one asked again is computed afresh and gives the same list.
    const again = engine.recommend({ user: 'u0', k: 3, filter: parseFilterCached('id != "i0"') });
    assert.equal(again.items.length, 3);
    assert.deepEqual(again.items, engine.recommend({ user: 'u0', k: 3, filter: parseFilter('id != "i0"') }).items);
    assert.equal(engine.cachedFilters, 32);
  } finally {
    store.close();
  }
});
