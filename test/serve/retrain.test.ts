import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSynthetic } from '../../src/data/synthetic.ts';
import type { Interactions } from '../../src/data/interactions.ts';
import { InteractionsBuilder } from '../../src/data/builder.ts';
import { createModel } from '../../src/models/registry.ts';
import { buildApp } from '../../src/serve/app.ts';
import { holdOutRecent, ndcgAt10, pairsOf, readStorePairs } from '../../src/serve/retrain-eval.ts';
import { Retrainer } from '../../src/serve/retrain.ts';
import { DEFAULT_EVENT_WEIGHTS, EventStore, type EventInput } from '../../src/serve/store.ts';
import { Rng } from '../../src/core/rng.ts';
import { NO_SHEDDING } from './helpers.ts';

/** The parts of a retraining job's JSON this test reads. */
interface Job {
  state: string;
  phase: string;
  version: string;
  result: { metric: string; before: number; after: number };
}

const TOKEN = 'retrain-test-token-0123';
const auth = { authorization: `Bearer ${TOKEN}` };
const ials = { factors: 16, epochs: 12, regularization: 0.05 };

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tastebud-retrain-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The planted data as store events: one view per interaction, distinct increasing times per user. */
function eventsOf(data: Interactions, keep: (user: number, k: number) => boolean = () => true): EventInput[] {
  const csr = data.byUser();
  const out: EventInput[] = [];
  for (let u = 0; u < csr.rows; u++) {
    for (let p = csr.indptr[u], k = 0; p < csr.indptr[u + 1]; p++, k++) {
      if (!keep(u, k)) continue;
      const user = data.userIds.id(u);
      const item = data.itemIds.id(csr.indices[p]);
      out.push({ eventId: `${user}:${item}`, user, item, type: 'view', timestamp: 1_700_000_000_000 + k * 1000 + p });
    }
  }
  return out;
}

/** Random pairs over the same ids: a model trained on them knows nothing of the planted structure. */
function noiseLike(data: Interactions, perUser: number): Interactions {
  const rng = new Rng(99);
  const b = new InteractionsBuilder({ duplicates: 'max' });
  for (let u = 0; u < data.userIds.size; u++) for (let k = 0; k < perUser; k++) b.add(data.userIds.id(u), data.itemIds.id(rng.int(data.itemIds.size)), 1, Number.NaN);
  return b.build().interactions;
}

async function waitFor<T>(what: string, poll: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await poll();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test('holdout and NDCG@10: each user’s most recent item, ranked the way the service serves', async () => {
  const pairs = pairsOf(
    [
      { user: 'a', item: 'x', type: 'view', value: 1, timestamp: 1 },
      { user: 'a', item: 'x', type: 'cart', value: 3, timestamp: 5 },
      { user: 'a', item: 'y', type: 'view', value: 1, timestamp: 2 },
      { user: 'a', item: 'z', type: 'purchase', value: 5, timestamp: 3 },
      { user: 'b', item: 'x', type: 'view', value: 1, timestamp: 9 },
    ],
    { view: 2, cart: 3, purchase: 5 },
  );
  // Weights are the configured ones at training time (view: 2 here), summed per pair, latest time kept.
  assert.deepEqual(
    pairs.find((p) => p.user === 'a' && p.item === 'x'),
    { user: 'a', item: 'x', weight: 5, time: 5 },
  );
  const { train, heldOut } = holdOutRecent(pairs, { minItems: 3 });
  assert.deepEqual([...heldOut], [['a', 'x']]); // b has one item: not held out
  assert.equal(train.length, pairs.length - 1);

  // A planted-structure model ranks held-out items far better than one trained on noise.
  const data = generateSynthetic({ users: 200, items: 120, factors: 4, interactionsPerUser: 15, seed: 5 }).interactions;
  const all = pairsOf(
    eventsOf(data).map((e) => ({ ...e, value: 1, timestamp: e.timestamp! })),
    DEFAULT_EVENT_WEIGHTS,
  );
  const split = holdOutRecent(all);
  const good = createModel('ials', ials);
  await good.fit(data, { seed: 1 });
  const noise = createModel('ials', ials);
  await noise.fit(noiseLike(data, 15), { seed: 1 });
  const g = ndcgAt10(good, split.heldOut, split.train);
  const n = ndcgAt10(noise, split.heldOut, split.train);
  assert.ok(g > n + 0.1, `planted ${g.toFixed(3)} vs noise ${n.toFixed(3)}`);
});

test('the store is read into pairs row by row, the same pairs as from the whole event list', () => {
  const path = join(dir, 'pairs.db');
  const store = EventStore.open(path);
  const events: EventInput[] = [
    { eventId: 'e1', user: 'a', item: 'x', type: 'view', timestamp: 1 },
    { eventId: 'e2', user: 'a', item: 'x', type: 'cart', timestamp: 5 },
    { eventId: 'e3', user: 'a', item: 'y', type: 'rating', value: 4, timestamp: 2 },
    { eventId: 'e4', user: 'b', item: 'x', type: 'purchase', timestamp: 9 },
    { eventId: 'e4', user: 'b', item: 'x', type: 'purchase', timestamp: 9 }, // a duplicate: stored once
  ];
  store.addEvents(events);
  store.close();
  const weights = { view: 1, cart: 3, purchase: 5 };
  const { pairs, events: count } = readStorePairs(path, weights);
  assert.equal(count, 4);
  const stored = events.slice(0, 4).map((e) => ({ user: e.user, item: e.item, type: e.type, value: e.value ?? 1, timestamp: e.timestamp! }));
  assert.deepEqual(pairs, pairsOf(stored, weights));
  assert.deepEqual(
    pairs.find((p) => p.user === 'a' && p.item === 'x'),
    { user: 'a', item: 'x', weight: 4, time: 5 },
  );
});

test('retraining: a better candidate is swapped in while requests keep being answered; versions, status, rollback, restart', { timeout: 120_000 }, async (t) => {
  const data = generateSynthetic({ users: 1000, items: 300, factors: 8, interactionsPerUser: 25, seed: 11 }).interactions;
  const modelDir = join(dir, 'weak');
  const weak = createModel('ials', ials);
  await weak.fit(noiseLike(data, 10), { seed: 1 });
  await weak.save(modelDir);
  const db = join(dir, 'swap.db');
  const store = EventStore.open(db);
  store.addEvents(eventsOf(data));
  const retrainer = await Retrainer.open({ modelDir, dbPath: db, weights: DEFAULT_EVENT_WEIGHTS, keepVersions: 1, say: () => {} });
  const app = await buildApp({ overload: NO_SHEDDING, model: weak, store, modelVersion: retrainer.servingVersion, token: TOKEN, retrainer });
  try {
    const v0 = retrainer.servingVersion;
    assert.equal((await app.inject({ method: 'POST', url: '/v1/admin/retrain' })).statusCode, 401, 'admin needs the token');
    assert.equal((await app.inject({ method: 'GET', url: '/v1/admin/retrain/x' })).statusCode, 401, 'admin reads too');
    const started = await app.inject({ method: 'POST', url: '/v1/admin/retrain', headers: auth });
    assert.equal(started.statusCode, 202);
    const id = started.json().id as string;
    assert.equal(started.headers.location, `/v1/admin/retrain/${id}`);
    assert.equal((await app.inject({ method: 'POST', url: '/v1/admin/retrain', headers: auth })).statusCode, 409, 'one job at a time');

    // Serving never pauses: recommendations are answered all through the job, training included.
    let answered = 0;
    let duringTraining = 0;
    let job: Job;
    for (;;) {
      const r = await app.inject({ method: 'GET', url: `/v1/recommend?user=${data.userIds.id(answered % 100)}&k=5` });
      assert.equal(r.statusCode, 200);
      job = (await app.inject({ method: 'GET', url: `/v1/admin/retrain/${id}`, headers: auth })).json();
      if (job.state !== 'running') break;
      answered++;
      if (/training|refitting/.test(job.phase)) duringTraining++;
      // inject() never leaves the microtask queue; a real client's requests arrive between the
      // event loop's turns, which is also when the worker's progress messages are delivered.
      await new Promise((resolve) => setImmediate(resolve));
    }
    t.diagnostic(`${duringTraining} requests answered while the candidate trained, ${answered} during the job`);
    assert.ok(duringTraining >= 5, `${duringTraining} requests answered while the candidate trained (${answered} during the job)`);
    assert.equal(job.state, 'swapped', JSON.stringify(job));
    assert.equal(job.result.metric, 'ndcg@10');
    assert.ok(job.result.after > job.result.before, JSON.stringify(job.result));
    const v1 = job.version as string;
    assert.notEqual(v1, v0);
    assert.equal((await app.inject({ method: 'GET', url: `/v1/recommend?user=${data.userIds.id(0)}` })).json().modelVersion, v1);
    let status = (await app.inject({ method: 'GET', url: '/v1/status' })).json();
    assert.equal(status.model.version, v1);
    assert.equal((await app.inject({ method: 'GET', url: '/v1/model' })).json().version, v1, 'the explore routes describe the swapped-in model');
    assert.deepEqual(
      status.retraining.versions.map((v: { version: string; serving: boolean }) => [v.version, v.serving]),
      [
        [v0, false],
        [v1, true],
      ],
    );
    assert.equal(status.retraining.history[0].swapped, true);
    assert.equal(status.retraining.history[0].before, job.result.before);
    assert.match(status.retraining.history[0].reason, /≥ serving/);

    // A second job: whatever it decides, no more than keepVersions retrained versions stay on disk.
    const second = (await app.inject({ method: 'POST', url: '/v1/admin/retrain', headers: auth })).json().id as string;
    const done = await waitFor('the second job', async () => {
      const j = (await app.inject({ method: 'GET', url: `/v1/admin/retrain/${second}`, headers: auth })).json();
      return j.state === 'running' ? undefined : j;
    });
    assert.notEqual(done.state, 'failed', JSON.stringify(done));
    status = (await app.inject({ method: 'GET', url: '/v1/status' })).json();
    assert.equal(status.retraining.versions.length, 2, 'version 0 and keepVersions = 1 retrained one');
    for (const v of status.retraining.versions) assert.ok(existsSync(join(v.dir, 'manifest.json')), `${v.dir} is on disk`);
    const serving = status.model.version as string;

    // Rollback serves the version before; with nothing earlier it is a 409.
    const back = await app.inject({ method: 'POST', url: '/v1/admin/rollback', headers: auth });
    assert.equal(back.statusCode, 200, back.body);
    assert.deepEqual(back.json(), { from: serving, to: v0 });
    assert.equal((await app.inject({ method: 'GET', url: '/v1/status' })).json().model.version, v0);
    const none = await app.inject({ method: 'POST', url: '/v1/admin/rollback', headers: auth });
    assert.equal(none.statusCode, 409);
    assert.match(none.json().message, /nothing to roll back to/);
    // A restart serves what was served last.
    const reopened = await Retrainer.open({ modelDir, dbPath: db, weights: DEFAULT_EVENT_WEIGHTS });
    assert.equal(reopened.servingVersion, v0);
  } finally {
    await app.close();
    store.close();
  }
});

test('retraining: a worse candidate is not swapped in, and says why', { timeout: 60_000 }, async () => {
  const data = generateSynthetic({ users: 300, items: 150, factors: 4, interactionsPerUser: 20, seed: 12 }).interactions;
  const modelDir = join(dir, 'strong');
  const strong = createModel('ials', ials);
  await strong.fit(data, { seed: 1 });
  await strong.save(modelDir);
  const db = join(dir, 'keep.db');
  const store = EventStore.open(db);
  // Only three events per user reach the store: a model retrained on them knows far less.
  store.addEvents(eventsOf(data, (_u, k) => k < 3));
  const retrainer = await Retrainer.open({ modelDir, dbPath: db, weights: DEFAULT_EVENT_WEIGHTS, say: () => {} });
  const app = await buildApp({ overload: NO_SHEDDING, model: strong, store, modelVersion: retrainer.servingVersion, retrainer });
  try {
    const id = (await app.inject({ method: 'POST', url: '/v1/admin/retrain' })).json().id as string;
    const job = await waitFor('the job', async () => {
      const j = (await app.inject({ method: 'GET', url: `/v1/admin/retrain/${id}` })).json();
      return j.state === 'running' ? undefined : j;
    });
    assert.equal(job.state, 'kept', JSON.stringify(job));
    assert.ok(job.result.after < job.result.before);
    const status = (await app.inject({ method: 'GET', url: '/v1/status' })).json();
    assert.equal(status.model.version, retrainer.servingVersion);
    assert.equal(status.retraining.versions.length, 1);
    assert.equal(status.retraining.history[0].swapped, false);
    assert.match(status.retraining.history[0].reason, /< serving/);
    assert.ok(!existsSync(join(modelDir, 'versions', '1')), 'the rejected candidate is not kept on disk');
  } finally {
    await app.close();
    store.close();
  }
});

test('retraining refuses what it cannot do, clearly', async () => {
  await assert.rejects(Retrainer.open({ modelDir: dir, dbPath: ':memory:', weights: {} }), /--db must be a file/);
  await assert.rejects(
    Retrainer.open({ modelDir: join(dir, 'weak'), dbPath: join(dir, 'x.db'), weights: {}, schedule: 'every day' }),
    /--retrain "every day" is not a cron expression/,
  );
  await assert.rejects(Retrainer.open({ modelDir: join(dir, 'weak'), dbPath: join(dir, 'x.db'), weights: {}, keepVersions: 0 }), /--keep-versions must be a whole number ≥ 1/);
});
