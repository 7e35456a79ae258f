/**
 * Worker thread of one background index build (ann.ts `startRetrieval`): builds the HNSW graph
 * over the item rows it is sent, measures its recall@10 against exact top-10 on the sampled
 * users (doubling ef up to `maxExpansion` while short of the target), saves the graph to
 * `file` and says so. Everything heavy of a build runs here, so the serving thread never
 * waits on it; the serving thread only maps the finished file.
 *
 * Exact top-10 here comes from the factor form (p_u · q_i + b_i, the arithmetic the index
 * re-scores with), which ann.ts checked against the model's own scores before starting this.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AnnIndex, buildBestGraph, MEASURE_GRAPH, type AnnQuantization, type AnnSpace, type GraphOptions } from './ann-index.ts';
import type { FactorForm } from './factor-form.ts';

export interface AnnBuildInit {
  family: string;
  dim: number;
  numItems: number;
  /** Item vectors (numItems × dim) and offsets b_i, as in FactorForm. */
  items: Float32Array;
  offsets: Float32Array;
  /** The sampled users' query vectors p_u (sample × dim). */
  queries: Float32Array;
  /** The sampled users' training items (CSR over the sample), left out on both sides of recall. */
  seenIndptr: Int32Array;
  seenIndices: Int32Array;
  graph: GraphOptions;
  /** Whether an ip graph may be followed by an l2 one (ann-index.ts buildBestGraph). */
  spaceFallback: boolean;
  targetRecall: number;
  maxExpansion: number;
  /** Items per served list (recall is measured on lists of this length, as served). */
  listLength: number;
  /** Where to save the graph. */
  file: string;
}

export type AnnBuildMessage = { kind: 'done'; expansionSearch: number; recall: number; space: AnnSpace; quantization: AnnQuantization } | { kind: 'failed'; message: string };

/** A form whose "users" are the sample's positions: queries from the sent vectors, scores p · q + b. */
function sampleForm(init: AnnBuildInit): FactorForm {
  const { dim, items, offsets, queries } = init;
  const score = (s: number, i: number): number => {
    let x = 0;
    for (let d = 0; d < dim; d++) x += queries[s * dim + d] * items[i * dim + d];
    return x + offsets[i];
  };
  return {
    family: init.family,
    dim,
    numItems: init.numItems,
    items,
    offsets,
    query(s, out) {
      for (let d = 0; d < dim; d++) out[d] = queries[s * dim + d];
    },
    rescore(s, ids, count, out) {
      for (let r = 0; r < count; r++) out[r] = score(s, ids[r]);
    },
  };
}

/** Recall@10 of lists of `listLength` from the index against exact top-10, over the sample. */
function recallOf(init: AnnBuildInit, index: AnnIndex, truth: Int32Array[], k = 10): number {
  let hit = 0;
  let total = 0;
  for (let s = 0; s < truth.length; s++) {
    const seen = new Set(init.seenIndices.subarray(init.seenIndptr[s], init.seenIndptr[s + 1]));
    const got = index.search(s, Math.max(k, init.listLength), (i) => !seen.has(i), MEASURE_GRAPH);
    // null: too few candidates pass, and the service scores every item instead (exact).
    const mine = new Set(got ? got.items.subarray(0, k) : truth[s]);
    for (const i of truth[s]) if (mine.has(i)) hit++;
    total += truth[s].length;
  }
  return total === 0 ? 1 : hit / total;
}

/** Exact top-k by the form's scores, without the user's training items (ties: lower index first). */
function exactTop(init: AnnBuildInit, form: FactorForm, s: number, k = 10): Int32Array {
  const n = init.numItems;
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const scores = new Float32Array(n);
  form.rescore(s, all, n, scores);
  for (let p = init.seenIndptr[s]; p < init.seenIndptr[s + 1]; p++) scores[init.seenIndices[p]] = Number.NaN;
  // A running top-k: a full sort of n scores per sampled user would dominate small builds.
  const best: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = scores[i];
    if (Number.isNaN(x)) continue;
    if (best.length === k && x <= scores[best[k - 1]]) continue;
    let at = best.length;
    while (at > 0 && scores[best[at - 1]] < x) at--;
    best.splice(at, 0, i);
    if (best.length > k) best.pop();
  }
  return Int32Array.from(best);
}

function build(init: AnnBuildInit): AnnBuildMessage {
  const form = sampleForm(init);
  const truth = Array.from({ length: init.seenIndptr.length - 1 }, (_, s) => exactTop(init, form, s));
  const { index, recall } = buildBestGraph(
    init.graph.space,
    init.graph.quantization ?? 'f32',
    init.spaceFallback,
    (attempt) => new AnnIndex(form, { ...init.graph, ...attempt }),
    (graph) => recallOf(init, graph, truth),
    init.targetRecall,
    init.maxExpansion,
  );
  index.save(init.file);
  return { kind: 'done', expansionSearch: index.expansionSearch, recall, space: index.options.space, quantization: index.options.quantization ?? 'f32' };
}

const init = (workerData as { init: AnnBuildInit }).init;
let message: AnnBuildMessage;
try {
  message = build(init);
} catch (error) {
  message = { kind: 'failed', message: error instanceof Error ? error.message : String(error) };
}
parentPort!.postMessage(message);
