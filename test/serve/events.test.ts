/**
 * POST /v1/events: values are bounded, a reused eventId with other content is a conflict that
 * stores nothing, and every refused row is named as the schema names it (`body.events.1.type`).
 * Read endpoints never fail on scores that an older store's unbounded values summed to ±∞.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/serve/app.ts';
import { EventStore, MAX_EVENT_VALUE } from '../../src/serve/store.ts';
import type { Recommender } from '../../src/models/recommender.ts';
import { closeApp, memoryApp, tinyModel, type Json, NO_SHEDDING } from './helpers.ts';

let model: Recommender;
before(async () => {
  model = await tinyModel();
});

async function post(app: FastifyInstance, url: string, body: unknown): Promise<{ status: number; json: Json }> {
  const res = await app.inject({ method: 'POST', url, payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  return { status: res.statusCode, json: res.json() };
}

describe('event values', () => {
  let store: EventStore;
  let app: FastifyInstance;
  before(async () => ({ store, app } = await memoryApp(model)));
  after(() => closeApp({ app, store }));

  test('a rating value past ±1e6 is a 400 naming the row’s value, and stores nothing', async () => {
    for (const value of [1e308, -1e7, MAX_EVENT_VALUE + 1]) {
      const res = await post(app, '/v1/events', {
        events: [
          { eventId: 'ok', user: 'u1', item: 'i1', type: 'view' },
          { eventId: 'big', user: 'u1', item: 'i2', type: 'rating', value },
        ],
      });
      assert.equal(res.status, 400, JSON.stringify(res.json));
      assert.match(res.json.message, /^body\.events\.1\.value: Too (big|small)/);
    }
    assert.equal(store.counts().events, 0);
    const edge = await post(app, '/v1/events', { events: [{ eventId: 'edge', user: 'u1', item: 'i2', type: 'rating', value: -MAX_EVENT_VALUE }] });
    assert.equal(edge.status, 200);
    // The store bounds values too (a caller of the library, not the service).
    assert.throws(
      () => store.addEvents([{ eventId: 'lib', user: 'u', item: 'i', type: 'rating', value: 1e308 }]),
      /events\.0\.value: a rating's value must be from -1000000 to 1000000/,
    );
    assert.throws(() => EventStore.open(':memory:', { weights: { view: 1e308 } }), /event weight of "view" must be a number from -1000000 to 1000000/);
  });

  test('a time without its zone is a 400 that says a zone is needed; a repeated k asks for one number', async () => {
    const res = await post(app, '/v1/events', { events: [{ eventId: 'local', user: 'u1', item: 'i1', type: 'view', timestamp: '2024-01-01T00:00:00' }] });
    assert.equal(res.status, 400);
    assert.match(res.json.message, /body\.events\.0\.timestamp: expected milliseconds since the epoch, or an ISO 8601 time with its zone/);
    const twice = await app.inject({ method: 'GET', url: '/v1/popular?k=3&k=4' });
    assert.equal(twice.statusCode, 400);
    assert.match(twice.json().message, /k: expected one whole number/);
  });

  test('the row of a refused event is named, as the schema’s errors name it', async () => {
    const unknownType = await post(app, '/v1/events', {
      events: [
        { eventId: 'r0', user: 'u1', item: 'i1', type: 'view' },
        { eventId: 'r1', user: 'u1', item: 'i1', type: 'click' },
      ],
    });
    assert.equal(unknownType.status, 400);
    assert.match(unknownType.json.message, /^body\.events\.1\.type: unknown event type "click"/);
    const noValue = await post(app, '/v1/events', {
      events: [
        { eventId: 'r0', user: 'u1', item: 'i1', type: 'view' },
        { eventId: 'r1', user: 'u1', item: 'i1', type: 'view' },
        { eventId: 'r2', user: 'u1', item: 'i1', type: 'rating' },
      ],
    });
    assert.equal(noValue.status, 400);
    assert.equal(noValue.json.message, 'body.events.2.value: a rating event needs a numeric value');
    assert.equal(store.getEvent('r0'), null, 'nothing of a refused batch is stored');
  });
});

describe('eventId conflicts', () => {
  let store: EventStore;
  let app: FastifyInstance;
  before(async () => ({ store, app } = await memoryApp(model)));
  after(() => closeApp({ app, store }));

  test('a distinct event reusing an eventId in the same batch refuses the batch with 409, naming the eventId and the rows', async () => {
    const res = await post(app, '/v1/events', {
      events: [
        { eventId: 'q0', user: '3', item: '102', type: 'view' },
        { eventId: 'q1', user: '1', item: '101', type: 'view' },
        { eventId: 'q1', user: '2', item: '105', type: 'purchase' },
      ],
    });
    assert.equal(res.status, 409, JSON.stringify(res.json));
    assert.equal(res.json.error, 'Conflict');
    assert.match(
      res.json.message,
      /^body\.events\.2\.eventId: eventId "q1" is already used by row 1 of this batch, with other content \(user "1" → "2", item "101" → "105", type "view" → "purchase"\)/,
    );
    assert.deepEqual(store.counts(), { users: 0, items: 0, events: 0 }, 'nothing of the batch is stored');
  });

  test('an identical resend is a duplicate; the same eventId with other content later is a 409 and the batch stores nothing', async () => {
    const first = [
      { eventId: 'e1', user: 'u1', item: 'i1', type: 'view', timestamp: 1_700_000_000 },
      { eventId: 'e2', user: 'u1', item: 'i2', type: 'rating', value: 4 },
      { eventId: 'e2', user: 'u1', item: 'i2', type: 'rating', value: 4 },
    ];
    assert.deepEqual((await post(app, '/v1/events', { events: first })).json, { accepted: 2, duplicates: 1 });
    // Sent again: duplicates (without a timestamp a resend matches whatever time was stored).
    assert.deepEqual((await post(app, '/v1/events', { events: first })).json, { accepted: 0, duplicates: 3 });
    assert.deepEqual((await post(app, '/v1/events', { events: [{ eventId: 'e1', user: 'u1', item: 'i1', type: 'view' }] })).json, { accepted: 0, duplicates: 1 });

    const changes: [Json, RegExp][] = [
      [{ eventId: 'e1', user: 'u2', item: 'i1', type: 'view' }, /user "u1" → "u2"/],
      [{ eventId: 'e1', user: 'u1', item: 'i1', type: 'cart' }, /type "view" → "cart"/],
      [{ eventId: 'e1', user: 'u1', item: 'i1', type: 'view', timestamp: 1_700_000_001 }, /timestamp 2023-11-14T22:13:20\.000Z → 2023-11-14T22:13:21\.000Z/],
      [{ eventId: 'e2', user: 'u1', item: 'i2', type: 'rating', value: 5 }, /value 4 → 5/],
    ];
    for (const [changed, what] of changes) {
      const res = await post(app, '/v1/events', { events: [{ eventId: 'new', user: 'u9', item: 'i9', type: 'view' }, changed] });
      assert.equal(res.status, 409, JSON.stringify(changed));
      assert.match(res.json.message, new RegExp(`^body\\.events\\.1\\.eventId: eventId "${changed.eventId}" is already used by an event stored earlier`));
      assert.match(res.json.message, what);
    }
    assert.equal(store.getEvent('new'), null, 'the conflicting batches stored nothing');
    assert.equal(store.getEvent('e2')?.value, 4);
    assert.deepEqual(store.counts(), { users: 1, items: 2, events: 2 });
  });

  test('batches committed together: a conflict refuses its own batch only', async () => {
    const s = EventStore.open(':memory:');
    try {
      const good = s.addEventsGrouped([{ eventId: 'g1', user: 'u', item: 'i', type: 'view' }]);
      const bad = s.addEventsGrouped([
        { eventId: 'b1', user: 'u', item: 'i', type: 'view' },
        { eventId: 'b1', user: 'u', item: 'j', type: 'view' },
      ]);
      assert.deepEqual(await good, { accepted: 1, duplicates: 0 });
      await assert.rejects(bad, (error: Error & { row?: number; conflict?: boolean }) => error.row === 1 && error.conflict === true);
      assert.deepEqual(s.counts(), { users: 1, items: 1, events: 1 });
      assert.equal(s.getEvent('b1'), null);
    } finally {
      s.close();
    }
  });
});

test('values summed past the largest double (a store written before values were bounded) never make a read fail', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tastebud-events-'));
  const file = join(dir, 'events.db');
  const store = EventStore.open(file);
  const app = await buildApp({ overload: NO_SHEDDING, model, store });
  try {
    // Two 1e308 ratings, written as an older version stored them: their sum is +∞.
    const raw = new Database(file);
    const insert = raw.prepare('INSERT INTO events (event_id, user, item, type, value, timestamp) VALUES (?, ?, ?, ?, ?, ?)');
    insert.run('old1', 'old-user', 'i5', 'rating', 1e308, Date.now());
    insert.run('old2', 'old-user', 'i5', 'rating', 1e308, Date.now());
    // +∞ and −∞ on one item: a sum that is not a number (SQLite answers NULL); the item is left out.
    insert.run('old3', 'old-user', 'i6', 'rating', Infinity, Date.now());
    insert.run('old4', 'old-user', 'i6', 'rating', -Infinity, Date.now());
    raw.close();

    const popular = await app.inject({ method: 'GET', url: '/v1/popular?k=5' });
    assert.equal(popular.statusCode, 200, popular.body);
    const items = popular.json().items as { item: string; score: number }[];
    assert.deepEqual(items[0], { item: 'i5', score: Number.MAX_VALUE }, 'an infinite sum is clamped');
    assert.ok(items.every((r) => Number.isFinite(r.score)));
    assert.deepEqual(
      store.popular(null).map((r) => r.item),
      ['i5'],
      'i6 (+∞ and −∞) is left out',
    );
    assert.equal(items.length, 5);

    const fallback = await app.inject({ method: 'GET', url: '/v1/recommend?user=stranger&k=5' });
    assert.equal(fallback.statusCode, 200, fallback.body);
    const served = fallback.json().items as { item: string; score: unknown; source: string }[];
    assert.equal(served.length, 5);
    assert.ok(
      served.every((r) => typeof r.score === 'number' && Number.isFinite(r.score) && r.source === 'fallback'),
      fallback.body,
    );
  } finally {
    await app.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
