/**
 * Cold-start lists (a user with no history, an empty or all-unknown inline history, /v1/popular)
 * hold k items once the store has events: the window's popular items first, topped up by the
 * training counts, no item twice, filters and exclusions still honoured.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/serve/app.ts';
import { EventStore } from '../../src/serve/store.ts';
import type { Recommender } from '../../src/models/recommender.ts';
import { tinyModel, type Json, NO_SHEDDING } from './helpers.ts';

let model: Recommender;
let store: EventStore;
let app: FastifyInstance;
/** The model's items by training count, most first (ties by index): the list before any event. */
let byTraining: string[];

before(async () => {
  model = await tinyModel();
  store = EventStore.open(':memory:');
  app = await buildApp({ overload: NO_SHEDDING, model, store });
  const counts = new Array<number>(model.numItems).fill(0);
  for (const i of model.seen!.indices) counts[i]++;
  byTraining = counts
    .map((c, i) => [c, i])
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .map(([, i]) => model.itemIds.id(i));
});
after(async () => {
  await app.close();
  store.close();
});

async function call(method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown): Promise<Json> {
  const res = await app.inject({
    method,
    url,
    payload: body === undefined ? undefined : JSON.stringify(body),
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
  });
  assert.equal(res.statusCode, 200, `${method} ${url}: ${res.body}`);
  return res.json();
}

const itemsOf = (json: Json): string[] => json.items.map((r: Json) => r.item);

test('before any event: k items by training count', async () => {
  assert.deepEqual(itemsOf(await call('GET', '/v1/recommend?user=nobody&k=5')), byTraining.slice(0, 5));
  assert.deepEqual(itemsOf(await call('GET', '/v1/popular?k=5')), byTraining.slice(0, 5));
});

test('with events in the window: k items, the window’s first, topped up from training counts, none twice', async () => {
  // Two items the window holds: a weak training item first (so the top-up is visible), one of the top ones second.
  const weak = byTraining[byTraining.length - 1];
  const strong = byTraining[0];
  await call('POST', '/v1/events', {
    events: [
      { eventId: 'c1', user: 'someone', item: weak, type: 'purchase' },
      { eventId: 'c2', user: 'someone', item: strong, type: 'view' },
    ],
  });
  const expected = [weak, strong, ...byTraining.filter((i) => i !== weak && i !== strong)].slice(0, 5);

  const newUser = await call('GET', '/v1/recommend?user=nobody&k=5');
  assert.deepEqual(itemsOf(newUser), expected);
  assert.ok(newUser.items.every((r: Json) => r.source === 'fallback'));
  assert.deepEqual(newUser.items[0], { item: weak, score: 5, source: 'fallback' });

  const popular = await call('GET', '/v1/popular?k=5');
  assert.deepEqual(itemsOf(popular), expected);
  assert.equal(popular.source, 'events');

  assert.deepEqual(itemsOf(await call('POST', '/v1/recommend', { history: [], k: 5 })), expected);
  assert.deepEqual(itemsOf(await call('POST', '/v1/recommend', { history: [{ item: 'not-in-the-model' }, { item: 'nor-this' }], k: 5 })), expected);

  // A long list pages on through the training top-up without repeating an item.
  const first = await call('GET', '/v1/recommend?user=nobody&k=20');
  const second = await call('GET', `/v1/recommend?recommId=${first.recommId}&k=20`);
  const all = [...itemsOf(first), ...itemsOf(second)];
  assert.equal(all.length, model.numItems);
  assert.equal(new Set(all).size, all.length, 'no item twice');
});

test('the top-up honours exclusions, filters and hidden items', async () => {
  const [weak, strong] = [byTraining[byTraining.length - 1], byTraining[0]];
  const excluded = await call('GET', `/v1/recommend?user=nobody&k=5&exclude=${byTraining[1]},${weak}`);
  assert.deepEqual(itemsOf(excluded), [strong, ...byTraining.slice(2, 6)]);
  const own = await call('POST', '/v1/recommend', { history: [], k: 5, exclude: [strong] });
  assert.ok(!itemsOf(own).includes(strong));
  assert.equal(own.items.length, 5);

  for (const [n, id] of byTraining.entries()) await call('PUT', `/v1/items/${id}`, { properties: { even: n % 2 === 0 } });
  const even = byTraining.filter((_, n) => n % 2 === 0);
  const filtered = await call('GET', `/v1/popular?k=5&filter=${encodeURIComponent('even = true')}`);
  assert.deepEqual(itemsOf(filtered), [strong, ...even.filter((i) => i !== strong)].slice(0, 5));
  const filteredList = await call('GET', `/v1/recommend?user=nobody&k=5&filter=${encodeURIComponent('even = false')}`);
  assert.ok(itemsOf(filteredList).every((i) => !even.includes(i)));
  assert.equal(filteredList.items.length, 5);

  await call('PUT', `/v1/items/${byTraining[1]}`, { available: false });
  const hidden = await call('GET', '/v1/popular?k=5');
  assert.ok(!itemsOf(hidden).includes(byTraining[1]));
  assert.equal(hidden.items.length, 5);
});
