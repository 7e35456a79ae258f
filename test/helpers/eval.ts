/** Small fixtures for the evaluation tests: interactions from literal rows, and matrix scorers. */
import { IdMap } from '../../src/data/idmap.ts';
import { buildCsr, Interactions, type Csr } from '../../src/data/interactions.ts';
import type { Scorer } from '../../src/contracts/types.ts';

/** Id maps u0..u{n-1} and i0..i{m-1}, so dense index = the number in the id. */
export function idMaps(numUsers: number, numItems: number): { userIds: IdMap; itemIds: IdMap } {
  return {
    userIds: new IdMap(Array.from({ length: numUsers }, (_, u) => `u${u}`)),
    itemIds: new IdMap(Array.from({ length: numItems }, (_, i) => `i${i}`)),
  };
}

/** Interactions from [user, item, value] rows over a numUsers × numItems index space. */
export function rowsToInteractions(rows: [number, number, number][], numUsers: number, numItems: number): Interactions {
  return new Interactions({
    users: Int32Array.from(rows.map((r) => r[0])),
    items: Int32Array.from(rows.map((r) => r[1])),
    values: Float32Array.from(rows.map((r) => r[2])),
    ...idMaps(numUsers, numItems),
  });
}

/** Rows = users: item lists to exclude. */
export function excludeMatrix(lists: number[][], numItems: number): Csr {
  const users = lists.flatMap((items, u) => items.map(() => u));
  const items = lists.flat();
  return buildCsr(Int32Array.from(users), Int32Array.from(items), new Float32Array(items.length).fill(1), lists.length, numItems);
}

/** A Scorer reading fixed scores from a users × items matrix; counts its calls. */
export function matrixScorer(matrix: number[][], options: { batched?: boolean } = {}): Scorer & { calls: { scoreItems: number; scoreUsers: number } } {
  const numItems = matrix[0].length;
  const calls = { scoreItems: 0, scoreUsers: 0 };
  const scorer: Scorer & { calls: typeof calls } = {
    numItems,
    calls,
    scoreItems(user, out) {
      calls.scoreItems++;
      out.set(matrix[user]);
    },
  };
  if (options.batched) {
    scorer.scoreUsers = (users, out) => {
      calls.scoreUsers++;
      for (let b = 0; b < users.length; b++) out.set(matrix[users[b]], b * numItems);
    };
  }
  return scorer;
}
