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

  /** Scores of (user, item) index pairs. Models with a cheap pairwise score override this. */
  score(users: Int32Array, items: Int32Array): Float32Array {
    if (users.length !== items.length) throw new RangeError(`users (${users.length}) and items (${items.length}) differ in length`);
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
    return fitModel(this, train, options);
  }

  /** The dense index of a user given by external id (string) or index (number). */
  userIndex(user: string | number): number {
    if (typeof user === 'number') {
      if (!Number.isInteger(user) || user < 0 || user >= this.numUsers) throw new ConfigError(`user index ${user} is out of range (0..${this.numUsers - 1})`);
      return user;
    }
    const u = this.userIds.get(user);
    if (u === undefined) throw new ConfigError(`unknown user "${user}": the model was trained on ${this.numUsers} users`);
    return u;
  }

  itemIndex(item: string | number): number {
    if (typeof item === 'number') {
      if (!Number.isInteger(item) || item < 0 || item >= this.numItems) throw new ConfigError(`item index ${item} is out of range (0..${this.numItems - 1})`);
      return item;
    }
    const i = this.itemIds.get(item);
    if (i === undefined) throw new ConfigError(`unknown item "${item}": the model was trained on ${this.numItems} items`);
    return i;
  }

  /** The top-k items for a user, best first, by external id. */
  recommend(user: string | number, options: RecommendOptions = {}): Recommendation[] {
    const u = this.userIndex(user);
    const scores = new Float32Array(this.numItems);
    this.scoreItems(u, scores);
    return this.rankScores(scores, u, options);
  }

  /** Top-k of a score vector for user index `u` (or -1 for none), applying the seen/filter rules. */
  rankScores(scores: Float32Array, u: number, options: RecommendOptions = {}): Recommendation[] {
    const k = options.k ?? 10;
    if (!(k >= 1)) throw new ConfigError(`k must be ≥ 1, got ${k}`);
    const excludeSeen = options.excludeSeen ?? true;
    if (excludeSeen && this.seen && u >= 0 && u < this.seen.rows) {
      const { indptr, indices } = this.seen;
      for (let p = indptr[u]; p < indptr[u + 1]; p++) scores[indices[p]] = -Infinity;
    }
    if (options.filter) for (let i = 0; i < scores.length; i++) if (!options.filter(i)) scores[i] = -Infinity;
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
