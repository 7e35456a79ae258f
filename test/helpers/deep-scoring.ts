/**
 * Scoring checks every deep model's tests make: full-catalogue (batched) scores agree with
 * pairwise scores, and a saved and reloaded model scores exactly the same.
 */
import assert from 'node:assert/strict';
import type { Recommender } from '../../src/models/recommender.ts';
import { loadModel } from '../../src/models/load.ts';
import { withTempDir } from './temp-dir.ts';

/** Asserts score(users, items)[q] ≈ scoreUsers(users)[q][items[q]] within `tol`; returns the batched scores. */
export function assertPairsMatchBatch(model: Recommender, users: Int32Array, items: Int32Array, tol: number, what = ''): Float32Array {
  const ni = model.numItems;
  const all = new Float32Array(users.length * ni);
  model.scoreUsers(users, all);
  const pairs = model.score(users, items);
  for (let q = 0; q < users.length; q++) {
    assert.ok(Math.abs(pairs[q] - all[q * ni + items[q]]) < tol, `${what}pair ${q}: ${pairs[q]} vs ${all[q * ni + items[q]]}`);
  }
  return all;
}

/** Saves and reloads `model`, asserts the reloaded model's scoreUsers(users) equals `expected` exactly, and returns it. */
export async function assertReloadScoresEqual(model: Recommender, users: Int32Array, expected: Float32Array): Promise<Recommender> {
  return withTempDir(async (dir) => {
    await model.save(dir);
    const loaded = await loadModel(dir);
    const got = new Float32Array(expected.length);
    loaded.scoreUsers(users, got);
    assert.deepEqual(got, expected);
    return loaded;
  });
}
