import type { Recommender } from '../models/recommender.ts';
import type { Catalogue } from './explore-catalogue.ts';

export interface HistoryEntry {
  item: string;
  type: string;
  value: number | null;
  timestamp: number | null;
  inTraining: boolean;
}

/** Lookups built once from the model's kept training rows and the catalogue's interactions. */
export class ExploreIndex {
  private counts: Int32Array | null = null;
  private ranks: Int32Array | null = null;
  private userCounts: Int32Array | null = null;
  private byItem: { indptr: Int32Array; users: Int32Array } | null = null;

  constructor(
    private readonly model: Recommender,
    private readonly catalogue: Catalogue | null,
  ) {}

  searchUsers(query: string, limit: number): { users: { id: string; interactions: number }[]; total: number } {
    const q = query.trim().toLowerCase();
    const counts = this.perUser();
    const found: { id: string; interactions: number; rank: number }[] = [];
    for (let u = 0; u < this.model.numUsers; u++) {
      const id = this.model.userIds.id(u);
      const lower = id.toLowerCase();
      const rank = q === '' ? 0 : lower === q ? 2 : lower.startsWith(q) ? 1 : lower.includes(q) ? 0 : -1;
      if (rank >= 0) found.push({ id, interactions: counts[u], rank });
    }
    found.sort((a, b) => b.rank - a.rank || (q === '' ? b.interactions - a.interactions : 0) || a.id.length - b.id.length || (a.id < b.id ? -1 : 1));
    return { users: found.slice(0, limit).map(({ id, interactions }) => ({ id, interactions })), total: found.length };
  }

  /** The user's interactions, newest first: the dataset's (ratings, times) where the catalogue has them, else the model's training rows. */
  history(user: string): HistoryEntry[] {
    const u = this.model.userIds.get(user);
    const trained = new Set<number>();
    const seen = this.model.seen;
    if (u !== undefined && seen) for (let p = seen.indptr[u]; p < seen.indptr[u + 1]; p++) trained.add(seen.indices[p]);
    const data = this.catalogue?.interactions;
    const du = data?.userIds.get(user);
    if (data && du !== undefined) {
      const csr = data.byUser();
      const out: HistoryEntry[] = [];
      for (let p = csr.indptr[du]; p < csr.indptr[du + 1]; p++) {
        const position = csr.order[p];
        const item = data.itemIds.id(csr.indices[p]);
        const mi = this.model.itemIds.get(item);
        const time = data.times ? data.times[position] : Number.NaN;
        out.push({ item, type: 'rating', value: data.values[position], timestamp: Number.isFinite(time) ? time : null, inTraining: mi !== undefined && trained.has(mi) });
      }
      return out.sort((a, b) => (b.timestamp ?? 0) - (a.timestamp ?? 0));
    }
    return [...trained].map((i) => ({ item: this.model.itemIds.id(i), type: 'training', value: null, timestamp: null, inTraining: true }));
  }

  /** Training interactions of item index i. */
  popularity(i: number): number {
    return this.itemCounts()[i] ?? 0;
  }

  popularityRank(i: number): number {
    if (!this.ranks) {
      const counts = this.itemCounts();
      const order = Array.from(counts.keys()).sort((a, b) => counts[b] - counts[a] || a - b);
      this.ranks = new Int32Array(counts.length);
      order.forEach((item, r) => {
        this.ranks![item] = r + 1;
      });
    }
    return this.ranks[i];
  }

  /** Users who had item i in training, with the dataset's rating and time where known. */
  usersOf(i: number): { user: string; value: number | null; timestamp: number | null }[] {
    const seen = this.model.seen;
    if (!seen) return [];
    if (!this.byItem) {
      const counts = this.itemCounts();
      const indptr = new Int32Array(counts.length + 1);
      for (let k = 0; k < counts.length; k++) indptr[k + 1] = indptr[k] + counts[k];
      const fill = indptr.slice(0, counts.length);
      const users = new Int32Array(seen.indices.length);
      for (let u = 0; u < seen.rows; u++) for (let p = seen.indptr[u]; p < seen.indptr[u + 1]; p++) users[fill[seen.indices[p]]++] = u;
      this.byItem = { indptr, users };
    }
    const data = this.catalogue?.interactions;
    const item = this.model.itemIds.id(i);
    const ratings = new Map<string, { value: number; timestamp: number | null }>();
    const di = data?.itemIds.get(item);
    if (data && di !== undefined) {
      const csc = data.byItem();
      for (let p = csc.indptr[di]; p < csc.indptr[di + 1]; p++) {
        const position = csc.order[p];
        const t = data.times ? data.times[position] : Number.NaN;
        ratings.set(data.userIds.id(csc.indices[p]), { value: data.values[position], timestamp: Number.isFinite(t) ? t : null });
      }
    }
    const out: { user: string; value: number | null; timestamp: number | null }[] = [];
    for (let p = this.byItem.indptr[i]; p < this.byItem.indptr[i + 1]; p++) {
      const user = this.model.userIds.id(this.byItem.users[p]);
      const r = ratings.get(user);
      out.push({ user, value: r?.value ?? null, timestamp: r?.timestamp ?? null });
    }
    return out.sort((a, b) => (b.timestamp ?? 0) - (a.timestamp ?? 0));
  }

  private itemCounts(): Int32Array {
    if (!this.counts) {
      this.counts = new Int32Array(this.model.numItems);
      const seen = this.model.seen;
      if (seen) for (let p = 0; p < seen.indices.length; p++) this.counts[seen.indices[p]]++;
    }
    return this.counts;
  }

  private perUser(): Int32Array {
    if (!this.userCounts) {
      this.userCounts = new Int32Array(this.model.numUsers);
      const seen = this.model.seen;
      if (seen) for (let u = 0; u < seen.rows && u < this.model.numUsers; u++) this.userCounts[u] = seen.indptr[u + 1] - seen.indptr[u];
    }
    return this.userCounts;
  }
}
