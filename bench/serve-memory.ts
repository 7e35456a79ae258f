/**
 * Memory of the serving engine at 1 M items × 1 M users (issue 10's benchmark list): a
 * synthetic 64-factor model (planted tables, no training), then the resident set size (RSS),
 * heap and array buffers after each step a service takes: the model loaded, the engine over an
 * event store, the factor form an index is built from (the item vectors and biases it reads;
 * for bilinear and mf models this used to copy the user and item tables), requests answered,
 * and, with BENCH_ANN=1, the HNSW index (a long build at this size on a shared 2-core machine).
 * Prints JSON; sizes in MB. The tables alone: 2 × 1 M × 64 × 4 B = 512 MB.
 *
 *   node --expose-gc --import tsx bench/serve-memory.ts
 *   BENCH_FAMILY=bpr BENCH_ITEMS=200000 BENCH_USERS=200000 node --expose-gc --import tsx bench/serve-memory.ts
 */
import { loadavg } from 'node:os';
import { IdMap } from '../src/data/idmap.ts';
import type { Recommender } from '../src/models/recommender.ts';
import { createModel } from '../src/models/registry.ts';
import { AnnIndex } from '../src/serve/ann.ts';
import { RecommendEngine } from '../src/serve/engine.ts';
import { factorFormOf } from '../src/serve/factor-form.ts';
import { EventStore } from '../src/serve/store.ts';
import { factorModel, plantedFactors } from '../test/serve/ann-fixtures.ts';

const ITEMS = Number(process.env.BENCH_ITEMS ?? 1_000_000);
const USERS = Number(process.env.BENCH_USERS ?? 1_000_000);
const FAMILY = process.env.BENCH_FAMILY ?? 'ials';
const DIM = 64;
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20);

const gc = (globalThis as { gc?: () => void }).gc;
const mb = (x: number) => Math.round(x / 1024 / 1024);
function memory(): { rssMB: number; heapUsedMB: number; arrayBuffersMB: number; externalMB: number } {
  gc?.();
  const m = process.memoryUsage();
  return { rssMB: mb(m.rss), heapUsedMB: mb(m.heapUsed), arrayBuffersMB: mb(m.arrayBuffers), externalMB: mb(m.external) };
}

/** A model of `FAMILY` with planted 64-factor tables: ials (the tables are its state) or a bilinear type with biases. */
function plantedModel(): Recommender {
  const users = plantedFactors(USERS, DIM, { rank: 16, seed: 4 });
  const items = plantedFactors(ITEMS, DIM, { clusters: 256, rank: 16, normSpread: 3, seed: 5 });
  if (FAMILY === 'ials') return factorModel(users, items, DIM);
  const model = createModel(FAMILY, { factors: DIM });
  model.userIds = new IdMap(Array.from({ length: USERS }, (_, u) => `u${u}`));
  model.itemIds = new IdMap(Array.from({ length: ITEMS }, (_, i) => `i${i}`));
  // setState copies into the model's own tables; the planted arrays are dropped after.
  model.setState({
    tensors: {
      'user.id': { shape: [USERS, DIM], data: users },
      'item.id': { shape: [ITEMS, DIM], data: items },
      'userBias.id': { shape: [USERS, 1], data: new Float32Array(USERS) },
      'itemBias.id': { shape: [ITEMS, 1], data: Float32Array.from({ length: ITEMS }, (_, i) => (i % 100) / 100) },
    },
  });
  return model;
}

const steps: Record<string, unknown>[] = [];
const step = (name: string, extra: Record<string, unknown> = {}) => {
  const m = memory();
  steps.push({ step: name, ...m, ...extra });
  console.error(`${name}: ${JSON.stringify(m)}`);
};
step('start');
let t = performance.now();
const model = plantedModel();
step('model', { seconds: +((performance.now() - t) / 1000).toFixed(1) });
const store = EventStore.open(':memory:');
const engine = new RecommendEngine(model, store, { modelVersion: 'bench', ann: { mode: 'off' } });
step('engine (exact)');
t = performance.now();
const form = factorFormOf(model);
if ('reason' in form) throw new Error(form.reason);
step('factor form', { family: form.family, seconds: +((performance.now() - t) / 1000).toFixed(1) });
const ms: number[] = [];
for (let n = 0; n < REQUESTS; n++) {
  const t0 = performance.now();
  engine.recommend({ user: `u${(n * 7919) % USERS}`, k: 10 });
  ms.push(performance.now() - t0);
}
ms.sort((a, b) => a - b);
step(`${REQUESTS} exact requests`, { medianMs: +ms[ms.length >> 1].toFixed(1) });
if (process.env.BENCH_ANN === '1') {
  t = performance.now();
  // A cheaper graph than the default (M 16, ef 64 at construction), as bench/serve.ts uses at 1 M.
  const index = new AnnIndex(form, { connectivity: 16, expansionAdd: 64, expansionSearch: 64, threads: 2, space: 'ip' });
  step('hnsw index', { seconds: +((performance.now() - t) / 1000).toFixed(1), size: index.size });
}
store.close();
process.stdout.write(
  `${JSON.stringify({ items: ITEMS, users: USERS, factors: DIM, family: FAMILY, tablesMB: mb((ITEMS + USERS) * DIM * 4), steps, peakRssMB: mb(process.resourceUsage().maxRSS * 1024), node: process.version, load: loadavg() }, null, 1)}\n`,
);
