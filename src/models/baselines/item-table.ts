import type { HistoryEntry, ModelState, Recommendation } from '../../contracts/types.ts';
import type { HistoryAttribution } from '../recommender.ts';
import { ConfigError } from '../../contracts/errors.ts';
import { topKCandidates } from '../../core/topk.ts';
import type { DataShape, MemoryEstimate } from '../../train/types.ts';
import { ClosedFormRecommender } from './closed-form.ts';
import type { NeighborTable } from './neighbors.ts';
import { readSparse, sparseTensors } from './state.ts';

/**
 * A model whose whole state is a sparse item × item table T (item-kNN similarities, RP3beta's
 * walk weights): score(u, j) = Σ_{i ∈ I_u} T_ij over the user's training items (the `seen` rows
 * the model file keeps, each item counted once), and an item's similar items are its row of T.
 */
export abstract class ItemTableRecommender extends ClosedFormRecommender {
  protected table: NeighborTable | null = null;
  /** The tensor-name prefix in the model file. */
  protected abstract readonly tableName: string;

  /** The kept table (index + value per entry) and one dense row of co-occurrence sums while it is built. */
  estimateMemory({ items }: DataShape): MemoryEstimate {
    const neighbors = Math.min(items, Number((this.config as { neighbors?: number }).neighbors ?? items));
    return {
      bytes: items * neighbors * 8 + items * 16,
      what: `an items × ${neighbors} neighbour table`,
      advice: 'keep fewer neighbours per item (neighbors) or fewer items',
    };
  }

  /** T_ij as kept in the table (0 when j is not among row i's kept entries). */
  protected entry(i: number, j: number): number {
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
      // Rows are sorted, so a repeated interaction is adjacent: count each item once.
      if (i >= items || (p > indptr[user] && indices[p - 1] === i)) continue;
      for (let q = t.indptr[i]; q < t.indptr[i + 1]; q++) out[t.indices[q]] += t.values[q];
    }
  }

  /** Fold-in: score(j) = Σ_h weight_h · T_hj over the history (a training row is all weights 1). */
  protected override scoreHistory(history: HistoryEntry[], out: Float32Array): void {
    const t = this.requireTable();
    out.fill(0);
    for (const { index: i, weight } of history) {
      for (let q = t.indptr[i]; q < t.indptr[i + 1]; q++) if (t.indices[q] < out.length) out[t.indices[q]] += weight * t.values[q];
    }
  }

  /** Exact: history item h contributes weight_h · T_hj, and the terms sum to the score. */
  protected override explainHistory(history: HistoryEntry[], item: number): HistoryAttribution {
    const contributions = Float64Array.from(history, (h) => h.weight * this.entry(h.index, item));
    let score = 0;
    for (const c of contributions) score += c;
    return { score: Math.fround(score), contributions, method: 'exact' };
  }

  /** The k largest entries of row `item` of the table, largest first (ties: lower index). */
  override similarItems(item: string | number, k = 10): Recommendation[] {
    if (!(k >= 1)) throw new ConfigError(`k must be ≥ 1, got ${k}`);
    const t = this.requireTable();
    const i = this.itemIndex(item);
    // Selected again rather than read off in stored order: a row from a model file is only
    // checked for valid indices, not for its order.
    const start = t.indptr[i];
    const n = t.indptr[i + 1] - start;
    const keys = Float64Array.from(t.values.subarray(start, start + n));
    const ids = t.indices.slice(start, start + n);
    const order = new Int32Array(Math.min(Math.floor(k), n));
    const kept = topKCandidates(keys, ids, n, order.length, order);
    const out: Recommendation[] = [];
    for (let r = 0; r < kept; r++) {
      const j = ids[order[r]];
      out.push({ item: this.itemIds.id(j), index: j, score: Math.fround(keys[order[r]]) });
    }
    return out;
  }

  protected requireTable(): NeighborTable {
    if (!this.table) throw new Error(`${this.type}: the model is not fitted (call fit first)`);
    return this.table;
  }

  getState(): ModelState {
    return { tensors: this.table ? sparseTensors(this.tableName, this.table) : {} };
  }

  setState(state: ModelState): void {
    if (!state.tensors[`${this.tableName}.indptr`]) return;
    this.table = readSparse(state, this.tableName, this.numItems, this.numItems);
  }
}
