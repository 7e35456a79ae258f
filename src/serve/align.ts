import { Interactions } from '../data/interactions.ts';
import type { Recommender } from '../models/recommender.ts';

/**
 * The same interactions indexed by the model's id maps (a model scores by its own indices).
 * Pairs whose user or item the model never saw cannot be scored: they are dropped and counted.
 */
export function alignToModel(model: Recommender, data: Interactions): { interactions: Interactions; dropped: number } {
  if (data.userIds === model.userIds && data.itemIds === model.itemIds) return { interactions: data, dropped: 0 };
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
