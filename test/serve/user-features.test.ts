/**
 * Users the model never saw, with no events but with properties that name the model's user
 * features, are served the model's cold-start scores from those features, not the popularity
 * fallback.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BilinearModel } from '../../src/models/bilinear/model.ts';
import { buildApp } from '../../src/serve/app.ts';
import { matchFeatures } from '../../src/serve/match-features.ts';
import { EventStore } from '../../src/serve/store.ts';
import { likedGenreFeatures, plantedImplicit } from '../helpers/bilinear-data.ts';
import { NO_SHEDDING } from './helpers.ts';

test('properties name features as field=value; lists name several; other values are ignored', () => {
  const vocabulary = ['gender=F', 'gender=M', 'genre=Comedy', 'genre=Drama', 'age=25-34'];
  assert.deepEqual(
    matchFeatures({ gender: 'M', genre: ['Drama', 'Comedy', 'Drama'], age: '25-34', city: 'Oslo', nested: { a: 1 } }, vocabulary).map((f) => f.name),
    ['gender=M', 'genre=Drama', 'genre=Comedy', 'age=25-34'],
  );
  assert.deepEqual(matchFeatures({ gender: 'X' }, vocabulary), []);
});

test('a number names the bucket of a bucketed field that holds it; categorical codes never take in numbers', () => {
  const vocabulary = ['age=<18', 'age=18-24', 'age=25-34', 'age=56+', 'score=[1.5,2)', 'occupation=3', 'occupation=7'];
  const named = (properties: Record<string, unknown>) => matchFeatures(properties, vocabulary).map((f) => f.name);
  assert.deepEqual(named({ age: 29 }), ['age=25-34']);
  assert.deepEqual(named({ age: 34.5 }), ['age=25-34']);
  assert.deepEqual(named({ age: '17' }), ['age=<18']);
  assert.deepEqual(named({ age: 80 }), ['age=56+']);
  assert.deepEqual(named({ age: 40 }), []); // no bucket of the vocabulary holds it
  assert.deepEqual(named({ score: 1.75 }), ['score=[1.5,2)']);
  assert.deepEqual(named({ score: 2 }), []);
  assert.deepEqual(named({ occupation: 3 }), ['occupation=3']);
  assert.deepEqual(named({ occupation: 3.5 }), []);
  assert.deepEqual(named({ age: ['', Number.NaN, 'x'] }), []);
});

test('a newcomer known only by a feature gets the model’s feature-based list, with the features as the reason', async () => {
  const data = plantedImplicit({ users: 300, items: 200, perUser: 24, seed: 9 });
  const userFeatures = likedGenreFeatures(data);
  const model = new BilinearModel('warp', { factors: 16, epochs: 15 });
  await model.fit(data.train, { threads: 1, seed: 2, userFeatures, itemFeatures: data.itemFeatures });
  const store = EventStore.open(':memory:');
  const app = await buildApp({ overload: NO_SHEDDING, model, store });
  try {
    let inGenre = 0;
    for (let g = 0; g < 8; g++) {
      assert.equal((await app.inject({ method: 'PUT', url: `/v1/users/fan-${g}`, payload: { properties: { likes: String(g), city: 'Oslo' } } })).statusCode, 200);
      const page = (await app.inject({ method: 'GET', url: `/v1/recommend?user=fan-${g}&k=10&explain=true` })).json();
      assert.equal(page.items.length, 10);
      for (const r of page.items) {
        assert.equal(r.source, 'model');
        assert.equal(r.reason.method, `user features: likes=${g}`);
        if (data.clusterOf[Number(r.item.slice(1))] === g) inGenre++;
      }
    }
    assert.ok(inGenre / 80 > 0.5, `${inGenre} of 80 items are in the newcomer's genre (chance: 10)`);
    // Properties that name no feature: the popularity fallback, as before.
    await app.inject({ method: 'PUT', url: '/v1/users/stranger', payload: { properties: { likes: 'jazz' } } });
    const fallback = (await app.inject({ method: 'GET', url: '/v1/recommend?user=stranger&k=5' })).json();
    for (const r of fallback.items) assert.equal(r.source, 'fallback');
  } finally {
    await app.close();
    store.close();
  }
});
