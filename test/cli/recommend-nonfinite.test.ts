/**
 * `tastebud recommend` on a model whose scores for the requested user are not finite numbers
 * (diverged in training, or NaN weights in its file) refuses with exit code 1 and one plain line
 * naming the user, what the scores are, the cause and the fix, instead of a short list of NaN rows.
 * A user whose scores are finite, in a model where another user's are not, still gets a full list.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSynthetic } from '../../src/data/synthetic.ts';
import type { Recommender } from '../../src/models/recommender.ts';
import { createModel } from '../../src/models/registry.ts';
import { tastebud } from '../helpers/cli.ts';
import { tinyModel } from '../serve/helpers.ts';

let dir = '';
const data = generateSynthetic({ users: 60, items: 40, factors: 4, interactionsPerUser: 8, seed: 3 });

/** The ials model with the user-factor rows `rows` set to `row` (a factor vector). */
async function poisonedUsers(rows: number[], row: number[]): Promise<Recommender> {
  const model = await tinyModel();
  const state = model.getState();
  const users = state.tensors.user_factors;
  const poisoned = Float32Array.from(users.data as Float32Array);
  const dim = users.shape[1];
  for (const u of rows) poisoned.set(row.concat(Array(dim - row.length).fill(0)), u * dim);
  model.setState({ ...state, tensors: { ...state.tensors, user_factors: { shape: users.shape, data: poisoned } } });
  return model;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tastebud-recommend-nonfinite-'));
  // Learning rate 1e6: the loss goes NaN in the first epoch, and the weights with it.
  const diverged = createModel('mf', { learningRate: 1e6, epochs: 3 });
  await diverged.fit(data.interactions, { seed: 1, log: () => {} });
  assert.equal(diverged.status, 'diverged');
  await diverged.save(join(dir, 'diverged'));
  // Trained by its history, but every user's weights are NaN (a file written by another tool).
  await (await poisonedUsers([...Array(60).keys()], Array(8).fill(Number.NaN))).save(join(dir, 'nan-weights'));
  // Only user u7's first factor overflowed to +∞ (its scores ±∞): the users modelWarning samples (first, middle, last) are fine.
  await (await poisonedUsers([7], [Number.POSITIVE_INFINITY])).save(join(dir, 'one-user'));
  await (await tinyModel()).save(join(dir, 'healthy'));
});
after(() => rm(dir, { recursive: true, force: true }));

/** The refusal: exit 1, nothing on stdout, one plain line on stderr (no stack, no separate warning). */
function assertRefused(r: { code: number; stdout: string; stderr: string }): string {
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at |unexpected error|warning:/);
  assert.match(lines[0], /^tastebud: /);
  return lines[0];
}

describe('tastebud recommend refuses a user whose scores are not finite', { timeout: 120_000 }, () => {
  test('a model that diverged in training: the user, NaN, the cause and the fix (lower learning rate, more L2, doctor train)', async () => {
    const user = data.interactions.userIds.id(3);
    const [text, json] = await Promise.all([
      tastebud('recommend', join(dir, 'diverged'), '--user', user, '-k', '5'),
      tastebud('recommend', join(dir, 'diverged'), '--user', user, '--json'),
    ]);
    const line = assertRefused(text);
    assert.match(line, new RegExp(`user "${user}"`));
    assert.match(line, /not finite numbers \(NaN for all 40 items\)/);
    assert.match(line, /diverged in training \(a non-finite loss\)/);
    assert.match(line, /retrain with a lower learning rate or more L2/);
    assert.match(line, /tastebud doctor train --model mf/);
    // --json refuses the same way rather than printing null scores.
    assert.equal(assertRefused(json), line);
  });

  test('a trained model whose weights hold NaN: the cause is its non-finite weights', async () => {
    const line = assertRefused(await tastebud('recommend', join(dir, 'nan-weights'), '--user', 'u0'));
    assert.match(line, /user "u0"/);
    assert.match(line, /NaN for all 40 items/);
    assert.match(line, /its weights hold non-finite values/);
    assert.match(line, /lower the learning rate or add L2/);
    assert.match(line, /tastebud doctor train --model ials/);
  });

  test('only the requested user’s scores are judged: u7 (±∞) is refused, u8 gets k finite rows', async () => {
    const [refused, ok] = await Promise.all([
      tastebud('recommend', join(dir, 'one-user'), '--user', 'u7'),
      tastebud('recommend', join(dir, 'one-user'), '--user', 'u8', '-k', '5', '--json'),
    ]);
    const line = assertRefused(refused);
    assert.match(line, /user "u7"/);
    assert.match(line, /not finite numbers \([^)]*∞/);
    assert.match(line, /holds non-finite weights \(NaN or ±∞\) for this user: retrain it; if its training diverged, lower the learning rate or add L2/);
    assert.match(line, /tastebud doctor train --model ials/);

    assert.equal(ok.code, 0, ok.stderr);
    const recs = JSON.parse(ok.stdout).recommendations as { item: string; score: number }[];
    assert.equal(recs.length, 5);
    assert.ok(recs.every((r) => Number.isFinite(r.score)));
  });

  test('--all-users refuses a model whose users’ scores are not finite, before writing anything', async () => {
    const line = assertRefused(await tastebud('recommend', join(dir, 'diverged'), '--all-users', '-k', '3'));
    assert.match(line, /user "/);
    assert.match(line, /diverged in training/);
  });

  test('a healthy model is unchanged: k rows of finite scores, no warning', async () => {
    const r = await tastebud('recommend', join(dir, 'healthy'), '--user', 'u3', '-k', '5');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const rows = r.stdout.trim().split('\n');
    assert.equal(rows.length, 5);
    assert.ok(rows.every((row) => Number.isFinite(Number(row.split('\t')[2]))));
  });
});
