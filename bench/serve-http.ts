/**
 * HTTP throughput of the service over loopback, with autocannon: the real service (fastify,
 * the SQLite event store in WAL mode in a temporary folder, the HNSW index) runs in a child
 * process on 127.0.0.1 on a free port, with a synthetic 64-factor model; this process drives
 * it, then stops it and removes the store.
 *
 * - recommend: GET /v1/recommend?user=…&k=10&filter=… with a different user each request;
 * - events: POST /v1/events, 100 new events per request (unique eventIds).
 * Prints JSON: req/s, events/s, latency p50/p99 (ms), non-2xx and errors, per scenario and
 * run, and medians over BENCH_ROUNDS rounds.
 *
 * BENCH_BASELINE=DIR (another checkout of tastebud, e.g. `git archive <commit> | tar -x -C DIR`
 * plus a node_modules link) measures that service too, alternating with this one round by
 * round, and reports the ratio current / baseline per round (the fair comparison on a shared,
 * noisy machine). BENCH_CHILD_ARGS passes node flags to the services (`--cpu-prof
 * --cpu-prof-dir=/tmp/prof` to profile them). Arguments pick scenarios (`recommend`, `events`).
 *
 *   node --import tsx bench/serve-http.ts
 *   BENCH_ROUNDS=3 BENCH_BASELINE=/tmp/serve-base node --import tsx bench/serve-http.ts recommend
 *   BENCH_SECONDS=10 BENCH_CONNECTIONS=16 BENCH_ITEMS=20000 node --import tsx bench/serve-http.ts
 *   BENCH_ITEMS=1682 BENCH_USERS=943 BENCH_ANN=off node --import tsx bench/serve-http.ts recommend   # ML-100K-sized, exact
 *   BENCH_PIPELINING=4 …   # 4 requests in flight per connection: is the per-request I/O the limit?
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { buildApp } from '../src/serve/app.ts';
import { EventStore } from '../src/serve/store.ts';
import { factorModel, plantedFactors } from '../test/serve/ann-fixtures.ts';
import { caseFilter, median } from './common.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
/** Requests in flight per connection (default 1, as browsers and most clients send them; more is reported beside, never instead). */
const PIPELINING = Number(process.env.BENCH_PIPELINING ?? 1);
const ITEMS = Number(process.env.BENCH_ITEMS ?? 20_000);
const USERS = Number(process.env.BENCH_USERS ?? 10_000);
const BATCH = 100;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
/** The service's `--ann` mode: on (HNSW at any size, the default here), off (exact) or auto. */
const ANN = (process.env.BENCH_ANN ?? 'on') as 'on' | 'off' | 'auto';

if (process.argv[2] === '--serve') await serve();
else await drive();

/** The child: a synthetic model, a store on disk, the service listening on a free loopback port. */
async function serve(): Promise<void> {
  const dir = process.argv[3];
  const model = factorModel(plantedFactors(USERS, 64, { rank: 16, seed: 2 }), plantedFactors(ITEMS, 64, { clusters: 64, rank: 16, normSpread: 3, seed: 3 }), 64);
  const store = EventStore.open(path.join(dir, 'events.db'));
  // One transaction (one fsync) for the catalogue, not one per item.
  store.putItems(Array.from({ length: ITEMS }, (_, i) => ({ id: model.itemIds.id(i), properties: { category: 'abcd'[i % 4] }, available: true, expiresAt: null })));
  const app = await buildApp({ model, store, modelVersion: 'bench', ann: { mode: ANN }, limits: { maxBatch: 1000 } });
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

/** One service under test: this checkout, or BENCH_BASELINE's (another checkout of tastebud). */
interface Variant {
  name: string;
  script: string;
}

type Scenario = 'recommend' | 'events';

/**
 * The parent: for each round and each variant (alternating, so a load change on the shared
 * machine hits both alike) starts that variant's service, runs each scenario for SECONDS,
 * stops it; prints every run, the medians per variant and, with a baseline, the per-round
 * ratios current / baseline and their median.
 */
async function drive(): Promise<void> {
  const wanted = caseFilter();
  const scenarios = (['recommend', 'events'] as Scenario[]).filter(wanted);
  const variants: Variant[] = [{ name: 'current', script: fileURLToPath(import.meta.url) }];
  if (process.env.BENCH_BASELINE) variants.unshift({ name: 'baseline', script: path.join(path.resolve(process.env.BENCH_BASELINE), 'bench', 'serve-http.ts') });
  const runs: Record<string, Record<string, ScenarioResult[]>> = {};
  let retrieval: Record<string, unknown> | null = null;
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of variants) {
      const result = await runVariant(variant, scenarios);
      retrieval = result.retrieval;
      for (const [scenario, r] of Object.entries(result.scenarios)) {
        runs[variant.name] ??= {};
        runs[variant.name][scenario] ??= [];
        runs[variant.name][scenario].push(r);
        console.error(
          `round ${round + 1} ${variant.name} ${scenario}: ${r.requestsPerSecond} req/s, ${r.requestsPerCpuSecond} per CPU s, p99 ${r.latencyMs.p99} ms, cores: service ${r.serviceCores}, autocannon ${r.loadGeneratorCores}`,
        );
      }
    }
  }
  const medians: Record<string, Record<string, { requestsPerSecond: number; requestsPerCpuSecond: number | null; eventsPerSecond?: number; p50: number; p99: number }>> = {};
  for (const [variant, byScenario] of Object.entries(runs)) {
    medians[variant] = {};
    for (const [scenario, rs] of Object.entries(byScenario)) {
      medians[variant][scenario] = {
        requestsPerSecond: median(rs.map((r) => r.requestsPerSecond)),
        requestsPerCpuSecond: rs.some((r) => r.requestsPerCpuSecond === null) ? null : median(rs.map((r) => r.requestsPerCpuSecond!)),
        ...(scenario === 'events' ? { eventsPerSecond: median(rs.map((r) => r.eventsPerSecond ?? 0)) } : {}),
        p50: median(rs.map((r) => r.latencyMs.p50)),
        p99: median(rs.map((r) => r.latencyMs.p99)),
      };
    }
  }
  // Ratios within one round: the two variants ran back to back under about the same load.
  const ratios: Record<string, { requestsPerSecond: { perRound: number[]; median: number }; requestsPerCpuSecond: { perRound: number[]; median: number } | null }> = {};
  if (runs.baseline) {
    const ratio = (a: number | null, b: number | null): number => (a === null || b === null ? Number.NaN : Number((a / Math.max(1, b)).toFixed(2)));
    for (const scenario of scenarios) {
      const perRound = runs.current[scenario].map((r, i) => ratio(r.requestsPerSecond, runs.baseline[scenario][i].requestsPerSecond));
      const perCpu = runs.current[scenario].map((r, i) => ratio(r.requestsPerCpuSecond, runs.baseline[scenario][i].requestsPerCpuSecond));
      ratios[scenario] = {
        requestsPerSecond: { perRound, median: median(perRound) },
        requestsPerCpuSecond: perCpu.some(Number.isNaN) ? null : { perRound: perCpu, median: median(perCpu) },
      };
    }
  }
  const report = {
    seconds: SECONDS,
    connections: CONNECTIONS,
    pipelining: PIPELINING,
    rounds: ROUNDS,
    baseline: process.env.BENCH_BASELINE ?? null,
    model: { users: USERS, items: ITEMS, factors: 64, retrieval },
    recommend: { path: '/v1/recommend?user=…&k=10', filter: 'not (category = "d")' },
    events: { eventsPerRequest: BATCH },
    medians,
    ...(runs.baseline ? { ratioCurrentOverBaseline: ratios } : {}),
    runs,
    load: loadavg(),
    node: process.version,
  };
  process.stdout.write(`${JSON.stringify(report, null, 1)}\n`);
}

interface ScenarioResult {
  requestsPerSecond: number;
  /**
   * Requests answered per second of the service's own CPU time (user + system, from
   * /proc/PID/stat; null where that cannot be read): its capacity per core, much less
   * sensitive than req/s to what else the shared machine runs.
   */
  requestsPerCpuSecond: number | null;
  /**
   * Share of one core the load generator (autocannon, in this process) used during the run:
   * near 1, it is as much the limit as the service.
   */
  loadGeneratorCores: number;
  /** Share of one core the service used during the run. */
  serviceCores: number | null;
  eventsPerSecond?: number;
  latencyMs: { p50: number; p99: number };
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

/** Starts `variant`'s service in a child (BENCH_CHILD_ARGS: extra node flags, e.g. --cpu-prof), runs the scenarios, stops it. */
async function runVariant(variant: Variant, scenarios: Scenario[]): Promise<{ retrieval: Record<string, unknown>; scenarios: Record<string, ScenarioResult> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tastebud-serve-http-'));
  const extra = (process.env.BENCH_CHILD_ARGS ?? '').split(' ').filter((a) => a !== '');
  const child = spawn(process.execPath, [...extra, '--import', 'tsx', variant.script, '--serve', dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
    cwd: path.dirname(path.dirname(variant.script)),
  });
  try {
    const first = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`the service exited (${code}) before listening`)));
    });
    const { port, retrieval } = JSON.parse(first) as { port: number; retrieval: Record<string, unknown> };
    const url = `http://127.0.0.1:${port}`;
    const out: Record<string, ScenarioResult> = {};
    if (scenarios.includes('recommend')) {
      const filter = encodeURIComponent('not (category = "d")');
      let n = 0;
      out.recommend = await run(child.pid!, {
        url,
        requests: [{ method: 'GET', setupRequest: (r: Record<string, unknown>) => ({ ...r, path: `/v1/recommend?user=u${(n++ * 7919) % USERS}&k=10&filter=${filter}` }) }],
      });
    }
    if (scenarios.includes('events')) {
      let next = 0;
      const events = await run(child.pid!, {
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
      // Only answered batches count (a non-2xx batch stored nothing).
      out.events = { ...events, eventsPerSecond: Math.round(events.requestsPerSecond * BATCH * (1 - events.non2xx / Math.max(1, events.requests))) };
    }
    return { retrieval, scenarios: out };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** CPU seconds (user + system) a process has used so far, or null off Linux. */
function cpuSeconds(pid: number): number | null {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks (USER_HZ: 100 on Linux)
  } catch {
    return null;
  }
}

async function run(pid: number, options: { url: string; requests: Record<string, unknown>[] }): Promise<ScenarioResult> {
  const cpu0 = cpuSeconds(pid);
  const own0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await autocannon({ ...options, connections: CONNECTIONS, pipelining: PIPELINING, duration: SECONDS } as autocannon.Options);
  const wall = (performance.now() - t0) / 1000;
  const own = process.cpuUsage(own0);
  const cpu1 = cpuSeconds(pid);
  const answered = r.requests.total - r.non2xx;
  return {
    requestsPerSecond: Math.round(r.requests.average),
    requestsPerCpuSecond: cpu0 === null || cpu1 === null || cpu1 <= cpu0 ? null : Math.round(answered / (cpu1 - cpu0)),
    loadGeneratorCores: Number(((own.user + own.system) / 1e6 / wall).toFixed(2)),
    serviceCores: cpu0 === null || cpu1 === null ? null : Number(((cpu1 - cpu0) / wall).toFixed(2)),
    latencyMs: { p50: r.latency.p50, p99: r.latency.p99 },
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
  };
}
