/**
 * Filters that shrink a dataset to where there is signal. The id maps are kept (indices stay
 * valid across a dataset's parts); `compactIds` re-indexes when the empty rows should go.
 */
import { ConfigError } from '../contracts/errors.ts';
import { IdMap } from './idmap.ts';
import { Interactions } from './interactions.ts';

export interface KCoreOptions {
  /** Every remaining user has at least this many interactions (default 1). */
  minUserInteractions?: number;
  /** Every remaining item has at least this many interactions (default 1). */
  minItemInteractions?: number;
  /** Stop after this many rounds even if not settled (default: until settled). */
  maxRounds?: number;
}

export interface KCoreResult {
  interactions: Interactions;
  /** Rounds of removal until nothing changed (each round drops rare users, then rare items). */
  rounds: number;
  removedInteractions: number;
  /** Users / items that had interactions before and have none after. */
  removedUsers: number;
  removedItems: number;
  /** False only when `maxRounds` stopped it before the fixed point. */
  converged: boolean;
}

/**
 * The k-core: repeatedly drops interactions of users below `minUserInteractions` and items below
 * `minItemInteractions` until both hold everywhere (dropping a user can push an item below its
 * minimum, and back). Counts interactions, so a repeated pair counts each time it occurs.
 */
export function kCore(data: Interactions, options: KCoreOptions): KCoreResult {
  const minUser = options.minUserInteractions ?? 1;
  const minItem = options.minItemInteractions ?? 1;
  const maxRounds = options.maxRounds ?? Infinity;
  if (!(Number.isInteger(minUser) && minUser >= 0 && Number.isInteger(minItem) && minItem >= 0)) {
    throw new ConfigError(`kCore minimums must be integers ≥ 0, got users ${minUser}, items ${minItem}`);
  }
  const n = data.length;
  const alive = new Uint8Array(n).fill(1);
  const userCounts = data.userCounts();
  const itemCounts = data.itemCounts();
  const usersBefore = countPositive(userCounts);
  const itemsBefore = countPositive(itemCounts);
  let remaining = n;
  let rounds = 0;
  let converged = false;
  while (rounds < maxRounds) {
    let removed = 0;
    // Decide from the counts at the start of the pass, then update them, so one round is one
    // well-defined step whatever the row order.
    const userOk = Uint8Array.from(userCounts, (c) => (c >= minUser ? 1 : 0));
    for (let p = 0; p < n; p++) {
      if (alive[p] && !userOk[data.users[p]]) {
        alive[p] = 0;
        userCounts[data.users[p]]--;
        itemCounts[data.items[p]]--;
        removed++;
      }
    }
    const itemOk = Uint8Array.from(itemCounts, (c) => (c >= minItem ? 1 : 0));
    for (let p = 0; p < n; p++) {
      if (alive[p] && !itemOk[data.items[p]]) {
        alive[p] = 0;
        userCounts[data.users[p]]--;
        itemCounts[data.items[p]]--;
        removed++;
      }
    }
    if (removed === 0) {
      converged = true;
      break;
    }
    rounds++;
    remaining -= removed;
  }
  const interactions = remaining === n ? data : data.filter((p) => alive[p] === 1);
  return {
    interactions,
    rounds,
    removedInteractions: n - remaining,
    removedUsers: usersBefore - countPositive(userCounts),
    removedItems: itemsBefore - countPositive(itemCounts),
    converged,
  };
}

/**
 * The same interactions with new id maps holding only the users and items that occur, in order
 * of first occurrence. Use before training on a filtered dataset so no embedding is allocated
 * for an id with no data; other parts of the old dataset no longer share its indexing.
 */
export function compactIds(data: Interactions): Interactions {
  const userIds = new IdMap();
  const itemIds = new IdMap();
  const users = new Int32Array(data.length);
  const items = new Int32Array(data.length);
  for (let p = 0; p < data.length; p++) {
    users[p] = userIds.add(data.userIds.id(data.users[p]));
    items[p] = itemIds.add(data.itemIds.id(data.items[p]));
  }
  return new Interactions({ users, items, values: data.values, times: data.times ?? undefined, userIds, itemIds });
}

function countPositive(counts: Int32Array): number {
  let k = 0;
  for (let i = 0; i < counts.length; i++) if (counts[i] > 0) k++;
  return k;
}
