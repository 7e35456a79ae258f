import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/serve/app.ts';
import { EventStore } from '../../src/serve/store.ts';
import type { Recommender } from '../../src/models/recommender.ts';
import { tinyModel, NO_SHEDDING } from './helpers.ts';

type Json = Record<string, unknown>;

let model: Recommender;
let store: EventStore;
let app: FastifyInstance;

before(async () => {
  model = await tinyModel();
  store = EventStore.open(':memory:', { seenItemsCache: { users: 4, items: 1000 } });
  app = await buildApp({ overload: NO_SHEDDING, model, store, modelVersion: 't' });
});
after(async () => {
  await app.close();
  store.close();
});

async function recommend(user: string, k = 5): Promise<string[]> {
  const res = await app.inject({ method: 'GET', url: `/v1/recommend?user=${user}&k=${k}` });
  assert.equal(res.statusCode, 200, res.body);
  return (res.json() as { items: { item: string }[] }).items.map((r) => r.item);
}

async function post(events: Json[]): Promise<void> {
  const res = await app.inject({ method: 'POST', url: '/v1/events', payload: { events } });
  assert.equal(res.statusCode, 200, res.body);
}

test('an event is excluded on the very next request: storing it drops the user’s cached seen items', async () => {
  const before = await recommend('u7');
  assert.ok(store.seenItemsCache.users >= 1, 'the request cached u7’s seen items');
  await post([{ eventId: 'seen-1', user: 'u7', item: before[0], type: 'view' }]);
  const next = await recommend('u7');
  assert.ok(!next.includes(before[0]), `${before[0]} was just seen and must not come back`);
  assert.deepEqual(next.slice(0, 4), before.slice(1, 5), 'the rest of the list moves up');
  // Twice more in a row: the cache answers now, and still with the new event.
  const hits = store.seenItemsCache.hits;
  assert.deepEqual(await recommend('u7'), next);
  assert.ok(store.seenItemsCache.hits > hits, 'the repeat came from the cache');
  await post([{ eventId: 'seen-2', user: 'u7', item: next[0], type: 'purchase' }]);
  assert.ok(!(await recommend('u7')).includes(next[0]));
});

test('a duplicate event changes nothing, and another user’s event never reaches this user’s list', async () => {
  const mine = await recommend('u8');
  const theirs = await recommend('u9');
  // u9 sees u8's top item: u8's list keeps it, u9's loses it.
  await post([{ eventId: 'other-1', user: 'u9', item: mine[0], type: 'view' }]);
  assert.deepEqual(await recommend('u8'), mine, 'u8’s list is unchanged by u9’s event');
  if (theirs.includes(mine[0])) assert.ok(!(await recommend('u9')).includes(mine[0]));
  // Replaying an already stored event id is a duplicate: nothing stored, nothing changes.
  await post([{ eventId: 'other-1', user: 'u9', item: mine[0], type: 'view' }]);
  assert.deepEqual(await recommend('u8'), mine);
  // Another event under that id is a conflict (409): nothing stored either.
  const conflict = await app.inject({ method: 'POST', url: '/v1/events', payload: { events: [{ eventId: 'other-1', user: 'u8', item: mine[1], type: 'view' }] } });
  assert.equal(conflict.statusCode, 409, conflict.body);
  assert.deepEqual(await recommend('u8'), mine);
});

test('a user the model does not know is folded in from their events, the newest included at once', async () => {
  await post([{ eventId: 'new-1', user: 'newcomer', item: 'i1', type: 'view' }]);
  const first = await recommend('newcomer');
  assert.ok(!first.includes('i1'));
  await post([{ eventId: 'new-2', user: 'newcomer', item: first[0], type: 'view' }]);
  const second = await recommend('newcomer');
  assert.ok(!second.includes(first[0]) && !second.includes('i1'), 'both events are history now');
});

test('the cache is bounded (users and ids) and reported by /v1/status and /metrics', async () => {
  for (let u = 0; u < 12; u++) await recommend(`u${u}`);
  const status = (await app.inject({ method: 'GET', url: '/v1/status' })).json();
  assert.deepEqual({ size: status.caches.seenItems.size <= 4, limit: status.caches.seenItems.limit }, { size: true, limit: 4 });
  assert.ok(store.seenItemsCache.users <= 4);
  const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  const hit = /tastebud_seen_items_cache_total\{result="hit"\} (\d+)/.exec(metrics);
  const miss = /tastebud_seen_items_cache_total\{result="miss"\} (\d+)/.exec(metrics);
  assert.ok(hit && miss, 'both series are exported');
  assert.equal(Number(hit[1]), store.seenItemsCache.hits);
  assert.equal(Number(miss[1]), store.seenItemsCache.misses);
  // A user with more ids than the whole bound is served straight from the table, never cached.
  const small = EventStore.open(':memory:', { seenItemsCache: { users: 10, items: 3 } });
  try {
    small.addEvents([1, 2, 3, 4].map((i) => ({ eventId: `b${i}`, user: 'big', item: `i${i}`, type: 'view' })));
    assert.equal(small.itemsOf('big').length, 4);
    assert.equal(small.seenItemsCache.users, 0);
  } finally {
    small.close();
  }
});
