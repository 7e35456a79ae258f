/**
 * Count handling for models that read the value column as confidence (iALS, item-kNN): play
 * counts are heavy-tailed, and used raw a few huge counts swamp everything else (on a music
 * play-count dataset iALS fell from R@10 0.21 binarised to 0.05 raw). The standard remedies:
 *
 * - `binary`: w = 1 for every observed pair;
 * - `linear`: w = r, the value as it is (Hu, Koren & Volinsky 2008, c = 1 + α·r);
 * - `log`: w = log(1 + r/ε) (Hu et al.'s second form, c = 1 + α·log(1 + r/ε));
 * - `bm25`: `implicit`'s `bm25_weight` (items as documents, users as terms):
 *   w = r·(K1 + 1) / (K1·len_i + r) · idf_u, len_i = (1 − B) + B·R_i / mean(R), R_i the item's
 *   total value, idf_u = log(items) − log(1 + |I_u|) (clamped at 0).
 *
 * The default is `binary`: chosen on validation (bench/counts.ts: planted heavy-tailed counts
 * with a little signal, seeds 1–3, validation R@10 medians) — iALS binary 0.319, log 0.31,
 * linear 0.24, bm25 0.21; item-kNN binary 0.318, log 0.295, bm25 0.27, linear 0.10. log comes
 * close and may win where counts carry more signal (tune alpha with it: a single play weighs
 * log 2, not 1); raw counts should never be the default. The fit log names the weighting used.
 */
import { Interactions } from '../../data/interactions.ts';

export type ConfidenceKind = 'binary' | 'linear' | 'log' | 'bm25';

export type ConfidenceOptions = {
  confidence: ConfidenceKind;
  /** ε in log(1 + r/ε). */
  logEpsilon: number;
  /** BM25's K1 (saturation) and B (item length normalisation); implicit's defaults are 100 and 0.8. */
  bm25K1: number;
  bm25B: number;
};

/** The schema entries every model with count handling shares (spread into its spec). */
export const confidenceSchema = {
  confidence: {
    kind: 'enum',
    values: ['binary', 'linear', 'log', 'bm25'],
    help: "how values (e.g. play counts) weigh: binary = 1 per pair (default); log = log(1 + r/ε); bm25 as implicit's bm25_weight; linear = the raw value",
  },
  logEpsilon: { kind: 'number', min: 0, exclusiveMin: true, help: 'ε of the log confidence log(1 + r/ε)' },
  bm25K1: { kind: 'number', min: 0, help: 'BM25 K1: how fast a count saturates (implicit: 100)' },
  bm25B: { kind: 'number', min: 0, max: 1, help: "BM25 B: how much an item's total count normalises it (implicit: 0.8)" },
} as const;

export const confidenceDefaults: ConfidenceOptions = { confidence: 'binary', logEpsilon: 1, bm25K1: 100, bm25B: 0.8 };

/** The range of the values, for the fit log (so a user sees counts were there to weigh). */
export function describeValues(values: Float32Array): string {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (values.length === 0) return 'no values';
  return lo === hi ? `every value ${lo}` : `values ${lo}..${hi}`;
}

/** w per interaction (aligned with `train`'s arrays) for a concrete kind. */
export function confidenceWeights(train: Interactions, kind: ConfidenceKind, options: Pick<ConfidenceOptions, 'logEpsilon' | 'bm25K1' | 'bm25B'>): Float32Array {
  const { values } = train;
  const n = values.length;
  if (kind === 'linear') return values;
  if (kind === 'binary') return new Float32Array(n).fill(1);
  if (kind === 'log') {
    const eps = options.logEpsilon;
    return Float32Array.from(values, (r) => Math.log1p(r / eps));
  }
  const { bm25K1: k1, bm25B: b } = options;
  const items = train.numItems;
  const itemTotal = new Float64Array(items);
  const userItems = new Float64Array(train.numUsers);
  for (let k = 0; k < n; k++) {
    itemTotal[train.items[k]] += values[k];
    userItems[train.users[k]] += 1;
  }
  let total = 0;
  for (const t of itemTotal) total += t;
  const mean = total / Math.max(1, items);
  const logItems = Math.log(items);
  const out = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    const r = values[k];
    const length = 1 - b + (b * itemTotal[train.items[k]]) / (mean || 1);
    const idf = Math.max(0, logItems - Math.log1p(userItems[train.users[k]]));
    out[k] = ((r * (k1 + 1)) / (k1 * length + r)) * idf;
  }
  return out;
}

/** `train` with its values replaced by confidence weights (same arrays otherwise), and the kind used. */
export function weighted(train: Interactions, options: ConfidenceOptions): { data: Interactions; kind: ConfidenceKind; why: string } {
  const kind = options.confidence;
  const why = describeValues(train.values);
  const w = confidenceWeights(train, kind, options);
  if (w === train.values) return { data: train, kind, why };
  const data = new Interactions({ users: train.users, items: train.items, values: w, times: train.times ?? undefined, userIds: train.userIds, itemIds: train.itemIds });
  return { data, kind, why };
}
