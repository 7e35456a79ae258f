/**
 * Top-k of a score vector where whether an entry may be shown is asked only of the entries that
 * would enter the list: serving ranks ~2k of thousands of items, and all but a few hundred fall
 * below the list's worst kept score, so the filter, visibility and exclusion checks (the costly
 * part, per item) run for those few hundred instead of for every item.
 *
 * Order as src/core/topk.ts: by score, best first, ties to the lower index. NaN and -Infinity
 * scores are never candidates. Returns how many entries were written to `out` (best first).
 */
export function topAccepted(scores: Float32Array, count: number, size: number, out: Int32Array, accept: (i: number) => boolean): number {
  if (size < 1) return 0;
  let kept = 0;
  let floor = -Infinity; // the worst kept score once the heap is full
  for (let i = 0; i < count; i++) {
    const s = scores[i];
    // NaN fails both comparisons; -Infinity never beats an empty floor.
    if (!(s > -Infinity)) continue;
    if (kept === size) {
      if (s < floor || (s === floor && i > out[0]) || !accept(i)) continue;
      siftDown(scores, out, i, size);
      floor = scores[out[0]];
      continue;
    }
    if (!accept(i)) continue;
    // Sift up: every parent ranks below its children (a min-heap on rank).
    let c = kept++;
    while (c > 0) {
      const p = (c - 1) >> 1;
      if (!worse(scores, i, out[p])) break;
      out[c] = out[p];
      c = p;
    }
    out[c] = i;
    if (kept === size) floor = scores[out[0]];
  }
  // Heap sort: move the worst kept entry to the end, restore the heap on the rest, repeat.
  for (let end = kept - 1; end > 0; end--) {
    const x = out[end];
    out[end] = out[0];
    siftDown(scores, out, x, end);
  }
  return kept;
}

/** Puts entry x at the root of the min-heap out[0 .. size) and sifts it down to its place. */
function siftDown(scores: Float32Array, out: Int32Array, x: number, size: number): void {
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

/** Whether entry a ranks below entry b: lower score, or equal score and higher index. */
function worse(scores: Float32Array, a: number, b: number): boolean {
  return scores[a] < scores[b] || (scores[a] === scores[b] && a > b);
}
