import { DataFormatError } from './errors.ts';
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
}

export interface BuildResult {
  interactions: Interactions;
  /** Rows that repeated an earlier (user, item) pair (n − distinct pairs). */
  duplicates: number;
}

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
  private n = 0;
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
    this.lines = this.policy === 'error' ? new Int32Array(INITIAL_CAPACITY) : null;
    if (!['keep', 'last', 'max', 'sum', 'error'].includes(this.policy)) {
      throw new RangeError(`unknown duplicates policy "${this.policy}" (keep, last, max, sum or error)`);
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
      user = this.cachedLookup(this.userIds, this.userCache, userId, 'user', line);
      this.lastUserId = userId;
      this.lastUser = user;
    }
    const item = this.cachedLookup(this.itemIds, this.itemCache, itemId, 'item', line);
    this.addIndex(user, item, value, time, line);
  }

  /** Adds one interaction by dense indices already in the id maps (for columnar readers). */
  addIndex(user: number, item: number, value: number, time: number, line?: number): void {
    if (this.n === this.users.length) this.grow();
    const k = this.n++;
    this.users[k] = user;
    this.items[k] = item;
    this.values[k] = value;
    this.times[k] = time;
    if (time === time) this.anyTime = true;
    if (this.lines) this.lines[k] = line ?? 0;
  }

  // Most ids are decimal numbers; a typed-array hash on their value is several times faster
  // than the string-keyed Map inside IdMap, which stays the source of truth.
  private cachedLookup(map: IdMap, cache: NumericIdCache, id: string, kind: 'user' | 'item', line?: number): number {
    const key = canonicalInteger(id);
    if (key < 0) return this.lookup(map, id, kind, line);
    let i = cache.get(key);
    if (i < 0) {
      i = this.lookup(map, id, kind, line);
      cache.set(key, i);
    }
    return i;
  }

  /** The index of `id` in `map`, honouring `addUnknownIds`; throws DataFormatError otherwise. */
  lookup(map: IdMap, id: string, kind: 'user' | 'item', line?: number): number {
    const i = map.get(id);
    if (i !== undefined) return i;
    if (!this.addUnknown) throw new DataFormatError(`${kind} "${id}" is not in the id mapping`, { file: this.file, line, field: kind });
    // Readers hand us slices of big decoded chunks; a fresh copy keeps the map from pinning them.
    return map.add((' ' + id).slice(1));
  }

  /**
   * Resolves duplicates and returns the interactions in input order (for a merged pair, at the
   * position of the row that was kept). Times are null when no row had one. The builder is
   * emptied so its buffers can be freed.
   */
  build(): BuildResult {
    const n = this.n;
    const users = this.users.slice(0, n);
    const items = this.items.slice(0, n);
    const values = this.values.slice(0, n);
    const times = this.anyTime ? this.times.slice(0, n) : undefined;
    const lines = this.lines?.slice(0, n) ?? null;
    this.release();

    const { keep, duplicates } = resolveDuplicates(users, items, values, lines, this.userIds.size, this.itemIds.size, this.policy, (user, item, first, second) => {
      const where = first && second ? ` (lines ${first} and ${second})` : '';
      throw new DataFormatError(`duplicate interaction for user "${this.userIds.id(user)}" and item "${this.itemIds.id(item)}"${where}`, {
        file: this.file,
        line: second || undefined,
      });
    });
    const base = { userIds: this.userIds, itemIds: this.itemIds };
    if (!keep) return { interactions: new Interactions({ ...base, users, items, values, times }), duplicates };
    return { interactions: new Interactions({ ...base, ...compact(keep, users, items, values, times) }), duplicates };
  }

  private grow(): void {
    const capacity = Math.ceil(this.users.length * GROWTH);
    this.users = resized(this.users, capacity);
    this.items = resized(this.items, capacity);
    this.values = resized(this.values, capacity);
    this.times = resized(this.times, capacity);
    if (this.lines) this.lines = resized(this.lines, capacity);
  }

  private release(): void {
    this.n = 0;
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
 * of rows to keep, or null when every row stays. Rows are visited user by user (a stable
 * counting sort, skipped when the input is already grouped by user); within one user an
 * item-indexed marker spots a repeat in O(1), so the whole pass is linear.
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
  const order = groupedByUser(users, numUsers) ? null : countingOrder(users, numUsers);
  const seenBy = new Int32Array(numItems).fill(-1); // last user whose rows held the item
  const keptAt = new Int32Array(numItems); // that user's surviving row for the item
  let duplicates = 0;
  let keep: Uint8Array | null = null;
  for (let j = 0; j < n; j++) {
    const p = order ? order[j] : j;
    const u = users[p];
    const it = items[p];
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

/** Positions 0..n-1 ordered stably by `keys` (counting sort). */
function countingOrder(keys: Int32Array, size: number): Int32Array {
  const n = keys.length;
  const start = new Int32Array(size + 1);
  for (let k = 0; k < n; k++) start[keys[k] + 1]++;
  for (let i = 0; i < size; i++) start[i + 1] += start[i];
  const out = new Int32Array(n);
  for (let k = 0; k < n; k++) out[start[keys[k]]++] = k;
  return out;
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

/** The value of a decimal id without sign or leading zeros ('7', not '007'), or -1. */
function canonicalInteger(id: string): number {
  const n = id.length;
  if (n === 0 || n > 15) return -1;
  let v = id.charCodeAt(0) - 48;
  if (v < 0 || v > 9 || (v === 0 && n > 1)) return -1;
  for (let k = 1; k < n; k++) {
    const d = id.charCodeAt(k) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** Open-addressing hash from integer ids (< 2^53) to indices; -1 when absent. */
class NumericIdCache {
  private keys = new Float64Array(1024);
  private vals = new Int32Array(1024).fill(-1);
  private count = 0;

  get(key: number): number {
    const mask = this.vals.length - 1;
    for (let h = hash(key) & mask; ; h = (h + 1) & mask) {
      const v = this.vals[h];
      if (v < 0 || this.keys[h] === key) return v;
    }
  }

  set(key: number, value: number): void {
    if (2 * (this.count + 1) > this.vals.length) this.rehash(this.vals.length * 2);
    const mask = this.vals.length - 1;
    let h = hash(key) & mask;
    while (this.vals[h] >= 0 && this.keys[h] !== key) h = (h + 1) & mask;
    if (this.vals[h] < 0) this.count++;
    this.keys[h] = key;
    this.vals[h] = value;
  }

  private rehash(capacity: number): void {
    const { keys, vals } = this;
    this.keys = new Float64Array(capacity);
    this.vals = new Int32Array(capacity).fill(-1);
    this.count = 0;
    for (let h = 0; h < vals.length; h++) if (vals[h] >= 0) this.set(keys[h], vals[h]);
  }
}

function hash(key: number): number {
  let h = Math.imul((key >>> 0) ^ Math.imul((key / 4294967296) >>> 0, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 15;
  return Math.imul(h, 0xc2b2ae35) ^ (h >>> 13);
}
