/**
 * The HNSW graph over a factor model's item vectors (usearch) and its search for the largest
 * inner products with exact re-scoring. Apart from ann.ts so that the build worker
 * (ann-build-worker.ts) loads only this and usearch, not the models.
 */
import usearch from 'usearch';
import { ConfigError } from '../contracts/errors.ts';
import type { FactorForm } from './factor-form.ts';

/** How the graph searches for the largest inner products (see AnnIndex). */
export type AnnSpace = 'ip' | 'l2';

/** How the graph stores item rows: 32-bit floats, or 16-bit (bf16, f16: half the memory and distance cost, coarser distances). */
export type AnnQuantization = 'f32' | 'bf16' | 'f16';

/** A second, wider search only when it would be at least this much deeper (fewer than 80 % of the candidates passed). */
const WIDEN_AT = 1.25;

/**
 * Items scored exactly in the time an HNSW search spends per unit of depth: an exact pass over n
 * items costs about a search to depth n / 64. At 100 K planted items, 64 factors, bf16: one
 * search at depth 256 / 1,024 / 1,563 / 4,096 took 0.26 / 0.95 / 1.37 / 3.70 ms (p50), an exact
 * list 1.1–1.4 ms (bench/serve-selective.ts).
 */
export const FULL_SCAN_ITEMS_PER_DEPTH = 64;

/** Search limits for measuring recall: the graph's own answers, never a full scan instead. */
export const MEASURE_GRAPH = { fullScanDepth: Number.POSITIVE_INFINITY };

const SCALAR = { f32: usearch.ScalarKind.F32, bf16: usearch.ScalarKind.BF16, f16: usearch.ScalarKind.F16 };

/**
 * The row storages to try in turn: the one asked for, then f32 when a 16-bit graph falls short of
 * the recall target even at the widest search (seen on tiny, low-dimensional models, where
 * rounding makes rows tie and the graph leaves some unreachable).
 */
export function fallbackOrder(quantization: AnnQuantization): AnnQuantization[] {
  return quantization === 'f32' ? ['f32'] : [quantization, 'f32'];
}

/** A graph a build kept: the index (at the ef its search settled on) and its recall there. */
export interface BuiltGraph {
  index: AnnIndex;
  recall: number;
}

/**
 * Builds the service's graph. The spaces are the one asked for, or with `spaceFallback` (no space
 * asked for) ip and then the l2 transform. Each storage of `fallbackOrder` is tried in turn:
 * - The first space's graph is measured at its starting ef, and kept if it reaches the recall target there.
 * - Otherwise the other space's graph joins it, and both searches widen together (ef doubling up
 *   to `maxExpansion`). The first graph to reach the target is kept (the earlier space on a tie),
 *   so the graph kept is the one that reaches it at the smaller ef.
 * - Short of the target everywhere, the best recall is kept.
 * Which space wins depends on the model's factors. On Book-Crossing (bench/ann-space.ts), iALS's
 * ip graph reached 0.95 at ef 16 and its l2 graph never did; BPR's ip graph needed ef 1024 and
 * its l2 graph ef 16; WARP's needed 128–256 and 16–64 (graphs built on two threads vary).
 */
export function buildBestGraph(
  space: AnnSpace,
  quantization: AnnQuantization,
  spaceFallback: boolean,
  make: (attempt: { space: AnnSpace; quantization: AnnQuantization }) => AnnIndex,
  recallOf: (index: AnnIndex) => number,
  target: number,
  maxExpansion: number,
): BuiltGraph {
  const spaces: AnnSpace[] = spaceFallback && space === 'ip' ? ['ip', 'l2'] : [space];
  let best: BuiltGraph | null = null;
  for (const q of fallbackOrder(quantization)) {
    const built = (s: AnnSpace): BuiltGraph => {
      const index = make({ space: s, quantization: q });
      return { index, recall: recallOf(index) };
    };
    const graphs = [built(spaces[0])];
    if (graphs[0].recall >= target) return graphs[0];
    for (const s of spaces.slice(1)) graphs.push(built(s));
    for (;;) {
      const reached = graphs.find((g) => g.recall >= target);
      if (reached) return reached;
      if (graphs[0].index.expansionSearch >= maxExpansion) break;
      for (const g of graphs) {
        g.index.expansionSearch *= 2;
        g.recall = recallOf(g.index);
      }
    }
    for (const g of graphs) if (best === null || g.recall > best.recall) best = g;
  }
  return best!;
}

/** The graph's parameters. */
export interface GraphOptions {
  /** HNSW graph degree M. */
  connectivity: number;
  /** HNSW ef at construction. */
  expansionAdd: number;
  /** HNSW ef at search (at least; a search for more results widens it). */
  expansionSearch: number;
  /** Threads for adding items. */
  threads: number;
  space: AnnSpace;
  /** Row storage (default f32 here; the service's default is bf16, see AnnOptions). Candidates are re-scored exactly from the model either way. */
  quantization?: AnnQuantization;
}

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
  /** Scratch for the candidates that pass (reused: one search runs at a time on this thread). */
  private ids = new Int32Array(0);
  expansionSearch: number;
  /**
   * A request whose rules turn candidates away (a filter few items pass) and that would have to
   * search deeper than this is answered by scoring every item instead (`search` returns null):
   * past it an exact pass costs less. Default items / FULL_SCAN_ITEMS_PER_DEPTH.
   */
  fullScanDepth: number;

  /** The rows still to be added (`fill: false`); null once every item is in the graph. */
  private pendingRows: Float32Array | null = null;

  /**
   * `fill: false` leaves the graph empty: add the items with `addRange`, a slice at a time;
   * `{ file }` maps a graph that `save` wrote for the same form and options.
   */
  constructor(
    readonly form: FactorForm,
    readonly options: GraphOptions,
    fill: boolean | { file: string } = true,
  ) {
    const { dim, numItems: n } = form;
    const l2 = options.space === 'l2';
    const width = l2 ? dim + 2 : dim + 1;
    this.index = new usearch.Index({
      metric: l2 ? usearch.MetricKind.L2sq : usearch.MetricKind.IP,
      dimensions: width,
      connectivity: options.connectivity,
      expansion_add: options.expansionAdd,
      expansion_search: options.expansionSearch,
      quantization: SCALAR[options.quantization ?? 'f32'],
      multi: false,
    });
    if (typeof fill === 'object') {
      // A graph built elsewhere (the build worker) and saved: mapped from the file, not read
      // into the heap, so taking it over costs the event loop nothing like a build.
      this.index.view(fill.file);
      if (this.index.size() !== n) throw new ConfigError(`the index file ${fill.file} holds ${this.index.size()} items, not ${n}`);
    } else {
      this.pendingRows = l2 ? mipsRows(form.items, form.offsets, n, dim) : biasRows(form.items, form.offsets, n, dim);
      if (fill) this.addRange(0, n);
    }
    this.expansionSearch = options.expansionSearch;
    this.fullScanDepth = Math.ceil(n / FULL_SCAN_ITEMS_PER_DEPTH);
    this.query = new Float32Array(width);
    this.query[dim] = 1;
  }

  get size(): number {
    return this.form.numItems;
  }

  /** Writes the graph to `file` (for `new AnnIndex(form, options, { file })` on another thread). */
  save(file: string): void {
    this.index.save(file);
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
   * few pass; when enough pass but many were turned away, once more at a depth widened by the
   * share that passed. Returns null when even `maxFetch` candidates (or the whole catalogue) leave fewer
   * than `want` (a strict filter), or when the share that passed says the search would go deeper
   * than `fullScanDepth` (Infinity: never, as recall is measured, to measure the graph): the
   * caller then scores every item.
   */
  search(user: number, want: number, accept: (item: number) => boolean, limits: { maxFetch?: number; fullScanDepth?: number } = {}): Candidates | null {
    const maxFetch = limits.maxFetch ?? 4096;
    const fullScanDepth = limits.fullScanDepth ?? this.fullScanDepth;
    const n = this.form.numItems;
    const target = Math.min(want, n);
    // The user's vector straight into the query row (its last entries, the bias column and the
    // l2 space's 0, stay as they are): no copy of the user table's row beyond this one.
    this.form.query(user, this.query);
    let fetch = Math.min(n, Math.max(2 * target, target + 16));
    let widened = false;
    for (;;) {
      // Asking for max(fetch, ef) results is a search with ef = that (usearch widens ef to the count).
      const depth = Math.max(fetch, this.expansionSearch);
      const found = this.index.search(this.query, depth, 1);
      const keys = found.keys;
      const count = keys.length;
      if (this.ids.length < count) this.ids = new Int32Array(count);
      const ids = this.ids;
      let kept = 0;
      for (let r = 0; r < count; r++) {
        const i = Number(keys[r]);
        if (accept(i)) ids[kept++] = i;
      }
      const share = kept / count;
      if (kept >= target) {
        // The items that pass sit deeper in the ranking than the unfiltered ones the search depth
        // was tuned for: searched once more at depth ÷ the share that passed, they are found as
        // reliably as an unfiltered list (post-filtering with a widened beam, as filtered HNSW does).
        const widerDepth = Math.ceil(depth / share);
        if (widened || widerDepth < depth * WIDEN_AT || depth >= maxFetch || depth >= n) return this.rescored(user, ids, kept, target);
        if (Math.min(widerDepth, maxFetch) > fullScanDepth) return null;
        fetch = Math.min(n, maxFetch, widerDepth);
        widened = true;
        continue;
      }
      // Enough would pass about target ÷ share deep, and the widened search goes ÷ share deeper
      // again: when that is past the full-scan depth (few items pass these rules), scoring every
      // item costs less than the searches still to come. Unfiltered requests (≥ 80 % pass) go on.
      if (share * WIDEN_AT < 1 && Math.min(target / (share * share), maxFetch) > fullScanDepth) return null;
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
    const order = new Int32Array(count);
    for (let r = 0; r < count; r++) order[r] = r;
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
export function biasRows(items: Float32Array, offsets: Float32Array, n: number, dim: number): Float32Array {
  const rows = new Float32Array(n * (dim + 1));
  for (let i = 0; i < n; i++) {
    rows.set(items.subarray(i * dim, (i + 1) * dim), i * (dim + 1));
    rows[i * (dim + 1) + dim] = offsets[i];
  }
  return rows;
}
