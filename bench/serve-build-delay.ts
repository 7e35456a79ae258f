/**
 * Event-loop delay while the service builds its HNSW index in the background (issue 10: the
 * sliced build on the serving thread left waits of ~200 ms at 100 K items). A synthetic
 * 64-factor model with BENCH_ITEMS items (default 100 K), an engine with `ann: { background:
 * true }` as `tastebud serve` makes it, and, until the index is ready, the event loop's delay
 * histogram (perf_hooks.monitorEventLoopDelay, 10 ms resolution) and the longest gap between two
 * turns of a 1 ms timer; no requests, whose own exact scoring (~45 ms at 100 K items) would hide
 * the build's share (test/serve/ann.test.ts checks that requests are answered during a build).
 * Prints JSON: delay p50/p99/max (ms), the longest gap, build time. The same file runs in an
 * older checkout for a before/after.
 *
 *   node --import tsx bench/serve-build-delay.ts
 */
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { RecommendEngine } from '../src/serve/engine.ts';
import { EventStore } from '../src/serve/store.ts';
import { factorModel, plantedFactors } from '../test/serve/ann-fixtures.ts';

const ITEMS = Number(process.env.BENCH_ITEMS ?? 100_000);
const USERS = 20_000;
const model = factorModel(plantedFactors(USERS, 64, { rank: 16, seed: 2 }), plantedFactors(ITEMS, 64, { clusters: 64, rank: 16, normSpread: 3, seed: 3 }), 64);
const store = EventStore.open(':memory:');
const histogram = monitorEventLoopDelay({ resolution: 10 });
histogram.enable();
let last = performance.now();
let longestGap = 0;
const ticker = setInterval(() => {
  const now = performance.now();
  longestGap = Math.max(longestGap, now - last);
  last = now;
}, 1);
const started = performance.now();
const engine = new RecommendEngine(model, store, { modelVersion: 'bench', ann: { mode: 'on', background: true } });
const constructMs = performance.now() - started;
await new Promise<void>((resolve) => {
  const poll = setInterval(() => {
    if (engine.retrievalStatus.building) return;
    clearInterval(poll);
    resolve();
  }, 5);
});
const buildMs = performance.now() - started;
clearInterval(ticker);
histogram.disable();
const ms = (ns: number) => Number((ns / 1e6).toFixed(1));
process.stdout.write(
  `${JSON.stringify(
    {
      items: ITEMS,
      retrieval: engine.retrievalStatus,
      constructMs: Math.round(constructMs),
      buildMs: Math.round(buildMs),
      eventLoopDelayMs: { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max) },
      longestTimerGapMs: Number(longestGap.toFixed(1)),
      load: loadavg(),
      node: process.version,
    },
    null,
    1,
  )}\n`,
);
store.close();
