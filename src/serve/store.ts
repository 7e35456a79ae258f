import Database from 'better-sqlite3';
import { ConfigError } from '../contracts/errors.ts';
import { suggest } from '../contracts/suggest.ts';
import { LruCache } from './lru.ts';

/**
 * The service's event store: one SQLite file holding events, items and users.
 *
 * Durability: the database runs in WAL mode with `synchronous = FULL`. A batch of events is one
 * transaction, and the service answers 2xx only after the transaction has committed, which under
 * FULL means the WAL has been fsynced: an acknowledged event survives a killed process *and* a
 * power loss or kernel crash. (`NORMAL` is safe against a killed process only; after a power loss
 * the last commits can roll back, which would lose events the client was told were stored.) The
 * cost is one fsync per batch, not per event, so clients that send batches pay little.
 *
 * Events are idempotent by `eventId` (a UNIQUE column, `INSERT OR IGNORE`): a retried batch is
 * stored once, and the repeats are counted as duplicates. An eventId names one event: the same
 * eventId with other content (user, item, type, a rating's value, a given timestamp) is a
 * conflict, and refuses its whole batch (`EventRowError` with `conflict`).
 */

/**
 * The largest |value| of an event: a rating's value and an event type's weight. Far above any
 * rating scale or weight in use, and far enough below the largest double that sums of values
 * (popularity, retraining's per-pair totals) stay finite.
 */
export const MAX_EVENT_VALUE = 1e6;

/**
 * A batch refused because of one of its events: `row` (0-based, in the batch) and `field` say
 * which, as the schema's errors do (`events.1.type: ...`); `conflict`: the eventId is already
 * used by a different event (the service answers 409, else 400).
 */
export class EventRowError extends ConfigError {
  constructor(
    readonly row: number,
    readonly field: string,
    readonly detail: string,
    readonly conflict = false,
  ) {
    super(`events.${row}.${field}: ${detail}`);
  }
}

/** Weights of event types; `rating` is not here: its weight is the rating given. */
export const DEFAULT_EVENT_WEIGHTS: Readonly<Record<string, number>> = { view: 1, cart: 3, purchase: 5 };

export interface EventInput {
  eventId: string;
  user: string;
  item: string;
  type: string;
  /** The rating for `rating` events; ignored (the type's weight is used) otherwise. */
  value?: number;
  /** Milliseconds since the epoch; default now. */
  timestamp?: number;
  recommId?: string;
}

export interface StoredEvent {
  eventId: string;
  user: string;
  item: string;
  type: string;
  value: number;
  timestamp: number;
  recommId: string | null;
}

export interface ItemRecord {
  id: string;
  properties: Record<string, unknown>;
  available: boolean;
  /** Milliseconds since the epoch, or null for never. */
  expiresAt: number | null;
}

export interface UserRecord {
  id: string;
  properties: Record<string, unknown>;
}

export interface StoreOptions {
  /** Event type → weight (default view 1, cart 3, purchase 5; given ones replace these); `rating` always weighs its value. */
  weights?: Record<string, number>;
  /** Bounds of the per-user seen-items cache (see `itemsOf`); default 10,000 users and 500,000 in weight (a user's item ids, plus one per user). */
  seenItemsCache?: { users?: number; items?: number };
}

/** The seen-items cache's size, bounds and lookups since the store opened (status and metrics). */
export interface SeenItemsCacheStatus {
  users: number;
  items: number;
  maxUsers: number;
  maxItems: number;
  hits: number;
  misses: number;
}

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL UNIQUE,
  user TEXT NOT NULL,
  item TEXT NOT NULL,
  type TEXT NOT NULL,
  value REAL NOT NULL,
  timestamp INTEGER NOT NULL,
  recomm_id TEXT
);
CREATE INDEX IF NOT EXISTS events_user ON events (user, item);
CREATE INDEX IF NOT EXISTS events_time ON events (timestamp);
CREATE TABLE IF NOT EXISTS items (
  id TEXT PRIMARY KEY,
  properties TEXT NOT NULL DEFAULT '{}',
  available INTEGER NOT NULL DEFAULT 1,
  expires_at INTEGER,
  deleted INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, properties TEXT NOT NULL DEFAULT '{}');
`;

interface ItemRow {
  id: string;
  properties: string;
  available: number;
  expires_at: number | null;
  deleted: number;
}

/** What the recommender needs of an item, kept in memory (the database stays the truth). */
interface CachedItem {
  properties: Record<string, unknown>;
  available: boolean;
  expiresAt: number | null;
  deleted: boolean;
}

interface BatchResult {
  accepted: number;
  duplicates: number;
  newItems: string[];
  /** Users inserted (or already present) that `knownUsers` did not hold. */
  newUsers: string[];
}

/** Most user ids `knownUsers` holds before it starts over (a bound on its memory). */
const KNOWN_USERS_LIMIT = 100_000;

export class EventStore {
  readonly path: string;
  readonly weights: Readonly<Record<string, number>>;
  /** Duplicate events ignored since this store was opened. */
  duplicates = 0;
  /**
   * Changes whenever an item's properties, availability or expiry may have changed (a put or a
   * delete): caches of filter results and of visibility compare it.
   */
  itemsVersion = 0;
  private readonly db: Database.Database;
  private readonly items = new Map<string, CachedItem>();
  /** Prepared once per SQL text: preparing costs tens of µs, more than most of these queries. */
  private readonly statements = new Map<string, Database.Statement>();
  private readonly insertEvent: Database.Statement;
  private readonly insertUser: Database.Statement;
  private readonly insertItem: Database.Statement;
  private readonly insertBatch: (events: EventInput[]) => BatchResult;
  private readonly insertBatches: (batches: EventInput[][]) => (BatchResult | EventRowError)[];
  /**
   * Per user, the items they have events for (`itemsOf`): every recommend request asks it, and
   * the query was ~4 % of a request's CPU. An entry is dropped when an event for its user is
   * stored (inside the inserting transaction), so the next request sees that event.
   */
  private readonly seenItems: LruCache<string, readonly string[]>;
  private seenHits = 0;
  /**
   * Users known to have a row (filled after each commit, so a rolled-back batch adds none):
   * their events skip the users insert. Bounded: emptied when it reaches KNOWN_USERS_LIMIT.
   */
  private knownUsers = new Set<string>();
  private seenMisses = 0;
  /** Batches waiting for the next group commit (see `addEventsGrouped`). */
  private pending: { events: EventInput[]; resolve: (r: { accepted: number; duplicates: number }) => void; reject: (e: unknown) => void }[] = [];

  private constructor(path: string, options: StoreOptions) {
    this.path = path;
    this.seenItems = new LruCache({ maxEntries: options.seenItemsCache?.users ?? 10_000, maxWeight: options.seenItemsCache?.items ?? 500_000 });
    // Configured weights replace the defaults: the types listed are the types accepted (and rating).
    this.weights = { ...(options.weights ?? DEFAULT_EVENT_WEIGHTS) };
    for (const [type, w] of Object.entries(this.weights)) {
      if (!Number.isFinite(w) || Math.abs(w) > MAX_EVENT_VALUE)
        throw new ConfigError(`event weight of "${type}" must be a number from -${MAX_EVENT_VALUE} to ${MAX_EVENT_VALUE}, got ${w}`);
    }
    try {
      this.db = new Database(path);
    } catch (error) {
      throw new ConfigError(`cannot open the event store ${path}: ${(error as Error).message}`);
    }
    try {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.pragma('busy_timeout = 5000');
      // Neither setting touches durability (synchronous = FULL still fsyncs the WAL at each
      // commit). A 64 MiB page cache (default 2 MiB; a bound, not an allocation) keeps the
      // indexes' pages in memory instead of re-reading them for every insert. A checkpoint every
      // 10,000 WAL pages (~40 MB, default 1,000) instead of at nearly every group commit: a
      // commit of a few hundred events dirties hundreds of pages of the (user, item) index, and
      // a checkpoint writes each page once however many commits changed it.
      this.db.pragma('cache_size = -65536');
      this.db.pragma('wal_autocheckpoint = 10000');
      this.db.exec(SCHEMA);
      const version = this.db.prepare("SELECT value FROM meta WHERE key = 'schema'").get() as { value: string } | undefined;
      if (version === undefined) this.db.prepare("INSERT INTO meta (key, value) VALUES ('schema', ?)").run(String(SCHEMA_VERSION));
      else if (Number(version.value) > SCHEMA_VERSION) throw new ConfigError(`${path} has event store schema ${version.value}; this tastebud reads up to ${SCHEMA_VERSION}`);
    } catch (error) {
      this.db.close();
      if (error instanceof ConfigError) throw error;
      throw new ConfigError(`${path} is not a tastebud event store (${(error as Error).message})`);
    }
    for (const row of this.db.prepare('SELECT id, properties, available, expires_at, deleted FROM items').iterate() as IterableIterator<ItemRow>) {
      this.items.set(row.id, cached(row));
    }
    // Positional parameters: binding by name read an object built per event.
    this.insertEvent = this.db.prepare('INSERT OR IGNORE INTO events (event_id, user, item, type, value, timestamp, recomm_id) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.insertUser = this.db.prepare('INSERT OR IGNORE INTO users (id) VALUES (?)');
    this.insertItem = this.db.prepare('INSERT OR IGNORE INTO items (id) VALUES (?)');
    this.insertBatch = this.db.transaction((events: EventInput[]) => {
      let accepted = 0;
      const newItems: string[] = [];
      const newUsers: string[] = [];
      const now = Date.now();
      for (let row = 0; row < events.length; row++) {
        const e = events[row];
        if (this.insertEvent.run(e.eventId, e.user, e.item, e.type, this.weightOf(e), e.timestamp ?? now, e.recommId ?? null).changes === 0) {
          // Stored already (by an earlier batch or an earlier row of this one): the same event
          // again is a duplicate, another event under its eventId refuses the batch (rolled back).
          this.checkSameEvent(events, row);
          continue;
        }
        accepted++;
        this.seenItems.delete(e.user);
        // Users and items the store already holds (rows are never removed) need no insert.
        if (!this.knownUsers.has(e.user)) {
          this.insertUser.run(e.user);
          newUsers.push(e.user);
        }
        if (!this.items.has(e.item) && this.insertItem.run(e.item).changes > 0) newItems.push(e.item);
      }
      return { accepted, duplicates: events.length - accepted, newItems, newUsers };
    });
    // Each batch in its own savepoint inside one transaction: one commit (one fsync) for all. A
    // batch refused by a conflict is rolled back to its savepoint alone; the others commit.
    this.insertBatches = this.db.transaction((batches: EventInput[][]) =>
      batches.map((events): BatchResult | EventRowError => {
        try {
          return this.insertBatch(events);
        } catch (error) {
          if (error instanceof EventRowError) return error;
          throw error;
        }
      }),
    );
  }

  /** Opens (creating if needed) the store at `path` (`:memory:` for a throwaway one). */
  static open(path: string, options: StoreOptions = {}): EventStore {
    return new EventStore(path, options);
  }

  /** Event types the store accepts: the weighted ones and `rating`. */
  get eventTypes(): string[] {
    return [...Object.keys(this.weights), 'rating'];
  }

  /** The value stored for an event: its type's weight, or the rating given. */
  weightOf(e: Pick<EventInput, 'type' | 'value'>): number {
    if (e.type === 'rating') {
      if (e.value === undefined || !Number.isFinite(e.value)) throw new ConfigError('a rating event needs a numeric value');
      if (Math.abs(e.value) > MAX_EVENT_VALUE) throw new ConfigError(`a rating's value must be from -${MAX_EVENT_VALUE} to ${MAX_EVENT_VALUE}, got ${e.value}`);
      return e.value;
    }
    const w = this.weights[e.type];
    if (w === undefined) throw new ConfigError(`unknown event type "${e.type}"${suggest(e.type, this.eventTypes)} (one of ${this.eventTypes.join(', ')})`);
    return w;
  }

  /**
   * Stores a batch in one transaction (all or nothing); an event whose eventId is already stored,
   * or repeated within the batch, is ignored and counted when it is the same event, and refuses
   * the batch (an EventRowError with `conflict`) when it is not. A bad type or value refuses it
   * too (an EventRowError naming the row). Unknown users and items are created. Returns once the
   * batch is durable (see the class comment).
   */
  addEvents(events: EventInput[]): { accepted: number; duplicates: number } {
    this.checkEvents(events); // before anything is written
    return this.recordBatch(this.insertBatch(events));
  }

  /** Each event's type and value (see weightOf); the first bad one throws an EventRowError naming its row. */
  private checkEvents(events: EventInput[]): void {
    for (let row = 0; row < events.length; row++) {
      const e = events[row];
      try {
        this.weightOf(e);
      } catch (error) {
        if (error instanceof ConfigError) throw new EventRowError(row, e.type === 'rating' ? 'value' : 'type', error.message);
        throw error;
      }
    }
  }

  /**
   * Row `row` of a batch was not inserted because its eventId is stored: returns when the stored
   * event is the same event (a duplicate), else throws a conflict naming the row, the eventId and
   * what differs. A row without a timestamp (stored as "now") matches any stored time; the value
   * is compared for ratings only (other types store their weight, not the value sent).
   */
  private checkSameEvent(events: EventInput[], row: number): void {
    const e = events[row];
    const stored = this.sql('SELECT user, item, type, value, timestamp FROM events WHERE event_id = ?').get(e.eventId) as
      | { user: string; item: string; type: string; value: number; timestamp: number }
      | undefined;
    if (stored === undefined) return; // not stored after all (cannot happen: the UNIQUE column is the only constraint)
    const differs: string[] = [];
    if (stored.user !== e.user) differs.push(`user "${stored.user}" → "${e.user}"`);
    if (stored.item !== e.item) differs.push(`item "${stored.item}" → "${e.item}"`);
    if (stored.type !== e.type) differs.push(`type "${stored.type}" → "${e.type}"`);
    else if (e.type === 'rating' && stored.value !== e.value) differs.push(`value ${stored.value} → ${e.value}`);
    if (e.timestamp !== undefined && stored.timestamp !== e.timestamp) {
      differs.push(`timestamp ${new Date(stored.timestamp).toISOString()} → ${new Date(e.timestamp).toISOString()}`);
    }
    if (differs.length === 0) return;
    const earlier = events.findIndex((other) => other.eventId === e.eventId);
    const where = earlier >= 0 && earlier < row ? `row ${earlier} of this batch` : 'an event stored earlier';
    throw new EventRowError(
      row,
      'eventId',
      `eventId "${e.eventId}" is already used by ${where}, with other content (${differs.join(', ')}); an eventId names one event: resend it unchanged, or give a new event its own eventId. Nothing in this batch was stored`,
      true,
    );
  }

  /**
   * `addEvents` with group commit: batches handed in during one turn of the event loop are
   * written in one transaction, so concurrent requests share one commit (one fsync) instead of
   * queueing behind one each. Resolves once the batch is durable; a bad event rejects its own
   * batch before anything is written, an eventId conflict rejects its own batch (rolled back to
   * its savepoint), a failed commit rejects every batch of the group.
   */
  addEventsGrouped(events: EventInput[]): Promise<{ accepted: number; duplicates: number }> {
    this.checkEvents(events);
    return new Promise((resolve, reject) => {
      if (this.pending.push({ events, resolve, reject }) === 1) setImmediate(() => this.commitPending());
    });
  }

  private commitPending(): void {
    const group = this.pending;
    if (group.length === 0) return; // already committed by close()
    this.pending = [];
    let results: (BatchResult | EventRowError)[];
    try {
      results = this.insertBatches(group.map((g) => g.events));
    } catch (error) {
      for (const g of group) g.reject(error);
      return;
    }
    for (let i = 0; i < group.length; i++) {
      const result = results[i];
      if (result instanceof EventRowError) group[i].reject(result);
      else group[i].resolve(this.recordBatch(result));
    }
  }

  private recordBatch({ accepted, duplicates, newItems, newUsers }: BatchResult): { accepted: number; duplicates: number } {
    for (const id of newItems) if (!this.items.has(id)) this.items.set(id, { properties: {}, available: true, expiresAt: null, deleted: false });
    if (this.knownUsers.size + newUsers.length > KNOWN_USERS_LIMIT) this.knownUsers = new Set();
    for (const id of newUsers) this.knownUsers.add(id);
    this.duplicates += duplicates;
    return { accepted, duplicates };
  }

  getEvent(eventId: string): StoredEvent | null {
    const row = this.sql('SELECT event_id, user, item, type, value, timestamp, recomm_id FROM events WHERE event_id = ?').get(eventId) as
      | { event_id: string; user: string; item: string; type: string; value: number; timestamp: number; recomm_id: string | null }
      | undefined;
    return row ? { eventId: row.event_id, user: row.user, item: row.item, type: row.type, value: row.value, timestamp: row.timestamp, recommId: row.recomm_id } : null;
  }

  /** Items the user has events for (shared with the cache: read only). */
  itemsOf(user: string): readonly string[] {
    const cached = this.seenItems.get(user);
    if (cached !== undefined) {
      this.seenHits++;
      return cached;
    }
    this.seenMisses++;
    const items = Object.freeze((this.sql('SELECT DISTINCT item FROM events WHERE user = ?').pluck().all(user) as string[]) ?? []);
    // Weighted by the ids held (+1: an empty list costs an entry too).
    this.seenItems.set(user, items, items.length + 1);
    return items;
  }

  /** The seen-items cache: users and item ids held, its bounds, hits and misses. */
  get seenItemsCache(): SeenItemsCacheStatus {
    return {
      users: this.seenItems.size,
      items: this.seenItems.weight - this.seenItems.size,
      maxUsers: this.seenItems.maxEntries,
      maxItems: this.seenItems.maxWeight,
      hits: this.seenHits,
      misses: this.seenMisses,
    };
  }

  /**
   * Items by summed event weight since `since` (ms since the epoch; null = all time), best first.
   * Every score is finite: a sum past the largest double (values written before they were
   * bounded by MAX_EVENT_VALUE) is clamped to ±Number.MAX_VALUE, and an item whose sum is not a
   * number (+∞ and −∞ added) is left out, so no answer built on these ever holds a non-number.
   */
  popular(since: number | null): { item: string; score: number }[] {
    const rows = (
      since === null
        ? this.sql('SELECT item, SUM(value) AS score FROM events GROUP BY item ORDER BY score DESC, item').all()
        : this.sql('SELECT item, SUM(value) AS score FROM events WHERE timestamp >= ? GROUP BY item ORDER BY score DESC, item').all(since)
    ) as { item: string; score: number | null }[];
    let finite = true;
    for (const r of rows) if (typeof r.score !== 'number' || !Number.isFinite(r.score)) finite = false;
    if (finite) return rows as { item: string; score: number }[];
    const out: { item: string; score: number }[] = [];
    for (const r of rows) {
      if (typeof r.score !== 'number' || Number.isNaN(r.score)) continue;
      out.push({ item: r.item, score: Math.max(-Number.MAX_VALUE, Math.min(Number.MAX_VALUE, r.score)) });
    }
    return out;
  }

  /** Creates or replaces an item; un-deletes a deleted one. */
  putItem(item: ItemRecord): void {
    this.sql(
      `INSERT INTO items (id, properties, available, expires_at, deleted) VALUES (?, ?, ?, ?, 0)
         ON CONFLICT (id) DO UPDATE SET properties = excluded.properties, available = excluded.available, expires_at = excluded.expires_at, deleted = 0`,
    ).run(item.id, JSON.stringify(item.properties), item.available ? 1 : 0, item.expiresAt);
    this.items.set(item.id, { properties: item.properties, available: item.available, expiresAt: item.expiresAt, deleted: false });
    this.itemsVersion++;
  }

  /** Creates or replaces many items in one transaction (one fsync, not one per item: a catalogue load). */
  putItems(items: ItemRecord[]): void {
    this.db.transaction(() => {
      for (const item of items) this.putItem(item);
    })();
  }

  /** An item, or null when unknown or deleted. */
  getItem(id: string): ItemRecord | null {
    const c = this.items.get(id);
    if (!c || c.deleted) return null;
    return { id, properties: c.properties, available: c.available, expiresAt: c.expiresAt };
  }

  /**
   * Deletes an item: it is never recommended again, and its events stay (a tombstone, so a
   * late event cannot bring it back; a PUT does). Returns false when it was unknown or deleted.
   */
  deleteItem(id: string): boolean {
    const c = this.items.get(id);
    if (!c || c.deleted) return false;
    this.sql('UPDATE items SET deleted = 1 WHERE id = ?').run(id);
    c.deleted = true;
    this.itemsVersion++;
    return true;
  }

  /**
   * `isVisible`, and for how long the answer holds: `visible` (no expiry: until the next put or
   * delete), `hidden` (deleted, unavailable or expired: time only moves on, so also until the
   * next put or delete), or `visible-until-expiry` (true now, but not to be kept).
   */
  visibility(id: string, now = Date.now()): 'visible' | 'hidden' | 'visible-until-expiry' {
    const c = this.items.get(id);
    if (c === undefined) return 'visible';
    if (c.deleted || !c.available || (c.expiresAt !== null && c.expiresAt <= now)) return 'hidden';
    return c.expiresAt === null ? 'visible' : 'visible-until-expiry';
  }

  /** Whether an item may be recommended now: not deleted, available, not expired. Unknown items may. */
  isVisible(id: string, now = Date.now()): boolean {
    const c = this.items.get(id);
    return c === undefined || (!c.deleted && c.available && (c.expiresAt === null || c.expiresAt > now));
  }

  /** Ids of items that may not be recommended now. */
  hiddenItems(now = Date.now()): string[] {
    const out: string[] = [];
    for (const [id, c] of this.items) if (c.deleted || !c.available || (c.expiresAt !== null && c.expiresAt <= now)) out.push(id);
    return out;
  }

  /** An item's properties for filters ({} for an item the store does not know). */
  propertiesOf(id: string): Record<string, unknown> {
    return this.items.get(id)?.properties ?? EMPTY;
  }

  putUser(user: UserRecord): void {
    this.sql('INSERT INTO users (id, properties) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET properties = excluded.properties').run(user.id, JSON.stringify(user.properties));
  }

  getUser(id: string): UserRecord | null {
    const row = this.sql('SELECT id, properties FROM users WHERE id = ?').get(id) as { id: string; properties: string } | undefined;
    return row ? { id: row.id, properties: JSON.parse(row.properties) } : null;
  }

  counts(): { users: number; items: number; events: number } {
    const one = (sql: string): number => this.sql(sql).pluck().get() as number;
    return { users: one('SELECT COUNT(*) FROM users'), items: one('SELECT COUNT(*) FROM items WHERE deleted = 0'), events: one('SELECT COUNT(*) FROM events') };
  }

  get open(): boolean {
    return this.db.open;
  }

  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (statement === undefined) this.statements.set(text, (statement = this.db.prepare(text)));
    return statement;
  }

  close(): void {
    if (this.db.open && this.pending.length > 0) this.commitPending(); // nothing handed in is dropped
    if (this.db.open) this.db.close();
  }
}

const EMPTY: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

function cached(row: ItemRow): CachedItem {
  return { properties: JSON.parse(row.properties), available: row.available === 1, expiresAt: row.expires_at, deleted: row.deleted === 1 };
}
