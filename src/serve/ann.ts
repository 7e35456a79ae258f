/**
 * Approximate top-k retrieval for factor models: an HNSW graph (usearch) over the model's item
 * vectors, searched for maximum inner product, with the candidates re-scored exactly by the
 * model. Built when the service loads a model; its recall@10 against exact top-k is measured
 * on a sample of users at build time and reported, and it steps aside (exact retrieval, said
 * so in the status) when it cannot reach the target recall.
 */
import usearch from 'usearch';
import { ConfigError } from '../contracts/errors.ts';
import { Rng } from '../core/rng.ts';
import type { Recommender } from '../models/recommender.ts';
import { checkFactorForm, factorFormOf, type FactorForm } from './factor-form.ts';

export type AnnMode = 'auto' | 'on' | 'off';

export interface AnnOptions {
  /** Build the index a slice at a time while the service answers by exact scoring (the service's default); else before the first request. */
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
   * Recall is measured on lists of this length, as they are served. Default 50.
   */
  listLength?: number;
  /** Threads for building the graph. Default 2. */
  threads?: number;
  /**
   * How the graph searches for the largest inner products: `ip` (default) walks it with the
   * inner product itself (ip-NSW); `l2` indexes the MIPS → Euclidean transform. See AnnIndex.
   */
  space?: AnnSpace;
}

export type AnnSpace = 'ip' | 'l2';

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
  params: { family: string; space: AnnSpace; dim: number; connectivity: number; expansionAdd: number; expansionSearch: number } | null;
}

const DEFAULTS = {
  space: 'ip' as AnnSpace,
  mode: 'auto' as AnnMode,
  minItems: 20_000,
  connectivity: 16,
  expansionAdd: 128,
  expansionSearch: 64,
  targetRecall: 0.95,
  sampleUsers: 200,
  listLength: 50,
  threads: 2,
};
/** ef is doubled at most up to this while the recall is short of the target. */
const MAX_EXPANSION = 1024;

/** A candidate list: item indices best first, with the model's scores. */
export interface Candidates {
  items: Int32Array;
  scores: Float32Array;
  count: number;
}

/**
 * Maximum-inner-product search over a factor model's items with an HNSW graph (usearch). A
 * score is p_u · q_i + b_i, so items are indexed as [q_i, b_i] and users queried as [p_u, 1].
 *
 * Inner product is not a metric, and there are two standard ways to search it with a graph:
 * - `ip`: build and walk the graph with the inner product itself (ip-NSW: Morozov & Babenko
 *   2018, "Non-metric similarity graphs for maximum inner product search"; usearch's `ip` is
 *   1 − x·y on the raw vectors, nothing normalised). The default: on our planted factors it
 *   reached higher recall at the same ef, most of all when item norms differ a lot.
 * - `l2`: the reduction to nearest neighbours (Bachrach et al. 2014, "Speeding up the Xbox
 *   recommender system using a Euclidean transformation for inner-product spaces"; Neyshabur &
 *   Srebro 2015, "On symmetric and asymmetric LSHs for inner product search"): each row gets
 *   √(M² − ‖[q_i, b_i]‖²) appended so all rows have norm M, the query gets 0, and then
 *   ‖y_u − x_i‖² = ‖y_u‖² + M² − 2(p_u·q_i + b_i): the nearest rows score highest (`mipsRows`).
 * Either way the build measures recall against exact top-k, so a space that fails on a model's
 * geometry is seen, not assumed.
 */
export class AnnIndex {
  private readonly index: InstanceType<typeof usearch.Index>;
  private readonly query: Float32Array;
  private readonly p: Float32Array;
  expansionSearch: number;

  /** The rows still to be added (`fill: false`); null once every item is in the graph. */
  private pendingRows: Float32Array | null = null;

  /** `fill: false` leaves the graph empty: add the items with `addRange`, a slice at a time. */
  constructor(
    readonly form: FactorForm,
    readonly options: Required<Pick<AnnOptions, 'connectivity' | 'expansionAdd' | 'expansionSearch' | 'threads' | 'space'>>,
    fill = true,
  ) {
    const { dim, numItems: n } = form;
    const l2 = options.space === 'l2';
    const width = l2 ? dim + 2 : dim + 1;
    const rows = l2 ? mipsRows(form.items, form.offsets, n, dim) : biasRows(form.items, form.offsets, n, dim);
    this.index = new usearch.Index({
      metric: l2 ? usearch.MetricKind.L2sq : usearch.MetricKind.IP,
      dimensions: width,
      connectivity: options.connectivity,
      expansion_add: options.expansionAdd,
      expansion_search: options.expansionSearch,
      quantization: usearch.ScalarKind.F32,
      multi: false,
    });
    this.pendingRows = rows;
    if (fill) this.addRange(0, n);
    this.expansionSearch = options.expansionSearch;
    this.query = new Float32Array(width);
    this.query[dim] = 1;
    this.p = new Float32Array(dim);
  }

  get size(): number {
    return this.form.numItems;
  }

  /** Adds items [from, to) to the graph (HNSW insertion is incremental: slices give the same graph kind). */
  addRange(from: number, to: number): void {
    const rows = this.pendingRows;
    if (!rows) throw new ConfigError('every item is already in the index');
    const width = rows.length / this.form.numItems;
    const keys = new BigUint64Array(to - from);
    for (let i = from; i < to; i++) keys[i - from] = BigInt(i);
    this.index.add(keys, rows.subarray(from * width, to * width), this.options.threads);
    if (to >= this.form.numItems) this.pendingRows = null;
  }

  /**
   * The `want` best items for `user` that `accept` lets through, with the model's exact scores:
   * the index is asked for more than `want` (over-fetch), and asked again for 4× more while too
   * few pass. Returns null when even `maxFetch` candidates (or the whole catalogue) leave fewer
   * than `want` (a strict filter): the caller then scores every item.
   */
  search(user: number, want: number, accept: (item: number) => boolean, maxFetch = 4096): Candidates | null {
    const n = this.form.numItems;
    const target = Math.min(want, n);
    this.form.query(user, this.p);
    this.query.set(this.p);
    let fetch = Math.min(n, Math.max(2 * target, target + 16));
    for (;;) {
      // Asking for max(fetch, ef) results is a search with ef = that (usearch widens ef to the count).
      const found = this.index.search(this.query, Math.max(fetch, this.expansionSearch), 1);
      const keys = found.keys;
      const count = keys.length;
      const ids = new Int32Array(count);
      let kept = 0;
      for (let r = 0; r < count; r++) {
        const i = Number(keys[r]);
        if (accept(i)) ids[kept++] = i;
      }
      if (kept >= target) return this.rescored(user, ids, kept, target);
      // Fewer pass than wanted even among this many: a graph search need not reach every item,
      // so only exact scoring is sure to find all that pass.
      if (fetch >= maxFetch || fetch >= n) return null;
      fetch = Math.min(n, maxFetch, fetch * 4);
    }
  }

  /** The candidates' exact scores, best first (ties: lower index), the first `want`. */
  private rescored(user: number, ids: Int32Array, count: number, want: number): Candidates {
    const scores = new Float32Array(count);
    this.form.rescore(user, ids, count, scores);
    const order = Array.from({ length: count }, (_, r) => r);
    order.sort((a, b) => scores[b] - scores[a] || ids[a] - ids[b]);
    const size = Math.min(want, count);
    const items = new Int32Array(size);
    const best = new Float32Array(size);
    for (let r = 0; r < size; r++) {
      items[r] = ids[order[r]];
      best[r] = scores[order[r]];
    }
    return { items, scores: best, count: size };
  }
}

/**
 * The MIPS → nearest-neighbour rows: [q_i, b_i, √(M² − ‖q_i‖² − b_i²)] (n × (dim + 2)), every
 * row of norm M = the largest ‖[q_i, b_i]‖. Query with [p_u, 1, 0].
 */
export function mipsRows(items: Float32Array, offsets: Float32Array, n: number, dim: number): Float32Array {
  const width = dim + 2;
  const rows = new Float32Array(n * width);
  const norm2 = new Float64Array(n);
  let max = 0;
  for (let i = 0; i < n; i++) {
    let s = offsets[i] * offsets[i];
    for (let d = 0; d < dim; d++) s += items[i * dim + d] * items[i * dim + d];
    norm2[i] = s;
    max = Math.max(max, s);
  }
  for (let i = 0; i < n; i++) {
    rows.set(items.subarray(i * dim, (i + 1) * dim), i * width);
    rows[i * width + dim] = offsets[i];
    rows[i * width + dim + 1] = Math.sqrt(Math.max(0, max - norm2[i]));
  }
  return rows;
}

/** [q_i, b_i] rows (n × (dim + 1)) for the `ip` space. */
function biasRows(items: Float32Array, offsets: Float32Array, n: number, dim: number): Float32Array {
  const rows = new Float32Array(n * (dim + 1));
  for (let i = 0; i < n; i++) {
    rows.set(items.subarray(i * dim, (i + 1) * dim), i * (dim + 1));
    rows[i * (dim + 1) + dim] = offsets[i];
  }
  return rows;
}

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
  return runToEnd(retrievalSteps(model, given, Number.POSITIVE_INFINITY));
}

/**
 * `buildRetrieval` for a running service: what can be decided at once is returned at once;
 * an index is built a slice at a time (ITEMS_PER_STEP items, USERS_PER_STEP users of the recall
 * check), giving the event loop a turn between slices, so requests keep being answered
 * (by exact scoring) meanwhile. `ready` receives the finished retrieval.
 */
export function startRetrieval(model: Recommender, given: AnnOptions, ready: (retrieval: Retrieval) => void): Retrieval {
  const steps = retrievalSteps(model, given, ITEMS_PER_STEP);
  const first = steps.next();
  if (first.done) return first.value;
  const step = (): void => {
    let next: IteratorResult<void, Retrieval>;
    try {
      next = steps.next();
    } catch (error) {
      const reason = `building the hnsw index failed (${(error as Error).message}), so retrieval is exact`;
      ready({ index: null, listLength: DEFAULTS.listLength, status: { kind: 'exact', reason, items: model.numItems, recallAt10: null, sampleUsers: 0, buildMs: 0, params: null } });
      return;
    }
    if (next.done) ready(next.value);
    else setImmediate(step);
  };
  setImmediate(step);
  const reason = `building an hnsw index over ${model.numItems} items; every item is scored until it is ready`;
  return {
    index: null,
    listLength: DEFAULTS.listLength,
    status: { kind: 'exact', reason, building: true, items: model.numItems, recallAt10: null, sampleUsers: 0, buildMs: 0, params: null },
  };
}

/** Items added, or users checked for recall, between two turns of the event loop. */
const ITEMS_PER_STEP = 250;
const USERS_PER_STEP = 5;

function runToEnd<T>(steps: Generator<void, T>): T {
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

/** The build, as steps: `slice` items are added between two yields (all at once: Infinity). */
function* retrievalSteps(model: Recommender, given: AnnOptions, slice: number): Generator<void, Retrieval> {
  const o = { ...DEFAULTS, ...definedOnly(given) };
  if (!['auto', 'on', 'off'].includes(o.mode)) throw new ConfigError(`ann must be auto, on or off, got "${o.mode}"`);
  if (!['ip', 'l2'].includes(o.space)) throw new ConfigError(`ann space must be ip or l2, got "${o.space}"`);
  const n = model.numItems;
  const exact = (reason: string, extra: Partial<RetrievalStatus> = {}): Retrieval => ({
    index: null,
    listLength: o.listLength,
    status: { kind: 'exact', reason, items: n, recallAt10: null, sampleUsers: 0, buildMs: 0, params: null, ...extra },
  });
  if (o.mode === 'off') return exact('ann is off: every item is scored');
  if (o.mode === 'auto' && n < o.minItems) return exact(`${n} items is below the ann threshold (${o.minItems}): every item is scored`);
  const form = factorFormOf(model);
  if ('reason' in form) return exact(form.reason);
  const started = performance.now();
  const sample = sampleUsers(model.numUsers, o.sampleUsers);
  const check = checkFactorForm(model, form, sample.subarray(0, Math.min(sample.length, 5)));
  if (!check.ok) return exact(`the ${form.family} factors did not reproduce the model's scores (relative error ${check.maxError.toExponential(2)}), so retrieval is exact`);
  const index = new AnnIndex(form, o, false);
  for (let from = 0; from < n; from += slice) {
    yield;
    index.addRange(from, Math.min(n, from + slice));
  }
  let recall = yield* recallSteps(model, index, sample, o.listLength);
  while (recall < o.targetRecall && index.expansionSearch < MAX_EXPANSION) {
    index.expansionSearch *= 2;
    recall = yield* recallSteps(model, index, sample, o.listLength);
  }
  const buildMs = Math.round(performance.now() - started);
  const params = { family: form.family, space: o.space, dim: form.dim, connectivity: o.connectivity, expansionAdd: o.expansionAdd, expansionSearch: index.expansionSearch };
  const measured = { recallAt10: round(recall), sampleUsers: sample.length, buildMs, params };
  if (recall < o.targetRecall) {
    return exact(`the hnsw index reached recall@10 ${recall.toFixed(3)} < ${o.targetRecall} even at ef ${MAX_EXPANSION}, so retrieval is exact`, measured);
  }
  return { index, listLength: o.listLength, status: { kind: 'hnsw', reason: `hnsw over ${n} ${form.family} item vectors (mode ${o.mode})`, items: n, ...measured } };
}

/**
 * Recall@10 of the served lists against exact top-10 over the sampled users, leaving out each
 * user's training items on both sides; the index retrieves lists of `listLength` as the service
 * does, and a user for whom it finds too few is served (and counted) exact.
 */
export function measureRecall(model: Recommender, index: AnnIndex, users: Int32Array, listLength = 10, k = 10): number {
  return runToEnd(recallSteps(model, index, users, listLength, k));
}

function* recallSteps(model: Recommender, index: AnnIndex, users: Int32Array, listLength = 10, k = 10): Generator<void, number> {
  const scores = new Float32Array(model.numItems);
  let hit = 0;
  let total = 0;
  let checked = 0;
  for (const u of users) {
    model.scoreItems(u, scores);
    const truth = model.rankScores(scores, u, { k });
    const got = index.search(u, Math.max(k, listLength), (i) => !model.hasSeen(u, i));
    // null: too few candidates pass, and the service scores every item instead (exact).
    const mine = new Set(got ? got.items.subarray(0, k) : truth.map((r) => r.index));
    for (const r of truth) if (mine.has(r.index)) hit++;
    total += truth.length;
    if (++checked % USERS_PER_STEP === 0) yield;
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
