/**
 * The retraining gate's data and metric: the store's events as (user, item) weights, a per-user
 * holdout of each user's most recent item, and NDCG@10 of a model on that holdout computed the
 * way the service would serve it (a user the model knows: their trained row; anyone else: their
 * remaining history folded in).
 */
import Database from 'better-sqlite3';
import { ConfigError } from '../contracts/errors.ts';
import { Rng } from '../core/rng.ts';
import { InteractionsBuilder } from '../data/builder.ts';
import type { Interactions } from '../data/interactions.ts';
import type { TrainingData } from '../modelfile/manifest.ts';
import { datasets } from '../data/datasets/index.ts';
import { fingerprintInteractions } from '../data/fingerprint.ts';
import type { Recommender } from '../models/recommender.ts';

export const RETRAIN_METRIC = 'ndcg@10';

/** One (user, item) pair of the store: summed event weights, latest time (ms). */
export interface Pair {
  user: string;
  item: string;
  weight: number;
  time: number;
}

/** Sums the store's events per (user, item), weighting each by its type's current weight (`rating`: the value given). */
export function pairsOf(events: Iterable<{ user: string; item: string; type: string; value: number; timestamp: number }>, weights: Record<string, number>): Pair[] {
  const byKey = new Map<string, Pair>();
  for (const e of events) {
    const w = e.type === 'rating' ? e.value : (weights[e.type] ?? e.value);
    const key = `${e.user}\u0000${e.item}`;
    const p = byKey.get(key);
    if (p) {
      p.weight += w;
      p.time = Math.max(p.time, e.timestamp);
    } else byKey.set(key, { user: e.user, item: e.item, weight: w, time: e.timestamp });
  }
  return [...byKey.values()];
}

/**
 * The store's events summed into pairs, read row by row from the store file (its own read-only
 * connection): memory grows with the distinct (user, item) pairs, not with the event count.
 */
export function readStorePairs(dbPath: string, weights: Record<string, number>): { pairs: Pair[]; events: number } {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    let events = 0;
    const rows = db.prepare('SELECT user, item, type, value, timestamp FROM events ORDER BY seq').iterate() as Iterable<{
      user: string;
      item: string;
      type: string;
      value: number;
      timestamp: number;
    }>;
    const counted = function* () {
      for (const row of rows) {
        events++;
        yield row;
      }
    };
    const pairs = pairsOf(counted(), weights);
    return { pairs, events };
  } finally {
    db.close();
  }
}

export interface Holdout {
  /** Every pair but the held-out ones. */
  train: Pair[];
  /** user → the held-out item (their most recent), for at most `maxUsers` users. */
  heldOut: Map<string, string>;
}

/**
 * Holds out each user's most recent item (ties: the larger id), for users with at least
 * `minItems` items, at most `maxUsers` of them (a seeded sample).
 */
export function holdOutRecent(pairs: Pair[], options: { minItems?: number; maxUsers?: number; seed?: number } = {}): Holdout {
  const minItems = options.minItems ?? 3;
  const byUser = new Map<string, Pair[]>();
  for (const p of pairs) {
    const list = byUser.get(p.user);
    if (list) list.push(p);
    else byUser.set(p.user, [p]);
  }
  let eligible = [...byUser.keys()].filter((u) => byUser.get(u)!.length >= minItems).sort();
  const maxUsers = options.maxUsers ?? 2000;
  if (eligible.length > maxUsers) {
    const order = new Rng(options.seed ?? 1).permutation(eligible.length);
    eligible = Array.from(order.subarray(0, maxUsers), (k) => eligible[k]).sort();
  }
  const heldOut = new Map<string, string>();
  for (const u of eligible) {
    let last = byUser.get(u)![0];
    for (const p of byUser.get(u)!) if (p.time > last.time || (p.time === last.time && p.item > last.item)) last = p;
    heldOut.set(u, last.item);
  }
  return { train: pairs.filter((p) => heldOut.get(p.user) !== p.item), heldOut };
}

/** Interactions from pairs (times in seconds, as the data layer keeps them). */
export function interactionsOf(pairs: Pair[]): Interactions {
  if (pairs.length === 0) throw new ConfigError('the event store has no events to train on');
  const builder = new InteractionsBuilder({ duplicates: 'sum' });
  for (const p of pairs) builder.add(p.user, p.item, p.weight, p.time / 1000);
  return builder.build().interactions;
}

/**
 * Mean NDCG@10 of `model` over the held-out users (one relevant item each: 1/log2(rank + 2)
 * when it ranks in the top 10, else 0), their remaining items excluded from the ranking.
 */
export function ndcgAt10(model: Recommender, heldOut: Map<string, string>, train: Pair[]): number {
  if (heldOut.size === 0) return 0;
  const history = new Map<string, Pair[]>();
  for (const p of train) if (heldOut.has(p.user)) (history.get(p.user) ?? history.set(p.user, []).get(p.user)!).push(p);
  const scores = new Float32Array(model.numItems);
  let total = 0;
  for (const [user, item] of heldOut) {
    const target = model.itemIds.get(item);
    if (target === undefined) continue; // an item the model cannot rank: a miss
    const own = history.get(user) ?? [];
    const u = model.userIds.get(user);
    if (u !== undefined) model.scoreItems(u, scores);
    else {
      try {
        scores.set(model.foldIn(own.map((p) => ({ item: p.item, weight: p.weight }))).scores);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        continue; // a model that cannot fold in serves this user the fallback: counted as a miss
      }
    }
    for (const p of own) {
      const i = model.itemIds.get(p.item);
      if (i !== undefined && i !== target) scores[i] = -Infinity;
    }
    const s = scores[target];
    if (!Number.isFinite(s)) continue;
    let rank = 0;
    for (let i = 0; i < scores.length && rank < 10; i++) if (i !== target && (scores[i] > s || (scores[i] === s && i < target))) rank++;
    if (rank < 10) total += 1 / Math.log2(rank + 2);
  }
  return total / heldOut.size;
}

/**
 * A model's own training data, when its model file names a built-in dataset (and
 * split) found on this machine whose pairs hash matches the one recorded; values as trained on.
 */
export async function originalTrainingPairs(recorded: TrainingData | null): Promise<{ pairs: Pair[]; note: string }> {
  const none = (why: string) => ({ pairs: [], note: `store events only: ${why}` });
  if (!recorded?.source) return none('the model file names no training data');
  if (!datasets.list().some((d) => d.name === recorded.source)) return none(`its training data "${recorded.source}" is not a built-in dataset`);
  if (recorded.positiveThreshold !== null && recorded.positiveThreshold !== undefined) return none('it was trained on thresholded labels');
  let data: Interactions;
  try {
    const dataset = await datasets.load(recorded.source, { download: false });
    const split = recorded.split ? dataset.splits?.[recorded.split] : undefined;
    if (recorded.split && !split) return none(`${recorded.source} has no split "${recorded.split}"`);
    data = split ? (await split()).train : dataset.interactions;
  } catch (error) {
    return none(`${recorded.source} is not on this machine (${(error as Error).message})`);
  }
  if (fingerprintInteractions(data).pairsHash !== recorded.pairsHash) return none(`${recorded.source} on this machine differs from what the model was trained on`);
  const pairs: Pair[] = [];
  for (let p = 0; p < data.length; p++) {
    pairs.push({ user: data.userIds.id(data.users[p]), item: data.itemIds.id(data.items[p]), weight: data.values[p], time: 0 });
  }
  return { pairs, note: `${recorded.source}${recorded.split ? ` (${recorded.split})` : ''}: ${pairs.length} interactions, plus store events` };
}
