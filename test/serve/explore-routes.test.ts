import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/serve/app.ts';
import { createModel } from '../../src/models/registry.ts';
import { EventStore } from '../../src/serve/store.ts';
import { syntheticFixture, type ExploreFixture } from '../explore/fixture.ts';
import type { Json } from './helpers.ts';
import { NO_SHEDDING } from './helpers.ts';

let fx: ExploreFixture;
let store: EventStore;
let app: FastifyInstance;
let experimentDir: string;
let webRoot: string;

before(async () => {
  fx = await syntheticFixture();
  store = EventStore.open(':memory:');
  // A model folder inside an experiment folder, as `tastebud experiment` writes them.
  experimentDir = mkdtempSync(join(tmpdir(), 'tastebud-explore-'));
  mkdirSync(join(experimentDir, 'models', 'ials'), { recursive: true });
  writeFileSync(join(experimentDir, 'report.html'), '<!doctype html><title>report</title>');
  writeFileSync(
    join(experimentDir, 'results.json'),
    JSON.stringify({
      protocol: { dataset: 'synthetic' },
      runs: [{ name: 'popularity', reference: true, metrics: { 'precision@10': 0.05 } }],
      dataChecks: [{ level: 'info', code: 'cold-start', message: '2% cold items', numbers: {} }],
    }),
  );
  webRoot = join(experimentDir, 'web');
  mkdirSync(join(webRoot, 'assets'), { recursive: true });
  writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>explore</title>');
  writeFileSync(join(webRoot, 'assets', 'app-1.js'), 'console.log(1)');
  app = await buildApp({
    overload: NO_SHEDDING,
    model: fx.model,
    store,
    modelVersion: 'ials-test',
    explore: { catalogue: fx.catalogue, modelDir: join(experimentDir, 'models', 'ials'), compare: { model: fx.other, version: 'ease-test' }, webRoot },
  });
});
after(async () => {
  await app.close();
  store.close();
  rmSync(experimentDir, { recursive: true, force: true });
});

async function get(url: string): Promise<{ status: number; json: Json; text: string; type: string }> {
  const res = await app.inject({ method: 'GET', url });
  let json: Json = {};
  try {
    json = res.json();
  } catch {}
  return { status: res.statusCode, json, text: res.body, type: String(res.headers['content-type']) };
}

describe('explore routes', () => {
  test('user search: exact id first, then ids starting with the query; empty query: most active users', async () => {
    const found = (await get('/v1/users?query=U1&limit=5')).json;
    assert.equal(found.users[0].id, 'u1');
    assert.equal(found.users.length, 5);
    assert.ok(found.users.every((u: Json) => u.id.startsWith('u1')));
    assert.ok((await get('/v1/users?query=9')).json.users.every((u: Json) => u.id.includes('9')));
    const top = (await get('/v1/users?limit=10')).json.users.map((u: Json) => u.interactions);
    assert.deepEqual(
      top,
      [...top].sort((a: number, b: number) => b - a),
    );
    assert.equal((await get('/v1/users?limit=0')).status, 400);
  });

  test('a user’s history: every training item, with the dataset’s rating, time and title', async () => {
    const user = fx.model.userIds.id(3);
    const history = (await get(`/v1/users/${user}/history`)).json;
    const seen = fx.model.seen!;
    const trained = Array.from(seen.indices.subarray(seen.indptr[3], seen.indptr[4]), (i) => fx.model.itemIds.id(i)).sort();
    assert.equal(history.known, true);
    assert.deepEqual(history.items.map((h: Json) => h.item).sort(), trained);
    for (const h of history.items) {
      assert.equal(h.type, 'rating');
      assert.ok(h.value >= 1 && h.value <= 5 && h.timestamp > 0 && h.inTraining);
      assert.match(h.title, /^Film number \d+/);
      assert.ok(Array.isArray(h.properties.genre));
    }
    const times = history.items.map((h: Json) => h.timestamp);
    assert.deepEqual(
      times,
      [...times].sort((a: number, b: number) => b - a),
      'newest first',
    );
    assert.equal((await get('/v1/users/nobody/history')).status, 404);
  });

  test('events in the store join the history', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/events', payload: { events: [{ eventId: 'e1', user: 'newcomer', item: fx.model.itemIds.id(0), type: 'view' }] } });
    assert.equal(res.statusCode, 200);
    const history = (await get('/v1/users/newcomer/history')).json;
    assert.equal(history.known, false);
    assert.deepEqual(
      history.items.map((h: Json) => [h.item, h.type]),
      [[fx.model.itemIds.id(0), 'event']],
    );
  });

  test('item search by title and by ids; the catalogue’s properties reach filters', async () => {
    const byTitle = (await get('/v1/items?query=film%20number%207')).json;
    assert.ok(byTitle.items.length >= 1);
    assert.ok(byTitle.items.every((i: Json) => i.title.toLowerCase().startsWith('film number 7')));
    const ids = [fx.model.itemIds.id(5), fx.model.itemIds.id(2)];
    const byIds = (await get(`/v1/items?ids=${ids.join(',')},unknown-item`)).json;
    assert.deepEqual(
      byIds.items.map((i: Json) => i.id),
      ids,
    );
    const popular = (await get('/v1/items?limit=5')).json.items.map((i: Json) => i.popularity);
    assert.deepEqual(
      popular,
      [...popular].sort((a: number, b: number) => b - a),
    );
    // Seeded into the store, so a filter on genre works in /v1/recommend.
    const user = fx.model.userIds.id(0);
    const recs = (await get(`/v1/recommend?user=${user}&k=5&filter=${encodeURIComponent('genre = "genre-1"')}`)).json;
    assert.ok(recs.items.length > 0);
    for (const r of recs.items) assert.equal(fx.clusters!.get(r.item), 'genre-1');
  });

  test('who interacted with an item, and its popularity rank', async () => {
    const counts = new Map<number, number>();
    for (const i of fx.model.seen!.indices) counts.set(i, (counts.get(i) ?? 0) + 1);
    const top = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0];
    const item = fx.model.itemIds.id(top[0]);
    const info = (await get(`/v1/items/${item}/users?limit=500`)).json;
    assert.equal(info.popularity, top[1]);
    assert.equal(info.popularityRank, 1);
    assert.equal(info.users.length, top[1]);
    const u = fx.model.userIds.get(info.users[0].user)!;
    const row = fx.model.seen!.indices.subarray(fx.model.seen!.indptr[u], fx.model.seen!.indptr[u + 1]);
    assert.ok(row.includes(top[0]));
    assert.equal((await get('/v1/items/nope/users')).status, 404);
  });

  test('the model: config, history, metrics beside popularity from results.json, the report, the compared model, filterable fields', async () => {
    const m = (await get('/v1/model')).json;
    assert.equal(m.type, 'ials');
    assert.equal(m.version, 'ials-test');
    assert.equal(m.config.factors, 8);
    assert.equal(m.history.epochs.length, 6);
    assert.deepEqual(m.baseline, { name: 'popularity', metrics: { 'precision@10': 0.05 } });
    assert.equal(m.report, '/v1/model/report');
    assert.deepEqual(m.findings, [{ level: 'info', code: 'cold-start', message: '2% cold items' }]);
    assert.equal(m.compare.type, 'ease');
    assert.equal(m.catalogue, 'synthetic');
    const genre = m.itemFields.find((f: Json) => f.name === 'genre');
    assert.deepEqual([...genre.values].sort(), ['genre-0', 'genre-1', 'genre-2', 'genre-3']);
    const report = await get('/v1/model/report');
    assert.equal(report.status, 200);
    assert.match(report.type, /text\/html/);
  });

  test('the item map: one point per item, and items of a planted cluster lie closer together than items of different clusters', async () => {
    const map = (await get('/v1/model/item-map')).json;
    assert.equal(map.field, 'genre');
    assert.equal(map.points.length, fx.model.numItems);
    assert.ok(map.explained[0] >= map.explained[1] && map.explained[0] + map.explained[1] <= 1.0001);
    let within = 0;
    let between = 0;
    let nw = 0;
    let nb = 0;
    for (const a of map.points) {
      for (const b of map.points) {
        if (a.item >= b.item) continue;
        const d = Math.hypot(a.x - b.x, a.y - b.y);
        if (a.category === b.category) (within += d), nw++;
        else (between += d), nb++;
      }
    }
    assert.ok(within / nw < 0.75 * (between / nb), `within-cluster ${within / nw} vs between ${between / nb}`);
  });

  test('the second model’s list for the same user differs from the first’s and honours filters', async () => {
    const user = fx.model.userIds.id(4);
    const a = (await get(`/v1/recommend?user=${user}&k=10`)).json;
    const b = (await get(`/v1/compare/recommend?user=${user}&k=10`)).json;
    assert.equal(b.modelVersion, 'ease-test');
    assert.equal(b.items.length, 10);
    assert.notDeepEqual(a.items, b.items);
    const seen = new Set((await get(`/v1/users/${user}/history`)).json.items.map((h: Json) => h.item));
    assert.ok(
      b.items.every((r: Json) => !seen.has(r.item)),
      'excludes seen items by default',
    );
    const filtered = (await get(`/v1/compare/recommend?user=${user}&filter=${encodeURIComponent('genre = "genre-2"')}`)).json;
    assert.ok(filtered.items.every((r: Json) => fx.clusters!.get(r.item) === 'genre-2'));
    assert.equal((await get(`/v1/compare/recommend?user=${user}&filter=${encodeURIComponent('genre = ')}`)).status, 400);
  });

  test('the page: index.html without caching, hashed assets cached, no way out of the web folder', async () => {
    const index = await get('/');
    assert.equal(index.status, 200);
    assert.match(index.type, /text\/html/);
    const asset = await app.inject({ method: 'GET', url: '/assets/app-1.js' });
    assert.equal(asset.statusCode, 200);
    assert.match(String(asset.headers['content-type']), /javascript/);
    assert.match(String(asset.headers['cache-control']), /immutable/);
    assert.equal((await get('/assets/..%2f..%2fresults.json')).status, 404);
    assert.equal((await get('/assets/missing.js')).status, 404);
  });
});

test('a model without item vectors: the map answers 404 and says why; the page still serves', async () => {
  const popularity = createModel('popularity', {});
  await popularity.fit(fx.catalogue.interactions!, { seed: 1 });
  const own = EventStore.open(':memory:');
  const bare = await buildApp({ overload: NO_SHEDDING, model: popularity, store: own, modelVersion: 'pop', explore: { webRoot } });
  try {
    const res = await bare.inject({ method: 'GET', url: '/v1/model/item-map' });
    assert.equal(res.statusCode, 404);
    assert.match(res.json().message, /popularity has no item vectors to map/);
    const model = (await bare.inject({ method: 'GET', url: '/v1/model' })).json();
    assert.equal(model.catalogue, null);
    assert.deepEqual(model.findings, []);
    assert.equal(model.report, null);
  } finally {
    await bare.close();
    own.close();
  }
});
