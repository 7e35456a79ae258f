/**
 * The doctor's data: a sample of whole users from the training data (so each sampled user keeps
 * their history), split into a part to fit and a validation part. Validation is carved from the
 * training data, never from a test set, so nothing the doctor proposes is chosen on test.
 */
import { Rng } from '../core/rng.ts';
import type { Interactions } from '../data/interactions.ts';
import { randomSplit } from '../data/splits.ts';

/** Whole users, in a seeded random order, until about `size` interactions. */
export function sampleUsers(data: Interactions, size: number, seed: number): Interactions {
  if (data.length <= size) return data;
  const counts = data.userCounts();
  const keep = new Uint8Array(data.numUsers);
  let total = 0;
  for (const u of new Rng(seed).permutation(data.numUsers)) {
    if (total >= size) break;
    if (counts[u] === 0) continue;
    keep[u] = 1;
    total += counts[u];
  }
  return data.filter((p) => keep[data.users[p]] === 1);
}

/** fit / validation, `validationRatio` of the pairs to validation. */
export function carveValidation(data: Interactions, validationRatio: number, seed: number): { fit: Interactions; validation: Interactions } {
  const { train, test } = randomSplit(data, { testRatio: validationRatio, seed });
  return { fit: train, validation: test };
}
