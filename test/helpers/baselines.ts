/** Fixtures for the baseline tests: literal interactions, planted-structure splits, quiet fits. */
import { IdMap } from '../../src/data/idmap.ts';
import { type Csr, Interactions } from '../../src/data/interactions.ts';
import { generateSynthetic } from '../../src/data/synthetic.ts';
import { perUserSplit } from '../../src/data/splits.ts';
import type { Split } from '../../src/data/types.ts';
import type { Recommender } from '../../src/models/recommender.ts';
import type { FitOptions } from '../../src/train/types.ts';

/** Interactions from [user, item, value] rows; ids u0.. and i0.. so index = the number. */
export function interactions(rows: [number, number, number][], numUsers: number, numItems: number): Interactions {
  return new Interactions({
    users: Int32Array.from(rows, (r) => r[0]),
    items: Int32Array.from(rows, (r) => r[1]),
    values: Float32Array.from(rows, (r) => r[2]),
    userIds: new IdMap(Array.from({ length: numUsers }, (_, u) => `u${u}`)),
    itemIds: new IdMap(Array.from({ length: numItems }, (_, i) => `i${i}`)),
  });
}

/** 5 users × 7 items as user rows (user 4 has one item, item 6 none): the VAE gradient checks' batch. */
export function tinyUserRows(): Csr {
  return interactions(
    [
      [0, 0, 1],
      [0, 2, 1],
      [0, 3, 1],
      [1, 1, 1],
      [1, 2, 1],
      [1, 4, 1],
      [1, 5, 1],
      [2, 0, 1],
      [2, 5, 1],
      [3, 1, 1],
      [3, 3, 1],
      [3, 4, 1],
      [3, 5, 1],
      [4, 2, 1],
    ],
    5,
    7,
  ).byUser();
}

/** Interactions from a dense users × items matrix (0 = no interaction). */
export function fromMatrix(matrix: number[][]): Interactions {
  const rows: [number, number, number][] = [];
  matrix.forEach((row, u) => row.forEach((v, i) => v !== 0 && rows.push([u, i, v])));
  return interactions(rows, matrix.length, matrix[0].length);
}

/** fit with one thread, a fixed seed, no progress output. */
export async function fitQuietly<M extends Recommender>(model: M, train: Interactions, options: FitOptions = {}): Promise<M> {
  await model.fit(train, { threads: 1, seed: 7, progress: false, log: () => {}, ...options });
  return model;
}

/** All of a model's scores for one user. */
export function scoresOf(model: Recommender, user: number): Float32Array {
  const out = new Float32Array(model.numItems);
  model.scoreItems(user, out);
  return out;
}

/**
 * Planted low-rank implicit data (src/data/synthetic.ts): 400 users, 300 items in 8 taste
 * clusters with Zipf popularity, split 80/20 per user.
 */
export function plantedSplit(seed = 3): Split {
  const data = generateSynthetic({ users: 400, items: 300, factors: 8, interactionsPerUser: 30, popularitySkew: 0.8, noise: 0.1, seed });
  return perUserSplit(data.interactions, { testRatio: 0.2, seed });
}
