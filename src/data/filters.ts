/**
 * Filters that shrink a dataset to where there is signal. The id maps are kept (indices stay
 * valid across a dataset's parts); `compactIds` re-indexes when the empty rows should go.
 */
import { ConfigError } from '../contracts/errors.ts';
import { IdMap } from './idmap.ts';
import { Interactions } from './interactions.ts';
import { countNonZero } from './splits.ts';

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
  const usersBefore = countNonZero(userCounts);
  const itemsBefore = countNonZero(itemCounts);
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
    removedUsers: usersBefore - countNonZero(userCounts),
    removedItems: itemsBefore - countNonZero(itemCounts),
    converged,
  };
}

export interface TrainingParts {
  train: Interactions;
  validation?: Interactions;
  test?: Interactions;
}

/**
 * The k-core of a training part, its held-out parts restricted to the users and items the core
 * keeps (a removed user or item could only be served cold). Computed on the training part alone,
 * so held-out rows never decide what is kept. `note` says what went, for logs and reports.
 */
export function kCoreOfTraining(parts: TrainingParts, options: KCoreOptions): TrainingParts & { note: string } {
  const core = kCore(parts.train, options);
  if (core.interactions.length === 0) {
    throw new ConfigError(
      `the k-core of the ${parts.train.length} training interactions (users ≥ ${options.minUserInteractions ?? 1}, items ≥ ${options.minItemInteractions ?? 1}) is empty: lower the minimums`,
    );
  }
  const users = core.interactions.userCounts();
  const items = core.interactions.itemCounts();
  const kept = (data: Interactions | undefined): Interactions | undefined =>
    data?.filter((p) => data.users[p] < users.length && users[data.users[p]] > 0 && data.items[p] < items.length && items[data.items[p]] > 0);
  const validation = kept(parts.validation);
  const test = kept(parts.test);
  const dropped = [parts.validation ? `${parts.validation.length - validation!.length} validation` : '', parts.test ? `${parts.test.length - test!.length} test` : ''].filter(
    Boolean,
  );
  const note =
    `k-core of the training data (users ≥ ${options.minUserInteractions ?? 1}, items ≥ ${options.minItemInteractions ?? 1} interactions): ` +
    `${core.removedInteractions} of ${parts.train.length} rows removed (${core.removedUsers} users, ${core.removedItems} items, ${core.rounds} round${core.rounds === 1 ? '' : 's'})` +
    (dropped.length > 0 ? `; rows of removed users or items dropped: ${dropped.join(', ')}` : '');
  return { train: core.interactions, ...(validation ? { validation } : {}), ...(test ? { test } : {}), note };
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
