/**
 * Top-k selection, in one place for every caller: a user's recommendations (`topK`), the rows of
 * a batch score matrix (`topKRows`, serving and evaluation), and the sparse candidate lists of
 * neighbour tables (`topKCandidates`). Every variant orders by score, best first, and breaks ties
 * by the lower index, so rankings are deterministic and agree with each other.
 *
 * NaN scores are never candidates: every variant leaves them out (so a list can be shorter than
 * k), as serving's `topAccepted` (src/serve/rank.ts) does. A NaN compares false with everything,
 * so let into the heap it would break the heap's order and rank above real scores.
 */

/**
 * The min(k, candidates) best entries of `scores` into `out`, best first; returns how many. A
 * bounded min-heap (the worst kept entry at the root), then a heap sort: O(n log k) and nothing
 * allocated, which matters when ranking thousands of items per user. When `skip` is given, entries i with
 * `skip[i] === mark` are not candidates (a stamp array lets callers exclude items without
 * clearing it between rows). NaN entries are not candidates either. `out` must hold at least
 * min(k, n) entries.
 */
export function topKInto(scores: ArrayLike<number>, k: number, out: Int32Array, skip: Int32Array | null = null, mark = 0): number {
  const n = scores.length;
  const size = Math.min(Math.floor(k), n);
  let count = 0;
  // The worst kept score once the heap is full: most entries fall below it and are dismissed
  // with one comparison (ties still go through `worse`, which prefers the lower index).
  let floor = -Infinity;
  for (let i = 0; i < n; i++) {
    if (skip !== null && skip[i] === mark) continue;
    if (count < size) {
      // NaN is checked only while the heap fills: once full, a NaN fails `worse` (NaN compares
      // false), so it never enters, and the root (the floor) is never NaN.
      if (scores[i] !== scores[i]) continue;
      siftUp(scores, out, i, count++);
      if (count === size) floor = scores[out[0]];
    } else if (size > 0 && !(scores[i] < floor) && worse(scores, out[0], i)) {
      siftDown(scores, out, i, size);
      floor = scores[out[0]];
    }
  }
  sortHeap(scores, out, count);
  return count;
}

/**
 * Adds entry x to the min-heap out[0 .. size) at position size, sifting it up: every parent
 * ranks below its children. The heap then holds size + 1 entries.
 */
export function siftUp(scores: ArrayLike<number>, out: Int32Array, x: number, size: number): void {
  let c = size;
  while (c > 0) {
    const p = (c - 1) >> 1;
    if (!worse(scores, x, out[p])) break;
    out[c] = out[p];
    c = p;
  }
  out[c] = x;
}

/** Heap sort of the min-heap out[0 .. size) into best-first order: move the worst kept entry to the end, restore the heap on the rest, repeat. */
export function sortHeap(scores: ArrayLike<number>, out: Int32Array, size: number): void {
  for (let end = size - 1; end > 0; end--) {
    const x = out[end];
    out[end] = out[0];
    siftDown(scores, out, x, end);
  }
}

/** Puts entry x at the root of the min-heap out[0 .. size) and sifts it down to its place. */
export function siftDown(scores: ArrayLike<number>, out: Int32Array, x: number, size: number): void {
  let c = 0;
  for (;;) {
    const l = 2 * c + 1;
    if (l >= size) break;
    const r = l + 1;
    const m = r < size && worse(scores, out[r], out[l]) ? r : l;
    if (!worse(scores, out[m], x)) break;
    out[c] = out[m];
    c = m;
  }
  out[c] = x;
}

/**
 * Whether entry a ranks below entry b: lower score, or equal score and higher index. Not an
 * order with NaN (false both ways): callers keep NaN out of the heap.
 */
function worse(scores: ArrayLike<number>, a: number, b: number): boolean {
  return scores[a] < scores[b] || (scores[a] === scores[b] && a > b);
}

/**
 * Indices of the k largest scores, best first (ties: lower index first). NaN scores are left
 * out, so the list is shorter than min(k, n) when fewer than that are numbers.
 */
export function topK(scores: ArrayLike<number>, k: number): Int32Array {
  const out = new Int32Array(Math.max(0, Math.min(Math.floor(k), scores.length)));
  const count = topKInto(scores, k, out);
  return count === out.length ? out : out.slice(0, count);
}

/**
 * The top k of every row of a row-major `rows × cols` score matrix: row r's indices, best first,
 * go to `items[r·k ..]` and their number to `counts[r]`. Entries scored −∞ (excluded) or NaN are
 * not listed, so callers exclude an item by setting its score to −∞.
 */
export function topKRows(scores: Float32Array, rows: number, cols: number, k: number, items: Int32Array, counts: Int32Array): void {
  for (let r = 0; r < rows; r++) {
    const row = scores.subarray(r * cols, (r + 1) * cols);
    const best = items.subarray(r * k, (r + 1) * k);
    let kept = topKInto(row, k, best);
    while (kept > 0 && row[best[kept - 1]] === -Infinity) kept--;
    counts[r] = kept;
  }
}

/**
 * Reorders keys/ids[0 .. n) so that the first min(k, n) hold the largest keys (ties: smaller
 * id first), in no particular order; returns min(k, n). Quickselect with a middle pivot, O(n)
 * on average and no allocation: for sparse candidate lists, where a heap over the whole
 * catalogue would cost more than the candidates themselves. NaN keys are not candidates: they
 * are moved behind the others first, and n counts only the rest.
 */
export function selectTopK(keys: Float64Array, ids: Int32Array, n: number, k: number): number {
  n = withoutNaN(keys, ids, n);
  if (k >= n) return n;
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const pk = keys[mid];
    const pi = ids[mid];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (keys[i] > pk || (keys[i] === pk && ids[i] < pi)) i++;
      while (keys[j] < pk || (keys[j] === pk && ids[j] > pi)) j--;
      if (i <= j) {
        const tk = keys[i];
        keys[i] = keys[j];
        keys[j] = tk;
        const ti = ids[i];
        ids[i] = ids[j];
        ids[j] = ti;
        i++;
        j--;
      }
    }
    if (k - 1 <= j) hi = j;
    else if (k - 1 >= i) lo = i;
    else break;
  }
  return k;
}

/**
 * Moves the NaN keys of keys/ids[0 .. n) (with their ids) behind the others; returns how many
 * are not NaN. Swaps from the end, so a list without NaN is left as it was. A NaN key would
 * stop quickselect's scans like an equal one and could be kept in place of a real key.
 */
function withoutNaN(keys: Float64Array, ids: Int32Array, n: number): number {
  let end = n;
  for (let r = 0; r < end; ) {
    if (keys[r] === keys[r]) {
      r++;
      continue;
    }
    end--;
    keys[r] = keys[end];
    keys[end] = NaN;
    const t = ids[r];
    ids[r] = ids[end];
    ids[end] = t;
  }
  return end;
}

/**
 * The top k of a sparse candidate list (keys[r] scores ids[r], r < n): returns kept = min(k, n),
 * with keys/ids[0 .. kept) holding the kept candidates (in selection order) and order[0 .. kept)
 * their positions best first (ties: smaller id first); NaN keys are left out (kept is then
 * smaller). One row of a neighbour table; `order` needs min(k, n) entries.
 */
export function topKCandidates(keys: Float64Array, ids: Int32Array, n: number, k: number, order: Int32Array): number {
  const kept = selectTopK(keys, ids, n, k);
  for (let r = 0; r < kept; r++) order[r] = r;
  order.subarray(0, kept).sort((a, b) => keys[b] - keys[a] || ids[a] - ids[b]);
  return kept;
}
