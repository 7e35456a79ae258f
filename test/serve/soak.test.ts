/**
 * Soak: a bounded stream of mixed requests (recommend for known, folded-in and anonymous users,
 * next pages, similar items and users, event batches) through one service, checking that memory
 * levels off (heap and RSS after a warm-up vs at the end, after GC) and that caches stay at their
 * limits. In-process (inject), loopback only, a few seconds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { generateSynthetic } from '../../src/data/synthetic.ts';
import { createModel } from '../../src/models/registry.ts';
import { buildApp } from '../../src/serve/app.ts';
import { EventStore } from '../../src/serve/store.ts';
import { NO_SHEDDING } from './helpers.ts';

// 12 K keeps the file within ~20 s on a busy 2-core machine; 20 K showed the same flat heap.
const REQUESTS = 12_000;
const WARM_UP = 4_000;
const CACHE = 500;

/** A full collection; `--expose-gc` switched on from inside when the runner did not pass it. */
function collect(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

test('soak: memory levels off and caches stay at their limits over 12 K mixed requests', { timeout: 120_000 }, async (t) => {
  const data = generateSynthetic({ users: 300, items: 500, factors: 8, interactionsPerUser: 15, seed: 4 });
  const model = createModel('ials', { factors: 16, epochs: 3 });
  await model.fit(data.interactions, { seed: 1 });
  const store = EventStore.open(':memory:');
  const app = await buildApp({ overload: NO_SHEDDING, model, store, limits: { cacheSize: CACHE } });
  const item = (k: number) => model.itemIds.id(k % model.numItems);
  const user = (k: number) => model.userIds.id(k % model.numUsers);
  let lastRecommId: string | null = null;
  let failures = 0;
  const one = async (k: number): Promise<void> => {
    const kind = k % 8;
    let r: Awaited<ReturnType<typeof app.inject>>;
    if (kind === 0 && lastRecommId) r = await app.inject({ method: 'GET', url: `/v1/recommend?recommId=${lastRecommId}&k=5` });
    else if (kind <= 2) r = await app.inject({ method: 'GET', url: `/v1/recommend?user=${user(k)}&k=10&explain=${k % 3 === 0}` });
    else if (kind === 3) r = await app.inject({ method: 'POST', url: '/v1/recommend', payload: { history: [{ item: item(k) }, { item: item(k * 7) }], k: 10 } });
    else if (kind === 4)
      r = await app.inject({ method: 'GET', url: `/v1/recommend?user=new-${k % 50}&k=10` }); // folded in from store events
    else if (kind === 5) r = await app.inject({ method: 'GET', url: `/v1/items/${item(k)}/similar?k=10` });
    else if (kind === 6) r = await app.inject({ method: 'GET', url: `/v1/users/${user(k)}/similar?k=10` });
    else {
      // Events: new users' histories (a bounded set of ids: a repeat is the same event, stored once).
      const events = Array.from({ length: 10 }, (_, j) => {
        const n = (k * 10 + j) % 2_000;
        return { eventId: `e${n}`, user: `new-${n % 50}`, item: item(n), type: 'view' };
      });
      r = await app.inject({ method: 'POST', url: '/v1/events', payload: { events } });
    }
    if (r.statusCode !== 200) failures++;
    else if (kind <= 2) lastRecommId = r.json().recommId;
  };
  const memory = async () => {
    // Twice, with a pause: V8 frees ArrayBuffer backing stores (the requests' payload buffers)
    // on a background thread after a collection, so one gc() alone leaves a varying amount
    // counted as external memory.
    collect();
    await new Promise((resolve) => setTimeout(resolve, 100));
    collect();
    const m = process.memoryUsage();
    return { heap: m.heapUsed, native: m.external + m.arrayBuffers, rss: m.rss };
  };
  try {
    for (let k = 0; k < WARM_UP; k++) await one(k);
    const warm = await memory();
    const middle = Math.round((WARM_UP + REQUESTS) / 2);
    for (let k = WARM_UP; k < middle; k++) await one(k);
    const mid = await memory();
    for (let k = middle; k < REQUESTS; k++) await one(k);
    const end = await memory();
    const status = (await app.inject({ method: 'GET', url: '/v1/status' })).json();
    const mb = (b: number) => (b / 2 ** 20).toFixed(1);
    t.diagnostic(
      `heap ${mb(warm.heap)} → ${mb(end.heap)} MB, external ${mb(warm.native)} → ${mb(end.native)} MB, rss ${mb(warm.rss)} → ${mb(mid.rss)} → ${mb(end.rss)} MB over ${REQUESTS - WARM_UP} requests after a ${WARM_UP}-request warm-up`,
    );
    assert.equal(failures, 0, 'every request answered 200');
    assert.deepEqual(status.caches.recommendationLists, { size: CACHE, limit: CACHE }, 'the paging cache is full and no larger');
    assert.ok(status.memory.rssBytes > 0);
    // Generous bounds (the machine is shared and V8 grows its heap in steps): what must not
    // happen is growth with the request count (15 K requests × a few KB each would be tens of MB).
    assert.ok(end.heap - warm.heap < 8 * 2 ** 20, `heap grew ${mb(end.heap - warm.heap)} MB`);
    assert.ok(end.native - warm.native < 8 * 2 ** 20, `external memory grew ${mb(end.native - warm.native)} MB`);
    // RSS also holds memory the allocator freed but kept, and it moves with the machine's other
    // work: it must level off (the second half grows by less than the first half plus a margin),
    // not keep climbing with the request count.
    assert.ok(end.rss - mid.rss < Math.max(0, mid.rss - warm.rss) + 48 * 2 ** 20, `rss kept growing: ${mb(warm.rss)} → ${mb(mid.rss)} → ${mb(end.rss)} MB`);
  } finally {
    await app.close();
    store.close();
  }
});
