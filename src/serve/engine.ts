import { randomUUID } from 'node:crypto';
import { ConfigError, TastebudError } from '../contracts/errors.ts';
import type { HistoryItem, UserRef } from '../contracts/types.ts';
import type { Recommender } from '../models/recommender.ts';
import { buildRetrieval, startRetrieval, type AnnOptions, type Retrieval, type RetrievalStatus } from './ann.ts';
import type { ItemPredicate } from './filter.ts';
import type { EventStore } from './store.ts';
import { matchFeatures } from './match-features.ts';
import { topAccepted } from './rank.ts';
import { checkFactorForm, factorFormOf, type FactorForm } from './factor-form.ts';
import { ResidentGemv } from '../core/wasm-gemv.ts';
import { LruCache } from './lru.ts';

/** Something the client asked for that does not exist (the service answers 404). */
export class NotFoundError extends TastebudError {}

/** Where a recommended item came from: the model's scores, or the popularity fallback. */
export type RecommendationSource = 'model' | 'fallback';

export interface ServedItem {
  item: string;
  score: number;
  source: RecommendationSource;
  /** With `explain`: the user's items that contributed most to a model-scored item, and how (see Recommender.explain). */
  reason?: { method: string; items: { item: string; weight: number }[] };
}

export interface RecommendRequest {
  /** A user id; a user the model does not know is folded in from their events in the store. */
  user?: string;
  /** An inline history (anonymous sessions): folded in without retraining. */
  history?: HistoryItem[];
  /** Add a `reason` to each model-scored item of the page. */
  explain?: boolean;
  k: number;
  filter?: ItemPredicate;
  exclude?: string[];
  excludeSeen?: boolean;
}

export interface RecommendPage {
  items: ServedItem[];
  recommId: string;
  modelVersion: string;
}

export interface EngineOptions {
  /** The model's version string, returned with every list. */
  modelVersion: string;
  /** How many recommendation lists the paging cache keeps (least recently used go first). */
  cacheSize?: number;
  /** How many items one list holds for paging (the first page and every next page come from it). */
  maxListLength?: number;
  /**
   * How many items a new list from the model's scores ranks at first (default max(2k, 20):
   * the first page and one more); a later page that needs more ranks the list further, up to
   * maxListLength. Most clients never ask for a second page: ranking 500 items for each first
   * page was ~15 % of a request's CPU, and at 1,682 items a first list of 50 instead of 20
   * cost a third of the engine's time per request (the top-k heap's work and the rescoring).
   */
  firstListLength?: number;
  /**
   * Exact scoring of factor models (iALS, MF, bilinear) by a WebAssembly SIMD kernel over a
   * copy of the item table (default true; up to SIMD_TABLE_LIMIT floats): ranks by float32 sums,
   * the served scores are the model's own. False: the model's scoreItems.
   */
  simdScoring?: boolean;
  /** Called on a paging cache hit / miss (metrics). */
  onCache?: (hit: boolean) => void;
  /**
   * Called for each new list from the model's scores (metrics): `index` (the HNSW index's
   * candidates), `full_scan` (an index, but the request's rules left too few among its
   * candidates or would have searched past fullScanDepth, so every item was scored) or `exact`
   * (no index).
   */
  onRetrieval?: (path: RetrievalPath) => void;
  /** Approximate retrieval for factor models (src/serve/ann.ts); default auto: an HNSW index from 20 K items. */
  ann?: AnnOptions;
}

/** How a list from the model's scores was retrieved (EngineOptions.onRetrieval). */
export type RetrievalPath = 'index' | 'full_scan' | 'exact';

/** Filters whose per-item results an engine keeps. */
const FILTER_CACHE = 32;

/** Largest item table (items × dim floats, 64 MB) the SIMD scorer copies; larger catalogues score through the model. */
const SIMD_TABLE_LIMIT = 16 * 1024 * 1024;

/** A factor model's exact scores by the SIMD kernel: ranking scores from `gemv`, served scores from `form.rescore`. */
interface SimdScorer {
  form: FactorForm;
  gemv: ResidentGemv;
  query: Float32Array;
  rescored: Float32Array;
}

/** Whether an item (by id, and model index when known) is left out of a list. */
type Blocked = (id: string, index?: number) => boolean;

/** Model items, best first: their indices and the model's scores. */
interface Ranking {
  indices: number[];
  scores: number[];
}

/**
 * One recommendation list, shared by all its pages (each page's recommId points into it). A
 * list from the model's scores holds item indices and scores, and a page makes objects only for
 * the items it shows: the cache keeps up to 10,000 lists of ~50 items, and an object per item
 * was garbage-collector work on every request. Other lists (fallback, fold-in, user features)
 * hold their items.
 */
interface RankedList {
  /** A model list's ranking (empty for other lists). */
  ranked: Ranking;
  /** Another list's items; null for a model list. */
  items: ServedItem[] | null;
  /**
   * The first `size` items of a model list's whole ranking (the same order `ranked` began
   * with), for a list ranked short; null once the list is complete. Pages only ever append.
   */
  more: ((size: number) => Ranking) | null;
}

/** A list of ready items (fallback, fold-in, user features): complete, never ranked further. */
function itemList(items: ServedItem[]): RankedList {
  return { ranked: { indices: [], scores: [] }, items, more: null };
}

interface Page {
  list: RankedList;
  /** Where the next page starts in `list.items`. */
  next: number;
  k: number;
}

/**
 * Recommendations over a model and the event store: the model's scores for users it knows, a
 * popularity fallback for everyone else, never a hidden/unavailable/expired item, the rules of
 * the request (filter, excluded ids, seen items), and paging through a bounded LRU of lists.
 */
export class RecommendEngine {
  readonly modelVersion: string;
  private readonly cacheSize: number;
  private readonly maxListLength: number;
  private readonly pages: LruCache<string, Page>;
  /**
   * Per filter (by predicate object), its result for each model item (see filterVerdicts): the
   * FILTER_CACHE most recently used filters, one byte per item each (a bound: 1 M items × 32).
   */
  private readonly verdicts = new LruCache<ItemPredicate, { version: number; verdict: Uint8Array }>({ maxEntries: FILTER_CACHE });
  /** Each model item's visibility while it holds (see visibleNow). */
  private readonly visibility: { version: number; verdict: Uint8Array };
  /** The model's items by training count, most first (built at the first fallback). */
  private trainingRanking: { item: string; score: number }[] | null = null;
  /**
   * Working memory of the model path, reused by every request (requests run one at a time on
   * this thread, and the model path is synchronous): the scores, the ranked indices, and a
   * stamp per item (stamp[i] === mark: excluded from the ranking under way; a new mark per
   * ranking, so one request's exclusions never reach the next and nothing is cleared).
   */
  private scores: Float32Array | null = null;
  private order = new Int32Array(64);
  /** Built at the first exact ranking (undefined: not yet; null: this model has none). */
  private simd: SimdScorer | null | undefined = undefined;
  private readonly stamp: Int32Array;
  private mark = 0;
  private retrieval: Retrieval;
  private stopBuild: () => void = () => {};

  constructor(
    readonly model: Recommender,
    readonly store: EventStore,
    private readonly options: EngineOptions,
  ) {
    this.modelVersion = options.modelVersion;
    this.visibility = { version: -1, verdict: new Uint8Array(model.numItems) };
    this.stamp = new Int32Array(model.numItems);
    this.cacheSize = options.cacheSize ?? 10_000;
    this.maxListLength = options.maxListLength ?? 500;
    this.pages = new LruCache({ maxEntries: this.cacheSize });
    if (options.ann?.background) {
      const started = startRetrieval(model, options.ann, (built) => {
        this.retrieval = built;
      });
      this.retrieval = started;
      this.stopBuild = started.stop;
    } else {
      this.retrieval = buildRetrieval(model, options.ann);
    }
  }

  /** Ends an index build still running in the background (the model was swapped out, or the service closes). */
  close(): void {
    this.stopBuild();
  }

  /** How candidates are retrieved: an HNSW index (and its measured recall@10) or exact scoring. */
  get retrievalStatus(): RetrievalStatus {
    return this.retrieval.status;
  }

  /** The first page of a new list for `request.user`. */
  recommend(request: RecommendRequest): RecommendPage {
    const excludeSeen = request.excludeSeen ?? true;
    const u = request.user !== undefined ? this.model.userIds.get(request.user) : undefined;
    // Known users: the model's scores. Anyone else: their history (inline, or their events in the
    // store) folded in without retraining; no history but user properties the model has features
    // for: its cold-start scores from them; nothing at all: the popularity fallback.
    let history: HistoryItem[] = [];
    let byFeatures: ReturnType<RecommendEngine['fromUserFeatures']> = null;
    let list: RankedList;
    if (u !== undefined && !request.history) list = this.fromModel(u, request, excludeSeen);
    else {
      const blocked = this.blockRule(request);
      history = request.history ?? (u === undefined && request.user !== undefined ? this.store.itemsOf(request.user).map((item) => ({ item })) : []);
      byFeatures = u === undefined && history.length === 0 && request.user !== undefined ? this.fromUserFeatures(request.user, blocked) : null;
      list = itemList(history.length > 0 ? this.fromHistory(history, blocked) : (byFeatures?.list ?? this.fallback(blocked)));
    }
    const page = this.page({ list, next: 0, k: request.k }, request.k);
    if (request.explain) {
      for (const r of page.items) {
        if (r.source !== 'model') continue;
        r.reason = byFeatures
          ? { method: `user features: ${byFeatures.features.join(', ')}`, items: [] }
          : this.reason(u !== undefined && !request.history ? u : { history }, r.item);
      }
    }
    return page;
  }

  /** The page after the one `recommId` named (k: that page's size unless given); never repeats an item. */
  nextPage(recommId: string, k?: number): RecommendPage {
    const earlier = this.pages.get(recommId); // now the most recently used
    this.options.onCache?.(earlier !== undefined);
    if (!earlier) throw new NotFoundError(`recommId "${recommId}" is unknown or expired (the service keeps the last ${this.cacheSize} lists); ask for a new list with user=`);
    return this.page({ ...earlier }, k ?? earlier.k);
  }

  /** Items most similar to `item` by the model's item vectors, visible and passing `filter`. */
  similar(item: string, k: number, filter?: ItemPredicate): ServedItem[] {
    if (this.model.itemIds.get(item) === undefined) {
      throw new NotFoundError(`unknown item "${item}": the model (${this.model.numItems} items) has no vector for it`);
    }
    const now = Date.now();
    const want = filter ? this.model.numItems : Math.min(this.model.numItems, k + this.store.hiddenItems(now).length + 1);
    const out: ServedItem[] = [];
    for (const r of this.model.similarItems(item, want)) {
      // A score that is not a number (a diverged model's) cannot be answered: left out.
      if (Number.isNaN(r.score) || !this.store.isVisible(r.item, now) || (filter && !filter({ id: r.item, properties: this.store.propertiesOf(r.item) }))) continue;
      out.push({ item: r.item, score: finite(r.score), source: 'model' });
      if (out.length === k) break;
    }
    return out;
  }

  /**
   * The most popular visible items: by the store's weighted events since `since`, then topped up
   * by the model's training counts (items the window did not hold). `source`: `events` when the
   * window held any event, else `training`.
   */
  popular(since: number | null, k: number, filter?: ItemPredicate): { items: { item: string; score: number }[]; source: 'events' | 'training' } {
    const now = Date.now();
    const ok = (id: string): boolean => this.store.isVisible(id, now) && (!filter || filter({ id, properties: this.store.propertiesOf(id) }));
    const events = this.store.popular(since);
    const items: { item: string; score: number }[] = [];
    for (const r of this.popularity(events)) {
      if (!ok(r.item)) continue;
      items.push(r);
      if (items.length === k) break;
    }
    return { items, source: events.length > 0 ? 'events' : 'training' };
  }

  /** How exact rankings score items: the SIMD kernel over a copy of the item table, or the model's scoreItems. */
  get exactScoring(): 'simd' | 'model' {
    return this.simdScorer() ? 'simd' : 'model';
  }

  /** Filters whose per-item results are kept (at most FILTER_CACHE). */
  get cachedFilters(): number {
    return this.verdicts.size;
  }

  /** Lists held for paging. */
  get cachedLists(): number {
    return this.pages.size;
  }

  private page(from: Page, k: number): RecommendPage {
    const now = Date.now();
    const items: ServedItem[] = [];
    const list = from.list;
    let next = from.next;
    for (;;) {
      // An item hidden since the list was made is skipped, never shown.
      if (list.items !== null) {
        while (next < list.items.length && items.length < k) {
          const r = list.items[next++];
          if (this.store.isVisible(r.item, now)) items.push(r);
        }
      } else {
        const { indices, scores } = list.ranked;
        const visible = this.visibleNow(now);
        const ids = this.model.itemIds;
        while (next < indices.length && items.length < k) {
          const i = indices[next];
          const id = ids.id(i);
          if (visible(id, i)) items.push({ item: id, score: scores[next], source: 'model' });
          next++;
        }
      }
      if (items.length === k || !this.extend(list, next + (k - items.length))) break;
    }
    const recommId = randomUUID();
    this.pages.set(recommId, { list, next, k });
    return { items, recommId, modelVersion: this.modelVersion };
  }

  /**
   * Ranks a short list further, to at least `need` items (up to maxListLength): appends the
   * items of the longer ranking that the list does not hold yet, so no page repeats an item.
   * False when nothing could be added (the list is complete).
   */
  private extend(list: RankedList, need: number): boolean {
    const { indices, scores } = list.ranked;
    if (list.more === null || indices.length >= this.maxListLength) {
      list.more = null;
      return false;
    }
    const size = Math.min(this.maxListLength, Math.max(2 * indices.length, need));
    const ranked = list.more(size);
    const held = new Set(indices);
    const before = indices.length;
    for (let r = 0; r < ranked.indices.length; r++) {
      if (indices.length >= this.maxListLength) break;
      if (held.has(ranked.indices[r])) continue;
      indices.push(ranked.indices[r]);
      scores.push(ranked.scores[r]);
    }
    if (ranked.indices.length < size || indices.length >= this.maxListLength) list.more = null;
    return indices.length > before;
  }

  /**
   * Whether an item may not be in this request's list; `index` is its model index when the
   * caller has it (-1: not a model item), which lets the filter's result come from the cache.
   */
  private blockRule(request: RecommendRequest): Blocked {
    const now = Date.now();
    const excluded = request.exclude && request.exclude.length > 0 ? new Set(request.exclude) : null;
    const seen = (request.excludeSeen ?? true) && request.user !== undefined ? this.store.itemsOf(request.user) : [];
    const left = seen.length === 0 ? excluded : new Set([...(excluded ?? []), ...seen]);
    const passes = request.filter === undefined ? null : this.filterVerdicts(request.filter);
    const visible = this.visibleNow(now);
    return (id, index = -1) => left?.has(id) || !visible(id, index) || (passes !== null && !passes(id, index));
  }

  /**
   * `store.isVisible` at `now`, with each model item's answer kept between requests while it
   * holds (store.visibility: until the next put or delete, except an expiry still to come):
   * the hot path asks it of every candidate, and a map lookup by id each time was ~10 % of a
   * recommend request's CPU.
   */
  private visibleNow(now: number): (id: string, index: number) => boolean {
    if (this.visibility.version !== this.store.itemsVersion) {
      this.visibility.version = this.store.itemsVersion;
      this.visibility.verdict.fill(0);
    }
    const verdict = this.visibility.verdict; // 0: ask the store, 1: visible, 2: hidden
    const store = this.store;
    return (id, index) => {
      if (index < 0) return store.isVisible(id, now);
      const v = verdict[index];
      if (v !== 0) return v === 1;
      const answer = store.visibility(id, now);
      if (answer !== 'visible-until-expiry') verdict[index] = answer === 'visible' ? 1 : 2;
      return answer !== 'hidden';
    };
  }

  /**
   * `filter` with its result per model item kept between requests (the same filter text gives
   * the same predicate: parseFilterCached), until an item's properties change (store.itemsVersion).
   * A filter reads only ids and properties, so visibility (which changes with time) stays live.
   */
  private filterVerdicts(filter: ItemPredicate): (id: string, index: number) => boolean {
    let cached = this.verdicts.get(filter); // now the most recently used
    if (!cached || cached.version !== this.store.itemsVersion) {
      cached = { version: this.store.itemsVersion, verdict: cached?.verdict.fill(0) ?? new Uint8Array(this.model.numItems) };
      this.verdicts.set(filter, cached);
    }
    const verdict = cached.verdict; // 0: not yet asked, 1: passes, 2: fails
    const store = this.store;
    return (id, index) => {
      if (index < 0) return filter({ id, properties: store.propertiesOf(id) });
      const v = verdict[index];
      if (v !== 0) return v === 1;
      const ok = filter({ id, properties: store.propertiesOf(id) });
      verdict[index] = ok ? 1 : 2;
      return ok;
    };
  }

  /**
   * A known user's list from the model's scores: the index's candidates when there is one,
   * else exact scoring; either way ranked short (firstListLength) and ranked further from
   * exact scores when a later page needs more.
   */
  private fromModel(u: number, request: RecommendRequest, excludeSeen: boolean): RankedList {
    const excluded = this.excludedIndices(u, request, excludeSeen);
    const filter = request.filter;
    const more = (size: number): Ranking => this.rankExact(u, excluded, filter, size);
    const index = this.retrieval.index;
    if (index) {
      // The index's candidates, re-scored by the model; too few pass the rules: score every item.
      const want = Math.min(this.maxListLength, Math.max(request.k, this.retrieval.listLength));
      const found = index.search(u, want, this.acceptRule(excluded, filter));
      this.options.onRetrieval?.(found ? 'index' : 'full_scan');
      if (found) {
        const ranked: Ranking = { indices: [], scores: [] };
        for (let r = 0; r < found.count; r++) {
          if (Number.isNaN(found.scores[r])) continue;
          ranked.indices.push(found.items[r]);
          ranked.scores.push(found.scores[r]);
        }
        return { ranked, items: null, more };
      }
    }
    if (!index) this.options.onRetrieval?.('exact');
    const size = Math.min(this.maxListLength, this.model.numItems, this.options.firstListLength ?? Math.max(2 * request.k, 20));
    const ranked = this.rankExact(u, excluded, filter, size);
    return { ranked, items: null, more: ranked.indices.length < size ? null : more };
  }

  /** The model indices a user's list leaves out: `exclude`, and with excludeSeen the user's items in the store and in training. */
  private excludedIndices(u: number, request: RecommendRequest, excludeSeen: boolean): Int32Array {
    const ids = this.model.itemIds;
    const out: number[] = [];
    const add = (id: string): void => {
      const i = ids.get(id);
      if (i !== undefined) out.push(i);
    };
    if (request.exclude) for (const id of request.exclude) add(id);
    if (excludeSeen && request.user !== undefined) for (const id of this.store.itemsOf(request.user)) add(id);
    const seen = this.model.seen;
    if (excludeSeen && seen && u < seen.rows) for (let p = seen.indptr[u]; p < seen.indptr[u + 1]; p++) out.push(seen.indices[p]);
    return Int32Array.from(out);
  }

  /**
   * Whether model item i may be in the list being ranked: not excluded (stamped with a fresh
   * mark here, valid until the next call), visible now, passing the filter.
   */
  private acceptRule(excluded: Int32Array, filter: ItemPredicate | undefined): (i: number) => boolean {
    if (++this.mark === 0x7fffffff) {
      this.stamp.fill(0);
      this.mark = 1;
    }
    const mark = this.mark;
    const stamp = this.stamp;
    for (let e = 0; e < excluded.length; e++) stamp[excluded[e]] = mark;
    const visible = this.visibleNow(Date.now());
    const passes = filter === undefined ? null : this.filterVerdicts(filter);
    // The kept verdicts read here directly (0: not known yet, ask; 1: yes; 2: no): this runs for
    // every item that would enter the list, a few hundred per request.
    const shown = this.visibility.verdict;
    const passed = filter === undefined ? null : this.verdicts.get(filter)!.verdict;
    const ids = this.model.itemIds;
    return (i) => {
      if (stamp[i] === mark) return false;
      const v = shown[i];
      if (v === 2 || (v === 0 && !visible(ids.id(i), i))) return false;
      if (passed === null) return true;
      const p = passed[i];
      return p === 1 || (p === 0 && passes!(ids.id(i), i));
    };
  }

  /** The first `size` items of user u's exact ranking under the rules (scores and ranks in reused buffers). */
  private rankExact(u: number, excluded: Int32Array, filter: ItemPredicate | undefined, size: number): Ranking {
    const n = this.model.numItems;
    const simd = this.simdScorer();
    let scores: Float32Array;
    if (simd) {
      simd.form.query(u, simd.query);
      scores = simd.gemv.scores(simd.query);
    } else {
      scores = this.scores ??= new Float32Array(n);
      this.model.scoreItems(u, scores);
    }
    if (this.order.length < size) this.order = new Int32Array(size);
    const order = this.order;
    const count = topAccepted(scores, n, size, order, this.acceptRule(excluded, filter));
    if (simd) {
      // The list's scores are the model's own (the kernel's float32 sums only ranked it).
      if (simd.rescored.length < count) simd.rescored = new Float32Array(count);
      simd.form.rescore(u, order, count, simd.rescored);
    }
    const indices: number[] = new Array(count);
    const served: number[] = new Array(count);
    for (let r = 0; r < count; r++) {
      indices[r] = order[r];
      served[r] = simd ? simd.rescored[r] : scores[order[r]];
    }
    return { indices, scores: served };
  }

  /** The SIMD scorer for this model, built once; null when disabled, not a factor model, too large, or without WebAssembly SIMD. */
  private simdScorer(): SimdScorer | null {
    if (this.simd !== undefined) return this.simd;
    this.simd = null;
    if (this.options.simdScoring === false) return null;
    const form = factorFormOf(this.model);
    if ('reason' in form || form.numItems * form.dim > SIMD_TABLE_LIMIT || form.numItems !== this.model.numItems) return null;
    // As for the index: the form must agree with the model's own scores before it ranks anything.
    if (!checkFactorForm(this.model, form, Int32Array.of(0, this.model.numUsers - 1)).ok) return null;
    const gemv = ResidentGemv.create(form.items, form.numItems, form.dim, form.offsets);
    if (gemv) this.simd = { form, gemv, query: new Float32Array(form.dim), rescored: new Float32Array(64) };
    return this.simd;
  }

  /** Scores from a history folded into the model; the history's own items are never recommended back. */
  private fromHistory(history: HistoryItem[], blocked: Blocked): ServedItem[] {
    let folded: ReturnType<Recommender['foldIn']>;
    try {
      folded = this.model.foldIn(history);
    } catch (error) {
      if (error instanceof ConfigError) return this.fallback(blocked); // a model that cannot fold in
      throw error;
    }
    if (folded.source === 'fallback') return this.fallback(blocked);
    const { scores } = folded;
    const own = new Set(history.map((h) => h.item));
    for (let i = 0; i < scores.length; i++) {
      const id = this.model.itemIds.id(i);
      if (own.has(id) || blocked(id, i) || Number.isNaN(scores[i])) scores[i] = -Infinity;
    }
    return this.model
      .rankScores(scores, -1, { k: Math.min(this.maxListLength, scores.length), excludeSeen: false })
      .map((r) => ({ item: r.item, score: r.score, source: 'model' as const }));
  }

  /** Why an item was recommended: the user's items with the largest contributions. */
  private reason(user: UserRef, item: string): ServedItem['reason'] {
    const e = this.model.explain(user, item, 3);
    return { method: e.method, items: e.contributions.map((c) => ({ item: c.item, weight: c.weight })) };
  }

  /**
   * A user the model never saw and with no events, but with store properties that name the
   * model's user features (`field=value`, as in its vocabulary, e.g. `gender=M`): the model's
   * cold-start scores from those features (hybrid bilinear and two-tower models). Null when the
   * model takes no user features or none of the properties match.
   */
  private fromUserFeatures(user: string, blocked: Blocked): { list: ServedItem[]; features: string[] } | null {
    const model = this.model as Recommender & Partial<FeatureScorer>;
    const vocabulary = model.userFeatures?.vocabulary;
    if (!vocabulary || typeof model.scoreItemsFromFeatures !== 'function') return null;
    const properties = this.store.getUser(user)?.properties;
    if (!properties) return null;
    const features = matchFeatures(properties, vocabulary);
    if (features.length === 0) return null;
    const n = model.numItems;
    const scores = new Float32Array(n);
    model.scoreItemsFromFeatures(
      features.map((f) => f.index),
      null,
      scores,
    );
    for (let i = 0; i < n; i++) if (blocked(model.itemIds.id(i), i) || Number.isNaN(scores[i])) scores[i] = -Infinity;
    const list = model
      .rankScores(scores, -1, { k: Math.min(this.maxListLength, n), excludeSeen: false })
      .filter((r) => r.score > -Infinity)
      .map((r) => ({ item: r.item, score: r.score, source: 'model' as const }));
    return { list, features: features.map((f) => f.name) };
  }

  /** The popularity list: the store's most popular items (all time), topped up by training counts. */
  private fallback(blocked: Blocked): ServedItem[] {
    const out: ServedItem[] = [];
    for (const r of this.popularity(this.store.popular(null))) {
      if (blocked(r.item)) continue;
      out.push({ item: r.item, score: r.score, source: 'fallback' });
      if (out.length === this.maxListLength) break;
    }
    return out;
  }

  /**
   * Items by popularity: `events` (the store's ranking over some window) first, then the model's
   * items the window did not hold, by training count; no item twice. A few events in the window
   * must not shrink a list to the items they name.
   */
  private *popularity(events: { item: string; score: number }[]): Generator<{ item: string; score: number }> {
    yield* events;
    const training = this.trainingPopularity();
    if (events.length === 0) {
      yield* training;
      return;
    }
    const held = new Set<string>();
    for (const r of events) held.add(r.item);
    for (const r of training) if (!held.has(r.item)) yield r;
  }

  /** The model's items by training count (from its kept training rows), most first; built once (read only). */
  private trainingPopularity(): readonly { item: string; score: number }[] {
    if (!this.trainingRanking) {
      const counts = new Float64Array(this.model.numItems);
      const seen = this.model.seen;
      if (seen) for (let p = 0; p < seen.indices.length; p++) counts[seen.indices[p]]++;
      const order = Array.from(counts.keys()).sort((a, b) => counts[b] - counts[a] || a - b);
      this.trainingRanking = order.map((i) => ({ item: this.model.itemIds.id(i), score: counts[i] }));
    }
    return this.trainingRanking;
  }
}

/** A score as a finite number (±∞ clamped to ±Number.MAX_VALUE), so every answer can be written as JSON. */
function finite(score: number): number {
  return Math.max(-Number.MAX_VALUE, Math.min(Number.MAX_VALUE, score));
}

/** `7d`, `12h`, `30m`, `45s`, `2w` (or `all`) → milliseconds (null for all time). */
export function parseWindow(text: string): number | null {
  if (text === 'all') return null;
  const m = /^(\d+)([smhdw])$/.exec(text);
  if (!m) throw new ConfigError(`window must look like 30m, 12h, 7d, 2w or all, got "${text}"`);
  const unit = { s: 1e3, m: 60e3, h: 3600e3, d: 86_400e3, w: 7 * 86_400e3 }[m[2] as 's' | 'm' | 'h' | 'd' | 'w'];
  return Number(m[1]) * unit;
}

/** Models that score a user known only by metadata features (bilinear hybrids, two-tower). */
interface FeatureScorer {
  scoreItemsFromFeatures(featureIndices: ArrayLike<number>, weights: ArrayLike<number> | null, out: Float32Array): void;
}
