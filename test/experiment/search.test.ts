import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.ts';
import { ConfigError } from '../../src/contracts/errors.ts';
import type { ParamSpace, RunSpec } from '../../src/experiment/config.ts';
import { runSeed, searchPoints, searchRun, searchedKeys, type SearchContext } from '../../src/experiment/search.ts';
import { disagreeingProtocol, registerTestModels } from '../helpers/experiment.ts';

await registerTestModels();

const space: Record<string, ParamSpace> = {
  factors: { kind: 'choice', values: [8, 16, 32] },
  loss: { kind: 'choice', values: ['bpr', 'warp'] },
  epochs: { kind: 'fixed', value: 5 },
};

test('grid search enumerates every combination, the first parameter varying slowest', () => {
  const points = searchPoints(space, { strategy: 'grid', trials: null }, new Rng(1));
  assert.deepEqual(points, [
    { factors: 8, loss: 'bpr', epochs: 5 },
    { factors: 8, loss: 'warp', epochs: 5 },
    { factors: 16, loss: 'bpr', epochs: 5 },
    { factors: 16, loss: 'warp', epochs: 5 },
    { factors: 32, loss: 'bpr', epochs: 5 },
    { factors: 32, loss: 'warp', epochs: 5 },
  ]);
  assert.deepEqual(searchedKeys(space), ['factors', 'loss']);
});

test('a grid larger than search.trials is refused rather than silently cut', () => {
  assert.throws(
    () => searchPoints(space, { strategy: 'grid', trials: 4 }, new Rng(1)),
    (e: Error) => e instanceof ConfigError && /6 combinations but search.trials is 4/.test(e.message),
  );
});

test('random search is deterministic by seed, draws inside the ranges, and does not repeat points', () => {
  const ranges: Record<string, ParamSpace> = {
    learningRate: { kind: 'range', min: 0.001, max: 0.1, log: true, integer: false },
    factors: { kind: 'range', min: 8, max: 128, log: true, integer: true },
    dropout: { kind: 'range', min: 0, max: 0.5, log: false, integer: false },
    loss: { kind: 'choice', values: ['bpr', 'warp'] },
  };
  const a = searchPoints(ranges, { strategy: 'random', trials: 25 }, new Rng(runSeed(42, 'warp')));
  const b = searchPoints(ranges, { strategy: 'random', trials: 25 }, new Rng(runSeed(42, 'warp')));
  const c = searchPoints(ranges, { strategy: 'random', trials: 25 }, new Rng(runSeed(43, 'warp')));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.equal(a.length, 25);
  assert.equal(new Set(a.map((p) => JSON.stringify(p))).size, 25);
  for (const p of a) {
    assert.ok((p.learningRate as number) >= 0.001 && (p.learningRate as number) <= 0.1);
    assert.ok(Number.isInteger(p.factors) && (p.factors as number) >= 8 && (p.factors as number) <= 128);
    assert.ok((p.dropout as number) >= 0 && (p.dropout as number) < 0.5);
  }
  // Log-uniform: about half the draws fall below the geometric midpoint 0.01.
  const below = a.filter((p) => (p.learningRate as number) < 0.01).length;
  assert.ok(below >= 6 && below <= 19, `log-uniform draws below 0.01: ${below} of 25`);
});

test('random search over a small discrete space enumerates it instead of drawing repeats', () => {
  const points = searchPoints(space, { strategy: 'random', trials: 10 }, new Rng(5));
  assert.equal(points.length, 6);
});

test('each run draws from its own seed: adding a run does not change another run’s trials', () => {
  assert.notEqual(runSeed(42, 'warp'), runSeed(42, 'bpr'));
  assert.equal(runSeed(42, 'warp'), runSeed(42, 'warp'));
});

test('the search picks the trial best on validation, never on test', async () => {
  const protocol = disagreeingProtocol();
  const prepared = await protocol.prepare();
  const run: RunSpec = { name: 'favour', type: 'test-favour', baseline: false, params: { favour: { kind: 'choice', values: ['B', 'A'] } }, fit: {}, path: 'models[0]' };
  const ctx: SearchContext = {
    train: prepared.train,
    validation: prepared.validation!,
    refitOn: null,
    metric: 'auc',
    seed: 1,
    threads: 1,
    search: { strategy: 'grid', trials: null },
    log: () => {},
  };
  const outcome = await searchRun(run, ctx);
  assert.equal(outcome.trials.length, 2);
  assert.deepEqual(outcome.params, { favour: 'A' });
  assert.equal(outcome.bestTrial, 2);
  const [b, a] = outcome.trials;
  assert.ok(a.validation! > 0.6 && b.validation! < 0.4, `validation AUC: A ${a.validation}, B ${b.validation}`);
  // On test the other choice would have won: selection really did not look at it.
  const testA = protocol.evaluate(outcome.model, prepared).metrics.auc;
  assert.ok(testA < 0.4, `test AUC of the validation winner: ${testA}`);
});

test('trials fit with validation and early stopping; a refit retrains the winner for its best epoch count', async () => {
  const protocol = disagreeingProtocol();
  const prepared = await protocol.prepare();
  const run: RunSpec = {
    name: 'mf',
    type: 'test-tiny-mf',
    baseline: false,
    params: { factors: { kind: 'choice', values: [2, 4] }, epochs: { kind: 'fixed', value: 8 } },
    fit: { earlyStopping: { patience: 2 } },
    path: 'models[0]',
  };
  const lines: string[] = [];
  const ctx: SearchContext = {
    train: prepared.train,
    validation: prepared.validation!,
    refitOn: prepared.train,
    metric: 'auc',
    seed: 1,
    threads: 1,
    search: { strategy: 'grid', trials: null },
    log: (l) => lines.push(l),
  };
  const outcome = await searchRun(run, ctx);
  for (const t of outcome.trials) {
    assert.equal(t.history!.metric, 'auc');
    assert.ok(t.history!.epochs.every((e) => typeof e.validation === 'number'));
    assert.equal(t.validation, t.history!.epochs[t.bestEpoch - 1].validation);
  }
  const winner = outcome.trials[outcome.bestTrial - 1];
  assert.ok(outcome.trials.every((t) => t.validation! <= winner.validation!));
  assert.equal(outcome.refit, true);
  assert.equal(outcome.history!.epochs.length, winner.bestEpoch);
  assert.equal(outcome.history!.metric, null);
  const own = lines.filter((l) => !l.startsWith('warning:'));
  assert.equal(own.length, 3, lines.join('\n'));
  assert.match(own[2], /^ {2}mf refit on all training data for \d+ epochs?$/);
  assert.match(own[0], /^ {2}mf trial 1\/2 factors=2 → auc 0\.\d{4} \(epoch \d\/\d\)/);
});

test('a model type error surfaces as-is; a failing trial among several is recorded and skipped', async () => {
  const protocol = disagreeingProtocol();
  const prepared = await protocol.prepare();
  const ctx: SearchContext = {
    train: prepared.train,
    validation: prepared.validation!,
    refitOn: null,
    metric: 'auc',
    seed: 1,
    threads: 1,
    search: { strategy: 'grid', trials: null },
    log: () => {},
  };
  const bad: RunSpec = { name: 'x', type: 'test-tiny-mf', baseline: false, params: { factors: { kind: 'choice', values: [0, 2] } }, fit: {}, path: 'models[0]' };
  const outcome = await searchRun(bad, ctx);
  assert.match(outcome.trials[0].error!, /factors must be a positive integer/);
  assert.deepEqual(outcome.params, { factors: 2 });
  await assert.rejects(searchRun({ ...bad, type: 'no-such-model' }, ctx), /unknown model "no-such-model"/);
});

test('repeated hold-outs: every trial is fit on each, and the mean over them picks the winner', async () => {
  const protocol = disagreeingProtocol();
  const prepared = await protocol.prepare();
  const run: RunSpec = { name: 'favour', type: 'test-favour', baseline: false, params: { favour: { kind: 'choice', values: ['A', 'B'] } }, fit: {}, path: 'models[0]' };
  const lines: string[] = [];
  // The first hold-out favours A, the two others (test items as validation) favour B: one
  // hold-out alone would pick A, the mean over three picks B.
  const testHoldOut = { train: prepared.train, validation: prepared.test };
  const ctx: SearchContext = {
    train: prepared.train,
    validation: prepared.validation!,
    moreHoldOuts: [testHoldOut, testHoldOut],
    refitOn: null,
    metric: 'auc',
    seed: 1,
    threads: 1,
    search: { strategy: 'grid', trials: null },
    log: (l) => lines.push(l),
  };
  const outcome = await searchRun(run, ctx);
  assert.deepEqual(outcome.params, { favour: 'B' });
  for (const t of outcome.trials) {
    assert.equal(t.repeats!.length, 3);
    assert.ok(Math.abs(t.validation! - (t.repeats![0] + t.repeats![1] + t.repeats![2]) / 3) < 1e-12);
    assert.equal(t.repeats![1], t.repeats![2]);
  }
  const [a, b] = outcome.trials;
  assert.ok(a.repeats![0] > b.repeats![0], 'the first hold-out alone favours A');
  assert.match(lines.find((l) => l.includes('trial 1/2'))!, /^ {2}favour trial 1\/2 favour="A" → auc 0\.\d{4} ±0\.\d{4} over 3 hold-outs/);
  const single = await searchRun(run, { ...ctx, moreHoldOuts: [] });
  assert.deepEqual(single.params, { favour: 'A' });
  assert.equal(single.trials[0].repeats, undefined);
});
