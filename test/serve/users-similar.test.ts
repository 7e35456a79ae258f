import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateSynthetic } from '../../src/data/synthetic.ts';
import { createModel } from '../../src/models/registry.ts';
import { buildApp } from '../../src/serve/app.ts';
import { EventStore } from '../../src/serve/store.ts';
import { NO_SHEDDING } from './helpers.ts';

test('GET /v1/users/:id/similar: users with overlapping histories, the planted clusters, 404 for an unknown user', async () => {
  const data = generateSynthetic({ users: 200, items: 120, factors: 4, clusters: 4, interactionsPerUser: 15, noise: 0, seed: 8 });
  const model = createModel('ials', { factors: 8, epochs: 3 });
  await model.fit(data.interactions, { seed: 1 });
  const store = EventStore.open(':memory:');
  const app = await buildApp({ overload: NO_SHEDDING, model, store, modelVersion: 'm1' });
  try {
    const get = (id: string, k = 10) => app.inject({ method: 'GET', url: `/v1/users/${id}/similar?k=${k}` });
    const cluster = (id: string) => data.truth.userCluster[data.interactions.userIds.get(id)!];
    // Most users' nearest neighbours share their planted favourite cluster (chance: 1 in 4).
    let same = 0;
    let total = 0;
    for (let u = 0; u < 50; u++) {
      const id = data.interactions.userIds.id(u);
      const res = await get(id);
      assert.equal(res.statusCode, 200);
      const body = res.json();
      assert.equal(body.user, id);
      assert.equal(body.modelVersion, 'm1');
      assert.equal(body.users.length, 10);
      assert.ok(!body.users.some((v: { user: string }) => v.user === id), 'not the user themself');
      const scores = body.users.map((v: { score: number }) => v.score);
      assert.deepEqual(
        scores,
        [...scores].sort((a, b) => b - a),
        'best first',
      );
      assert.ok(
        scores.every((s: number) => s > 0 && s <= 1 + 1e-9),
        'cosine in (0, 1]',
      );
      for (const v of body.users) {
        total++;
        if (cluster(v.user) === cluster(id)) same++;
      }
    }
    assert.ok(same / total > 0.6, `${((100 * same) / total).toFixed(0)} % of neighbours share the planted cluster`);

    // A user only the store knows: their events are their history.
    const u0 = data.interactions.userIds.id(0);
    const items = (await get(u0, 1)).json();
    assert.equal(items.users.length, 1);
    const history = data.interactions.byUser();
    const events = [];
    for (let p = history.indptr[0]; p < history.indptr[1]; p++)
      events.push({ eventId: `n${p}`, user: 'newcomer', item: data.interactions.itemIds.id(history.indices[p]), type: 'view' });
    await app.inject({ method: 'POST', url: '/v1/events', payload: { events } });
    const newcomer = (await get('newcomer', 3)).json();
    assert.equal(newcomer.users[0].user, u0, 'the training user with the very same history comes first');
    assert.ok(Math.abs(newcomer.users[0].score - 1) < 1e-9);

    const missing = await get('nobody');
    assert.equal(missing.statusCode, 404);
    assert.match(missing.json().message, /unknown user "nobody": the model has no training history for it and the store has no events for it/);
    assert.equal((await get(u0, 0)).statusCode, 400);
  } finally {
    await app.close();
    store.close();
  }
});
