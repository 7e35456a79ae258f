/**
 * Memory of the first step of a retraining job: reading the event store into (user, item) pairs.
 * Fills a store with BENCH_EVENTS events over BENCH_PAIRS distinct pairs (many events per pair, as
 * a shop's views and carts repeat), then reads it two ways in separate child processes: the
 * whole event list first (`all`, what retraining did before) and row by row (`stream`,
 * `readStorePairs`). Peak heap and RSS growth per way. Prints JSON; sizes in MB.
 *
 *   node --expose-gc --import tsx bench/retrain-read.ts
 *   BENCH_EVENTS=4000000 BENCH_PAIRS=200000 node --expose-gc --import tsx bench/retrain-read.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { pairsOf, readStorePairs } from '../src/serve/retrain-eval.ts';
import { DEFAULT_EVENT_WEIGHTS, EventStore, type EventInput } from '../src/serve/store.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 2_000_000);
const PAIRS = Number(process.env.BENCH_PAIRS ?? 100_000);
const TYPES = ['view', 'cart', 'purchase'];
const mb = (x: number) => Math.round(x / 1024 / 1024);

/** In a child: read the store one way; heap and RSS growth after the rows are in memory and after the pairs are built. */
function measure(path: string, way: 'all' | 'stream'): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const start = process.memoryUsage();
  let peakHeap = start.heapUsed;
  let peakRss = start.rss;
  const t0 = performance.now();
  const weights = { ...DEFAULT_EVENT_WEIGHTS };
  let pairs: number;
  let events: number;
  const note = () => {
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakRss = Math.max(peakRss, m.rss);
  };
  if (way === 'all') {
    const db = new Database(path, { readonly: true });
    const rows = db.prepare('SELECT user, item, type, value, timestamp FROM events ORDER BY seq').all() as Parameters<typeof pairsOf>[0] & unknown[];
    note();
    pairs = pairsOf(rows, weights).length;
    events = rows.length;
    db.close();
  } else {
    const read = readStorePairs(path, weights);
    pairs = read.pairs.length;
    events = read.events;
  }
  note();
  console.log(
    JSON.stringify({
      way,
      events,
      pairs,
      seconds: +((performance.now() - t0) / 1000).toFixed(2),
      peakHeapGrowthMB: mb(peakHeap - start.heapUsed),
      peakRssGrowthMB: mb(peakRss - start.rss),
    }),
  );
}

function fill(path: string): void {
  const store = EventStore.open(path);
  const batch: EventInput[] = [];
  for (let e = 0; e < EVENTS; e++) {
    const pair = (e * 2654435761) % PAIRS; // spread each pair's events over the log
    batch.push({ eventId: `e${e}`, user: `u${pair % 20_000}`, item: `i${Math.floor(pair / 20_000)}-${pair % 97}`, type: TYPES[e % 3]!, timestamp: e });
    if (batch.length === 10_000) store.addEvents(batch.splice(0));
  }
  if (batch.length > 0) store.addEvents(batch);
  store.close();
}

const [way, path] = process.argv.slice(2);
if (way === 'all' || way === 'stream') measure(path!, way);
else {
  const dir = mkdtempSync(join(tmpdir(), 'tastebud-retrain-read-'));
  try {
    const db = join(dir, 'events.db');
    fill(db);
    const self = fileURLToPath(import.meta.url);
    const rows = (['all', 'stream'] as const).map((w) => JSON.parse(execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', self, w, db], { encoding: 'utf8' })));
    console.log(JSON.stringify({ bench: 'retrain-read', events: EVENTS, distinctPairs: PAIRS, rows }, null, 1));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
