import { siftDown, siftUp, sortHeap } from '../core/topk.ts';

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
    siftUp(scores, out, i, kept++);
    if (kept === size) floor = scores[out[0]];
  }
  sortHeap(scores, out, kept);
  return kept;
}
