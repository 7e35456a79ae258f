import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/contracts/errors.ts';
import { generateSynthetic } from '../../src/data/synthetic.ts';
import { perUserSplit } from '../../src/data/splits.ts';
import { createModel } from '../../src/models/registry.ts';
import { sampleValidationUsers } from '../../src/train/validation.ts';

const data = generateSynthetic({ users: 200, items: 80, factors: 4, interactionsPerUser: 10, seed: 3 });
const { train, test: validation } = perUserSplit(data.interactions, { testRatio: 0.2, seed: 1 });

function usersOf(x: { users: Int32Array; length: number }): Set<number> {
  const s = new Set<number>();
  for (let p = 0; p < x.length; p++) s.add(x.users[p]);
  return s;
}

test('sampleValidationUsers keeps every validation interaction of exactly maxUsers users, the same for the same seed', () => {
  const all = usersOf(validation);
  const a = sampleValidationUsers(validation, 50, 7);
  assert.equal(a.users, 50);
  assert.equal(a.of, all.size);
  const kept = usersOf(a.sample);
  assert.equal(kept.size, 50);
  let expected = 0;
  for (let p = 0; p < validation.length; p++) if (kept.has(validation.users[p])) expected++;
  assert.equal(a.sample.length, expected);
  assert.deepEqual(usersOf(sampleValidationUsers(validation, 50, 7).sample), kept);
  assert.notDeepEqual(usersOf(sampleValidationUsers(validation, 50, 8).sample), kept);
  // Asking for more users than there are keeps the whole set.
  assert.equal(sampleValidationUsers(validation, 10_000, 7).sample, validation);
  assert.throws(() => sampleValidationUsers(validation, 0, 7), ConfigError);
});

test('fit with validationUsers validates on the sample and says so in the log', async () => {
  const lines: string[] = [];
  const model = createModel('ncf', { factors: 8, layers: [16, 8], epochs: 2 });
  const history = await model.fit(train, { threads: 1, validation, validationUsers: 40, log: (l) => void lines.push(l) });
  assert.ok(
    lines.some((l) => l.includes('sample of 40 of')),
    lines.join('\n'),
  );
  assert.ok(history.epochs.every((e) => e.validation !== undefined && e.validation > 0.5));
});
