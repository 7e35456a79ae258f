import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { EventStore } from '../../src/serve/store.ts';

test('the store is WAL with synchronous FULL, keeps events idempotent by eventId and survives a reopen', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tastebud-store-'));
  try {
    const path = join(dir, 'events.db');
    const store = EventStore.open(path);
    const first = store.addEvents([
      { eventId: 'e1', user: 'u1', item: 'i1', type: 'view' },
      { eventId: 'e2', user: 'u1', item: 'i2', type: 'purchase', timestamp: 1000 },
      { eventId: 'e3', user: 'u2', item: 'i2', type: 'rating', value: 4.5, recommId: 'r1' },
      { eventId: 'e1', user: 'u1', item: 'i1', type: 'view' },
    ]);
    assert.deepEqual(first, { accepted: 3, duplicates: 1 });
    assert.deepEqual(store.addEvents([{ eventId: 'e2', user: 'u1', item: 'i2', type: 'purchase' }]), { accepted: 0, duplicates: 1 });
    assert.equal(store.duplicates, 2);
    assert.deepEqual(store.counts(), { users: 2, items: 2, events: 3 });
    assert.deepEqual(store.getEvent('e2'), { eventId: 'e2', user: 'u1', item: 'i2', type: 'purchase', value: 5, timestamp: 1000, recommId: null });
    assert.equal(store.getEvent('e3')?.value, 4.5);
    assert.deepEqual([...store.itemsOf('u1')].sort(), ['i1', 'i2']);
    assert.deepEqual(store.popular(null), [
      { item: 'i2', score: 9.5 },
      { item: 'i1', score: 1 },
    ]);
    assert.deepEqual(store.popular(Date.now() - 60_000), [
      { item: 'i2', score: 4.5 },
      { item: 'i1', score: 1 },
    ]);
    store.close();

    const again = EventStore.open(path);
    assert.deepEqual(again.counts(), { users: 2, items: 2, events: 3 });
    again.close();
    const Database = (await import('better-sqlite3')).default;
    const raw = new Database(path, { readonly: true });
    assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
    raw.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a batch with a bad event type or a rating without a value stores nothing', () => {
  const store = EventStore.open(':memory:');
  assert.throws(
    () =>
      store.addEvents([
        { eventId: 'a', user: 'u', item: 'i', type: 'view' },
        { eventId: 'b', user: 'u', item: 'i', type: 'vew' },
      ]),
    /unknown event type "vew" \(did you mean "view"\?\)/,
  );
  assert.throws(() => store.addEvents([{ eventId: 'c', user: 'u', item: 'i', type: 'rating' }]), /rating event needs a numeric value/);
  assert.deepEqual(store.counts(), { users: 0, items: 0, events: 0 });
  const custom = EventStore.open(':memory:', { weights: { view: 2, like: 4 } });
  custom.addEvents([{ eventId: 'x', user: 'u', item: 'i', type: 'like' }]);
  assert.equal(custom.getEvent('x')?.value, 4);
  store.close();
  custom.close();
});

test('items: put, get, delete (a tombstone), availability and expiry', () => {
  const store = EventStore.open(':memory:');
  store.putItem({ id: 'a', properties: { genre: 'Comedy' }, available: true, expiresAt: null });
  store.putItem({ id: 'b', properties: {}, available: false, expiresAt: null });
  store.putItem({ id: 'c', properties: {}, available: true, expiresAt: Date.now() - 1 });
  store.putItem({ id: 'd', properties: {}, available: true, expiresAt: Date.now() + 60_000 });
  assert.deepEqual(store.getItem('a'), { id: 'a', properties: { genre: 'Comedy' }, available: true, expiresAt: null });
  assert.deepEqual(store.hiddenItems().sort(), ['b', 'c']);
  assert.ok(store.isVisible('a') && store.isVisible('unknown') && !store.isVisible('b'));
  assert.equal(store.deleteItem('a'), true);
  assert.equal(store.deleteItem('a'), false);
  assert.equal(store.getItem('a'), null);
  store.addEvents([{ eventId: 'e', user: 'u', item: 'a', type: 'view' }]);
  assert.equal(store.getItem('a'), null, 'an event does not bring a deleted item back');
  assert.ok(!store.isVisible('a'));
  store.putItem({ id: 'a', properties: { genre: 'Drama' }, available: true, expiresAt: null });
  assert.equal(store.getItem('a')?.properties.genre, 'Drama');
  store.putUser({ id: 'u', properties: { age: 30 } });
  assert.deepEqual(store.getUser('u'), { id: 'u', properties: { age: 30 } });
  assert.equal(store.getUser('nobody'), null);
  store.close();
});

test('users and items created by a batch that rolls back are created by the next batch that names them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tastebud-store-'));
  const file = join(dir, 'events.db');
  const store = EventStore.open(file);
  // A second connection adds a trigger that aborts the transaction at event "boom", after the
  // batch's first event (and its new user and item) were inserted.
  const other = new Database(file);
  try {
    other.exec("CREATE TRIGGER fail BEFORE INSERT ON events WHEN NEW.event_id = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END");
    assert.throws(() =>
      store.addEvents([
        { eventId: 'r1', user: 'fresh-user', item: 'fresh-item', type: 'view' },
        { eventId: 'boom', user: 'u', item: 'i', type: 'view' },
      ]),
    );
    assert.deepEqual(store.counts(), { users: 0, items: 0, events: 0 }, 'the whole batch rolled back');
    other.exec('DROP TRIGGER fail');
    assert.deepEqual(store.addEvents([{ eventId: 'r2', user: 'fresh-user', item: 'fresh-item', type: 'view' }]), { accepted: 1, duplicates: 0 });
    assert.ok(store.getUser('fresh-user'), 'the user row exists');
    assert.ok(store.getItem('fresh-item'), 'the item row exists');
    // Known now: more events for them store no second row.
    store.addEvents([{ eventId: 'r3', user: 'fresh-user', item: 'fresh-item', type: 'cart' }]);
    assert.deepEqual(store.counts(), { users: 1, items: 1, events: 2 });
  } finally {
    other.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
