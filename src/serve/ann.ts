/**
 * Approximate top-k retrieval for factor models: an HNSW graph (usearch) over the model's item
 * vectors, searched for maximum inner product, with the candidates re-scored exactly by the
 * model. Built when the service loads a model; its recall@10 against exact top-k is measured
 * on a sample of users at build time and reported, and it steps aside (exact retrieval, said
 * so in the status) when it cannot reach the target recall.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { ConfigError } from '../contracts/errors.ts';
import { startWorker } from '../core/pool.ts';
import { Rng } from '../core/rng.ts';
import type { Recommender } from '../models/recommender.ts';
import { AnnIndex, buildBestGraph, MEASURE_GRAPH, type AnnQuantization, type AnnSpace } from './ann-index.ts';
import type { AnnBuildInit, AnnBuildMessage } from './ann-build-worker.ts';
import { checkFactorForm, factorFormOf, type FactorForm } from './factor-form.ts';

export { AnnIndex, mipsRows, type AnnQuantization, type AnnSpace, type Candidates } from './ann-index.ts';

export type AnnMode = 'auto' | 'on' | 'off';

export interface AnnOptions {
  /** Build the index in a worker thread while the service answers by exact scoring (the service's default); else before the first request. */
  background?: boolean;
  /** `auto`: an index when the catalogue has ≥ minItems items; `on`: always (factor models); `off`: exact. Default auto. */
  mode?: AnnMode;
  /** Catalogue size from which `auto` builds an index. Default 20,000. */
  minItems?: number;
  /** HNSW graph degree M. Default 16. */
  connectivity?: number;
  /** HNSW ef at construction. Default 128. */
  expansionAdd?: number;
  /** HNSW ef at search (raised at build until the recall target is met). Default 64. */
  expansionSearch?: number;
  /** Recall@10 against exact top-k the index must reach on the sample, or retrieval stays exact. Default 0.95. */
  targetRecall?: number;
  /** Users sampled to measure recall at build time. Default 200. */
  sampleUsers?: number;
  /**
   * Items one recommendation list holds when the index retrieves it (all its pages; at least
   * k): every listed item is a candidate the graph must find, so fewer than exact lists hold.
   * Recall is measured on lists of this length, as they are served. Default 20, as an exact
   * list's first ranking for k = 10: at 20 K items a list of 50 (over-fetching 100 from the
   * graph) cost 1.6× the CPU per request of 20, for recall@10 0.99 instead of 0.98; a later
   * page past the list ranks further from exact scores.
   */
  listLength?: number;
  /** Threads for building the graph. Default 2 before serving; 1 in the background (the other core keeps serving). */
  threads?: number;
  /**
   * How the graph searches for the largest inner products: `ip` (default) walks it with the
   * inner product itself (ip-NSW); `l2` indexes the MIPS → Euclidean transform. See AnnIndex.
   * Left unset, an ip graph that falls short of the recall target, or reaches it only above the
   * starting ef, is followed by an l2 one, and the graph reaching the target at the smaller ef is
   * kept (buildBestGraph); set, only that space is built.
   */
  space?: AnnSpace;
  /**
   * How the graph stores item rows: `bf16` (default) or `f16`, 16-bit floats: half the index
   * memory and cheaper distances, a little coarser; or `f32`. The graph only proposes
   * candidates, which are re-scored exactly by the model either way, and recall is measured at
   * build as always. At 100 K planted items bf16 answered in 0.74× the time of f32 (median
   * latency), built in 0.54× the time, and reached recall@10 0.968 (f32: 0.957; bench/serve.ts
   * with both variants in one run).
   */
  quantization?: AnnQuantization;
  /**
   * A request whose filter or exclusions turn most candidates away and that would have to search
   * the graph deeper than this many candidates scores every item instead (as filtered vector
   * search does below a filter's selectivity cutoff). Default items / 64: at 100 K items an exact
   * pass cost about what a search to depth ~1,500 does (bench/serve-selective.ts).
   */
  fullScanDepth?: number;
}

/** How the service retrieves candidates, for `GET /v1/status` and the metrics. */
export interface RetrievalStatus {
  kind: 'hnsw' | 'exact';
  /** Why retrieval is what it is (mode, catalogue size, model family, measured recall). */
  reason: string;
  items: number;
  /** Recall@10 of the index against exact top-k on `sampleUsers` users (null: not measured). */
  recallAt10: number | null;
  sampleUsers: number;
  buildMs: number;
  /** An index is being built (`background`); until it is ready every item is scored. */
  building?: boolean;
  /** The index is (being) built in a worker thread, not on the thread that serves. */
  worker?: boolean;
  params: {
    family: string;
    space: AnnSpace;
    quantization: AnnQuantization;
    dim: number;
    connectivity: number;
    expansionAdd: number;
    expansionSearch: number;
    /** Past this search depth a filtered request scores every item (AnnOptions.fullScanDepth). */
    fullScanDepth: number;
  } | null;
}

const DEFAULTS = {
  space: 'ip' as AnnSpace,
  quantization: 'bf16' as AnnQuantization,
  mode: 'auto' as AnnMode,
  minItems: 20_000,
  connectivity: 16,
  expansionAdd: 128,
  expansionSearch: 64,
  targetRecall: 0.95,
  sampleUsers: 200,
  listLength: 20,
  threads: 2,
};
/** ef is doubled at most up to this while the recall is short of the target. */
const MAX_EXPANSION = 1024;

/** The service's retrieval: an index (or null: exact) and what the status says about it. */
export interface Retrieval {
  index: AnnIndex | null;
  status: RetrievalStatus;
  /** Items in one list retrieved by the index (AnnOptions.listLength). */
  listLength: number;
}

/**
 * Builds the index for `model` when the options and the model allow it, then measures recall@10
 * against exact top-k on a sample of users (excluding each user's training items, as the
 * service does), doubling ef until the target is met; short of it at ef 1024, retrieval stays exact.
 */
export function buildRetrieval(model: Recommender, given: AnnOptions = {}): Retrieval {
  const plan = planRetrieval(model, given);
  if ('done' in plan) return plan.done;
  const { o, form, sample, exact } = plan;
  const started = performance.now();
  const check = checkFactorForm(model, form, sample.subarray(0, Math.min(sample.length, 5)));
  if (!check.ok) return exact(`the ${form.family} factors did not reproduce the model's scores (relative error ${check.maxError.toExponential(2)}), so retrieval is exact`);
  const { index, recall } = buildBestGraph(
    o.space,
    o.quantization,
    o.spaceFallback,
    (attempt) => new AnnIndex(form, { ...o, ...attempt }),
    (graph) => measureRecall(model, graph, sample, o.listLength),
    o.targetRecall,
    MAX_EXPANSION,
  );
  const built = { ...o, space: index.options.space, quantization: index.options.quantization ?? 'f32' };
  return finished(built, form, index, recall, sample.length, Math.round(performance.now() - started), false);
}

/**
 * `buildRetrieval` for a running service: what can be decided at once is returned at once; the
 * factor form is checked one sampled user per turn of the event loop, and then the graph is
 * built, and its recall measured, in a worker thread (ann-build-worker.ts), which saves it to a
 * temporary file that this thread maps (`AnnIndex` with `{ file }`). Requests keep being
 * answered by exact scoring meanwhile. `ready` receives the finished retrieval; `stop` ends a
 * build still running (the serving model was swapped, the service closes).
 */
export function startRetrieval(model: Recommender, given: AnnOptions, ready: (retrieval: Retrieval) => void): Retrieval & { stop(): void } {
  const plan = planRetrieval(model, given);
  if ('done' in plan) return { ...plan.done, stop: () => {} };
  const { o, form, sample, exact } = plan;
  const n = model.numItems;
  const started = performance.now();
  let worker: Worker | null = null;
  /** Removes the build's temporary folder (set once the build has one). */
  let removeFolder = (): void => {};
  let stopped = false;
  const fail = (why: string): void => {
    if (!stopped) ready(exact(`building the hnsw index failed (${why}), so retrieval is exact`));
    stopped = true;
  };
  const checked = Math.min(sample.length, 5);
  let user = 0;
  let maxError = 0;
  const checkStep = (): void => {
    if (stopped) return;
    try {
      maxError = Math.max(maxError, checkFactorForm(model, form, sample.subarray(user, user + 1)).maxError);
    } catch (error) {
      return fail((error as Error).message);
    }
    if (maxError > 1e-4) {
      stopped = true;
      ready(exact(`the ${form.family} factors did not reproduce the model's scores (relative error ${maxError.toExponential(2)}), so retrieval is exact`));
      return;
    }
    if (++user < checked) setImmediate(checkStep);
    else startBuild();
  };
  const startBuild = (): void => {
    const dir = mkdtempSync(join(tmpdir(), 'tastebud-ann-'));
    const file = join(dir, 'index.usearch');
    const cleanUp = (): void => rmSync(dir, { recursive: true, force: true });
    removeFolder = cleanUp;
    const init: AnnBuildInit = { ...buildInit(model, form, sample, o), file };
    try {
      worker = startWorker(new URL('./ann-build-worker.ts', import.meta.url), init);
    } catch (error) {
      cleanUp();
      return fail((error as Error).message);
    }
    // A build never keeps the process alive (a service closing, a test ending).
    worker.unref();
    worker.once('message', (m: AnnBuildMessage) => {
      worker = null;
      if (stopped) return cleanUp();
      if (m.kind === 'failed') {
        cleanUp();
        return fail(m.message);
      }
      let index: AnnIndex;
      try {
        index = new AnnIndex(form, { ...o, space: m.space, quantization: m.quantization, expansionSearch: m.expansionSearch }, { file });
      } catch (error) {
        cleanUp();
        return fail((error as Error).message);
      }
      // The mapping outlives the file's name on POSIX systems; where removing a mapped file is
      // refused (Windows), the temporary file stays until the system cleans its temp folder.
      try {
        cleanUp();
      } catch {}
      stopped = true;
      ready(finished({ ...o, space: m.space, quantization: m.quantization }, form, index, m.recall, sample.length, Math.round(performance.now() - started), true));
    });
    worker.once('error', (error) => {
      cleanUp();
      fail(error.message);
    });
    worker.once('exit', (code) => {
      // Still set: the thread ended without its answer (a crash, or out of memory).
      if (worker !== null) {
        worker = null;
        cleanUp();
        fail(`the build thread exited with code ${code} before it finished`);
      }
    });
  };
  setImmediate(checkStep);
  const reason = `building an hnsw index over ${n} items in a worker thread; every item is scored until it is ready`;
  return {
    index: null,
    listLength: o.listLength,
    status: { kind: 'exact', reason, building: true, worker: true, items: n, recallAt10: null, sampleUsers: 0, buildMs: 0, params: null },
    stop() {
      stopped = true;
      // Terminated before its answer: the folder (and any half-written graph) goes too, now
      // (the process may be about to exit) and once more after the thread has stopped.
      if (worker) {
        removeFolder();
        void worker.terminate().finally(removeFolder);
      }
      worker = null;
    },
  };
}

/** What the build thread needs, as plain arrays: the item rows' parts and the recall sample. */
function buildInit(model: Recommender, form: FactorForm, sample: Int32Array, o: Resolved): Omit<AnnBuildInit, 'file'> {
  const { dim } = form;
  const queries = new Float32Array(sample.length * dim);
  const q = new Float32Array(dim + 2);
  for (let s = 0; s < sample.length; s++) {
    form.query(sample[s], q);
    queries.set(q.subarray(0, dim), s * dim);
  }
  // The sampled users' training items: recall leaves them out on both sides, as the service does.
  const seenIndptr = new Int32Array(sample.length + 1);
  const seen: number[] = [];
  const csr = model.seen;
  for (let s = 0; s < sample.length; s++) {
    const u = sample[s];
    if (csr && u < csr.rows) for (let p = csr.indptr[u]; p < csr.indptr[u + 1]; p++) seen.push(csr.indices[p]);
    seenIndptr[s + 1] = seen.length;
  }
  return {
    family: form.family,
    dim,
    numItems: form.numItems,
    items: form.items,
    offsets: form.offsets,
    queries,
    seenIndptr,
    seenIndices: Int32Array.from(seen),
    // One thread unless told: the other core keeps serving.
    graph: {
      connectivity: o.connectivity,
      expansionAdd: o.expansionAdd,
      expansionSearch: o.expansionSearch,
      threads: o.threadsGiven ?? 1,
      space: o.space,
      quantization: o.quantization,
    },
    spaceFallback: o.spaceFallback,
    targetRecall: o.targetRecall,
    maxExpansion: MAX_EXPANSION,
    listLength: o.listLength,
  };
}

/** `spaceFallback`: no space was asked for, so an ip graph may be followed by an l2 one (buildBestGraph). */
type Resolved = typeof DEFAULTS & { threadsGiven?: number; spaceFallback: boolean; fullScanDepth?: number };

/** Options resolved and checked, and what can be decided without building: exact, and why; or the form and sample to build with. */
function planRetrieval(
  model: Recommender,
  given: AnnOptions,
): { done: Retrieval } | { o: Resolved; form: FactorForm; sample: Int32Array; exact: (reason: string, extra?: Partial<RetrievalStatus>) => Retrieval } {
  const o: Resolved = { ...DEFAULTS, ...definedOnly(given), threadsGiven: given.threads, spaceFallback: given.space === undefined };
  if (!['auto', 'on', 'off'].includes(o.mode)) throw new ConfigError(`ann must be auto, on or off, got "${o.mode}"`);
  if (!['ip', 'l2'].includes(o.space)) throw new ConfigError(`ann space must be ip or l2, got "${o.space}"`);
  if (!['f32', 'bf16', 'f16'].includes(o.quantization)) throw new ConfigError(`ann quantization must be f32, bf16 or f16, got "${o.quantization}"`);
  if (o.fullScanDepth !== undefined && !(Number.isInteger(o.fullScanDepth) && o.fullScanDepth > 0))
    throw new ConfigError(`ann fullScanDepth must be a positive integer, got ${o.fullScanDepth}`);
  const n = model.numItems;
  const exact = (reason: string, extra: Partial<RetrievalStatus> = {}): Retrieval => ({
    index: null,
    listLength: o.listLength,
    status: { kind: 'exact', reason, items: n, recallAt10: null, sampleUsers: 0, buildMs: 0, params: null, ...extra },
  });
  if (o.mode === 'off') return { done: exact('ann is off: every item is scored') };
  if (o.mode === 'auto' && n < o.minItems) return { done: exact(`${n} items is below the ann threshold (${o.minItems}): every item is scored`) };
  const form = factorFormOf(model);
  if ('reason' in form) return { done: exact(form.reason) };
  return { o, form, sample: sampleUsers(model.numUsers, o.sampleUsers), exact };
}

/** The retrieval once the graph is built and its recall measured: the index, or exact when the recall fell short. */
function finished(o: Resolved, form: FactorForm, index: AnnIndex, recall: number, sampled: number, buildMs: number, worker: boolean): Retrieval {
  if (o.fullScanDepth !== undefined) index.fullScanDepth = o.fullScanDepth;
  const params = {
    family: form.family,
    space: o.space,
    quantization: o.quantization,
    dim: form.dim,
    connectivity: o.connectivity,
    expansionAdd: o.expansionAdd,
    expansionSearch: index.expansionSearch,
    fullScanDepth: index.fullScanDepth,
  };
  const measured = { recallAt10: round(recall), sampleUsers: sampled, buildMs, params, ...(worker ? { worker } : {}) };
  if (recall < o.targetRecall) {
    const reason = `the hnsw index reached recall@10 ${recall.toFixed(3)} < ${o.targetRecall} even at ef ${MAX_EXPANSION}, so retrieval is exact`;
    return { index: null, listLength: o.listLength, status: { kind: 'exact', reason, items: form.numItems, ...measured } };
  }
  return {
    index,
    listLength: o.listLength,
    status: { kind: 'hnsw', reason: `hnsw over ${form.numItems} ${form.family} item vectors (mode ${o.mode})`, items: form.numItems, ...measured },
  };
}

/**
 * Recall@10 of the served lists against exact top-10 over the sampled users, leaving out each
 * user's training items on both sides; the index retrieves lists of `listLength` as the service
 * does, and a user for whom it finds too few is served (and counted) exact. The graph itself is
 * measured: no user is diverted to a full scan (MEASURE_GRAPH), though one with many training
 * items among the candidates might be when served.
 */
export function measureRecall(model: Recommender, index: AnnIndex, users: Int32Array, listLength = 10, k = 10): number {
  const scores = new Float32Array(model.numItems);
  let hit = 0;
  let total = 0;
  for (const u of users) {
    model.scoreItems(u, scores);
    const truth = model.rankScores(scores, u, { k });
    const got = index.search(u, Math.max(k, listLength), (i) => !model.hasSeen(u, i), MEASURE_GRAPH);
    // null: too few candidates pass, and the service scores every item instead (exact).
    const mine = new Set(got ? got.items.subarray(0, k) : truth.map((r) => r.index));
    for (const r of truth) if (mine.has(r.index)) hit++;
    total += truth.length;
  }
  return total === 0 ? 1 : hit / total;
}

/** Up to `count` distinct user indices, seeded (the same sample on every start). */
function sampleUsers(users: number, count: number): Int32Array {
  if (users <= count) return Int32Array.from({ length: users }, (_, u) => u);
  const rng = new Rng(7);
  const picked = new Set<number>();
  while (picked.size < count) picked.add(rng.int(users));
  return Int32Array.from(picked);
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
