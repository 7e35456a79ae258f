/**
 * The service's HNSW space on trained factor models. Each model (iALS, BPR, WARP: the factor forms
 * the service indexes, at their defaults with 64 factors) is trained on Book-Crossing's implicit
 * history (bx-peruser-80/10/10's train part, 17 K books). Then an `ip` graph and an `l2` graph (the
 * MIPS → Euclidean transform) are built with the service's other defaults (M 16, ef_add 128,
 * bf16 rows, two threads). Each is searched at ef 16 … 1024: recall@10 against exact top-k on a
 * seeded sample of users (lists of 20 as served, training items excluded, as
 * src/serve/ann.ts measures it), and the median search time per user. A row per (model, space,
 * ef), then one per (model, space) with its build time and the smallest ef reaching the service's
 * recall target 0.95, then the graph the service keeps with its defaults (`buildRetrieval`, no
 * space asked for: src/serve/ann-index.ts buildBestGraph) and its build time.
 *
 *   TASTEBUD_DATA_DIR=../shared/data node --import tsx bench/ann-space.ts        # every model
 *   TASTEBUD_DATA_DIR=../shared/data node --import tsx bench/ann-space.ts ials   # models whose name contains a filter
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readBookCrossingSplit } from './bookcrossing.ts';
import { caseFilter, median } from './common.ts';
import { Rng } from '../src/core/rng.ts';
import { createModel } from '../src/models/registry.ts';
import { AnnIndex, type AnnSpace } from '../src/serve/ann-index.ts';
import { buildRetrieval, measureRecall } from '../src/serve/ann.ts';
import { factorFormOf } from '../src/serve/factor-form.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = process.env.TASTEBUD_DATA_DIR ?? path.resolve(root, '../shared/data');
const selected = caseFilter();
const SAMPLE = Number(process.env.BENCH_SAMPLE ?? 500);
const TARGET = 0.95;
const LIST = 20;

const models: { name: string; type: string; params: Record<string, unknown> }[] = [
  { name: 'ials', type: 'ials', params: { factors: 64 } },
  { name: 'bpr', type: 'bpr', params: { factors: 64 } },
  { name: 'warp', type: 'warp', params: { factors: 64 } },
];

async function main(): Promise<void> {
  const { train } = await readBookCrossingSplit(dataDir);
  const rng = new Rng(7);
  const picked = new Set<number>();
  while (picked.size < Math.min(SAMPLE, train.numUsers)) picked.add(rng.int(train.numUsers));
  const sample = Int32Array.from(picked);
  for (const m of models) {
    if (!selected(m.name)) continue;
    const model = createModel(m.type, m.params);
    await model.fit(train, { threads: 2, seed: 1, progress: false, log: () => {} });
    const form = factorFormOf(model);
    if ('reason' in form) throw new Error(form.reason);
    for (const space of ['ip', 'l2'] as AnnSpace[]) {
      const t0 = performance.now();
      const index = new AnnIndex(form, { connectivity: 16, expansionAdd: 128, expansionSearch: 16, threads: 2, space, quantization: 'bf16' });
      const buildMs = performance.now() - t0;
      let reached: number | null = null;
      for (let ef = 16; ef <= 1024; ef *= 2) {
        index.expansionSearch = ef;
        const recall = measureRecall(model, index, sample, LIST);
        const times: number[] = [];
        for (const u of sample) {
          const t = performance.now();
          index.search(u, LIST, (i) => !model.hasSeen(u, i));
          times.push(performance.now() - t);
        }
        if (reached === null && recall >= TARGET) reached = ef;
        console.log(JSON.stringify({ model: m.name, space, ef, recallAt10: +recall.toFixed(4), searchMsMedian: +median(times).toFixed(3) }));
      }
      console.log(JSON.stringify({ model: m.name, space, summary: true, items: train.numItems, buildMs: Math.round(buildMs), efForTarget: reached }));
    }
    // What the service keeps with its defaults (no space asked for), built before serving.
    const service = buildRetrieval(model, { mode: 'on' }).status;
    console.log(
      JSON.stringify({
        model: m.name,
        service: true,
        kind: service.kind,
        space: service.params?.space,
        ef: service.params?.expansionSearch,
        recallAt10: service.recallAt10,
        buildMs: service.buildMs,
      }),
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
