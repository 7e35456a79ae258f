import type { Csr, Interactions } from '../data/interactions.ts';
import { alignToModel } from './align.ts';
import type { Recommender } from '../models/recommender.ts';
import { topK } from '../core/topk.ts';

export interface BatchRecommendOptions {
  k: number;
  /** Leave out the model's training items (default true). */
  excludeSeen?: boolean;
  /** Further (user, item) pairs to leave out, e.g. a validation file. */
  exclude?: Interactions[];
  /** Users to recommend for (indices); default every user the model knows. */
  users?: Int32Array;
  /** Users scored per batch (deep models score a batch through the network at once). */
  batchSize?: number;
}

/**
 * Top-k for many users, scored in batches with `scoreUsers`: calls `emit(user, items, scores)`
 * with item indices best first. Pairs in `exclude` files are translated through the model's id
 * maps; ids the model never saw cannot be recommended anyway and are ignored.
 */
export function recommendBatch(
  model: Recommender,
  options: BatchRecommendOptions,
  emit: (user: number, items: Int32Array, scores: Float32Array) => void,
): void {
  const n = model.numItems;
  const users = options.users ?? Int32Array.from({ length: model.numUsers }, (_, u) => u);
  const batch = Math.max(1, options.batchSize ?? 256);
  const excluded = [...(options.excludeSeen ?? true ? [model.seen] : []), ...(options.exclude ?? []).map((e) => alignToModel(model, e).interactions.byUser())].filter(
    (c): c is Csr => c !== null,
  );
  const scores = new Float32Array(batch * n);
  for (let start = 0; start < users.length; start += batch) {
    const chunk = users.subarray(start, Math.min(users.length, start + batch));
    const out = scores.subarray(0, chunk.length * n);
    model.scoreUsers(chunk, out);
    for (let b = 0; b < chunk.length; b++) {
      const u = chunk[b];
      const row = out.subarray(b * n, (b + 1) * n);
      for (const csr of excluded) {
        if (u >= csr.rows) continue;
        for (let p = csr.indptr[u]; p < csr.indptr[u + 1]; p++) row[csr.indices[p]] = -Infinity;
      }
      let best = topK(row, options.k);
      let keep = best.length;
      while (keep > 0 && row[best[keep - 1]] === -Infinity) keep--;
      best = best.subarray(0, keep);
      emit(u, best, Float32Array.from(best, (i) => row[i]));
    }
  }
}
