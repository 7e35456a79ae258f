/**
 * A least-recently-used cache with a bound on its entries and on their total weight (e.g. the
 * ids a cached list holds), evicting the least recently used first.
 *
 * A doubly linked list over the entries keeps eviction O(1). Evicting through a Map's own
 * insertion order (`map.keys().next()` after `map.delete`) is not: V8 leaves deleted entries
 * as holes at the front of the table until it rehashes, and every `keys().next()` walks over
 * them; as the recommendation list cache it cost ~8 µs per request at 10,000 lists.
 */
interface Entry<K, V> {
  key: K;
  value: V;
  weight: number;
  /** Toward the least recently used end. */
  older: Entry<K, V> | null;
  newer: Entry<K, V> | null;
}

export interface LruLimits {
  /** Most entries kept. */
  maxEntries: number;
  /** Most total weight kept (default: no bound beyond maxEntries). */
  maxWeight?: number;
}

export class LruCache<K, V> {
  private readonly map = new Map<K, Entry<K, V>>();
  private oldest: Entry<K, V> | null = null;
  private newest: Entry<K, V> | null = null;
  private total = 0;
  readonly maxEntries: number;
  readonly maxWeight: number;

  constructor(limits: LruLimits) {
    this.maxEntries = limits.maxEntries;
    this.maxWeight = limits.maxWeight ?? Number.POSITIVE_INFINITY;
  }

  get size(): number {
    return this.map.size;
  }

  /** The total weight of the entries held. */
  get weight(): number {
    return this.total;
  }

  /** The value for `key`, now the most recently used; undefined when absent. */
  get(key: K): V | undefined {
    const e = this.map.get(key);
    if (e === undefined) return undefined;
    if (e !== this.newest) {
      this.unlink(e);
      this.append(e);
    }
    return e.value;
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  /**
   * Stores `value` as the most recently used, then evicts the least recently used until both
   * bounds hold. An entry heavier than maxWeight on its own is not kept.
   */
  set(key: K, value: V, weight = 1): void {
    const old = this.map.get(key);
    if (old !== undefined) this.remove(old);
    if (weight > this.maxWeight || this.maxEntries < 1) return;
    const e: Entry<K, V> = { key, value, weight, older: null, newer: null };
    this.map.set(key, e);
    this.append(e);
    this.total += weight;
    while (this.oldest !== null && (this.map.size > this.maxEntries || this.total > this.maxWeight)) this.remove(this.oldest);
  }

  /** Drops `key`; false when it was not held. */
  delete(key: K): boolean {
    const e = this.map.get(key);
    if (e === undefined) return false;
    this.remove(e);
    return true;
  }

  clear(): void {
    this.map.clear();
    this.oldest = null;
    this.newest = null;
    this.total = 0;
  }

  private remove(e: Entry<K, V>): void {
    this.map.delete(e.key);
    this.unlink(e);
    this.total -= e.weight;
  }

  private unlink(e: Entry<K, V>): void {
    if (e.older) e.older.newer = e.newer;
    else this.oldest = e.newer;
    if (e.newer) e.newer.older = e.older;
    else this.newest = e.older;
    e.older = null;
    e.newer = null;
  }

  private append(e: Entry<K, V>): void {
    e.older = this.newest;
    if (this.newest) this.newest.newer = e;
    else this.oldest = e;
    this.newest = e;
  }
}
