import { ConfigError, DataFormatError } from '../contracts/errors.ts';
import { IdMap } from './idmap.ts';
import { Interactions } from './interactions.ts';

/** What to do when one (user, item) pair occurs more than once. */
export type DuplicatePolicy = 'keep' | 'last' | 'max' | 'sum' | 'error';

export interface InteractionsBuilderOptions {
  /** Id maps to extend (or, with `addUnknownIds: false`, to look ids up in). Shared, not copied. */
  userIds?: IdMap;
  itemIds?: IdMap;
  /** Add ids the maps do not know yet (default true); false makes an unknown id an error. */
  addUnknownIds?: boolean;
  /**
   * Default 'last' (the latest row for a pair wins, like a re-rating). 'keep' keeps every row,
   * 'max' keeps the row with the largest value, 'sum' sums values into the last row, 'error' throws.
   * Duplicates are counted under every policy.
   */
  duplicates?: DuplicatePolicy;
  /** File name for error messages. */
  file?: string;
  /** What the numbers passed as `line` count: text 'line's (default) or table 'row's (Parquet). */
  positionUnit?: 'line' | 'row';
}

export interface BuildResult {
  interactions: Interactions;
  /** Rows that repeated an earlier (user, item) pair (n − distinct pairs). */
  duplicates: number;
  /** Rows added with a negative value (kept: some data uses negative feedback). */
  negativeValues: number;
}

/** The largest magnitude a 32-bit float holds; values beyond it would become ±Infinity. */
export const FLOAT32_MAX = 3.4028234663852886e38;

const INITIAL_CAPACITY = 1024;
// 1.5× growth keeps slack (and the copy during growth) small: ≤ 30 bytes per row at rest.
const GROWTH = 1.5;

/**
 * Collects interactions row by row into growable typed arrays (20 bytes per row, 24 when lines are
 * tracked for duplicate errors), then resolves duplicate pairs with a counting sort by user and
 * an item-indexed marker — no per-pair objects, so tens of millions of rows fit.
 */
export class InteractionsBuilder {
  readonly userIds: IdMap;
  readonly itemIds: IdMap;
  private readonly addUnknown: boolean;
  private readonly policy: DuplicatePolicy;
  private readonly file?: string;
  private readonly unit: 'line' | 'row';
  private n = 0;
  private negatives = 0;
  private users = new Int32Array(INITIAL_CAPACITY);
  private items = new Int32Array(INITIAL_CAPACITY);
  private values = new Float32Array(INITIAL_CAPACITY);
  private times = new Float64Array(INITIAL_CAPACITY);
  /** Source line of each row, only kept for the 'error' policy's message. */
  private lines: Int32Array | null;
  private anyTime = false;
  // Input files are often grouped by user: remembering the last id skips most map lookups.
  private lastUserId: string | null = null;
  private lastUser = -1;
  private readonly userCache = new NumericIdCache();
  private readonly itemCache = new NumericIdCache();

  constructor(options: InteractionsBuilderOptions = {}) {
    this.userIds = options.userIds ?? new IdMap();
    this.itemIds = options.itemIds ?? new IdMap();
    this.addUnknown = options.addUnknownIds ?? true;
    this.policy = options.duplicates ?? 'last';
    this.file = options.file;
    this.unit = options.positionUnit ?? 'line';
    this.lines = this.policy === 'error' ? new Int32Array(INITIAL_CAPACITY) : null;
    if (!['keep', 'last', 'max', 'sum', 'error'].includes(this.policy)) {
      throw new ConfigError(`unknown duplicates policy "${this.policy}" (keep, last, max, sum or error)`);
    }
  }

  /** Rows added so far. */
  get length(): number {
    return this.n;
  }

  /**
   * Adds one interaction. `time` is seconds since the epoch, NaN when unknown; `line` (1-based)
   * only serves error messages.
   */
  add(userId: string, itemId: string, value: number, time: number, line?: number): void {
    let user: number;
    if (userId === this.lastUserId) user = this.lastUser;
    else {
      user = this.idIndex('user', userId, 0, userId.length, line);
      this.lastUserId = userId;
      this.lastUser = user;
    }
    const item = this.idIndex('item', itemId, 0, itemId.length, line);
    this.addIndex(user, item, value, time, line);
  }

  /** Adds one interaction by dense indices already in the id maps (for columnar readers). */
  addIndex(user: number, item: number, value: number, time: number, line?: number): void {
    if (!(value >= -FLOAT32_MAX && value <= FLOAT32_MAX)) {
      throw this.error(`value ${value} is not a finite number a 32-bit float can hold (±3.4e38)`, line, 'rating');
    }
    if (value < 0) this.negatives++;
    if (this.n === this.users.length) this.grow();
    const k = this.n++;
    this.users[k] = user;
    this.items[k] = item;
    this.values[k] = value;
    this.times[k] = time;
    if (time === time) this.anyTime = true;
    if (this.lines) this.lines[k] = line ?? 0;
  }

  /**
   * The index of the user or item id `text.slice(start, end)`, honouring `addUnknownIds`. Most
   * ids are decimal numbers: those are found by value in a typed-array table (several times faster
   * than IdMap's string-keyed Map, which stays the source of truth), and the id string is only
   * made the first time it is seen — readers can pass offsets into a decoded chunk.
   */
  idIndex(kind: 'user' | 'item', text: string, start: number, end: number, line?: number): number {
    const map = kind === 'user' ? this.userIds : this.itemIds;
    const key = canonicalInteger(text, start, end);
    if (key < 0) return this.lookup(map, text.slice(start, end), kind, line);
    const cache = kind === 'user' ? this.userCache : this.itemCache;
    let i = cache.get(key);
    if (i < 0) {
      i = this.lookup(map, text.slice(start, end), kind, line);
      cache.set(key, i);
    }
    return i;
  }

  /** The index of `id` in `map`, honouring `addUnknownIds`; throws DataFormatError otherwise. */
  private lookup(map: IdMap, id: string, kind: 'user' | 'item', line?: number): number {
    const i = map.get(id);
    if (i !== undefined) return i;
    if (!this.addUnknown) throw this.error(`${kind} "${id}" is not in the id mapping`, line, kind);
    // Readers hand us slices of big decoded chunks; a fresh copy keeps the map from pinning them.
    return map.add((' ' + id).slice(1));
  }

  /**
   * Resolves duplicates and returns the interactions in input order (for a merged pair, at the
   * position of the row that was kept). Times are null when no row had one. The builder is
   * emptied so its buffers can be freed; it can be filled again, with the same id maps.
   */
  build(): BuildResult {
    const n = this.n;
    // Views, not copies: duplicates are resolved in the builder's own buffers, then the
    // survivors are copied once into exactly sized arrays.
    const users = this.users.subarray(0, n);
    const items = this.items.subarray(0, n);
    const values = this.values.subarray(0, n);
    const times = this.anyTime ? this.times.subarray(0, n) : undefined;
    const lines = this.lines?.subarray(0, n) ?? null;
    const { keep, duplicates } = resolveDuplicates(users, items, values, lines, this.userIds.size, this.itemIds.size, this.policy, (user, item, first, second) => {
      const where = first && second ? ` (${this.unit}s ${first} and ${second})` : '';
      throw this.error(`duplicate interaction for user "${this.userIds.id(user)}" and item "${this.itemIds.id(item)}"${where}`, second || undefined);
    });
    const columns = keep ? compact(keep, users, items, values, times) : { users: users.slice(), items: items.slice(), values: values.slice(), times: times?.slice() };
    const negativeValues = this.negatives;
    this.release();
    return { interactions: new Interactions({ ...columns, userIds: this.userIds, itemIds: this.itemIds }), duplicates, negativeValues };
  }

  private error(message: string, at: number | undefined, field?: string): DataFormatError {
    if (this.unit === 'row' && at !== undefined) return new DataFormatError(`row ${at}: ${message}`, { file: this.file, field });
    return new DataFormatError(message, { file: this.file, line: at, field });
  }

  private grow(): void {
    const capacity = Math.max(INITIAL_CAPACITY, Math.ceil(this.users.length * GROWTH));
    this.users = resized(this.users, capacity);
    this.items = resized(this.items, capacity);
    this.values = resized(this.values, capacity);
    this.times = resized(this.times, capacity);
    if (this.lines) this.lines = resized(this.lines, capacity);
  }

  private release(): void {
    this.n = 0;
    this.negatives = 0;
    this.users = new Int32Array(0);
    this.items = new Int32Array(0);
    this.values = new Float32Array(0);
    this.times = new Float64Array(0);
    if (this.lines) this.lines = new Int32Array(0);
    this.anyTime = false;
  }
}

type TypedArray = Int32Array | Float32Array | Float64Array;

function resized<T extends TypedArray>(a: T, capacity: number): T {
  const out = new (a.constructor as new (n: number) => T)(capacity);
  out.set(a);
  return out;
}

/**
 * Finds repeated (user, item) pairs and applies the policy in place on `values`. Returns a mask
 * of rows to keep, or null when every row stays. Rows are visited user by user (after a counting
 * sort by user that copies items and positions, so the scan reads memory in order; skipped when
 * the input is already grouped by user); within one user an item-indexed marker spots a repeat
 * in O(1), so the whole pass is linear.
 */
function resolveDuplicates(
  users: Int32Array,
  items: Int32Array,
  values: Float32Array,
  lines: Int32Array | null,
  numUsers: number,
  numItems: number,
  policy: DuplicatePolicy,
  fail: (user: number, item: number, firstLine: number, secondLine: number) => never,
): { keep: Uint8Array | null; duplicates: number } {
  const n = users.length;
  if (n < 2) return { keep: null, duplicates: 0 };
  const sorted = groupedByUser(users, numUsers) ? null : sortByUser(users, items, numUsers);
  const itemAt = sorted ? sorted.items : items;
  const start = sorted ? sorted.start : null;
  const positions = sorted ? sorted.positions : null;
  const seenBy = new Int32Array(numItems).fill(-1); // last user whose rows held the item
  const keptAt = new Int32Array(numItems); // that user's surviving row for the item
  let duplicates = 0;
  let keep: Uint8Array | null = null;
  let u = 0;
  for (let j = 0; j < n; j++) {
    if (start) while (j >= start[u + 1]) u++;
    else u = users[j];
    const it = itemAt[j];
    const p = positions ? positions[j] : j;
    if (seenBy[it] !== u) {
      seenBy[it] = u;
      keptAt[it] = p;
      continue;
    }
    duplicates++;
    if (policy === 'keep') continue;
    const q = keptAt[it];
    if (policy === 'error') fail(u, it, lines ? lines[q] : 0, lines ? lines[p] : 0);
    keep ??= new Uint8Array(n).fill(1);
    let drop = q; // the later row wins ties
    if (policy === 'max' && values[p] < values[q]) drop = p;
    else if (policy === 'sum') values[p] += values[q];
    keep[drop] = 0;
    if (drop === q) keptAt[it] = p;
  }
  return { keep, duplicates };
}

/** A stable counting sort by user: each user's items and row positions, users in index order. */
function sortByUser(users: Int32Array, items: Int32Array, numUsers: number) {
  const n = users.length;
  const start = new Int32Array(numUsers + 1);
  for (let k = 0; k < n; k++) start[users[k] + 1]++;
  for (let i = 0; i < numUsers; i++) start[i + 1] += start[i];
  const fill = start.slice(0, numUsers);
  const sortedItems = new Int32Array(n);
  const positions = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const at = fill[users[k]]++;
    sortedItems[at] = items[k];
    positions[at] = k;
  }
  return { start, items: sortedItems, positions };
}

/** Whether each user's rows form one contiguous run (files sorted or grouped by user). */
function groupedByUser(users: Int32Array, numUsers: number): boolean {
  const done = new Uint8Array(numUsers);
  for (let k = 1; k < users.length; k++) {
    const prev = users[k - 1];
    if (users[k] === prev) continue;
    if (done[users[k]]) return false;
    done[prev] = 1;
  }
  return true;
}

function compact(keep: Uint8Array, users: Int32Array, items: Int32Array, values: Float32Array, times: Float64Array | undefined) {
  let m = 0;
  for (let k = 0; k < keep.length; k++) m += keep[k];
  const out = {
    users: new Int32Array(m),
    items: new Int32Array(m),
    values: new Float32Array(m),
    times: times ? new Float64Array(m) : undefined,
  };
  let w = 0;
  for (let k = 0; k < keep.length; k++) {
    if (!keep[k]) continue;
    out.users[w] = users[k];
    out.items[w] = items[k];
    out.values[w] = values[k];
    if (times) out.times![w] = times[k];
    w++;
  }
  return out;
}

/** The value of a decimal id in text[start, end) without sign or leading zeros ('7', not '007'), or -1. */
function canonicalInteger(text: string, start: number, end: number): number {
  const n = end - start;
  if (n <= 0 || n > 15) return -1;
  let v = text.charCodeAt(start) - 48;
  if (v < 0 || v > 9 || (v === 0 && n > 1)) return -1;
  for (let k = start + 1; k < end; k++) {
    const d = text.charCodeAt(k) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

// Ids below this are looked up by value in a flat table (at most 16 MiB); larger ones are hashed.
const DENSE_LIMIT = 1 << 22;

/** Integer id → index, -1 when absent. Indices are stored + 1 so that 0 means "empty". */
class NumericIdCache {
  private dense = new Int32Array(0);
  /** Open addressing over (key, index + 1) pairs side by side: one cache line per probe. */
  private table = new Float64Array(2 * 1024);
  private count = 0;

  get(key: number): number {
    if (key < DENSE_LIMIT) return key < this.dense.length ? this.dense[key] - 1 : -1;
    const t = this.table;
    const mask = (t.length >> 1) - 1;
    for (let h = hash(key) & mask; ; h = (h + 1) & mask) {
      const v = t[2 * h + 1];
      if (v === 0) return -1;
      if (t[2 * h] === key) return v - 1;
    }
  }

  set(key: number, index: number): void {
    if (key < DENSE_LIMIT) {
      if (key >= this.dense.length) {
        const grown = new Int32Array(Math.min(DENSE_LIMIT, Math.max(1024, 2 * this.dense.length, key + 1)));
        grown.set(this.dense);
        this.dense = grown;
      }
      this.dense[key] = index + 1;
      return;
    }
    if (4 * (this.count + 1) > this.table.length) this.rehash(this.table.length * 2);
    const t = this.table;
    const mask = (t.length >> 1) - 1;
    let h = hash(key) & mask;
    while (t[2 * h + 1] !== 0 && t[2 * h] !== key) h = (h + 1) & mask;
    if (t[2 * h + 1] === 0) this.count++;
    t[2 * h] = key;
    t[2 * h + 1] = index + 1;
  }

  private rehash(length: number): void {
    const old = this.table;
    this.table = new Float64Array(length);
    this.count = 0;
    for (let h = 0; h < old.length; h += 2) if (old[h + 1] !== 0) this.set(old[h], old[h + 1] - 1);
  }
}

function hash(key: number): number {
  let h = Math.imul((key >>> 0) ^ Math.imul((key / 4294967296) >>> 0, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 15;
  return Math.imul(h, 0xc2b2ae35) ^ (h >>> 13);
}
