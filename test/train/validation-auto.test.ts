import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/contracts/errors.ts';
import { validateExperimentConfig } from '../../src/experiment/config.ts';
import { generateSynthetic } from '../../src/data/synthetic.ts';
import { perUserSplit } from '../../src/data/splits.ts';
import type { Interactions } from '../../src/data/interactions.ts';
import { AUTO_EPOCH_SHARE, autoValidationUsers, chooseValidationUsers, defaultValidationCost, parseValidationUsers } from '../../src/train/validation-users.ts';
import type { Trainable } from '../../src/train/types.ts';
import { ToyModel } from '../helpers/toy-model.ts';
import { createModel } from '../../src/models/registry.ts';
import { rawExperiment } from '../helpers/experiment.ts';
import { tastebud } from '../helpers/cli.ts';

// NCF's default shape of cost: 4 negatives per positive.
const ncf = { negatives: 4 };
const shape = (users: number, items: number, interactions: number) => ({ users, items, interactions });

test("'auto' validates every user on ML-100K-sized data (943 × 1,682), so results there do not change", () => {
  // lightfm-ua's training part, and msr-stratified's; validation users ≤ 943.
  for (const interactions of [81_000, 90_570]) {
    const choice = autoValidationUsers(defaultValidationCost(ncf, shape(943, 1682, interactions)), 1682, 943);
    assert.equal(choice.users, 943, choice.reason);
  }
  // Even a model whose epoch is cheap next to its scores (no negatives) keeps every user there.
  assert.equal(autoValidationUsers(defaultValidationCost({}, shape(943, 1682, 90_570)), 1682, 943).users, 943);
});

test("'auto' bounds a 17 K-item catalogue: the floor's ~117 users, not 5,902", () => {
  // The synthetic 6,000 × 17,000 data of docs/deep-models.md (~119 K training positives).
  const cost = defaultValidationCost(ncf, shape(6000, 17_000, 118_800));
  const choice = autoValidationUsers(cost, 17_000, 5902);
  assert.equal(choice.users, Math.floor(2_000_000 / 17_000));
  assert.match(choice.reason, /floor/);
  // Ten times the interactions: the 20 % cap binds, and the pass is then within 20 % by the model.
  const big = defaultValidationCost(ncf, shape(60_000, 17_000, 1_188_000));
  const capped = autoValidationUsers(big, 17_000, 59_000);
  assert.ok(capped.users > 117 && capped.users < 59_000, String(capped.users));
  assert.match(capped.reason, /20 % cap/);
  assert.ok((capped.users * 17_000 * big.perScore) / big.epoch <= AUTO_EPOCH_SHARE);
  assert.ok(((capped.users + 1) * 17_000 * big.perScore) / big.epoch > AUTO_EPOCH_SHARE, 'the cap is the largest sample within 20 %');
  // Never fewer than 100 users, even on a million-item catalogue.
  assert.equal(autoValidationUsers(cost, 1_000_000, 5902).users, 100);
  assert.equal(autoValidationUsers(cost, 1_000_000, 40).users, 40);
});

test('a model that declares its cost is believed; options other than auto are taken as given', () => {
  const model = {
    config: {},
    validationCost: () => ({ epoch: 1e12, perScore: 1 }),
  } as unknown as Trainable;
  const s = shape(100_000, 50_000, 2_000_000);
  assert.equal(chooseValidationUsers('auto', model, s, 90_000, true).users, 90_000, 'a costly epoch pays for every user');
  const plain = { config: {} } as unknown as Trainable;
  // Without a declaration: 10 scores per training row, one row per interaction (no negatives).
  assert.equal(chooseValidationUsers('auto', plain, shape(100_000, 50_000, 20_000_000), 90_000, true).users, (0.2 * 10 * 20_000_000) / 50_000);
  assert.equal(chooseValidationUsers('all', plain, s, 90_000, true).users, 90_000);
  assert.equal(chooseValidationUsers(250, plain, s, 90_000, true).users, 250);
  assert.equal(chooseValidationUsers(250, plain, s, 40, true).users, 40);
  // A pointwise metric scores only the validation rows: everyone.
  assert.equal(chooseValidationUsers('auto', plain, s, 90_000, false).users, 90_000);
  assert.throws(() => chooseValidationUsers(0, plain, s, 10, true), ConfigError);
});

test('validationUsers accepts auto, all and whole numbers from the command line and experiment files', () => {
  assert.equal(parseValidationUsers('auto', '--validation-users'), 'auto');
  assert.equal(parseValidationUsers('all', '--validation-users'), 'all');
  assert.equal(parseValidationUsers('300', '--validation-users'), 300);
  assert.equal(parseValidationUsers(300, 'fit.validationUsers'), 300);
  assert.throws(() => parseValidationUsers('some', '--validation-users'), /--validation-users: expected auto, all or a whole number ≥ 1, got "some"/);
  assert.throws(() => parseValidationUsers('0', '--validation-users'), ConfigError);
  for (const v of ['auto', 'all', 7]) {
    const c = validateExperimentConfig(rawExperiment({ models: [{ name: 'mf', type: 'test-tiny-mf', fit: { validationUsers: v } }] }));
    assert.equal(c.models[0].fit.validationUsers, v);
  }
  assert.throws(
    () => validateExperimentConfig(rawExperiment({ models: [{ type: 'test-tiny-mf', fit: { validationUsers: 'most' } }] })),
    /validationUsers: expected auto, all or a whole number ≥ 1, got/,
  );
});

// A catalogue large enough (25 K items) that 'auto' samples, with a model cheap enough to fit in milliseconds.
const wide = generateSynthetic({ users: 400, items: 25_000, factors: 4, interactionsPerUser: 8, seed: 4 });
const { train, test: validation } = perUserSplit(wide.interactions, { testRatio: 0.25, seed: 1 });

async function fitToy(options: { validationUsers?: number | 'all' | 'auto'; seed?: number; data?: Interactions }): Promise<{ lines: string[]; validation: number[] }> {
  const lines: string[] = [];
  const scores = Array.from({ length: train.numItems }, (_, i) => Math.sin(i * 12.9898) % 1);
  const model = new ToyModel({ epochs: 2, script: [scores, scores] });
  const history = await model.fit(options.data ?? train, {
    threads: 1,
    seed: options.seed ?? 42,
    validation,
    validationUsers: options.validationUsers,
    log: (l) => void lines.push(l),
  });
  return { lines, validation: history.epochs.map((e) => e.validation!) };
}

test('fit samples by default on a large catalogue, says how many and why, and the same seed gives the same sample', async () => {
  const a = await fitToy({});
  const line = a.lines.find((l) => l.startsWith('validating on a sample'));
  assert.ok(line, a.lines.join('\n'));
  assert.match(
    line,
    /^validating on a sample of 100 of \d+ users \(auto: 100 users × 25,000 items ≈ [\d.]+ % of an epoch's cost by the model's cost model; the floor of max\(100, 2,000,000 scores \/ items\) users\): the validation values are estimates$/,
  );
  const b = await fitToy({});
  assert.deepEqual(b.validation, a.validation, 'same seed, same sample, same values');
  const c = await fitToy({ seed: 7 });
  assert.notDeepEqual(c.validation, a.validation, 'another seed draws other users');
  // Overrides: every user (no sampling line), or a number.
  const all = await fitToy({ validationUsers: 'all' });
  assert.ok(!all.lines.some((l) => l.startsWith('validating on a sample')), all.lines.join('\n'));
  const fixed = await fitToy({ validationUsers: 30 });
  assert.ok(
    fixed.lines.some((l) => l.startsWith('validating on a sample of 30 of') && l.includes('(validationUsers)')),
    fixed.lines.join('\n'),
  );
});

test('the autoencoders and the two-tower model declare costs that fit their shape', () => {
  const s = shape(60_000, 17_000, 1_200_000);
  const pick = (type: string) => chooseValidationUsers('auto', createModel(type) as unknown as Trainable, s, 59_000, true).users;
  // Mult-VAE's epoch runs each user's row through an items-wide softmax three times over
  // (forward, backward); a score is one column of it: ~60 % of the users fit in 20 %.
  const multvae = pick('multvae');
  assert.ok(multvae > 0.5 * 60_000 && multvae < 0.7 * 60_000, String(multvae));
  // RecVAE's epoch is four such passes (3 encoder, 1 decoder): every user fits.
  assert.equal(pick('recvae'), 59_000);
  // The two-tower model scores by one dot product per item: far more than the default's NCF-like cost allows.
  const twoTower = pick('two-tower');
  const ncfLike = chooseValidationUsers('auto', { config: { negatives: 4 } } as unknown as Trainable, s, 59_000, true).users;
  assert.ok(twoTower > 3 * ncfLike, `${twoTower} vs ${ncfLike}`);
});

test('iALS and EASE declare their costs, so auto weighs their epochs by their own work, not SGD rows', () => {
  const pick = (model: Trainable, s: ReturnType<typeof shape>, of: number) => chooseValidationUsers('auto', model, s, of, true).users;
  const undeclared = { config: {} } as unknown as Trainable;
  const model = (type: string, config: Record<string, unknown> = {}) => createModel(type, config) as unknown as Trainable;
  for (const type of ['ials', 'ease']) assert.equal(typeof model(type).validationCost, 'function', type);

  // iALS (64 factors, 3 CG steps) on 60 K users × 17 K items: f² work per row and f per observed
  // pair, several times over, in scalar loops, against one GEMM dot product and a rank per score.
  const s = shape(60_000, 17_000, 1_200_000);
  const ials = pick(model('ials'), s, 59_000);
  assert.ok(ials > 10 * pick(undeclared, s, 59_000), `${ials} vs ${pick(undeclared, s, 59_000)}`);
  assert.ok(ials < 59_000, 'the 20 % cap still binds');
  const cost = model('ials').validationCost!(s);
  assert.ok((ials * 17_000 * cost.perScore) / cost.epoch <= AUTO_EPOCH_SHARE);
  // More interactions or factors make a costlier epoch; the exact solver's f³/6 per row more than CG's steps.
  assert.ok(model('ials').validationCost!(shape(60_000, 17_000, 2_400_000)).epoch > cost.epoch);
  assert.ok(pick(model('ials', { factors: 128 }), s, 59_000) > ials);
  assert.ok(pick(model('ials', { solver: 'cholesky', factors: 256 }), s, 59_000) > pick(model('ials', { factors: 256 }), s, 59_000));

  // EASE's fit is dominated by the items³ inverse; a score sums the user's history rows of B.
  // On ML-20M's shape (138 K users × 20 K items, 20 M positives) that pays for several times the
  // undeclared default's 2,000 users, but not for all 138 K.
  const ml20m = shape(138_000, 20_000, 20_000_000);
  const ease = model('ease');
  assert.equal(pick(undeclared, ml20m, 138_000), 2000);
  const chosen = pick(ease, ml20m, 138_000);
  assert.ok(chosen > 3 * 2000 && chosen < 138_000, String(chosen));
  // Twice the catalogue: ~8× the inverse, ~2× the scores per user, so ~4× the users.
  const twice = pick(ease, shape(138_000, 40_000, 20_000_000), 138_000);
  assert.ok(twice > 3 * chosen && twice < 5 * chosen, `${twice} vs ${chosen}`);
  // Longer histories make each score dearer (more rows of B to sum).
  assert.ok(ease.validationCost!(shape(138_000, 20_000, 40_000_000)).perScore > ease.validationCost!(ml20m).perScore);
});

test('tastebud train --validation-users samples as asked, and a bad value is refused naming the flag', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tastebud-valusers-'));
  const rows = (from: number, to: number) => Array.from({ length: 60 }, (_, u) => Array.from({ length: to - from }, (_, k) => `u${u},i${(u * 7 + from + k) % 50},1`).join('\n'));
  await writeFile(join(dir, 'train.csv'), 'user,item,rating\n' + rows(0, 6).join('\n') + '\n');
  await writeFile(join(dir, 'valid.csv'), 'user,item,rating\n' + rows(6, 8).join('\n') + '\n');
  const base = [
    'train',
    '--train',
    join(dir, 'train.csv'),
    '--valid',
    join(dir, 'valid.csv'),
    '--header',
    '--model',
    'popularity',
    '--validation-metric',
    'auc',
    '--force',
    '--out',
    join(dir, 'm'),
  ];
  const sampled = await tastebud(...base, '--validation-users', '20');
  assert.equal(sampled.code, 0, sampled.stderr);
  assert.match(sampled.stderr, /validating on a sample of 20 of 60 users \(validationUsers\)/);
  const everyone = await tastebud(...base, '--validation-users', 'all');
  assert.equal(everyone.code, 0, everyone.stderr);
  assert.doesNotMatch(everyone.stderr, /validating on a sample/);
  const bad = await tastebud(...base, '--validation-users', 'most');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--validation-users: expected auto, all or a whole number ≥ 1, got "most"/);
});
