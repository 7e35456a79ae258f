/**
 * HTTP throughput of the service over loopback, with autocannon: the real service (fastify,
 * the SQLite event store in WAL mode in a temporary folder, the HNSW index) runs in a child
 * process on 127.0.0.1 on a free port, with a synthetic 64-factor model; this process drives
 * it, then stops it and removes the store.
 *
 * - recommend: GET /v1/recommend?user=…&k=10&filter=… with a different user each request;
 * - events: POST /v1/events, 100 new events per request (unique eventIds).
 * Prints JSON: req/s, events/s, latency p50/p99 (ms), non-2xx and errors, per scenario.
 *
 *   node --import tsx bench/serve-http.ts
 *   BENCH_SECONDS=10 BENCH_CONNECTIONS=16 BENCH_ITEMS=20000 node --import tsx bench/serve-http.ts
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { buildApp } from '../src/serve/app.ts';
import { EventStore } from '../src/serve/store.ts';
import { factorModel, plantedFactors } from '../test/serve/ann-fixtures.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const ITEMS = Number(process.env.BENCH_ITEMS ?? 20_000);
const USERS = Number(process.env.BENCH_USERS ?? 10_000);
const BATCH = 100;

if (process.argv[2] === '--serve') await serve();
else await drive();

/** The child: a synthetic model, a store on disk, the service listening on a free loopback port. */
async function serve(): Promise<void> {
  const dir = process.argv[3];
  const model = factorModel(plantedFactors(USERS, 64, { rank: 16, seed: 2 }), plantedFactors(ITEMS, 64, { clusters: 64, rank: 16, normSpread: 3, seed: 3 }), 64);
  const store = EventStore.open(path.join(dir, 'events.db'));
  for (let i = 0; i < ITEMS; i++) store.putItem({ id: model.itemIds.id(i), properties: { category: 'abcd'[i % 4] }, available: true, expiresAt: null });
  const app = await buildApp({ model, store, modelVersion: 'bench', ann: { mode: 'on' }, limits: { maxBatch: 1000 } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const status = (await app.inject({ method: 'GET', url: '/v1/status' })).json();
  process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0, retrieval: status.retrieval })}\n`);
  process.once('SIGTERM', () => {
    app.close().then(() => {
      store.close();
      process.exit(0);
    });
  });
}

/** The parent: starts the child, runs each scenario for SECONDS, prints the JSON, stops the child. */
async function drive(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tastebud-serve-http-'));
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const first = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`the service exited (${code}) before listening`)));
    });
    const { port, retrieval } = JSON.parse(first) as { port: number; retrieval: Record<string, unknown> };
    const url = `http://127.0.0.1:${port}`;
    const filter = encodeURIComponent('not (category = "d")');
    let n = 0;
    const recommend = await run({
      url,
      requests: [{ method: 'GET', setupRequest: (r: Record<string, unknown>) => ({ ...r, path: `/v1/recommend?user=u${(n++ * 7919) % USERS}&k=10&filter=${filter}` }) }],
    });
    let next = 0;
    const events = await run({
      url,
      requests: [
        {
          method: 'POST',
          path: '/v1/events',
          headers: { 'content-type': 'application/json' },
          setupRequest: (r: Record<string, unknown>) => {
            const batch = [];
            for (let e = 0; e < BATCH; e++) {
              const id = next++;
              batch.push({ eventId: `e${id}`, user: `u${id % USERS}`, item: `i${(id * 31) % ITEMS}`, type: 'view' });
            }
            return { ...r, body: JSON.stringify({ events: batch }) };
          },
        },
      ],
    });
    const report = {
      seconds: SECONDS,
      connections: CONNECTIONS,
      model: { users: USERS, items: ITEMS, factors: 64, retrieval },
      recommend: { ...recommend, filter: 'not (category = "d")' },
      // Only answered batches count (a non-2xx batch stored nothing).
      events: { ...events, eventsPerRequest: BATCH, eventsPerSecond: Math.round(events.requestsPerSecond * BATCH * (1 - events.non2xx / Math.max(1, events.requests))) },
      load: loadavg(),
      node: process.version,
    };
    process.stdout.write(`${JSON.stringify(report, null, 1)}\n`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(dir, { recursive: true, force: true });
  }
}

async function run(options: { url: string; requests: Record<string, unknown>[] }) {
  const r = await autocannon({ ...options, connections: CONNECTIONS, duration: SECONDS } as autocannon.Options);
  return {
    requestsPerSecond: Math.round(r.requests.average),
    latencyMs: { p50: r.latency.p50, p99: r.latency.p99 },
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
  };
}
