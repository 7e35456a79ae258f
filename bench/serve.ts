/**
 * Recommendation latency of the service, in process (no network): `engine.recommend` (what
 * every GET /v1/recommend runs) with exact top-k over every item and with the HNSW index
 * (src/serve/ann.ts), with and without a filter, and the whole HTTP stack through fastify's
 * `inject`; plus the index's recall@10 against exact, its build time, and memory before and
 * after (RSS, heap, external) at each catalogue size. Prints JSON: p50/p99 in milliseconds,
 * the medians of BENCH_PASSES timing passes.
 *
 * Catalogues: ML-100K (1,682 items, WARP with 64 factors trained here; synthetic 1,682 items
 * when the data is absent), and synthetic 64-factor tables (clustered, of rank 16 plus noise
 * like trained tables, norms spread 1..3, no training) at 100 K items × 20 K users and, with BENCH_1M=1, 1 M items × 1 M
 * users (about 1.5 GB; a cheaper graph, ef 64 at construction, and recall on 30 users, since
 * the build takes many minutes on a shared 2-core machine).
 *
 *   TASTEBUD_DATA_DIR=/work/shared/data node --import tsx bench/serve.ts
 *   BENCH_ANN_VARIANTS='[{}, {"quantization": "bf16"}]' node --import tsx bench/serve.ts 100k
 *   BENCH_1M=1 node --import tsx bench/serve.ts 1m      # only cases whose name contains "1m"
 */
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { datasets } from '../src/data/datasets/index.ts';
import { generateSynthetic } from '../src/data/synthetic.ts';
import type { Recommender } from '../src/models/recommender.ts';
import { createModel } from '../src/models/registry.ts';
import { buildApp } from '../src/serve/app.ts';
import type { AnnOptions } from '../src/serve/ann.ts';
import { RecommendEngine } from '../src/serve/engine.ts';
import { parseFilter } from '../src/serve/filter.ts';
import { EventStore } from '../src/serve/store.ts';
import { factorModel, plantedFactors } from '../test/serve/ann-fixtures.ts';
import { caseFilter, median, percentiles } from './common.ts';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 400);
const dataDir = process.env.TASTEBUD_DATA_DIR ?? path.resolve(import.meta.dirname, '../../shared/data');
const wanted = caseFilter();

function memory(): { rssMB: number; heapUsedMB: number; externalMB: number } {
  const m = process.memoryUsage();
  const mb = (x: number) => Math.round(x / 1024 / 1024);
  return { rssMB: mb(m.rss), heapUsedMB: mb(m.heapUsed), externalMB: mb(m.external) };
}

interface Case {
  name: string;
  build(): Promise<{ model: Recommender; source: string }>;
  /** Fewer exact requests where one takes tens of milliseconds. */
  exactRequests?: number;
  /** Index options beyond mode on (a cheaper build at 1 M items). */
  ann?: AnnOptions;
  http?: boolean;
}

const cases: Case[] = [
  {
    name: 'ml100k',
    http: true,
    async build() {
      const model = createModel('warp', { factors: 64, epochs: 10 });
      if (existsSync(path.join(dataDir, 'ml-100k', 'ua.base'))) {
        const data = await datasets.load('ml-100k', { dataDir, download: false });
        await model.fit(data.interactions, { threads: 2, seed: 1, log: () => {} });
        return { model, source: 'ML-100K, WARP 64 factors, 10 epochs' };
      }
      const data = generateSynthetic({ users: 943, items: 1682, factors: 16, interactionsPerUser: 100, seed: 1 });
      await model.fit(data.interactions, { threads: 2, seed: 1, log: () => {} });
      return { model, source: 'synthetic 943 × 1,682 (ML-100K absent), WARP 64 factors' };
    },
  },
  {
    name: 'synthetic-100k',
    http: true,
    async build() {
      const model = factorModel(plantedFactors(20_000, 64, { rank: 16, seed: 2 }), plantedFactors(100_000, 64, { clusters: 64, rank: 16, normSpread: 3, seed: 3 }), 64);
      return { model, source: 'planted 64-factor tables: 20 K users × 100 K items (clustered, rank 16 + noise, norms 1..3)' };
    },
  },
];
if (process.env.BENCH_1M === '1') {
  cases.push({
    name: 'synthetic-1m',
    exactRequests: 10,
    // A cheaper graph (ef 64 at construction) and recall on 30 users: the build is minutes on a
    // shared 2-core machine, and each exact top-10 for the recall sample scores 1 M items.
    ann: { expansionAdd: 64, sampleUsers: 30 },
    async build() {
      const model = factorModel(plantedFactors(1_000_000, 64, { rank: 16, seed: 4 }), plantedFactors(1_000_000, 64, { clusters: 256, rank: 16, normSpread: 3, seed: 5 }), 64);
      return { model, source: 'planted 64-factor tables: 1 M users × 1 M items (clustered, rank 16 + noise, norms 1..3)' };
    },
  });
}

/**
 * Index variants to compare (BENCH_ANN_VARIANTS, a JSON list of AnnOptions, e.g.
 * '[{}, {"quantization": "bf16"}]'): each gets its own index over the same model, and their
 * requests are timed interleaved (request n of every variant before request n + 1), so a load
 * change on the shared machine hits all alike. The first variant is the one reported as engineAnn*.
 */
const variants: AnnOptions[] = JSON.parse(process.env.BENCH_ANN_VARIANTS ?? '[{}]');
/** Timing passes (BENCH_PASSES, default 3): p50 and p99 are the medians over the passes. */
const PASSES = Math.max(1, Number(process.env.BENCH_PASSES ?? 3));

const rows = [];
for (const c of cases) {
  if (!wanted(c.name)) continue;
  const before = memory();
  const { model, source } = await c.build();
  const withModel = memory();
  const store = EventStore.open(':memory:');
  // A quarter of the first 20 K items are in category "d", which the filtered requests leave out.
  for (let i = 0; i < Math.min(model.numItems, 20_000); i++) {
    store.putItem({ id: model.itemIds.id(i), properties: { category: 'abcd'[i % 4] }, available: true, expiresAt: null });
  }
  const filter = parseFilter('not (category = "d")');
  const exact = new RecommendEngine(model, store, { modelVersion: 'bench', ann: { mode: 'off' } });
  const anns = variants.map((v) => {
    const t0 = performance.now();
    const engine = new RecommendEngine(model, store, { modelVersion: 'bench', ann: { mode: 'on', ...c.ann, ...v } });
    const ms = performance.now() - t0;
    console.error(`${c.name} ${JSON.stringify(v)}: ${JSON.stringify({ retrieval: engine.retrievalStatus, memory: memory() })}`);
    return { options: v, engine, indexBuildAndRecallMs: Math.round(ms) };
  });
  const withIndex = memory();
  const pick = (n: number): string => model.userIds.id((n * 7919) % model.numUsers);

  /** p50 / p99 (ms) of each of `runs`, timed interleaved, medians over PASSES passes. */
  const time = (requests: number, runs: ((n: number) => unknown)[]): { p50: number; p99: number }[] => {
    for (const run of runs) for (let n = 0; n < Math.min(20, requests); n++) run(n + 100_000); // warm-up
    const passes = runs.map(() => [] as { p50: number; p99: number }[]);
    for (let pass = 0; pass < PASSES; pass++) {
      const ms = runs.map(() => [] as number[]);
      for (let n = 0; n < requests; n++) {
        for (let r = 0; r < runs.length; r++) {
          const t = performance.now();
          runs[r](n + pass * requests);
          ms[r].push(performance.now() - t);
        }
      }
      for (let r = 0; r < runs.length; r++) passes[r].push(percentiles(ms[r]));
    }
    return passes.map((ps) => ({ p50: median(ps.map((p) => p.p50)), p99: median(ps.map((p) => p.p99)) }));
  };
  const exactRequests = c.exactRequests ?? REQUESTS;
  const annPlain = time(
    REQUESTS,
    anns.map(
      ({ engine }) =>
        (n: number) =>
          engine.recommend({ user: pick(n), k: 10 }),
    ),
  );
  const annFiltered = time(
    REQUESTS,
    anns.map(
      ({ engine }) =>
        (n: number) =>
          engine.recommend({ user: pick(n), k: 10, filter }),
    ),
  );
  const row: Record<string, unknown> = {
    case: c.name,
    source,
    items: model.numItems,
    users: model.numUsers,
    retrieval: anns[0].engine.retrievalStatus,
    indexBuildAndRecallMs: anns[0].indexBuildAndRecallMs,
    engineExactMs: time(exactRequests, [(n) => exact.recommend({ user: pick(n), k: 10 })])[0],
    engineAnnMs: annPlain[0],
    engineExactFilterMs: time(exactRequests, [(n) => exact.recommend({ user: pick(n), k: 10, filter })])[0],
    engineAnnFilterMs: annFiltered[0],
    annVariants: anns.map((a, r) => ({
      options: a.options,
      retrieval: a.engine.retrievalStatus,
      indexBuildAndRecallMs: a.indexBuildAndRecallMs,
      engineAnnMs: annPlain[r],
      engineAnnFilterMs: annFiltered[r],
    })),
    memory: { before, withModel, withIndex },
  };
  if (c.http) {
    const apps = {
      // No load shedding: the index build before serving holds the event loop, which the other
      // app's monitor would read as overload and answer 503 (an early bench timed those).
      exact: await buildApp({ model, store, modelVersion: 'bench', ann: { mode: 'off' }, overload: { maxEventLoopDelayMs: 0 } }),
      ann: await buildApp({ model, store, modelVersion: 'bench', ann: { mode: 'on' }, overload: { maxEventLoopDelayMs: 0 } }),
    };
    for (const [kind, app] of Object.entries(apps)) {
      const filtered: number[] = [];
      for (let n = 0; n < Math.min(REQUESTS, exactRequests); n++) {
        const t = performance.now();
        const response = await app.inject({ method: 'GET', url: `/v1/recommend?user=${pick(n)}&k=10&filter=${encodeURIComponent('not (category = "d")')}` });
        if (response.statusCode !== 200) throw new Error(`the ${kind} service answered ${response.statusCode}: ${response.body}`);
        filtered.push(performance.now() - t);
      }
      row[kind === 'ann' ? 'httpInjectAnnFilterMs' : 'httpInjectExactFilterMs'] = percentiles(filtered);
      await app.close();
    }
  }
  rows.push(row);
  store.close();
  console.error(`${c.name}: done`);
}
process.stdout.write(`${JSON.stringify({ requests: REQUESTS, rows, node: process.version, load: loadavg() }, null, 1)}\n`);
