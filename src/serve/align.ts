import { buildCsr, Interactions, type Csr } from '../data/interactions.ts';
import type { Recommender } from '../models/recommender.ts';
import type { PreparedProtocol } from '../eval/protocols/types.ts';
import { firstDifference } from '../eval/id-maps.ts';
import type { IdMap } from '../data/idmap.ts';

/**
 * The same interactions indexed by the model's id maps (a model scores by its own indices).
 * Pairs whose user or item the model never saw cannot be scored: they are dropped and counted.
 */
export function alignToModel(model: Recommender, data: Interactions): { interactions: Interactions; dropped: number } {
  // Indexed as the model already (its maps, or a copy of them: a model keeps its own copy of its training maps).
  if (indexedAlike(data.userIds, model.userIds, data.users) && indexedAlike(data.itemIds, model.itemIds, data.items)) return { interactions: data, dropped: 0 };
  const users = new Int32Array(data.length);
  const items = new Int32Array(data.length);
  const values = new Float32Array(data.length);
  const times = data.times ? new Float64Array(data.length) : undefined;
  let n = 0;
  for (let p = 0; p < data.length; p++) {
    const u = model.userIds.get(data.userIds.id(data.users[p]));
    const i = model.itemIds.get(data.itemIds.id(data.items[p]));
    if (u === undefined || i === undefined) continue;
    users[n] = u;
    items[n] = i;
    values[n] = data.values[p];
    if (times) times[n] = data.times![p];
    n++;
  }
  const interactions = new Interactions({
    users: users.slice(0, n),
    items: items.slice(0, n),
    values: values.slice(0, n),
    times: times?.slice(0, n),
    userIds: model.userIds,
    itemIds: model.itemIds,
  });
  return { interactions, dropped: data.length - n };
}

/**
 * A prepared protocol re-indexed by the model's id maps, so a saved model can be measured under a
 * protocol that built its own maps: train, validation and test aligned (pairs naming users or
 * items the model never saw are dropped; test drops are counted), and the protocol's exclusion
 * set mapped entry by entry.
 */
export function alignPrepared(model: Recommender, prepared: PreparedProtocol): { prepared: PreparedProtocol; dropped: number } {
  const train = alignToModel(model, prepared.train);
  const test = alignToModel(model, prepared.test);
  if (train.interactions === prepared.train && test.interactions === prepared.test) return { prepared, dropped: 0 };
  const validation = prepared.validation ? alignToModel(model, prepared.validation).interactions : undefined;
  const exclude = alignCsr(model, prepared.exclude, prepared.train);
  return { prepared: { ...prepared, train: train.interactions, validation, test: test.interactions, exclude }, dropped: test.dropped };
}

/** Rows = the model's users, columns = its items: the entries of `csr` (indexed like `ids`) the model knows. */
function alignCsr(model: Recommender, csr: Csr, ids: Interactions): Csr {
  const users: number[] = [];
  const items: number[] = [];
  const itemIndex = new Int32Array(csr.cols).fill(-1);
  for (let j = 0; j < csr.cols && j < ids.itemIds.size; j++) itemIndex[j] = model.itemIds.get(ids.itemIds.id(j)) ?? -1;
  for (let r = 0; r < csr.rows && r < ids.userIds.size; r++) {
    const u = model.userIds.get(ids.userIds.id(r));
    if (u === undefined) continue;
    for (let p = csr.indptr[r]; p < csr.indptr[r + 1]; p++) {
      const i = itemIndex[csr.indices[p]];
      if (i < 0) continue;
      users.push(u);
      items.push(i);
    }
  }
  return buildCsr(Int32Array.from(users), Int32Array.from(items), new Float32Array(users.length).fill(1), model.userIds.size, model.itemIds.size);
}

/** Whether `indices` into `ours` mean the same ids in `theirs`: the maps agree where both hold ids, and no index is past `theirs`. */
function indexedAlike(ours: IdMap, theirs: IdMap, indices: Int32Array): boolean {
  if (ours === theirs) return true;
  if (firstDifference(ours, theirs) >= 0) return false;
  if (ours.size <= theirs.size) return true;
  for (let p = 0; p < indices.length; p++) if (indices[p] >= theirs.size) return false;
  return true;
}
