/**
 * Recommendation latency of the service, in process (no network): the library call
 * `model.recommend(user, { k: 10 })` and the whole HTTP stack through fastify's `inject`
 * (`GET /v1/recommend?user=…&k=10`, and with a filter), exact top-k over every item, for a
 * 64-factor WARP model at each catalogue size. Prints JSON: p50/p99 in milliseconds.
 *
 *   node --import tsx bench/serve.ts                      # 1.7 K and 100 K items
 *   BENCH_ITEMS=1682,100000,1000000 node --import tsx bench/serve.ts
 */
import { generateSynthetic } from '../src/data/synthetic.ts';
import { createModel } from '../src/models/registry.ts';
import { buildApp } from '../src/serve/app.ts';
import { EventStore } from '../src/serve/store.ts';

const sizes = (process.env.BENCH_ITEMS ?? '1682,100000').split(',').map(Number);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 300);

function percentiles(ms: number[]): { p50: number; p99: number } {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number): number => Number(s[Math.min(s.length - 1, Math.floor(q * s.length))].toFixed(3));
  return { p50: at(0.5), p99: at(0.99) };
}

const rows = [];
for (const items of sizes) {
  const users = Math.min(20_000, Math.max(943, items / 5));
  const data = generateSynthetic({ users, items, factors: 16, interactionsPerUser: 20, seed: 1 });
  const model = createModel('warp', { factors: 64, epochs: 1 });
  await model.fit(data.interactions, { threads: 2, seed: 1, log: () => {} });
  const store = EventStore.open(':memory:');
  const app = await buildApp({ model, store, modelVersion: 'bench' });
  // Half the items get a property so a filter has work to do.
  for (let i = 0; i < Math.min(items, 2000); i += 2) store.putItem({ id: model.itemIds.id(i), properties: { even: true }, available: true, expiresAt: null });
  const pick = (n: number): string => model.userIds.id((n * 7919) % model.numUsers);

  const library: number[] = [];
  const http: number[] = [];
  const filtered: number[] = [];
  for (let n = 0; n < REQUESTS; n++) {
    let t = performance.now();
    model.recommend(pick(n), { k: 10 });
    library.push(performance.now() - t);
    t = performance.now();
    await app.inject({ method: 'GET', url: `/v1/recommend?user=${pick(n)}&k=10` });
    http.push(performance.now() - t);
    t = performance.now();
    await app.inject({ method: 'GET', url: `/v1/recommend?user=${pick(n)}&k=10&filter=${encodeURIComponent('even = true')}` });
    filtered.push(performance.now() - t);
  }
  rows.push({
    items,
    users: model.numUsers,
    factors: 64,
    requests: REQUESTS,
    libraryMs: percentiles(library),
    httpInjectMs: percentiles(http),
    httpInjectFilterMs: percentiles(filtered),
  });
  await app.close();
  store.close();
}
process.stdout.write(JSON.stringify({ exactTopK: true, rows, node: process.version }, null, 1) + '\n');
