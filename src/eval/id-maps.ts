/**
 * A model scores by index, and held-out data is read by index: user index u of the data must be
 * the model's user u, item index i its item i. Data built with other id maps (a new
 * `InteractionsBuilder`, a file read on its own) usually numbers the same ids differently, and
 * scoring it as it is measures the model against the wrong users and items — numbers that look
 * plausible and are wrong. Every evaluation entry point therefore checks the maps first and
 * refuses data indexed differently; it never realigns silently (`alignToModel` does that, and
 * counts the pairs it has to drop).
 *
 * Maps agree when they hold the same id at every index both have: the same object (fast), or a
 * copy with equal content (a trained model keeps its own copy of its training maps), or one a
 * prefix of the other. Id maps only ever grow, so the verdict for a pair of map objects is
 * cached (per-epoch validation does not compare again) and only the indices added since the
 * last comparison are looked at.
 */
import { ConfigError } from '../contracts/errors.ts';
import type { Interactions } from '../data/interactions.ts';

/** What the check reads of an id map (`IdMap` has both). */
export interface IndexedIds {
  readonly size: number;
  id(index: number): string;
}

/** The prefix of a (data, model) pair of maps already compared, and the first index where they differ (−1: none yet). */
interface Verdict {
  compared: number;
  differsAt: number;
}

const verdicts = new WeakMap<IndexedIds, WeakMap<IndexedIds, Verdict>>();

/** The first index below both sizes holding different ids in `a` and `b`, or −1 when they agree there. */
export function firstDifference(a: IndexedIds, b: IndexedIds): number {
  if (a === b) return -1;
  let byOther = verdicts.get(a);
  if (!byOther) {
    byOther = new WeakMap();
    verdicts.set(a, byOther);
  }
  let verdict = byOther.get(b);
  if (!verdict) {
    verdict = { compared: 0, differsAt: -1 };
    byOther.set(b, verdict);
  }
  if (verdict.differsAt >= 0) return verdict.differsAt;
  const upTo = Math.min(a.size, b.size);
  for (let k = verdict.compared; k < upTo; k++) {
    if (a.id(k) !== b.id(k)) {
      verdict.differsAt = k;
      return k;
    }
  }
  verdict.compared = Math.max(verdict.compared, upTo);
  return -1;
}

export interface IdMapCheckOptions {
  /** What the data is called in the message (default `test data`). */
  what?: string;
  /** How to fix it (default: align it with `alignToModel`). */
  fix?: string;
}

/**
 * Refuses (ConfigError) held-out data whose user or item ids are indexed differently from the
 * model's, or that holds users or items added to its maps after the model's (which the model
 * cannot score). A model without id maps (a bare `Scorer`) cannot be checked and passes.
 */
export function checkIdMaps(model: object, data: Interactions, options: IdMapCheckOptions = {}): void {
  const what = options.what ?? 'test data';
  const name = what.split(' ')[0];
  const fix =
    options.fix ??
    `align it first with alignToModel(model, ${name}) and evaluate its .interactions; it also counts, in .dropped, the pairs whose user or item the model does not know`;
  const maps = model as { userIds?: unknown; itemIds?: unknown };
  for (const [side, ours, theirs, indices] of [
    ['user', data.userIds, maps.userIds, data.users],
    ['item', data.itemIds, maps.itemIds, data.items],
  ] as const) {
    if (!isIndexedIds(theirs)) continue;
    const k = firstDifference(ours, theirs);
    if (k >= 0) {
      throw new ConfigError(
        `the ${what}'s ${side} ids are indexed differently from the model's (index ${k} is "${ours.id(k)}" in the ${what}, "${theirs.id(k)}" in the model): ${fix}`,
      );
    }
    // Same ids where both have them; the data's map may have grown past the model's since.
    if (ours.size > theirs.size) {
      const beyond = firstAtLeast(indices, theirs.size);
      if (beyond >= 0) {
        throw new ConfigError(`the ${what} has ${side} "${ours.id(beyond)}" (index ${beyond}), which the model does not know (it has ${theirs.size} ${side}s): ${fix}`);
      }
    }
  }
}

/** The first index in `indices` that is ≥ `limit`, or −1. */
function firstAtLeast(indices: Int32Array, limit: number): number {
  for (let p = 0; p < indices.length; p++) if (indices[p] >= limit) return indices[p];
  return -1;
}

function isIndexedIds(x: unknown): x is IndexedIds {
  return typeof x === 'object' && x !== null && typeof (x as IndexedIds).size === 'number' && typeof (x as IndexedIds).id === 'function';
}
