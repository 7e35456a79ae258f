import { ConfigError } from '../contracts/errors.ts';
import { IdMap } from '../data/idmap.ts';
import { csrHas, type Csr, type Interactions } from '../data/interactions.ts';
import type { FeatureMatrix } from '../contracts/types.ts';
import type { Rng } from '../core/rng.ts';
import type { Tensor } from '../contracts/types.ts';
import { topK } from '../core/topk.ts';
import { cosineToRows } from '../core/similarity.ts';
import type { EpochContext, FitOptions, Trainable } from '../train/types.ts';
import { fitModel } from '../train/fit.ts';
import { writeModelFile, type WriteOptions } from '../modelfile/model-file.ts';
import type { TrainingData } from '../modelfile/manifest.ts';
import { statusOf, toModelFile } from './persist.ts';
import type { ModelStatus } from '../modelfile/manifest.ts';
import type { TrainingHistory } from '../contracts/types.ts';
import type { ModelState, Recommendation, RecommendOptions, Scorer } from '../contracts/types.ts';
import type { Explanation, ExplanationMethod, HistoryEntry, RecommendationSource, UserHistory, UserRef } from '../contracts/types.ts';

/** A folded-in history's scores, and what became of its items. */
export interface FoldIn {
  /** Scores of every item. */
  scores: Float32Array;
  /** `model`, or `fallback` (popularity) when no item of the history is known to the model. */
  source: RecommendationSource;
  /** The known items, merged and sorted by index. */
  history: HistoryEntry[];
  /** History items whose ids the model does not know (ignored). */
  unknown: number;
}

/** What `explainHistory` returns: the item's score and one contribution per history entry. */
export interface HistoryAttribution {
  score: number;
  /** Aligned with the history entries. */
  contributions: Float64Array;
  /** The user-independent part of an exact score (biases); default 0. */
  base?: number;
  method: ExplanationMethod;
}

/** Whether `user` is a history rather than a training user's id or index. */
export function isHistory(user: UserRef): user is UserHistory {
  return typeof user === 'object' && user !== null && Array.isArray((user as UserHistory).history);
}

/**
 * The one interface every model and baseline implements (after implicit's RecommenderBase):
 * `fit`, `score`, `recommend`, `similarItems`, `save`/`load`. A subclass supplies
 * `prepare` (allocate parameters for the data), `trainEpoch`, `scoreItems` and `getState` /
 * `setState`; the rest (id translation, seen-item filtering, the fit loop with validation and
 * early stopping, the model file) lives here once.
 */
export abstract class Recommender implements Scorer, Trainable {
  /** Registry name, e.g. `bpr`, `deepfm`; stored in the model file. */
  abstract readonly type: string;
  /** Hyperparameters, JSON-able, complete (defaults filled in): a model file stores them. */
  abstract readonly config: Record<string, unknown>;

  userIds = new IdMap();
  itemIds = new IdMap();
  /** Training interactions by user (sorted rows), for excludeSeen and fold-in. */
  seen: Csr | null = null;
  userFeatures: FeatureMatrix | null = null;
  itemFeatures: FeatureMatrix | null = null;
  history: TrainingHistory | null = null;
  /** What the model was trained on (source, split, counts, a hash of the pairs); null before fit. */
  trainingData: TrainingData | null = null;
  /** Final metrics, kept in the model file. */
  metrics: Record<string, unknown> = {};

  /** How training ended: `trained`, `untrained` (no epoch ran) or `diverged` (a non-finite loss). */
  get status(): ModelStatus {
    return statusOf(this.history);
  }

  get numUsers(): number {
    return this.userIds.size;
  }

  get numItems(): number {
    return this.itemIds.size;
  }

  /** Allocate and initialise parameters for this training data (called once per fit). */
  abstract prepare(train: Interactions, rng: Rng, options: FitOptions): void | Promise<void>;

  /** One pass over the training data; returns the mean training loss. */
  abstract trainEpoch(ctx: EpochContext): number | Promise<number>;

  /** Scores of every item for user index `user`, written into `out` (length numItems). */
  abstract scoreItems(user: number, out: Float32Array): void;

  /** Parameters and extra state (for saving and for restoring the best epoch). */
  abstract getState(): ModelState;

  /** Restore parameters from `getState()` output (shapes already checked by the caller). */
  abstract setState(state: ModelState): void;

  /** Scores for many users at once, row-major users × items. Deep models override with batches. */
  scoreUsers(users: Int32Array, out: Float32Array): void {
    const n = this.numItems;
    for (let u = 0; u < users.length; u++) this.scoreItems(users[u], out.subarray(u * n, (u + 1) * n));
  }

  /**
   * Scores of (user, item) index pairs. Every index is checked first (O(n), one comparison per
   * index): an index outside 0..numUsers−1 or 0..numItems−1 is refused, naming its position,
   * rather than read past a table (NaN, 0 or another row's number). Then `scorePairs`, which
   * models with a cheap pairwise score override: override that, not this.
   */
  score(users: Int32Array, items: Int32Array): Float32Array {
    if (users.length !== items.length) throw new ConfigError(`score: users (${users.length}) and items (${items.length}) differ in length; give one user index per item index`);
    if (users.length > 0) {
      this.checkFitted();
      checkIndices(users, this.numUsers, 'users', 'user');
      checkIndices(items, this.numItems, 'items', 'item');
    }
    return this.scorePairs(users, items);
  }

  /** Scores of (user, item) index pairs, of the same length and already checked to be in range (`score`). */
  protected scorePairs(users: Int32Array, items: Int32Array): Float32Array {
    const out = new Float32Array(users.length);
    const row = new Float32Array(this.numItems);
    let last = -1;
    for (let k = 0; k < users.length; k++) {
      if (users[k] !== last) {
        this.scoreItems(users[k], row);
        last = users[k];
      }
      out[k] = row[items[k]];
    }
    return out;
  }

  /** Item vectors for `similarItems` (rows × dim), or null when the model has none. */
  itemVectors(): { data: Float32Array; dim: number } | null {
    return null;
  }

  /** Train on `train`; see FitOptions for epochs, validation, early stopping, threads, seed. */
  async fit(train: Interactions, options: FitOptions = {}): Promise<TrainingHistory> {
    try {
      return await fitModel(this, train, options);
    } finally {
      await this.stopThreads();
    }
  }

  /** Stops the worker threads a fit started (models that train over threads override it); after every fit, and before a new one prepares. */
  protected async stopThreads(): Promise<void> {}

  /** A model that knows no user and no item was never fitted nor loaded: "out of range (0..-1)" would not say so. */
  private checkFitted(): void {
    if (this.numUsers === 0 && this.numItems === 0) throw new ConfigError(`${this.type} model is not trained yet: call fit() or load a model file`);
  }

  /** The dense index of a user given by external id (string) or index (number). */
  userIndex(user: string | number): number {
    this.checkFitted();
    if (typeof user === 'number') {
      if (!Number.isInteger(user) || user < 0 || user >= this.numUsers) throw new ConfigError(`user index ${user} is out of range (0..${this.numUsers - 1})`);
      return user;
    }
    const u = this.userIds.get(user);
    if (u === undefined) throw new ConfigError(`unknown user "${user}": the model was trained on ${this.numUsers} users`);
    return u;
  }

  itemIndex(item: string | number): number {
    this.checkFitted();
    if (typeof item === 'number') {
      if (!Number.isInteger(item) || item < 0 || item >= this.numItems) throw new ConfigError(`item index ${item} is out of range (0..${this.numItems - 1})`);
      return item;
    }
    const i = this.itemIds.get(item);
    if (i === undefined) throw new ConfigError(`unknown item "${item}": the model was trained on ${this.numItems} items`);
    return i;
  }

  /**
   * The top-k items for a user, best first, by external id. `user` is a training user (id or
   * index) or `{ history }`, folded in without retraining (`foldIn`); then excludeSeen leaves
   * out the history's items, and a history with no known item gets the popularity fallback
   * (`source: 'fallback'` on every recommendation).
   */
  recommend(user: UserRef, options: RecommendOptions = {}): Recommendation[] {
    checkK(options.k ?? 10);
    if (isHistory(user)) {
      const folded = this.foldIn(user.history);
      const { scores } = folded;
      this.refuseNonFinite(scores, `this history (${user.history.length} item${user.history.length === 1 ? '' : 's'})`);
      if (options.excludeSeen ?? true) for (const h of folded.history) scores[h.index] = -Infinity;
      return this.rankScores(scores, -1, { ...options, excludeSeen: false }).map((r) => ({ ...r, source: folded.source }));
    }
    const u = this.userIndex(user);
    const scores = new Float32Array(this.numItems);
    this.scoreItems(u, scores);
    this.refuseNonFinite(scores, `user "${this.userIds.id(u)}"`);
    return this.rankScores(scores, u, options).map((r) => ({ ...r, source: 'model' as const }));
  }

  /**
   * Refuses scores that are not all finite numbers (NaN or ±∞, before any exclusion): a list
   * ranked by them means nothing. Worded as `modelWarning` (src/models/health.ts) and the CLI's
   * `tastebud recommend`. Serving ranks through `rankScores` and leaves NaN out instead.
   */
  private refuseNonFinite(scores: Float32Array, who: string): void {
    const found = nonFiniteScores(scores);
    if (found === null) return;
    const cause =
      this.status === 'diverged'
        ? 'the model diverged in training (a non-finite loss): retrain with a lower learning rate or more L2'
        : 'its weights hold non-finite values (NaN or ±∞): retrain it, with a lower learning rate or more L2 if its training diverged';
    throw new ConfigError(`cannot recommend for ${who}: the ${this.type} model's scores are not finite numbers (${found}), so a list would rank nothing; ${cause}`);
  }

  /**
   * Item indices and weights of a history given by external ids: unknown ids are ignored and
   * counted, repeated items merged (weights summed), weights default to 1; sorted by index.
   */
  resolveHistory(history: UserHistory['history']): { entries: HistoryEntry[]; unknown: number } {
    const weights = new Map<number, number>();
    let unknown = 0;
    for (const h of history) {
      const id = typeof h === 'string' ? h : h.item;
      const w = typeof h === 'string' ? 1 : (h.weight ?? 1);
      if (!Number.isFinite(w)) throw new ConfigError(`history item "${id}" has weight ${w}; weights must be finite numbers`);
      const i = this.itemIds.get(id);
      if (i === undefined) {
        unknown++;
        continue;
      }
      weights.set(i, (weights.get(i) ?? 0) + w);
    }
    const entries = [...weights].map(([index, weight]) => ({ index, weight })).sort((a, b) => a.index - b.index);
    return { entries, unknown };
  }

  /** A training user's history: their kept training interactions (`seen`), with their values. */
  historyOf(user: string | number): HistoryEntry[] {
    const u = this.userIndex(user);
    const out: HistoryEntry[] = [];
    const seen = this.seen;
    if (!seen || u >= seen.rows) return out;
    for (let p = seen.indptr[u]; p < seen.indptr[u + 1]; p++) {
      const index = seen.indices[p];
      const last = out[out.length - 1];
      if (last && last.index === index) last.weight += seen.values[p];
      else out.push({ index, weight: seen.values[p] });
    }
    return out;
  }

  /**
   * Fold-in: scores of every item for a user known only by a history, without retraining
   * (each family's `scoreHistory`). A history with no known item scores by popularity among
   * the kept training interactions, with `source: 'fallback'`.
   */
  foldIn(history: UserHistory['history'] | HistoryEntry[]): FoldIn {
    const resolved = isEntries(history) ? { entries: history, unknown: 0 } : this.resolveHistory(history);
    const scores = new Float32Array(this.numItems);
    if (resolved.entries.length === 0) {
      this.fallbackScores(scores);
      return { scores, source: 'fallback', history: [], unknown: resolved.unknown };
    }
    for (const h of resolved.entries) this.itemIndex(h.index);
    this.scoreHistory(resolved.entries, scores);
    return { scores, source: 'model', history: resolved.entries, unknown: resolved.unknown };
  }

  /**
   * The family's fold-in: scores of every item (into `out`, length numItems) for a user with
   * these interactions (known item indices, merged, sorted, non-empty). A model that cannot
   * fold in keeps this default.
   */
  protected scoreHistory(_history: HistoryEntry[], _out: Float32Array): void {
    throw new ConfigError(`${this.type} cannot fold in a new user's history; recommend for a training user, or use a model that folds in`);
  }

  /** score − the score with entry h left out (with the fallback's score when h is the only one). */
  protected leaveOneOut(history: HistoryEntry[], item: number, score: number): HistoryAttribution {
    const scores = new Float32Array(this.numItems);
    const contributions = new Float64Array(history.length);
    for (let r = 0; r < history.length; r++) {
      const rest = history.filter((_, q) => q !== r);
      if (rest.length === 0) this.fallbackScores(scores);
      else this.scoreHistory(rest, scores);
      contributions[r] = score - scores[item];
    }
    return { score, contributions, method: 'leave-one-out' };
  }

  /** Popularity among the kept training interactions (`seen`): the no-history fallback. */
  protected fallbackScores(out: Float32Array): void {
    out.fill(0);
    const seen = this.seen;
    if (!seen) return;
    for (const i of seen.indices) if (i < out.length) out[i] += 1;
  }

  /**
   * Why `item` is recommended to `user`: its score and the user's history items that
   * contributed most (k of them). A training user is explained through their kept training
   * interactions. `method` says whether the contributions are an exact decomposition of the
   * score (item-based models, iALS, mf) or an attribution (`similarity`, `gradient`).
   */
  explain(user: UserRef, item: string | number, k = 10): Explanation {
    checkK(k);
    const j = this.itemIndex(item);
    const entries = isHistory(user) ? this.resolveHistory(user.history).entries : this.historyOf(user);
    let attribution: HistoryAttribution;
    if (entries.length === 0) {
      const scores = new Float32Array(this.numItems);
      this.fallbackScores(scores);
      attribution = { score: scores[j], contributions: new Float64Array(0), base: scores[j], method: 'exact' };
    } else attribution = this.explainHistory(entries, j);
    const order = entries.map((_, r) => r).sort((a, b) => Math.abs(attribution.contributions[b]) - Math.abs(attribution.contributions[a]) || entries[a].index - entries[b].index);
    const contributions = order.slice(0, Math.floor(k)).map((r) => ({ item: this.itemIds.id(entries[r].index), index: entries[r].index, weight: attribution.contributions[r] }));
    return { item: this.itemIds.id(j), index: j, score: attribution.score, contributions, base: attribution.base ?? 0, method: attribution.method };
  }

  /**
   * Contributions of each history entry to `item`'s folded-in score. Default: weight × cosine
   * of the model's item vectors (method `similarity`), or without item vectors the score's drop
   * when the entry is left out of the history (`leave-one-out`, one fold-in per entry). Neither
   * sums to the score; families with an exact decomposition override this.
   */
  protected explainHistory(history: HistoryEntry[], item: number): HistoryAttribution {
    const scores = new Float32Array(this.numItems);
    this.scoreHistory(history, scores);
    const vectors = this.itemVectors();
    if (!vectors) return this.leaveOneOut(history, item, scores[item]);
    const { data, dim } = vectors;
    const norm = (i: number) => Math.sqrt(rowDot(data, i * dim, data, i * dim, dim)) + 1e-12;
    const nj = norm(item);
    const contributions = Float64Array.from(history, (h) => (h.weight * rowDot(data, h.index * dim, data, item * dim, dim)) / (norm(h.index) * nj));
    return { score: scores[item], contributions, method: 'similarity' };
  }

  /** Top-k of a score vector for user index `u` (or -1 for none), applying the seen/filter rules. */
  rankScores(scores: Float32Array, u: number, options: RecommendOptions = {}): Recommendation[] {
    const k = options.k ?? 10;
    checkK(k);
    const excludeSeen = options.excludeSeen ?? true;
    if (excludeSeen && this.seen && u >= 0 && u < this.seen.rows) {
      const { indptr, indices } = this.seen;
      for (let p = indptr[u]; p < indptr[u + 1]; p++) scores[indices[p]] = -Infinity;
    }
    if (options.filter) for (let i = 0; i < scores.length; i++) if (!options.filter(i)) scores[i] = -Infinity;
    // NaN scores are left out by topK; −∞ ones (excluded) come last and end the list.
    const best = topK(scores, k);
    const out: Recommendation[] = [];
    for (let r = 0; r < best.length; r++) {
      const i = best[r];
      if (scores[i] === -Infinity) break;
      out.push({ item: this.itemIds.id(i), index: i, score: scores[i] });
    }
    return out;
  }

  /** Whether the user had the item in training. */
  hasSeen(user: number, item: number): boolean {
    return this.seen !== null && user < this.seen.rows && csrHas(this.seen, user, item);
  }

  /** Items closest to `item` by cosine similarity of the model's item vectors. */
  similarItems(item: string | number, k = 10): Recommendation[] {
    const vectors = this.itemVectors();
    if (!vectors) throw new ConfigError(`${this.type} has no item vectors, so it cannot find similar items`);
    const i = this.itemIndex(item);
    const n = this.numItems;
    const scores = new Float32Array(n);
    cosineToRows(vectors.data, n, vectors.dim, i, new Float64Array(n), scores);
    scores[i] = -Infinity;
    return this.rankScores(scores, -1, { k, excludeSeen: false });
  }

  /** Write the model file (manifest.json + weights.safetensors) into directory `dir`. */
  async save(dir: string, options: WriteOptions = {}): Promise<void> {
    await writeModelFile(dir, toModelFile(this), options);
  }
}

/**
 * How many items to list (`k` of recommend, explain, recommendBatch): refused unless ≥ 1, so 0,
 * negatives, NaN and a missing k (undefined) are errors rather than empty lists; a fraction is
 * rounded down where the list is cut.
 */
export function checkK(k: number): void {
  if (!(k >= 1)) throw new ConfigError(`k must be ≥ 1, got ${k}`);
}

/**
 * Refuses the first index of `indices` outside 0..size−1 (`what[position] = index`). One
 * unsigned comparison per index: a negative index is ≥ 2³¹ unsigned.
 */
function checkIndices(indices: Int32Array, size: number, what: string, one: string): void {
  for (let k = 0; k < indices.length; k++) {
    if (indices[k] >>> 0 >= size) {
      throw new ConfigError(
        `score: ${what}[${k}] = ${indices[k]} is out of range: this model's ${one} indices run from 0 to ${size - 1}; translate external ids with ${one}Index(id)`,
      );
    }
  }
}

/** What is not finite in `scores`, e.g. "NaN for all 40 items" or "3 NaN, 2 +∞ of 40 items"; null when every score is a finite number. */
export function nonFiniteScores(scores: Float32Array): string | null {
  let bad = 0;
  // s − s is 0 for a finite s and NaN for NaN and ±∞: one subtraction and comparison per item.
  for (let i = 0; i < scores.length; i++) if (scores[i] - scores[i] !== 0) bad++;
  if (bad === 0) return null;
  let nan = 0;
  let plus = 0;
  for (const s of scores) {
    if (s !== s) nan++;
    else if (s === Infinity) plus++;
  }
  const minus = bad - nan - plus;
  const parts = [nan > 0 ? `${nan} NaN` : '', plus > 0 ? `${plus} +∞` : '', minus > 0 ? `${minus} −∞` : ''].filter((p) => p !== '');
  if (parts.length === 1 && bad === scores.length) return `${parts[0].slice(parts[0].indexOf(' ') + 1)} for all ${scores.length} items`;
  return `${parts.join(', ')} of ${scores.length} items`;
}

function isEntries(h: UserHistory['history'] | HistoryEntry[]): h is HistoryEntry[] {
  return h.length > 0 && typeof h[0] === 'object' && typeof (h[0] as HistoryEntry).index === 'number';
}

function rowDot(a: Float32Array, ao: number, b: Float32Array, bo: number, n: number): number {
  let s = 0;
  for (let d = 0; d < n; d++) s += a[ao + d] * b[bo + d];
  return s;
}

/** A tensor from a saved state, checked against the shape the model expects (clear error on mismatch). */
export function requireTensor<T extends Tensor['data'] = Float32Array>(
  state: ModelState,
  name: string,
  shape: number[],
  kind: new (n: number) => T = Float32Array as unknown as new (
    n: number,
  ) => T,
): T {
  const t = state.tensors[name];
  if (!t) throw new ConfigError(`model file has no tensor "${name}" (has: ${Object.keys(state.tensors).join(', ')})`);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new ConfigError(`tensor "${name}" has shape [${t.shape}], expected [${shape}] for this model's configuration and id maps`);
  }
  if (!(t.data instanceof kind)) throw new ConfigError(`tensor "${name}" has the wrong dtype`);
  return t.data as T;
}
