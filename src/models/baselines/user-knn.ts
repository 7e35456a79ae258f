import type { Csr, Interactions } from '../../data/interactions.ts';
import { defineModel, resolveConfig } from '../spec.ts';
import type { HistoryEntry, ModelState } from '../../contracts/types.ts';
import { ClosedFormRecommender } from './closed-form.ts';
import { selectTopK } from '../../core/topk.ts';
import { UserSimilarity, type UserSimilarityKind } from './neighbors.ts';
import type { Task } from './options.ts';
import { asCsr, readSparse, sparseTensors, transposeCsr } from './state.ts';

export type UserKnnConfig = {
  /** 'jaccard' over item sets, or 'cosine' over value vectors (all-ones for implicit data). */
  similarity: UserSimilarityKind;
  /** k: how many most similar users vote (default 50). */
  neighbors: number;
  /** 'ranking': Σ of neighbour similarities; 'rating': similarity-weighted mean rating. */
  task: Task;
  /** Rating task: predict μ_u + weighted mean of (r_vi − μ_v) instead of the raw weighted mean. */
  centered: boolean;
  epochs: number;
};

/**
 * User-based k-nearest neighbours (memory-based collaborative filtering). Fitting keeps the
 * training matrix; similarities are computed per user at scoring time, touching only users who
 * share an item.
 * - ranking: score(u, i) = Σ over u's k most similar users v who have i of sim(u, v);
 * - rating: among the users who rated i, the k most similar to u (positive similarity) give
 *   Σ sim·r_vi / Σ sim (or, centred, μ_u + Σ sim·(r_vi − μ_v) / Σ sim), clipped to the training
 *   range; with no such neighbour, u's mean rating, or the global mean for a user with none.
 */
export class UserKnn extends ClosedFormRecommender {
  readonly type = 'user-knn';
  readonly config: UserKnnConfig;
  private byUser: Csr | null = null;
  private byItem: Csr | null = null;
  private similarity: UserSimilarity | null = null;
  private userMeans = new Float64Array(0);
  private globalMean = 0;
  private minValue = 0;
  private maxValue = 0;
  // Scratch for one prediction: candidate neighbours and their similarities.
  private candKeys = new Float64Array(0);
  private candIds = new Int32Array(0);

  constructor(config: Partial<UserKnnConfig> = {}) {
    super();
    this.config = resolveConfig(userKnnSpec, config);
  }

  protected fitData(train: Interactions): void {
    this.index(train.byUser());
  }

  /** Derived indexes (item → users, norms, means) from the training matrix by user. */
  private index(byUser: Csr): void {
    this.byUser = byUser;
    this.byItem = transposeCsr(byUser);
    this.similarity = new UserSimilarity(byUser, this.byItem, this.config.similarity);
    const users = byUser.rows;
    this.userMeans = new Float64Array(users);
    let total = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let u = 0; u < users; u++) {
      let s = 0;
      for (let p = byUser.indptr[u]; p < byUser.indptr[u + 1]; p++) {
        const v = byUser.values[p];
        s += v;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      const n = byUser.indptr[u + 1] - byUser.indptr[u];
      total += s;
      this.userMeans[u] = n > 0 ? s / n : NaN;
    }
    const nnz = byUser.indices.length;
    this.globalMean = nnz > 0 ? total / nnz : 0;
    [this.minValue, this.maxValue] = nnz > 0 ? [min, max] : [0, 0];
    for (let u = 0; u < users; u++) if (Number.isNaN(this.userMeans[u])) this.userMeans[u] = this.globalMean;
    let widest = users;
    for (let i = 0; i < this.byItem.rows; i++) widest = Math.max(widest, this.byItem.indptr[i + 1] - this.byItem.indptr[i]);
    this.candKeys = new Float64Array(widest);
    this.candIds = new Int32Array(widest);
  }

  /** Similarity of user u to every user (a copy; 0 where they share no item). */
  similarities(user: number): Float64Array {
    const sim = this.requireFitted();
    sim.compute(user);
    return sim.sims.slice();
  }

  scoreItems(user: number, out: Float32Array): void {
    const sim = this.requireFitted();
    sim.compute(user);
    this.scoreFromSimilarities(user < this.userMeans.length ? this.userMeans[user] : this.globalMean, out);
  }

  /**
   * Fold-in: the history's similarity to every training user (the same measure; a training
   * user's own row now counts as a neighbour, similarity 1), then the same vote. Rating task:
   * the history's weights are its ratings, and their mean is the user mean.
   */
  protected override scoreHistory(history: HistoryEntry[], out: Float32Array): void {
    const sim = this.requireFitted();
    const weights = Float32Array.from(history, (h) => h.weight);
    sim.computeHistory(
      Int32Array.from(history, (h) => h.index),
      weights,
    );
    let mean = 0;
    for (const w of weights) mean += w / weights.length;
    this.scoreFromSimilarities(mean, out);
  }

  /** Scores from the similarities last computed, for a user with this mean rating. */
  private scoreFromSimilarities(userMean: number, out: Float32Array): void {
    const sim = this.similarity!;
    if (this.config.task === 'rating') {
      for (let i = 0; i < out.length; i++) out[i] = this.predictRating(userMean, i);
      return;
    }
    out.fill(0);
    const { sims, touched } = sim;
    const keys = this.candKeys;
    const ids = this.candIds;
    let n = 0;
    for (let t = 0; t < sim.count; t++) {
      const v = touched[t];
      if (sims[v] > 0) {
        keys[n] = sims[v];
        ids[n++] = v;
      }
    }
    const k = selectTopK(keys, ids, n, this.config.neighbors);
    const { indptr, indices } = this.byUser!;
    for (let r = 0; r < k; r++) {
      const v = ids[r];
      const s = keys[r];
      for (let p = indptr[v]; p < indptr[v + 1]; p++) if (indices[p] < out.length) out[indices[p]] += s;
    }
  }

  /** Pairwise scores, grouping pairs by user so each user's similarities are computed once. */
  protected override scorePairs(users: Int32Array, items: Int32Array): Float32Array {
    const sim = this.requireFitted();
    const out = new Float32Array(users.length);
    const order = Int32Array.from({ length: users.length }, (_, k) => k).sort((a, b) => users[a] - users[b] || a - b);
    const row = this.config.task === 'ranking' ? new Float32Array(this.numItems) : null;
    let last = -1;
    for (const k of order) {
      const u = users[k];
      if (u !== last) {
        if (row) this.scoreItems(u, row);
        else sim.compute(u);
        last = u;
      }
      out[k] = row ? row[items[k]] : this.predictRating(u < this.userMeans.length ? this.userMeans[u] : this.globalMean, items[k]);
    }
    return out;
  }

  /** Rating of item i by the user whose similarities were last computed (mean rating `userMean`). */
  private predictRating(userMean: number, i: number): number {
    const byItem = this.byItem!;
    if (i >= byItem.rows) return userMean;
    const { sims } = this.similarity!;
    const keys = this.candKeys;
    const ids = this.candIds;
    let n = 0;
    for (let p = byItem.indptr[i]; p < byItem.indptr[i + 1]; p++) {
      const s = sims[byItem.indices[p]];
      if (s > 0) {
        keys[n] = s;
        ids[n++] = p; // the position gives both the neighbour and their rating of i
      }
    }
    if (n === 0) return userMean;
    const k = selectTopK(keys, ids, n, this.config.neighbors);
    const centered = this.config.centered;
    let num = 0;
    let den = 0;
    for (let r = 0; r < k; r++) {
      const p = ids[r];
      const rating = byItem.values[p];
      num += keys[r] * (centered ? rating - this.userMeans[byItem.indices[p]] : rating);
      den += keys[r];
    }
    const pred = (centered ? userMean : 0) + num / den;
    return Math.min(this.maxValue, Math.max(this.minValue, pred));
  }

  private requireFitted(): UserSimilarity {
    if (!this.similarity) throw new Error('user-knn: the model is not fitted (call fit first)');
    return this.similarity;
  }

  getState(): ModelState {
    const byUser = this.byUser;
    if (!byUser) return { tensors: {} };
    return { tensors: sparseTensors('train', byUser) };
  }

  setState(state: ModelState): void {
    if (!state.tensors['train.indptr']) return;
    const rows = state.tensors['train.indptr'].shape[0] - 1;
    this.index(asCsr(readSparse(state, 'train', rows, this.numItems), this.numItems));
  }
}

export const userKnnSpec = defineModel({
  type: 'user-knn',
  description: 'user-based k-nearest neighbours (jaccard or cosine; ranking or rating prediction)',
  task: 'both',
  defaults: { similarity: 'cosine', neighbors: 50, task: 'ranking', centered: true, epochs: 1 } as UserKnnConfig,
  schema: {
    similarity: { kind: 'enum', values: ['jaccard', 'cosine'], help: 'jaccard over item sets, or cosine over value vectors' },
    neighbors: { kind: 'int', min: 1, help: 'most similar users that vote (k)' },
    task: { kind: 'enum', values: ['ranking', 'rating'], help: 'sum of neighbour similarities, or similarity-weighted mean rating' },
    centered: { kind: 'boolean', help: "rating task: predict the user mean plus neighbours' mean-centred ratings" },
    epochs: { kind: 'int', min: 0, help: 'closed form: one pass' },
  },
  create: (config) => new UserKnn(config),
});
