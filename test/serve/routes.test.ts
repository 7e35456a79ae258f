/**
 * Path ids as long as the bodies' ids (MAX_ID_LENGTH, the router's maxParamLength), a clear 414
 * past it, and the admin POSTs strict about their body like every other body.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/serve/app.ts';
import { MAX_ID_LENGTH } from '../../src/serve/ids.ts';
import type { Retrainer } from '../../src/serve/retrain.ts';
import { EventStore } from '../../src/serve/store.ts';
import type { Recommender } from '../../src/models/recommender.ts';
import { closeApp, memoryApp, tinyModel, NO_SHEDDING } from './helpers.ts';

let model: Recommender;
before(async () => {
  model = await tinyModel();
});

describe('ids in paths', () => {
  let store: EventStore;
  let app: FastifyInstance;
  before(async () => ({ store, app } = await memoryApp(model)));
  after(() => closeApp({ app, store }));

  test('an id of up to MAX_ID_LENGTH characters that a batch of events created can be named in every path', async () => {
    assert.equal(MAX_ID_LENGTH, 256);
    for (const length of [101, 200, MAX_ID_LENGTH]) {
      const user = 'u'.repeat(length);
      // Not ASCII: the percent-encoded path is longer than the id, which is what counts.
      const item = `é${'i'.repeat(length - 1)}`;
      const posted = await app.inject({ method: 'POST', url: '/v1/events', payload: { events: [{ eventId: `e${length}`, user, item, type: 'view' }] } });
      assert.equal(posted.statusCode, 200, posted.body);
      const path = encodeURIComponent(item);
      const routes: [string, string, number][] = [
        ['GET', `/v1/items/${path}`, 200],
        ['PUT', `/v1/items/${path}`, 200],
        ['GET', `/v1/users/${user}`, 200],
        ['PUT', `/v1/users/${user}`, 200],
        ['GET', `/v1/users/${user}/history`, 200],
        ['GET', `/v1/items/${path}/similar`, 404], // the model has no vector for it: a 404 that says so
        ['GET', `/v1/users/${user}/similar`, 404],
        ['DELETE', `/v1/items/${path}`, 204],
      ];
      for (const [method, url, status] of routes) {
        const res = await app.inject({ method: method as 'GET', url, ...(method === 'PUT' ? { payload: {} } : {}) });
        assert.equal(res.statusCode, status, `${method} ${url.slice(0, 40)}… (${length}): ${res.body}`);
      }
      assert.equal((await app.inject({ method: 'GET', url: `/v1/items/${path}` })).json().message, `unknown item "${item}"`);
    }
  });

  test('a longer id is a 414 "URI Too Long" that names the limit and does not echo the path', async () => {
    const long = 'x'.repeat(MAX_ID_LENGTH + 1);
    for (const url of [`/v1/items/${long}`, `/v1/users/${long}`, `/v1/items/${long}/similar`]) {
      const res = await app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 414, res.body);
      assert.deepEqual(res.json(), { error: 'URI Too Long', message: `a path segment is longer than ${MAX_ID_LENGTH} characters, the longest id the service takes` });
    }
    const bad = await app.inject({ method: 'GET', url: '/v1/items/%E0%A4%A' });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error, 'Bad Request');
    // In a body the same id is refused by the schema, naming the field.
    const body = await app.inject({ method: 'POST', url: '/v1/events', payload: { events: [{ eventId: 'x', user: long, item: 'i', type: 'view' }] } });
    assert.equal(body.statusCode, 400);
    assert.match(body.json().message, /^body\.events\.0\.user: Too big/);
  });
});

test('POST /v1/admin/retrain and /rollback take no settings: an unknown key is a 400, no job starts', async () => {
  const calls: string[] = [];
  // The routes' view of a retrainer: what they call, recorded.
  const retrainer = {
    attach() {},
    async close() {},
    status: () => ({}),
    start(trigger: string) {
      calls.push(`start ${trigger}`);
      return { id: 'job-1', state: 'running' };
    },
    job: () => undefined,
    rollback() {
      calls.push('rollback');
      return { from: 'a', to: 'b' };
    },
  } as unknown as Retrainer;
  const store = EventStore.open(':memory:');
  const app = await buildApp({ overload: NO_SHEDDING, model, store, retrainer });
  try {
    const json = { 'content-type': 'application/json' };
    const foo = await app.inject({ method: 'POST', url: '/v1/admin/retrain', payload: '{"foo":1}', headers: json });
    assert.equal(foo.statusCode, 400, foo.body);
    assert.match(foo.json().message, /^body: Unrecognized key: "foo"/);
    const rollback = await app.inject({ method: 'POST', url: '/v1/admin/rollback', payload: '{"to":"v1"}', headers: json });
    assert.equal(rollback.statusCode, 400, rollback.body);
    assert.deepEqual(calls, [], 'nothing started');

    assert.equal((await app.inject({ method: 'POST', url: '/v1/admin/retrain' })).statusCode, 202, 'no body');
    assert.equal((await app.inject({ method: 'POST', url: '/v1/admin/retrain', payload: '{}', headers: json })).statusCode, 202, 'an empty object');
    assert.equal((await app.inject({ method: 'POST', url: '/v1/admin/rollback' })).statusCode, 200);
    assert.deepEqual(calls, ['start request', 'start request', 'rollback']);
  } finally {
    await app.close();
    store.close();
  }
});
