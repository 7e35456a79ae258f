/**
 * Indices of the k largest scores, best first, by a bounded min-heap: O(n log k) and no
 * allocation beyond the k-slot heap, which matters when ranking thousands of items per user.
 * Ties go to the lower index, so rankings are deterministic.
 */
export function topK(scores: ArrayLike<number>, k: number): Int32Array {
  const n = scores.length;
  const size = Math.min(k, n);
  const heap = new Int32Array(size);
  let count = 0;
  // "worse" = lower score, or equal score and higher index.
  const worse = (a: number, b: number): boolean => scores[a] < scores[b] || (scores[a] === scores[b] && a > b);
  for (let i = 0; i < n; i++) {
    if (count < size) {
      let c = count++;
      heap[c] = i;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!worse(heap[c], heap[p])) break;
        const t = heap[c];
        heap[c] = heap[p];
        heap[p] = t;
        c = p;
      }
    } else if (size > 0 && worse(heap[0], i)) {
      heap[0] = i;
      let c = 0;
      for (;;) {
        const l = 2 * c + 1;
        const r = l + 1;
        let m = c;
        if (l < size && worse(heap[l], heap[m])) m = l;
        if (r < size && worse(heap[r], heap[m])) m = r;
        if (m === c) break;
        const t = heap[c];
        heap[c] = heap[m];
        heap[m] = t;
        c = m;
      }
    }
  }
  const out = Array.from(heap.subarray(0, count));
  out.sort((a, b) => (scores[b] - scores[a]) || a - b);
  return Int32Array.from(out);
}
