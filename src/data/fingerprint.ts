import type { Interactions } from './interactions.ts';

export interface InteractionsFingerprint {
  users: number;
  items: number;
  interactions: number;
  /** 64-bit hex hash of the (user id, item id) pairs, independent of their order and of index assignment. */
  pairsHash: string;
}

/**
 * A fingerprint of a training set, stored in the model file so evaluation can recognise its
 * own training data (or a different dataset) later. The hash sums a hash of each external
 * (user, item) pair, so reordering rows or renumbering ids leaves it unchanged.
 */
export function fingerprintInteractions(data: Interactions): InteractionsFingerprint {
  const userHash = idHashes(data.userIds.toArray());
  const itemHash = idHashes(data.itemIds.toArray());
  let lo = 0;
  let hi = 0;
  for (let k = 0; k < data.length; k++) {
    const u = userHash[data.users[k]];
    const i = itemHash[data.items[k]];
    lo = (lo + Math.imul(u ^ 0x9e3779b9, 0x85ebca6b) + i) >>> 0;
    hi = (hi + Math.imul(i ^ 0xc2b2ae35, 0x27d4eb2f) + u) >>> 0;
  }
  return {
    users: data.numUsers,
    items: data.numItems,
    interactions: data.length,
    pairsHash: hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0'),
  };
}

/** FNV-1a of each id string. */
function idHashes(ids: string[]): Uint32Array {
  const out = new Uint32Array(ids.length);
  for (let n = 0; n < ids.length; n++) {
    let h = 0x811c9dc5;
    const s = ids[n];
    for (let c = 0; c < s.length; c++) h = Math.imul(h ^ s.charCodeAt(c), 0x01000193);
    out[n] = h >>> 0;
  }
  return out;
}
