/**
 * Users with similar histories: cosine over binary item rows, between a user's history (their
 * training row in the model, plus their events in the store) and every training user's row.
 * History overlap works for every model type alike, including those without user vectors, and
 * for users the model never saw but the store has events for.
 */
import type { Recommender } from '../models/recommender.ts';
import { NotFoundError } from './engine.ts';
import type { EventStore } from './store.ts';

/** Item → training users (CSR over items) and each user's √(distinct items). */
interface UsersByItem {
  indptr: Int32Array;
  users: Int32Array;
  norms: Float64Array;
}

export class SimilarUsers {
  private index: UsersByItem | null = null;

  constructor(
    private readonly model: Recommender,
    private readonly store: EventStore,
  ) {}

  /** The k training users whose histories are closest to `user`'s (cosine), best first. */
  similar(user: string, k: number): { user: string; score: number }[] {
    const history = this.historyOf(user);
    if (history.size === 0) {
      throw new NotFoundError(`unknown user "${user}": the model has no training history for it and the store has no events for it`);
    }
    const index = (this.index ??= usersByItem(this.model));
    const self = this.model.userIds.get(user);
    const dots = new Map<number, number>();
    for (const i of history) {
      for (let q = index.indptr[i]; q < index.indptr[i + 1]; q++) {
        const v = index.users[q];
        if (v !== self) dots.set(v, (dots.get(v) ?? 0) + 1);
      }
    }
    const norm = Math.sqrt(history.size);
    return [...dots]
      .map(([v, d]) => ({ v, score: d / (norm * index.norms[v]) }))
      .sort((a, b) => b.score - a.score || a.v - b.v)
      .slice(0, k)
      .map(({ v, score }) => ({ user: this.model.userIds.id(v), score }));
  }

  /** Model item indices of the user's training row and store events (items the model does not know are left out). */
  private historyOf(user: string): Set<number> {
    const items = new Set<number>();
    const u = this.model.userIds.get(user);
    const seen = this.model.seen;
    if (u !== undefined && seen && u < seen.rows) for (let p = seen.indptr[u]; p < seen.indptr[u + 1]; p++) items.add(seen.indices[p]);
    for (const id of this.store.itemsOf(user)) {
      const i = this.model.itemIds.get(id);
      if (i !== undefined) items.add(i);
    }
    if (items.size === 0 && u === undefined && this.store.itemsOf(user).length > 0) {
      throw new NotFoundError(`user "${user}" has events only for items the model does not know, so no training user shares a history with it yet`);
    }
    return items;
  }
}

function usersByItem(model: Recommender): UsersByItem {
  const n = model.numItems;
  const seen = model.seen;
  const rows = seen?.rows ?? 0;
  const counts = new Int32Array(n + 1);
  const norms = new Float64Array(model.numUsers);
  const distinct = (u: number, p: number): boolean => p === seen!.indptr[u] || seen!.indices[p - 1] !== seen!.indices[p];
  for (let u = 0; u < rows; u++) {
    for (let p = seen!.indptr[u]; p < seen!.indptr[u + 1]; p++) {
      if (!distinct(u, p)) continue;
      counts[seen!.indices[p] + 1]++;
      norms[u]++;
    }
    norms[u] = Math.sqrt(norms[u]);
  }
  for (let i = 0; i < n; i++) counts[i + 1] += counts[i];
  const fill = counts.slice(0, n);
  const users = new Int32Array(counts[n]);
  for (let u = 0; u < rows; u++) for (let p = seen!.indptr[u]; p < seen!.indptr[u + 1]; p++) if (distinct(u, p)) users[fill[seen!.indices[p]]++] = u;
  return { indptr: counts, users, norms };
}
