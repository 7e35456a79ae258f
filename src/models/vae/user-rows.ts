/**
 * The user rows that Mult-VAE and RecVAE encode: which users train, the binary row of a folded-in
 * history, and scoring a set of rows in chunks (bounding the users × items logits buffer).
 */
import type { Rng } from '../../core/rng.ts';
import type { Csr } from '../../data/interactions.ts';

/** Users per scoring chunk. */
const SCORE_CHUNK = 256;

/** The encoder and decoder as scoring sees them: a batch of rows in, logits (n × items) out; z = μ. */
export interface RowScorer {
  setBatch(rows: Csr, users: Int32Array, n: number, dropout: number, rng: Rng | null): void;
  forward(n: number, noise?: Float32Array | null): Float32Array;
}

/** Users with at least one interaction in `rows` (the ones trained on), in index order. */
export function activeUsers(rows: Csr) {
  const active: number[] = [];
  for (let u = 0; u < rows.rows; u++) if (rows.indptr[u + 1] > rows.indptr[u]) active.push(u);
  return Int32Array.from(active);
}

/** One binary row over `numItems` items holding `items` (repeats once), as training rows are. */
export function binaryRow(items: ArrayLike<number>, numItems: number): Csr {
  const indices = Int32Array.from(new Set(Array.from(items))).sort();
  return {
    rows: 1,
    cols: numItems,
    indptr: Int32Array.of(0, indices.length),
    indices,
    values: new Float32Array(indices.length).fill(1),
    order: new Int32Array(0),
  };
}

/** No rows at all (a model loaded without its training rows: every user encodes an empty row). */
export function emptyRows(numItems: number): Csr {
  return { rows: 0, cols: numItems, indptr: new Int32Array(1), indices: new Int32Array(0), values: new Float32Array(0), order: new Int32Array(0) };
}

/** Logits of every item for `users`' rows (users × numItems into `out`), SCORE_CHUNK users at a time. */
export function scoreRowsInChunks(net: RowScorer, rows: Csr, users: Int32Array, numItems: number, out: Float32Array): void {
  for (let s = 0; s < users.length; s += SCORE_CHUNK) {
    const n = Math.min(SCORE_CHUNK, users.length - s);
    net.setBatch(rows, users.subarray(s, s + n), n, 0, null);
    const logits = net.forward(n, null);
    out.set(logits.subarray(0, n * numItems), s * numItems);
  }
}
