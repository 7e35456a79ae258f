import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/serve/app.ts';
import { EventStore } from '../../src/serve/store.ts';
import type { Recommender } from '../../src/models/recommender.ts';
import { tinyModel, type Json, NO_SHEDDING } from './helpers.ts';

let model: Recommender;
let store: EventStore;
let app: FastifyInstance;

before(async () => {
  model = await tinyModel();
  store = EventStore.open(':memory:');
  app = await buildApp({ overload: NO_SHEDDING, model, store, modelVersion: 'ials-test', limits: { maxBatch: 100, cacheSize: 3 } });
});
after(async () => {
  await app.close();
  store.close();
});

async function call(
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Json; text: string }> {
  const res = await app.inject({
    method,
    url,
    payload: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
  });
  let json: Json = {};
  try {
    json = res.json();
  } catch {}
  return { status: res.statusCode, json, text: res.body };
}

const itemsOf = (json: Json): string[] => json.items.map((r: Json) => r.item);

describe('the service', () => {
  test('health and status', async () => {
    assert.deepEqual((await call('GET', '/health/live')).json, { status: 'ok' });
    assert.deepEqual((await call('GET', '/health/ready')).json, { status: 'ready' });
    const status = (await call('GET', '/v1/status')).json;
    assert.equal(status.model.type, 'ials');
    assert.equal(status.model.version, 'ials-test');
    assert.equal(status.model.users, 60);
    assert.equal(status.model.items, 40);
    assert.ok(status.memory.rssBytes > 0 && status.uptimeSeconds >= 0);
  });

  test('events: stored, duplicates ignored and counted, unknown users and items created', async () => {
    const events = [
      { eventId: 'a1', user: 'u1', item: 'i0', type: 'view' },
      { eventId: 'a2', user: 'new-user', item: 'new-item', type: 'purchase', timestamp: 1_700_000_000 },
      { eventId: 'a3', user: 'u2', item: 'i1', type: 'rating', value: 4, timestamp: '2024-01-02T03:04:05Z', recommId: 'r' },
    ];
    assert.deepEqual((await call('POST', '/v1/events', { events })).json, { accepted: 3, duplicates: 0 });
    assert.deepEqual((await call('POST', '/v1/events', { events })).json, { accepted: 0, duplicates: 3 });
    assert.equal(store.getEvent('a2')?.timestamp, 1_700_000_000_000);
    assert.equal(store.getEvent('a3')?.timestamp, Date.parse('2024-01-02T03:04:05Z'));
    assert.deepEqual((await call('GET', '/v1/items/new-item')).json, { id: 'new-item', properties: {}, available: true, expiresAt: null });
    assert.deepEqual((await call('GET', '/v1/users/new-user')).json, { id: 'new-user', properties: {} });
    const metrics = (await call('GET', '/metrics')).text;
    assert.match(metrics, /tastebud_events_ingested_total 3/);
    assert.match(metrics, /tastebud_events_duplicate_total 3/);
    assert.match(metrics, /tastebud_model_info\{type="ials",version="ials-test"\} 1/);
    assert.match(metrics, /tastebud_http_request_duration_seconds_bucket\{.*route="\/v1\/events"/);
  });

  test('a batch over the limit is 413 with a message', async () => {
    const events = Array.from({ length: 101 }, (_, i) => ({ eventId: `big${i}`, user: 'u', item: 'i', type: 'view' }));
    const res = await call('POST', '/v1/events', { events });
    assert.equal(res.status, 413);
    assert.match(res.json.message, /101 events in one batch; send at most 100/);
  });

  test('items and users: put, get, delete', async () => {
    const put = await call('PUT', '/v1/items/i5', { properties: { genre: 'Comedy', year: 1995, categories: ['a', 'b'] }, expiresAt: '2999-01-01T00:00:00Z' });
    assert.equal(put.status, 200);
    assert.deepEqual(put.json, { id: 'i5', properties: { genre: 'Comedy', year: 1995, categories: ['a', 'b'] }, available: true, expiresAt: '2999-01-01T00:00:00.000Z' });
    assert.deepEqual((await call('GET', '/v1/items/i5')).json.properties.genre, 'Comedy');
    assert.equal((await call('PUT', '/v1/items/gone', {})).status, 200);
    assert.equal((await call('DELETE', '/v1/items/gone')).status, 204);
    assert.equal((await call('GET', '/v1/items/gone')).status, 404);
    const again = await call('DELETE', '/v1/items/gone');
    assert.equal(again.status, 404);
    assert.match(again.json.message, /unknown item "gone"/);
    assert.deepEqual((await call('PUT', '/v1/users/alice', { properties: { age: 31 } })).json, { id: 'alice', properties: { age: 31 } });
    assert.deepEqual((await call('GET', '/v1/users/alice')).json.properties, { age: 31 });
    assert.equal((await call('GET', '/v1/users/bob')).status, 404);
  });

  test('recommend: model scores, seen and excluded items left out, GET and POST agree', async () => {
    const res = await call('GET', '/v1/recommend?user=u3&k=5');
    assert.equal(res.status, 200);
    assert.equal(res.json.items.length, 5);
    assert.equal(res.json.modelVersion, 'ials-test');
    assert.ok(res.json.items.every((r: Json) => r.source === 'model' && typeof r.score === 'number'));
    const expected = model.recommend('u3', { k: 5 }).map((r) => r.item);
    assert.deepEqual(itemsOf(res.json), expected);
    const posted = await call('POST', '/v1/recommend', { user: 'u3', k: 5 });
    assert.deepEqual(itemsOf(posted.json), expected);
    assert.notEqual(posted.json.recommId, res.json.recommId);

    const excluded = await call('GET', `/v1/recommend?user=u3&k=5&exclude=${expected[0]},${expected[1]}`);
    assert.deepEqual(itemsOf(excluded.json).slice(0, 3), expected.slice(2));
    assert.ok(!itemsOf(excluded.json).includes(expected[0]));

    // An event makes the item "seen"; excludeSeen=false brings it back.
    await call('POST', '/v1/events', { events: [{ eventId: 'seen-1', user: 'u3', item: expected[0], type: 'view' }] });
    assert.ok(!itemsOf((await call('GET', '/v1/recommend?user=u3&k=5')).json).includes(expected[0]));
    assert.equal(itemsOf((await call('GET', '/v1/recommend?user=u3&k=5&excludeSeen=false')).json)[0], expected[0]);
  });

  test('hidden, unavailable and expired items are never returned', async () => {
    const top = model.recommend('u4', { k: 3 }).map((r) => r.item);
    await call('PUT', `/v1/items/${top[0]}`, { available: false });
    await call('PUT', `/v1/items/${top[1]}`, { expiresAt: '2001-01-01T00:00:00Z' });
    await call('PUT', `/v1/items/${top[2]}`, {});
    await call('DELETE', `/v1/items/${top[2]}`);
    const all = itemsOf((await call('GET', '/v1/recommend?user=u4&k=40&excludeSeen=false')).json);
    for (const id of top) assert.ok(!all.includes(id), `${id} is hidden`);
    const popular = itemsOf((await call('GET', '/v1/popular?window=all&k=40')).json);
    for (const id of top) assert.ok(!popular.includes(id));
    for (const id of top) await call('PUT', `/v1/items/${id}`, {});
  });

  test('recommend with a filter over item properties', async () => {
    for (let i = 0; i < 40; i++) await call('PUT', `/v1/items/i${i}`, { properties: { genre: i % 2 === 0 ? 'Comedy' : 'Drama', year: 1980 + i } });
    const res = await call('GET', `/v1/recommend?user=u5&k=40&filter=${encodeURIComponent('genre = "Comedy" and year >= 1990 and not (id in ["i10", "i12"])')}`);
    assert.equal(res.status, 200);
    const ids = itemsOf(res.json);
    assert.ok(ids.length > 0);
    for (const id of ids) {
      const n = Number(id.slice(1));
      assert.ok(n % 2 === 0 && n >= 10 && n !== 10 && n !== 12, id);
    }
    const bad = await call('GET', `/v1/recommend?user=u5&filter=${encodeURIComponent('genre = ')}`);
    assert.equal(bad.status, 400);
    assert.equal(bad.json.message, 'filter: position 9: expected a value');
  });

  test('paging: the next k never repeats earlier pages; the LRU forgets old lists', async () => {
    const first = (await call('GET', '/v1/recommend?user=u6&k=4')).json;
    const second = (await call('GET', `/v1/recommend?recommId=${first.recommId}`)).json;
    const third = (await call('POST', '/v1/recommend', { recommId: second.recommId, k: 6 })).json;
    const seen = [...itemsOf(first), ...itemsOf(second), ...itemsOf(third)];
    assert.equal(itemsOf(second).length, 4);
    assert.equal(itemsOf(third).length, 6);
    assert.equal(new Set(seen).size, seen.length, 'no item repeats');
    assert.deepEqual(
      seen,
      model.recommend('u6', { k: 14 }).map((r) => r.item),
    );
    // The same recommId twice gives the same next page (a retried request does not skip one).
    assert.deepEqual(itemsOf((await call('GET', `/v1/recommend?recommId=${first.recommId}`)).json), itemsOf(second));
    // cacheSize 3: after three more lists the first is gone.
    for (let i = 0; i < 4; i++) await call('GET', '/v1/recommend?user=u7&k=1');
    const gone = await call('GET', `/v1/recommend?recommId=${first.recommId}`);
    assert.equal(gone.status, 404);
    assert.match(gone.json.message, /unknown or expired/);
    assert.match((await call('GET', '/metrics')).text, /tastebud_recommendation_cache_total\{result="hit"\} [1-9]/);
  });

  test('unknown users get the popularity fallback, never a 500', async () => {
    await call('POST', '/v1/events', {
      events: [
        { eventId: 'p1', user: 'x', item: 'i30', type: 'purchase' },
        { eventId: 'p2', user: 'y', item: 'i30', type: 'purchase' },
        { eventId: 'p3', user: 'z', item: 'i30', type: 'purchase' },
        { eventId: 'p4', user: 'x', item: 'i31', type: 'purchase' },
        { eventId: 'p5', user: 'y', item: 'i31', type: 'purchase' },
      ],
    });
    const res = await call('GET', '/v1/recommend?user=stranger&k=3');
    assert.equal(res.status, 200);
    assert.ok(res.json.items.every((r: Json) => r.source === 'fallback'));
    // i30: three purchases (15), i31: two (10); earlier tests left weaker events.
    assert.deepEqual(itemsOf(res.json).slice(0, 2), ['i30', 'i31']);
    // The fallback leaves out what the unknown user already has events for.
    assert.ok(!itemsOf((await call('GET', '/v1/recommend?user=x&k=3')).json).includes('i30'));
    const popular = (await call('GET', '/v1/popular?window=7d&k=2')).json;
    assert.equal(popular.source, 'events');
    assert.deepEqual(popular.items[0], { item: 'i30', score: 15 });
  });

  test('new users are folded in without retraining: from an inline history or from their events', async () => {
    const history = ['i1', 'i2', 'i3'].map((item) => ({ item }));
    const inline = await call('POST', '/v1/recommend', { history, k: 5 });
    assert.equal(inline.status, 200, inline.text);
    assert.ok(inline.json.items.every((r: Json) => r.source === 'model'));
    assert.ok(
      itemsOf(inline.json).every((i) => !['i1', 'i2', 'i3'].includes(i)),
      'the history is not recommended back',
    );
    const expected = model
      .recommend({ history }, { k: 50 })
      .map((r) => r.item)
      .filter((i) => store.isVisible(i, Date.now()));
    assert.deepEqual(itemsOf(inline.json), expected.slice(0, 5), 'the same ranking as the library fold-in');

    await call('POST', '/v1/events', { events: history.map(({ item }, n) => ({ eventId: `new-${n}`, user: 'newcomer', item, type: 'view' })) });
    const fromEvents = await call('GET', '/v1/recommend?user=newcomer&k=5');
    assert.deepEqual(itemsOf(fromEvents.json), itemsOf(inline.json), 'a new user with events is folded in from the store');
    assert.ok(fromEvents.json.items.every((r: Json) => r.source === 'model'));

    const empty = await call('POST', '/v1/recommend', { history: [], k: 3 });
    assert.ok(
      empty.json.items.every((r: Json) => r.source === 'fallback'),
      'an empty history gets the popularity fallback',
    );
    const both = await call('POST', '/v1/recommend', { user: 'u1', history, k: 3 });
    assert.equal(both.status, 400);
  });

  test('explain: each model-scored item says which of the user’s items contributed most', async () => {
    const res = await call('GET', '/v1/recommend?user=u2&k=3&explain=true');
    assert.equal(res.status, 200, res.text);
    for (const r of res.json.items) {
      assert.equal(r.reason.method, 'exact', 'iALS explanations are exact, as implicit’s');
      assert.ok(r.reason.items.length > 0 && r.reason.items.length <= 3);
      const e = model.explain('u2', r.item, 3);
      assert.deepEqual(
        r.reason.items,
        e.contributions.map((c) => ({ item: c.item, weight: c.weight })),
      );
    }
    const plain = await call('GET', '/v1/recommend?user=u2&k=3');
    assert.ok(plain.json.items.every((r: Json) => r.reason === undefined));
  });

  test('similar items; 404 with a message for an unknown item', async () => {
    const res = await call('GET', '/v1/items/i0/similar?k=3');
    assert.equal(res.status, 200);
    assert.deepEqual(
      itemsOf(res.json),
      model.similarItems('i0', 3).map((r) => r.item),
    );
    const comedy = await call('GET', `/v1/items/i0/similar?k=5&filter=${encodeURIComponent('genre = "Drama"')}`);
    assert.ok(itemsOf(comedy.json).every((id) => Number(id.slice(1)) % 2 === 1));
    const unknown = await call('GET', '/v1/items/nope/similar');
    assert.equal(unknown.status, 404);
    assert.match(unknown.json.message, /unknown item "nope"/);
  });

  test('bad input is a 400 with a clear message', async () => {
    const cases: [string, string, unknown, RegExp][] = [
      ['POST', '/v1/events', '{"events": [', /not valid JSON/],
      ['POST', '/v1/events', { events: [] }, /body\.events: Too small/i],
      ['POST', '/v1/events', { events: [{ eventId: 'q', user: 'u', item: 'i', type: 'view', colour: 'red' }] }, /body\.events\.0: Unrecognized key: "colour"/],
      ['POST', '/v1/events', { events: [{ eventId: 'q', user: 5, item: 'i', type: 'view' }] }, /body\.events\.0\.user: .*string/],
      ['POST', '/v1/events', { events: [{ eventId: 'q', user: 'u', item: 'i', type: 'vew' }] }, /^body\.events\.0\.type: unknown event type "vew" \(did you mean "view"\?\)/],
      ['POST', '/v1/events', { events: [{ eventId: 'q', user: 'u', item: 'i', type: 'rating' }] }, /^body\.events\.0\.value: a rating event needs a numeric value/],
      ['POST', '/v1/events', { events: [{ eventId: 'q', user: 'u', item: 'i', type: 'view', timestamp: 'yesterday' }] }, /body\.events\.0\.timestamp/],
      ['POST', '/v1/events', { evnts: [] }, /(^|; )body: Unrecognized key: "evnts"/],
      ['PUT', '/v1/items/a', { properties: { nested: { a: 1 } } }, /body\.properties\.nested/],
      ['PUT', '/v1/items/a', { available: 'yes' }, /body\.available/],
      ['GET', '/v1/recommend?user=u1&k=0', undefined, /querystring\.k: Too small/i],
      ['GET', '/v1/recommend?user=u1&k=ten', undefined, /querystring\.k/],
      ['GET', '/v1/recommend?user=u1&limit=3', undefined, /Unrecognized key: "limit"/],
      ['GET', '/v1/recommend?user=u1&excludeSeen=maybe', undefined, /querystring\.excludeSeen/],
      ['GET', '/v1/recommend?k=3', undefined, /give user= .* or recommId=/],
      ['GET', '/v1/recommend?recommId=x&user=u1', undefined, /takes only k/],
      ['POST', '/v1/recommend', { user: 'u1', exclude: 'i1' }, /body\.exclude/],
      ['GET', '/v1/popular?window=week', undefined, /window must look like/],
      ['GET', '/v1/items/i0/similar?filter=year%20%3E', undefined, /filter: position 7: expected a value/],
    ];
    for (const [method, url, body, message] of cases) {
      const res = await call(method as 'GET', url, body);
      assert.equal(res.status, 400, `${method} ${url} ${JSON.stringify(body)} → ${res.status} ${res.text}`);
      assert.match(res.json.message, message, `${method} ${url}`);
    }
    assert.equal((await call('GET', '/v1/nothing')).status, 404);
  });

  test('the OpenAPI document is generated from the schemas', async () => {
    const res = await call('GET', '/docs/json');
    assert.equal(res.status, 200);
    assert.match(res.json.openapi, /^3\./);
    for (const path of ['/v1/events', '/v1/recommend', '/v1/items/{id}', '/v1/items/{id}/similar', '/v1/popular', '/v1/users/{id}']) assert.ok(res.json.paths[path], path);
    assert.ok(res.json.paths['/v1/events'].post.requestBody);
    assert.equal((await call('GET', '/docs')).status < 400, true);
  });
});

describe('the bearer token', () => {
  test('writes need it, reads do not unless protected; health stays open', async () => {
    const s = EventStore.open(':memory:');
    const secured = await buildApp({ overload: NO_SHEDDING, model, store: s, token: 's3cret' });
    const readsToo = await buildApp({ overload: NO_SHEDDING, model, store: s, token: 's3cret', protectReads: true });
    try {
      const events = { events: [{ eventId: 't1', user: 'u1', item: 'i1', type: 'view' }] };
      const post = (a: FastifyInstance, headers: Record<string, string> = {}) =>
        a.inject({ method: 'POST', url: '/v1/events', payload: events, headers: { 'content-type': 'application/json', ...headers } });
      const none = await post(secured);
      assert.equal(none.statusCode, 401);
      assert.match(none.json().message, /Authorization: Bearer/);
      assert.equal((await post(secured, { authorization: 'Bearer wrong' })).statusCode, 401);
      assert.equal((await post(secured, { authorization: 'Bearer s3cret' })).statusCode, 200);
      assert.equal((await secured.inject({ method: 'GET', url: '/v1/recommend?user=u1' })).statusCode, 200);
      assert.equal((await secured.inject({ method: 'POST', url: '/v1/recommend', payload: { user: 'u1' } })).statusCode, 200);
      assert.equal((await readsToo.inject({ method: 'GET', url: '/v1/recommend?user=u1' })).statusCode, 401);
      assert.equal((await readsToo.inject({ method: 'GET', url: '/v1/recommend?user=u1', headers: { authorization: 'Bearer s3cret' } })).statusCode, 200);
      assert.equal((await readsToo.inject({ method: 'GET', url: '/health/ready' })).statusCode, 200);
    } finally {
      await secured.close();
      await readsToo.close();
      s.close();
    }
  });
});
