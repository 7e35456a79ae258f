import { ConfigError } from '../contracts/errors.ts';
import type { Csr, Interactions } from '../data/interactions.ts';
import { alignToModel } from './align.ts';
import { availableParallelism } from 'node:os';
import { WorkerPool } from '../core/pool.ts';
import { checkK, type Recommender } from '../models/recommender.ts';
import { topKRows } from '../core/topk.ts';

export interface BatchRecommendOptions {
  /** Items per user, ≥ 1 (as `recommend`'s k): 0, negatives, NaN or a missing k are refused. */
  k: number;
  /** Leave out the model's training items (default true). */
  excludeSeen?: boolean;
  /** Further (user, item) pairs to leave out, e.g. a validation file. */
  exclude?: Interactions[];
  /** Users to recommend for (indices); default every user the model knows. */
  users?: Int32Array;
  /**
   * Users scored per `scoreUsers` call (factor models score a block with one GEMM); default
   * `blockUsers(numItems)`.
   */
  batchSize?: number;
  /** Leave out these (already aligned) pairs too: CSR rows = the model's users. */
  excludeCsrs?: Pick<Csr, 'rows' | 'indptr' | 'indices'>[];
}

/**
 * Top-k for many users, scored in batches with `scoreUsers`: calls `emit(user, items, scores)`
 * with item indices best first. Pairs in `exclude` files are translated through the model's id
 * maps; ids the model never saw cannot be recommended anyway and are ignored. Items scored NaN
 * are left out of the lists (as −∞, excluded, ones are), so a list can be shorter than k.
 */
export function recommendBatch(model: Recommender, options: BatchRecommendOptions, emit: (user: number, items: Int32Array, scores: Float32Array) => void): void {
  checkK(options.k);
  const n = model.numItems;
  const users = options.users ?? Int32Array.from({ length: model.numUsers }, (_, u) => u);
  checkUsers(users, model.numUsers);
  const batch = Math.max(1, Math.min(users.length, options.batchSize ?? blockUsers(n)));
  const excluded = [
    ...((options.excludeSeen ?? true) ? [model.seen] : []),
    ...(options.exclude ?? []).map((e) => alignToModel(model, e).interactions.byUser()),
    ...(options.excludeCsrs ?? []),
  ].filter((c): c is Pick<Csr, 'rows' | 'indptr' | 'indices'> => c !== null);
  const k = Math.max(0, Math.min(Math.floor(options.k), n));
  const scores = new Float32Array(batch * n);
  const best = new Int32Array(batch * k);
  const counts = new Int32Array(batch);
  for (let start = 0; start < users.length; start += batch) {
    const chunk = users.subarray(start, Math.min(users.length, start + batch));
    const out = scores.subarray(0, chunk.length * n);
    model.scoreUsers(chunk, out);
    // Excluded pairs score −∞, which topKRows leaves out of the lists.
    for (let b = 0; b < chunk.length; b++) {
      const u = chunk[b];
      for (const csr of excluded) {
        if (u >= csr.rows) continue;
        for (let p = csr.indptr[u]; p < csr.indptr[u + 1]; p++) out[b * n + csr.indices[p]] = -Infinity;
      }
    }
    topKRows(out, chunk.length, n, k, best, counts);
    for (let b = 0; b < chunk.length; b++) {
      const items = best.slice(b * k, b * k + counts[b]);
      emit(
        chunk[b],
        items,
        Float32Array.from(items, (i) => out[b * n + i]),
      );
    }
  }
}

/** Refuses a user index outside the model's users (scoreUsers would read past its tables): one comparison per user. */
function checkUsers(users: Int32Array, size: number): void {
  for (let b = 0; b < users.length; b++) {
    if (users[b] >>> 0 >= size)
      throw new ConfigError(
        `recommendBatch: users[${b}] = ${users[b]} is out of range: this model's user indices run from 0 to ${size - 1}; translate external ids with model.userIndex(id)`,
      );
  }
}

/**
 * Target size of one block's score buffer (users × items float32) in `recommendBatch`: small
 * enough to stay in a shared L3 cache between the GEMM that writes it and the top-k that reads
 * it (at 50 K items 16 MB ran ~15 % faster than 64 MB in bench/recommend.ts), and far below
 * the 64 MB per worker the buffer may take.
 */
const SCORE_BLOCK_BYTES = 16 * 1024 * 1024;

/** Users per scoring block for a catalogue of `items`: the score buffer within SCORE_BLOCK_BYTES (at least 1 user, at most 512). */
export function blockUsers(items: number): number {
  return Math.max(1, Math.min(512, Math.floor(SCORE_BLOCK_BYTES / (4 * Math.max(1, items)))));
}

/** The `user<TAB>item,item,...` lines (external ids, best first) of users [start, end). */
export function formatRecommendationLines(model: Recommender, options: Omit<BatchRecommendOptions, 'users'> & { start: number; end: number }): string {
  const users = Int32Array.from({ length: options.end - options.start }, (_, k) => options.start + k);
  let text = '';
  recommendBatch(model, { ...options, users }, (u, items) => {
    text += `${model.userIds.id(u)}\t${Array.from(items, (i) => model.itemIds.id(i)).join(',')}\n`;
  });
  return text;
}

export interface BatchWorkerInit {
  dir: string;
  k: number;
  excludeSeen: boolean;
  exclude: Pick<Csr, 'rows' | 'indptr' | 'indices'>[];
}

/**
 * Every user's top-k of the model saved in `dir`, written through `write` in user order: the
 * users are cut into chunks that `threads` worker threads (each with its own copy of the model)
 * score in parallel. With `threads: 1` it runs on this thread.
 */
export async function recommendAllUsers(
  model: Recommender,
  dir: string,
  options: {
    k: number;
    excludeSeen?: boolean;
    exclude?: Interactions[];
    threads?: number;
    /** Only users [start, end) (default every user), e.g. to time a slice of a large model. */
    range?: { start: number; end: number };
    /** Called after each chunk is written with the users done so far and the total. */
    onProgress?: (done: number, total: number) => void;
  },
  write: (text: string) => void | Promise<void>,
): Promise<number> {
  checkK(options.k); // here too: before any worker starts
  const excludeSeen = options.excludeSeen ?? true;
  const exclude = (options.exclude ?? []).map((e) => {
    const { indptr, indices, rows } = alignToModel(model, e).interactions.byUser();
    return { indptr, indices, rows };
  });
  const first = Math.max(0, Math.min(model.numUsers, options.range?.start ?? 0));
  const last = Math.max(first, Math.min(model.numUsers, options.range?.end ?? model.numUsers));
  const n = last - first;
  const threads = Math.max(1, Math.min(options.threads ?? availableParallelism(), Math.ceil(n / 256)));
  const chunk = Math.max(256, Math.ceil(n / (threads * 8)));
  const ranges: { start: number; end: number }[] = [];
  for (let start = first; start < last; start += chunk) ranges.push({ start, end: Math.min(last, start + chunk) });
  if (threads === 1) {
    for (const r of ranges) {
      await write(formatRecommendationLines(model, { k: options.k, excludeSeen, excludeCsrs: exclude, ...r }));
      options.onProgress?.(r.end - first, n);
    }
    return n;
  }
  const init: BatchWorkerInit = { dir, k: options.k, excludeSeen, exclude };
  const pool = await WorkerPool.start(new URL('./batch-worker.ts', import.meta.url), threads, init);
  try {
    // Keep every worker busy with one chunk while writing finished chunks in order.
    const results: Promise<string>[] = [];
    const free: number[] = Array.from({ length: threads }, (_, w) => w);
    const waiting: (() => void)[] = [];
    const acquire = async (): Promise<number> => {
      while (free.length === 0) await new Promise<void>((resolve) => waiting.push(resolve));
      return free.pop()!;
    };
    const dispatch = async (r: { start: number; end: number }): Promise<string> => {
      const w = await acquire();
      try {
        return await pool.send<string>(w, r);
      } finally {
        free.push(w);
        waiting.shift()?.();
      }
    };
    for (const r of ranges) results.push(dispatch(r));
    for (let c = 0; c < results.length; c++) {
      await write(await results[c]);
      options.onProgress?.(ranges[c].end - first, n);
    }
  } finally {
    await pool.close();
  }
  return n;
}
