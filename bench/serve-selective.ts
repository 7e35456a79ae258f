/**
 * Recommendations under filters that few items pass, in process: `engine.recommend` with the
 * HNSW index (src/serve/ann.ts) at its default full-scan depth (`ann`), the same index never
 * diverted to a full scan (`annNoFullScan`: fullScanDepth 10^9, the rule before it existed) and
 * exact top-k over every item (`exact`), at filter shares from 0.5 % to 50 % of a 100 K-item
 * catalogue. Reports each filter's share, latency p50/p99 (medians of BENCH_PASSES passes, the
 * engines' requests interleaved, in an order rotating per request) and the recall@10 of each index engine's filtered lists against
 * the exact filtered lists (the same users, the same rules).
 *
 *   node --import tsx bench/serve-selective.ts
 *   BENCH_ITEMS=20000 BENCH_REQUESTS=100 node --import tsx bench/serve-selective.ts
 *   BENCH_AA=1 node --import tsx bench/serve-selective.ts    # A/A: the second index engine at the default too
 *
 * The catalogue is bench/serve.ts's planted 64-factor tables (clustered, rank 16 + noise, norms
 * 1..3); every item has a property `bucket` = its index mod 200, so `bucket < b` passes b/200 of
 * the items, spread evenly over the ranking.
 */
import { loadavg } from 'node:os';
import { RecommendEngine } from '../src/serve/engine.ts';
import { parseFilter } from '../src/serve/filter.ts';
import { EventStore } from '../src/serve/store.ts';
import { factorModel, plantedFactors } from '../test/serve/ann-fixtures.ts';
import { median, percentiles } from './common.ts';

const ITEMS = Number(process.env.BENCH_ITEMS ?? 100_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);
const PASSES = Math.max(1, Number(process.env.BENCH_PASSES ?? 3));
const BUCKETS = [1, 4, 20, 40, 100];

const model = factorModel(plantedFactors(20_000, 64, { rank: 16, seed: 2 }), plantedFactors(ITEMS, 64, { clusters: 64, rank: 16, normSpread: 3, seed: 3 }), 64);
const store = EventStore.open(':memory:');
for (let i = 0; i < ITEMS; i++) store.putItem({ id: model.itemIds.id(i), properties: { bucket: i % 200 }, available: true, expiresAt: null });
const exact = new RecommendEngine(model, store, { modelVersion: 'bench', ann: { mode: 'off' } });
const t0 = performance.now();
// One build thread: both index engines get the same graph (a two-thread build differs run to run).
const ann = new RecommendEngine(model, store, { modelVersion: 'bench', ann: { mode: 'on', threads: 1 } });
const buildMs = Math.round(performance.now() - t0);
const annNoFullScan = new RecommendEngine(model, store, { modelVersion: 'bench', ann: { mode: 'on', threads: 1, fullScanDepth: process.env.BENCH_AA ? undefined : 1e9 } });
const named = { ann, annNoFullScan, exact };
const pick = (n: number): string => model.userIds.id((n * 7919) % model.numUsers);

const rows = [];
for (const b of BUCKETS) {
  const text = `bucket < ${b}`;
  const filter = parseFilter(text);
  const engines = Object.values(named);
  // Recall first (it also warms the engines' verdict caches for this filter, as a served filter's would be).
  const recall = [ann, annNoFullScan].map((engine) => {
    let hits = 0;
    let wanted = 0;
    for (let n = 0; n < REQUESTS; n++) {
      const truth = new Set(exact.recommend({ user: pick(n), k: 10, filter }).items.map((x) => x.item));
      hits += engine.recommend({ user: pick(n), k: 10, filter }).items.filter((x) => truth.has(x.item)).length;
      wanted += truth.size;
    }
    return +(hits / wanted).toFixed(4);
  });
  const passes = engines.map(() => [] as { p50: number; p99: number }[]);
  for (let pass = 0; pass < PASSES; pass++) {
    const ms = engines.map(() => [] as number[]);
    for (let n = 0; n < REQUESTS; n++) {
      // The order rotates per request, so no engine always runs right after the exact pass's cache sweep.
      for (let j = 0; j < engines.length; j++) {
        const e = (n + j) % engines.length;
        const t = performance.now();
        engines[e].recommend({ user: pick(n + (pass + 1) * REQUESTS), k: 10, filter });
        ms[e].push(performance.now() - t);
      }
    }
    engines.forEach((_, e) => passes[e].push(percentiles(ms[e])));
  }
  const latency = Object.fromEntries(Object.keys(named).map((name, e) => [`${name}Ms`, { p50: median(passes[e].map((p) => p.p50)), p99: median(passes[e].map((p) => p.p99)) }]));
  const row = { filter: text, share: b / 200, annRecallAt10: recall[0], annNoFullScanRecallAt10: recall[1], ...latency };
  console.error(JSON.stringify(row));
  rows.push(row);
}
store.close();
process.stdout.write(`${JSON.stringify({ items: ITEMS, requests: REQUESTS, retrieval: ann.retrievalStatus, buildMs, rows, node: process.version, load: loadavg() }, null, 1)}\n`);
