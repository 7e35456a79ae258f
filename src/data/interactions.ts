import { DataFormatError } from '../contracts/errors.ts';
import type { IdMap } from './idmap.ts';

/** Compressed sparse rows: row r holds `indices[indptr[r]..indptr[r+1])` with `values` alongside. */
export interface Csr {
  readonly rows: number;
  readonly cols: number;
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float32Array;
  /** For each CSR entry, the position of that interaction in the columnar arrays. */
  readonly order: Int32Array;
}

export interface InteractionsInit {
  users: Int32Array;
  items: Int32Array;
  values?: Float32Array;
  /** Seconds since the epoch (or any monotone clock); NaN where unknown. */
  times?: Float64Array;
  userIds: IdMap;
  itemIds: IdMap;
}

/**
 * User–item interactions as columnar typed arrays (20 bytes per interaction with times, plus 12
 * per CSR view once built). Users and items are dense indices into shared id maps, so every
 * split of one dataset uses the same indexing and a model trained on one part scores another.
 */
export class Interactions {
  readonly users: Int32Array;
  readonly items: Int32Array;
  readonly values: Float32Array;
  readonly times: Float64Array | null;
  readonly userIds: IdMap;
  readonly itemIds: IdMap;
  private userCsr: Csr | null = null;
  private itemCsr: Csr | null = null;

  constructor(init: InteractionsInit) {
    const n = init.users.length;
    if (init.items.length !== n) throw new RangeError(`users (${n}) and items (${init.items.length}) differ in length`);
    if (init.values && init.values.length !== n) throw new RangeError(`values length ${init.values.length} ≠ ${n}`);
    if (init.times && init.times.length !== n) throw new RangeError(`times length ${init.times.length} ≠ ${n}`);
    this.users = init.users;
    this.items = init.items;
    this.values = init.values ?? new Float32Array(n).fill(1);
    this.times = init.times ?? null;
    this.userIds = init.userIds;
    this.itemIds = init.itemIds;
    checkIndices(this.users, this.userIds, 'user');
    checkIndices(this.items, this.itemIds, 'item');
    if (init.values) checkFiniteValues(this);
  }

  /** Number of interactions. */
  get length(): number {
    return this.users.length;
  }

  /** Size of the user index space (every user the id map knows, with or without interactions here). */
  get numUsers(): number {
    return this.userIds.size;
  }

  get numItems(): number {
    return this.itemIds.size;
  }

  /** Rows = users, columns = items; built once and cached. */
  byUser(): Csr {
    return (this.userCsr ??= buildCsr(this.users, this.items, this.values, this.numUsers, this.numItems));
  }

  /** Rows = items, columns = users; built once and cached. */
  byItem(): Csr {
    return (this.itemCsr ??= buildCsr(this.items, this.users, this.values, this.numItems, this.numUsers));
  }

  /** Interactions per user (length numUsers). */
  userCounts(): Int32Array {
    return countIndices(this.users, this.numUsers);
  }

  /** Interactions per item (length numItems). */
  itemCounts(): Int32Array {
    return countIndices(this.items, this.numItems);
  }

  /** The interactions at the given positions, sharing this dataset's id maps. */
  subset(positions: ArrayLike<number>): Interactions {
    const n = positions.length;
    const users = new Int32Array(n);
    const items = new Int32Array(n);
    const values = new Float32Array(n);
    const times = this.times ? new Float64Array(n) : undefined;
    for (let k = 0; k < n; k++) {
      const p = positions[k];
      users[k] = this.users[p];
      items[k] = this.items[p];
      values[k] = this.values[p];
      if (times) times[k] = this.times![p];
    }
    return new Interactions({ users, items, values, times, userIds: this.userIds, itemIds: this.itemIds });
  }

  /** The interactions for which `keep(position)` is true. */
  filter(keep: (position: number) => boolean): Interactions {
    const kept: number[] = [];
    for (let p = 0; p < this.length; p++) if (keep(p)) kept.push(p);
    return this.subset(kept);
  }

  /**
   * These interactions followed by `other`'s (e.g. train + validation for a refit). Both must share
   * the id maps (two parts of one split); times are kept when both parts have them.
   */
  concat(other: Interactions): Interactions {
    if (other.numUsers !== this.numUsers || other.numItems !== this.numItems) {
      throw new RangeError(`concat: the parts have ${this.numUsers} × ${this.numItems} and ${other.numUsers} × ${other.numItems} users × items: not two parts of one split`);
    }
    const joined = <T extends Int32Array | Float32Array | Float64Array>(a: T, b: T, make: new (n: number) => T): T => {
      const out = new make(a.length + b.length);
      out.set(a);
      out.set(b, a.length);
      return out;
    };
    return new Interactions({
      users: joined(this.users, other.users, Int32Array),
      items: joined(this.items, other.items, Int32Array),
      values: joined(this.values, other.values, Float32Array),
      times: this.times && other.times ? joined(this.times, other.times, Float64Array) : undefined,
      userIds: this.userIds,
      itemIds: this.itemIds,
    });
  }

  /** The same pairs with other values (e.g. after a label transform). */
  withValues(values: Float32Array): Interactions {
    return new Interactions({ users: this.users, items: this.items, values, times: this.times ?? undefined, userIds: this.userIds, itemIds: this.itemIds });
  }
}

/**
 * Refuses (DataFormatError) an index outside its id map: a row naming no id would be dropped
 * from every CSR view without a word. One pass for the smallest and largest index; the position
 * is looked for only when one is out of range.
 */
function checkIndices(indices: Int32Array, ids: IdMap, side: 'user' | 'item'): void {
  const size = ids.size;
  let min = 0;
  let max = -1;
  for (let k = 0; k < indices.length; k++) {
    const v = indices[k];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min >= 0 && max < size) return;
  let p = 0;
  while (p < indices.length && indices[p] >= 0 && indices[p] < size) p++;
  throw new DataFormatError(
    `${side}s[${p}] is ${indices[p]}, outside the ${side} id map (${size} ids, indices 0..${size - 1}): every ${side} index must name an id of its map; ` +
      `add the id to the map first (${side}Ids.add(id) gives its index), or build the interactions with InteractionsBuilder`,
  );
}

/**
 * Refuses (DataFormatError) interactions whose values are not all finite numbers: NaN or ±∞
 * make every model's loss NaN (which looks like divergence) or train on nothing. Readers refuse
 * such numbers in files; this is for values made in code (`withValues`, a label transform, a
 * constructor call). The fit loop checks again, since `values` is a mutable array.
 */
export function checkFiniteValues(data: Interactions, what = 'interaction'): void {
  const values = data.values;
  let bad = 0;
  let first = -1;
  for (let p = 0; p < values.length; p++) {
    // v - v is 0 for every finite v, NaN for NaN and ±∞.
    if (values[p] - values[p] !== 0) {
      if (first < 0) first = p;
      bad++;
    }
  }
  if (bad === 0) return;
  const user = data.userIds.size > data.users[first] ? `"${data.userIds.id(data.users[first])}"` : `index ${data.users[first]}`;
  const item = data.itemIds.size > data.items[first] ? `"${data.itemIds.id(data.items[first])}"` : `index ${data.items[first]}`;
  throw new DataFormatError(
    `${what} values must be finite numbers: ${bad} of ${values.length} ${bad === 1 ? 'is' : 'are'} NaN or ±Infinity, the first at position ${first} (user ${user}, item ${item}, value ${values[first]}); ` +
      'replace those values or drop their rows before building the interactions',
  );
}

/**
 * (row, col, value) triples into CSR with each row's columns sorted (membership tests can
 * binary-search a row): a counting sort by row that reads the input in order, then a sort of each
 * row by column. Rows are short, so the second pass stays in cache.
 */
export function buildCsr(rowsOf: Int32Array, colsOf: Int32Array, valuesOf: Float32Array, rows: number, cols: number): Csr {
  const n = rowsOf.length;
  const indptr = new Int32Array(rows + 1);
  for (let k = 0; k < n; k++) indptr[rowsOf[k] + 1]++;
  for (let r = 0; r < rows; r++) indptr[r + 1] += indptr[r];
  const fill = indptr.slice(0, rows);
  const indices = new Int32Array(n);
  const values = new Float32Array(n);
  const order = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const at = fill[rowsOf[k]]++;
    indices[at] = colsOf[k];
    values[at] = valuesOf[k];
    order[at] = k;
  }
  sortRowsByColumn(indptr, indices, values, order);
  return { rows, cols, indptr, indices, values, order };
}

/** Sorts each CSR row by column, stably, moving values and order along. */
function sortRowsByColumn(indptr: Int32Array, indices: Int32Array, values: Float32Array, order: Int32Array): void {
  const POS = 67108864; // 2^26: (column, position) packed into one exact float64 key
  let keys = new Float64Array(0);
  for (let r = 0; r + 1 < indptr.length; r++) {
    const start = indptr[r];
    const end = indptr[r + 1];
    let sorted = true;
    for (let p = start + 1; p < end && sorted; p++) sorted = indices[p - 1] <= indices[p];
    if (sorted) continue;
    const len = end - start;
    if (keys.length < len) keys = new Float64Array(len);
    const view = keys.subarray(0, len);
    for (let p = 0; p < len; p++) view[p] = indices[start + p] * POS + p;
    view.sort();
    const idx = indices.slice(start, end);
    const val = values.slice(start, end);
    const ord = order.slice(start, end);
    for (let p = 0; p < len; p++) {
      const from = view[p] % POS;
      indices[start + p] = idx[from];
      values[start + p] = val[from];
      order[start + p] = ord[from];
    }
  }
}

/** Whether sorted row `row` of `csr` contains column `col` (binary search). */
export function csrHas(csr: Csr, row: number, col: number): boolean {
  let lo = csr.indptr[row];
  let hi = csr.indptr[row + 1] - 1;
  const idx = csr.indices;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = idx[mid];
    if (v === col) return true;
    if (v < col) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

function countIndices(indices: Int32Array, size: number): Int32Array {
  const counts = new Int32Array(size);
  for (let k = 0; k < indices.length; k++) counts[indices[k]]++;
  return counts;
}
