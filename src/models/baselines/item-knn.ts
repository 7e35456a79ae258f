import type { Interactions } from '../../data/interactions.ts';
import { registerModel, type ModelState, type Recommendation } from '../recommender.ts';
import { ClosedFormRecommender } from './closed-form.ts';
import { itemCosineNeighbors, type NeighborTable } from './neighbors.ts';
import { checkInt, checkNumber, checkOneOf, withDefaults } from './options.ts';
import { readSparse, sparseTensors } from './state.ts';

export type ItemKnnConfig = {
  /** Most similar items kept per item (default 50). */
  neighbors: number;
  /** s(i, j) = x_i·x_j / (‖x_i‖‖x_j‖ + shrinkage): damps similarities resting on few users. */
  shrinkage: number;
  task: 'ranking';
  epochs: number;
};

const DEFAULTS: ItemKnnConfig = { neighbors: 50, shrinkage: 0, task: 'ranking', epochs: 1 };

/**
 * Item-based k-nearest neighbours (Sarwar et al. 2001; `implicit`'s CosineRecommender): cosine
 * similarity between items' user columns (the training values; ones for implicit data), the
 * top `neighbors` kept per item, and score(u, j) = Σ_{i ∈ I_u} s(i, j) over the user's training
 * items (the model's `seen` rows, which the model file keeps). The similarity table is the
 * model's whole state.
 */
export class ItemKnn extends ClosedFormRecommender {
  readonly type = 'item-knn';
  readonly config: ItemKnnConfig;
  private table: NeighborTable | null = null;

  constructor(config: Partial<ItemKnnConfig> = {}) {
    super();
    const c = withDefaults('item-knn', DEFAULTS, config);
    checkInt('item-knn', 'neighbors', c.neighbors, 1);
    checkNumber('item-knn', 'shrinkage', c.shrinkage, 0);
    checkOneOf('item-knn', 'task', c.task, ['ranking']);
    checkInt('item-knn', 'epochs', c.epochs, 0);
    this.config = c;
  }

  protected fitData(train: Interactions): void {
    this.table = itemCosineNeighbors(train.byItem(), train.byUser(), this.config.neighbors, this.config.shrinkage);
  }

  /** s(i, j) as kept in the table (0 when j is not among i's neighbours). */
  similarity(i: number, j: number): number {
    const t = this.requireTable();
    for (let p = t.indptr[i]; p < t.indptr[i + 1]; p++) if (t.indices[p] === j) return t.values[p];
    return 0;
  }

  scoreItems(user: number, out: Float32Array): void {
    const t = this.requireTable();
    out.fill(0);
    const seen = this.seen;
    if (!seen || user >= seen.rows) return;
    const { indptr, indices } = seen;
    const items = t.indptr.length - 1;
    for (let p = indptr[user]; p < indptr[user + 1]; p++) {
      const i = indices[p];
      if (i >= items) continue;
      for (let q = t.indptr[i]; q < t.indptr[i + 1]; q++) out[t.indices[q]] += t.values[q];
    }
  }

  /** The items most similar to `item` by the table (its kept neighbours, most similar first). */
  similarItems(item: string | number, k = 10): Recommendation[] {
    const t = this.requireTable();
    const i = this.itemIndex(item);
    const scores = new Float32Array(this.numItems).fill(-Infinity);
    for (let q = t.indptr[i]; q < t.indptr[i + 1]; q++) scores[t.indices[q]] = t.values[q];
    return this.rankScores(scores, -1, { k, excludeSeen: false });
  }

  private requireTable(): NeighborTable {
    if (!this.table) throw new Error('item-knn: the model is not fitted (call fit first)');
    return this.table;
  }

  getState(): ModelState {
    return { tensors: this.table ? sparseTensors('similarity', this.table) : {} };
  }

  setState(state: ModelState): void {
    if (!state.tensors['similarity.indptr']) return;
    const rows = state.tensors['similarity.indptr'].shape[0] - 1;
    this.table = readSparse(state, 'similarity', rows, this.numItems);
  }
}

registerModel('item-knn', 'item-based k-nearest neighbours (cosine, top-k per item)', (c) => new ItemKnn(c));
