/**
 * Sparse neighbourhood computations for the k-nearest-neighbour baselines: one user's
 * similarity to every other user (through the item → users index, touching only users who
 * share an item), and the item–item neighbour tables (cosine for item-kNN, the random-walk
 * weights of RP3beta) built by one row-by-row builder.
 */
import { cosineFromDot } from '../../core/similarity.ts';
import { topKCandidates } from '../../core/topk.ts';
import type { Csr } from '../../data/interactions.ts';

export type UserSimilarityKind = 'jaccard' | 'cosine';

/**
 * Similarities of one user to all others, recomputed per user into reusable buffers:
 * - jaccard: |I_u ∩ I_v| / |I_u ∪ I_v| over item sets (values ignored);
 * - cosine: r_u · r_v / (‖r_u‖‖r_v‖) over the value vectors (all-ones for implicit data).
 * Users sharing no item keep similarity 0; the user itself gets 0 (never its own neighbour).
 */
export class UserSimilarity {
  /** Similarity to every user (dense; 0 for users sharing nothing). */
  readonly sims: Float64Array;
  /** Users with a shared item: touched[0 .. count). */
  readonly touched: Int32Array;
  count = 0;
  private readonly norms: Float64Array;
  private readonly mark: Uint8Array;

  constructor(
    private readonly byUser: Csr,
    private readonly byItem: Csr,
    private readonly kind: UserSimilarityKind,
  ) {
    const users = byUser.rows;
    this.sims = new Float64Array(users);
    this.touched = new Int32Array(users);
    this.mark = new Uint8Array(users);
    this.norms = new Float64Array(users);
    const { indptr, values } = byUser;
    for (let u = 0; u < users; u++) {
      if (kind === 'jaccard') this.norms[u] = indptr[u + 1] - indptr[u];
      else {
        let s = 0;
        for (let p = indptr[u]; p < indptr[u + 1]; p++) s += values[p] * values[p];
        this.norms[u] = Math.sqrt(s);
      }
    }
  }

  /** Fills `sims` for user u (clearing the previous user's entries); returns the touched count. */
  compute(u: number): number {
    if (u >= this.byUser.rows) {
      this.clear();
      return (this.count = 0);
    }
    const { indptr, indices, values } = this.byUser;
    const count = this.computeRow(indices, values, indptr[u], indptr[u + 1], this.norms[u]);
    this.sims[u] = 0;
    return count;
  }

  /**
   * Fills `sims` for a user outside training with these items and weights (fold-in); the same
   * similarity as `compute`, against every training user.
   */
  computeHistory(items: Int32Array, weights: Float32Array): number {
    let norm = items.length;
    if (this.kind !== 'jaccard') {
      let s = 0;
      for (const w of weights) s += w * w;
      norm = Math.sqrt(s);
    }
    return this.computeRow(items, weights, 0, items.length, norm);
  }

  private clear(): void {
    const { sims, touched, mark } = this;
    for (let k = 0; k < this.count; k++) {
      sims[touched[k]] = 0;
      mark[touched[k]] = 0;
    }
  }

  private computeRow(indices: Int32Array, values: Float32Array, start: number, end: number, nu: number): number {
    this.clear();
    const { sims, touched, mark, norms } = this;
    let count = 0;
    const jaccard = this.kind === 'jaccard';
    const items = this.byItem;
    for (let p = start; p < end; p++) {
      const i = indices[p];
      const w = values[p];
      for (let q = items.indptr[i]; q < items.indptr[i + 1]; q++) {
        const v = items.indices[q];
        if (mark[v] === 0) {
          mark[v] = 1;
          touched[count++] = v;
        }
        sims[v] += jaccard ? 1 : w * items.values[q];
      }
    }
    for (let k = 0; k < count; k++) {
      const v = touched[k];
      const shared = sims[v];
      if (jaccard) sims[v] = shared / (nu + norms[v] - shared);
      else sims[v] = cosineFromDot(shared, nu, norms[v]);
    }
    return (this.count = count);
  }
}

/** A sparse similarity table: row r lists its neighbours, most similar first. */
export interface NeighborTable {
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
}

/** Sparse rows with weights: an item's users (a_iu) or a user's items (b_uj). */
export interface WeightedRows {
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array | Float64Array;
}

export interface NeighborTableOptions {
  /** Scale each row's kept weights to sum to 1 (RP3beta). */
  normalize?: boolean;
  /** Called now and then with the fraction of rows done. */
  progress?: (fraction: number) => void;
}

/**
 * The item–item table of the neighbourhood baselines, built row by row from the two-step walk
 * item → users → items: d_ij = Σ_u a_iu·b_uj over the users u of item i (`byItem`) and their
 * items j (`byUser`), the weight w_ij = weight(i, j, d_ij), and the `k` largest positive w_ij,
 * j ≠ i, kept largest first. Touches only co-occurring pairs: O(Σ_u deg(u)²) time, O(items)
 * scratch.
 */
export function buildNeighborTable(
  byItem: WeightedRows,
  byUser: WeightedRows,
  k: number,
  weight: (i: number, j: number, d: number) => number,
  options: NeighborTableOptions = {},
): NeighborTable {
  const items = byItem.indptr.length - 1;
  const acc = new Float64Array(items);
  const mark = new Uint8Array(items);
  const touched = new Int32Array(items);
  const keys = new Float64Array(items);
  const ids = new Int32Array(items);
  const width = Math.min(k, Math.max(items - 1, 0));
  const order = new Int32Array(width);
  const indptr = new Int32Array(items + 1);
  let indices = new Int32Array(items * width);
  let values = new Float32Array(items * width);
  let at = 0;
  for (let i = 0; i < items; i++) {
    let count = 0;
    for (let p = byItem.indptr[i]; p < byItem.indptr[i + 1]; p++) {
      const u = byItem.indices[p];
      const a = byItem.values[p];
      for (let q = byUser.indptr[u]; q < byUser.indptr[u + 1]; q++) {
        const j = byUser.indices[q];
        if (mark[j] === 0) {
          mark[j] = 1;
          touched[count++] = j;
        }
        acc[j] += a * byUser.values[q];
      }
    }
    let n = 0;
    for (let t = 0; t < count; t++) {
      const j = touched[t];
      const w = weight(i, j, acc[j]);
      if (j !== i && w > 0) {
        keys[n] = w;
        ids[n++] = j;
      }
      acc[j] = 0;
      mark[j] = 0;
    }
    const kept = topKCandidates(keys, ids, n, k, order);
    // Summed in selection order (before sorting), as the tables have always been built.
    let sum = 0;
    for (let r = 0; r < kept; r++) sum += keys[r];
    const scale = options.normalize && sum > 0 ? 1 / sum : 1;
    for (let r = 0; r < kept; r++) {
      indices[at] = ids[order[r]];
      values[at++] = keys[order[r]] * scale;
    }
    indptr[i + 1] = at;
    if (options.progress && (i & 255) === 255) options.progress(i / items);
  }
  indices = indices.slice(0, at);
  values = values.slice(0, at);
  return { indptr, indices, values };
}

/**
 * Item–item cosine similarity, s(i, j) = x_i · x_j / (‖x_i‖‖x_j‖ + shrinkage) over the items'
 * user columns, keeping the `k` most similar items j ≠ i of each item (positive ones only).
 */
export function itemCosineNeighbors(byItem: Csr, byUser: Csr, k: number, shrinkage: number): NeighborTable {
  const items = byItem.rows;
  const norms = new Float64Array(items);
  for (let i = 0; i < items; i++) {
    let s = 0;
    for (let p = byItem.indptr[i]; p < byItem.indptr[i + 1]; p++) s += byItem.values[p] * byItem.values[p];
    norms[i] = Math.sqrt(s);
  }
  return buildNeighborTable(byItem, byUser, k, (i, j, d) => cosineFromDot(d, norms[i], norms[j], shrinkage));
}
