/**
 * Fold-in for the deep models, approximate: the towers hold a user-id embedding inside a
 * network (and DeepFM's shares one index space with items), so instead of refitting it, a
 * history is scored as the similarity-weighted mean of the scores of its most similar training
 * users (cosine over the kept training rows), which the tower scores as it was trained.
 */
import type { HistoryEntry } from '../../contracts/types.ts';
import type { Csr } from '../../data/interactions.ts';

/** Training users whose scores are averaged. */
export const FOLD_IN_NEIGHBOURS = 20;

export interface NeighbourIndex {
  /** Item → training users (CSR over items). */
  indptr: Int32Array;
  users: Int32Array;
  /** √(distinct items) of each user. */
  norms: Float64Array;
}

/** Item → users index of the kept training rows. */
export function neighbourIndex(seen: Csr, numItems: number): NeighbourIndex {
  const counts = new Int32Array(numItems + 1);
  const norms = new Float64Array(seen.rows);
  for (let u = 0; u < seen.rows; u++) {
    for (let p = seen.indptr[u]; p < seen.indptr[u + 1]; p++) {
      if (p > seen.indptr[u] && seen.indices[p - 1] === seen.indices[p]) continue;
      counts[seen.indices[p] + 1]++;
      norms[u]++;
    }
    norms[u] = Math.sqrt(norms[u]);
  }
  for (let i = 0; i < numItems; i++) counts[i + 1] += counts[i];
  const fill = counts.slice(0, numItems);
  const users = new Int32Array(counts[numItems]);
  for (let u = 0; u < seen.rows; u++) {
    for (let p = seen.indptr[u]; p < seen.indptr[u + 1]; p++) {
      if (p > seen.indptr[u] && seen.indices[p - 1] === seen.indices[p]) continue;
      users[fill[seen.indices[p]]++] = u;
    }
  }
  return { indptr: counts, users, norms };
}

/** The most similar training users to a history (cosine, binary training rows), with their similarities. */
export function nearestUsers(index: NeighbourIndex, history: HistoryEntry[], k = FOLD_IN_NEIGHBOURS): { users: Int32Array; sims: Float64Array } {
  const dots = new Map<number, number>();
  let hh = 0;
  for (const { index: i, weight } of history) {
    hh += weight * weight;
    for (let q = index.indptr[i]; q < index.indptr[i + 1]; q++) dots.set(index.users[q], (dots.get(index.users[q]) ?? 0) + weight);
  }
  const norm = Math.sqrt(hh) + 1e-12;
  const ranked = [...dots]
    .map(([u, d]) => [u, d / (norm * index.norms[u])] as const)
    .filter(([, s]) => s > 0)
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, k);
  return { users: Int32Array.from(ranked, ([u]) => u), sims: Float64Array.from(ranked, ([, s]) => s) };
}
