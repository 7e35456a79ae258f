import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/contracts/errors.ts';
import { validateExperimentConfig } from '../../src/experiment/config.ts';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkExperiment, runExperiment } from '../../src/experiment/runner.ts';
import { searchRun, type SearchContext, type SearchStrategy } from '../../src/experiment/search.ts';
import { checkHalving, halvingRungs } from '../../src/experiment/search-halving.ts';
import type { RunSpec } from '../../src/experiment/config.ts';
import { curveData, curveFits, registerCurveModels } from '../helpers/curve-model.ts';
import { rawExperiment, registerTestModels, syntheticProtocol } from '../helpers/experiment.ts';

registerCurveModels();
await registerTestModels();

const data = curveData();
const halving: SearchStrategy = { strategy: 'successive-halving', trials: 27, eta: 3, minEpochs: 1, maxEpochs: 27 };

function curveRun(type: string): RunSpec {
  return { name: 'curve', type, baseline: false, params: { skill: { kind: 'range', min: 0.05, max: 1, log: false, integer: false } }, fit: {}, path: 'models[0]' };
}

function context(search: SearchStrategy, lines: string[] = []): SearchContext {
  return { train: data.train, validation: data.validation, refitOn: null, metric: 'auc', seed: 5, threads: 1, search, log: (l) => lines.push(l) };
}

test('the rungs: budgets ×eta from minEpochs to maxEpochs, points ÷eta; a last lone point trains for maxEpochs', () => {
  assert.deepEqual(halvingRungs(27, { eta: 3, minEpochs: 1, maxEpochs: 27 }), [
    { points: 27, budget: 1 },
    { points: 9, budget: 3 },
    { points: 3, budget: 9 },
    { points: 1, budget: 27 },
  ]);
  assert.deepEqual(halvingRungs(10, { eta: 3, minEpochs: 2, maxEpochs: 50 }), [
    { points: 10, budget: 2 },
    { points: 3, budget: 6 },
    { points: 1, budget: 50 },
  ]);
  // The budget reaches maxEpochs first: the best of that rung wins.
  assert.deepEqual(halvingRungs(30, { eta: 2, minEpochs: 4, maxEpochs: 8 }), [
    { points: 30, budget: 4 },
    { points: 15, budget: 8 },
  ]);
});

test('on a planted curve, halving finds the best point with a fraction of the epochs random search spends', async () => {
  const lines: string[] = [];
  const sh = await searchRun(curveRun('test-curve'), context(halving, lines));
  const random = await searchRun(curveRun('test-curve'), context({ strategy: 'random', trials: 27 }));
  // Same 27 draws: the best point is the one with the largest skill.
  const skills = random.trials.map((t) => t.params.skill as number);
  assert.deepEqual(
    sh.trials.map((t) => t.params.skill),
    skills,
  );
  const bestSkill = Math.max(...skills);
  assert.equal(random.params.skill, bestSkill);
  assert.equal(sh.params.skill, bestSkill);
  assert.equal(sh.validation, random.validation, 'the winner reaches the same validation value as when trained in one go');
  // Random trains all 27 to early stopping (~15 epochs each); halving 27 + 9·2 + 3·6 + ~6.
  assert.ok(random.epochsSpent >= 27 * 14, `random spent ${random.epochsSpent}`);
  assert.ok(sh.epochsSpent < random.epochsSpent / 4, `halving spent ${sh.epochsSpent}, random ${random.epochsSpent}`);
  // The rungs: 27 + 9 + 3 + 1 records; each rung keeps its best 1/eta, resumed after the first.
  const rungs = sh.rungs!;
  assert.deepEqual(
    [1, 2, 3, 4].map((r) => rungs.filter((x) => x.rung === r).length),
    [27, 9, 3, 1],
  );
  assert.deepEqual(
    [1, 2, 3].map((r) => rungs.filter((x) => x.rung === r && x.kept).length),
    [9, 3, 1],
  );
  assert.ok(rungs.every((x) => x.resumed === x.rung > 1));
  for (const r of [1, 2, 3]) {
    const inRung = rungs.filter((x) => x.rung === r);
    const worstKept = Math.min(...inRung.filter((x) => x.kept).map((x) => x.validation!));
    assert.ok(
      inRung.filter((x) => !x.kept).every((x) => x.validation! <= worstKept),
      `rung ${r} kept its best`,
    );
  }
  assert.equal(
    rungs.reduce((s, x) => s + x.epochs, 0),
    sh.epochsSpent,
  );
  assert.ok(
    lines.some((l) => /successive halving over 27 points, eta 3: 27 × 1 → 9 × 3 → 3 × 9 → 1 × 27 epochs; promoted points continue training/.test(l)),
    lines.join('\n'),
  );
  assert.ok(
    lines.some((l) => /^ {2}curve rung 2\/4 \(3 epochs, resumed\) trial \d+ skill=[\d.]+ → auc 0\.\d{4}/.test(l)),
    lines.join('\n'),
  );
});

test('a model that cannot continue training is refit from scratch at each rung, and the log says so', async () => {
  const lines: string[] = [];
  const before = curveFits.count;
  const refit = await searchRun(curveRun('test-curve-refit'), context(halving, lines));
  const resumed = await searchRun(curveRun('test-curve'), context(halving));
  assert.equal(curveFits.count - before, 27 + 9 + 3 + 1 + 27, 'refit: one fit per point per rung; resumed: one per point');
  assert.equal(refit.params.skill, resumed.params.skill);
  assert.ok(refit.rungs!.every((x) => !x.resumed));
  assert.ok(refit.epochsSpent > resumed.epochsSpent, `refit ${refit.epochsSpent} vs resumed ${resumed.epochsSpent} epochs`);
  assert.ok(lines.some((l) => l.includes('refit from scratch with the larger budget (test-curve-refit cannot continue training)')));
});

test('successive halving is deterministic for a seed, and the winner is refit like grid and random', async () => {
  const a = await searchRun(curveRun('test-curve'), { ...context(halving), refitOn: data.train });
  const b = await searchRun(curveRun('test-curve'), { ...context(halving), refitOn: data.train });
  assert.deepEqual(a.rungs, b.rungs);
  assert.deepEqual(a.params, b.params);
  assert.equal(a.refit, true);
  const winner = a.trials[a.bestTrial - 1];
  assert.equal(a.history!.epochs.length, winner.bestEpoch);
  const c = await searchRun(curveRun('test-curve'), { ...context(halving), seed: 6 });
  assert.notDeepEqual(
    c.trials.map((t) => t.params),
    a.trials.map((t) => t.params),
  );
});

test('halving config errors are ConfigErrors naming the setting', () => {
  const params = curveRun('test-curve').params;
  const refused = (fn: () => unknown, pattern: RegExp) => assert.throws(fn, (e: Error) => e instanceof ConfigError && pattern.test(e.message), String(pattern));
  refused(() => checkHalving('test-curve', params, { eta: 1.5 }), /search\.eta: .*eta must be ≥ 2, got 1\.5/);
  refused(() => checkHalving('test-curve', params, { minEpochs: 9, maxEpochs: 3 }), /search\.minEpochs \(9\) is more than maxEpochs \(3\)/);
  refused(
    () => checkHalving('ease', { lambda: { kind: 'choice', values: [100, 500] } }, {}),
    /successive halving spends epochs, and ease trains in one pass \(closed form\): use strategy random or grid/,
  );
  refused(() => checkHalving('test-labels-only', {}, {}), /test-labels-only trains in one pass/);
  refused(() => checkHalving('test-curve', { ...params, epochs: { kind: 'choice', values: [5, 10] } }, {}), /sets epochs itself/);
  assert.deepEqual(checkHalving('test-curve', params, {}), { eta: 3, minEpochs: 1, maxEpochs: 20 });
  // A run's fixed epochs and search.maxEpochs that differ: one would be ignored without a word.
  refused(
    () => checkHalving('test-curve', { ...params, epochs: { kind: 'fixed', value: 4 } }, { maxEpochs: 8 }),
    /search\.maxEpochs \(8\) and test-curve's epochs \(4\) differ: .*give one of them/,
  );
  assert.equal(checkHalving('test-curve', { ...params, epochs: { kind: 'fixed', value: 8 } }, { maxEpochs: 8 }).maxEpochs, 8);
  assert.equal(checkHalving('test-curve', { ...params, epochs: { kind: 'fixed', value: 4 } }, {}).maxEpochs, 4);

  // In an experiment file: the parser names the field, and the run check happens before any data.
  const file = (search: Record<string, unknown>, models?: unknown) =>
    validateExperimentConfig(rawExperiment({ search: { metric: 'auc', ...search }, ...(models ? { models } : {}) }));
  refused(() => file({ strategy: 'successive-halving', eta: 1 }), /search\.eta: expected a number ≥ 2/);
  refused(() => file({ strategy: 'successive-halving', minEpochs: 10, maxEpochs: 5 }), /search\.minEpochs: minEpochs \(10\) is more than maxEpochs \(5\)/);
  refused(() => file({ strategy: 'random', eta: 3 }), /search\.eta: eta is a setting of strategy: successive-halving \(the strategy is random\)/);
  const ease = [{ name: 'ease', type: 'ease', params: { lambda: [100, 500] } }];
  refused(
    () => checkExperiment(file({ strategy: 'successive-halving', trials: 4 }, ease)),
    /models\[0\]\.params: search\.strategy: successive halving spends epochs, and ease trains in one pass/,
  );
  // A baseline with nothing searched (popularity) is simply fit, whatever the strategy.
  assert.equal(checkExperiment(file({ strategy: 'successive-halving', trials: 4, maxEpochs: 6 })).length, 2);
});

test('an experiment file with successive halving: the rungs and the epochs spent reach results.json and report.md', async () => {
  const config = validateExperimentConfig(
    rawExperiment({
      search: { strategy: 'successive-halving', trials: 6, eta: 3, minEpochs: 1, maxEpochs: 6, metric: 'auc', validation: 0.2 },
      models: [{ name: 'mf', type: 'test-tiny-mf', params: { factors: [2, 4, 8], learningRate: [0.02, 0.1] } }],
    }),
  );
  const outDir = await mkdtemp(join(tmpdir(), 'tastebud-halving-'));
  const results = await runExperiment(config, { protocol: syntheticProtocol(), outDir, log: () => {}, saveModels: false });
  const mf = results.runs.find((r) => r.name === 'mf')!;
  assert.equal(mf.search!.strategy, 'successive-halving');
  assert.deepEqual([...new Set(mf.search!.rungs!.map((r) => `${r.rung}:${r.budget}`))], ['1:1', '2:3', '3:6']);
  assert.equal(mf.search!.rungs!.filter((r) => r.rung === 2).length, 2);
  assert.equal(
    mf.search!.epochsSpent,
    mf.search!.rungs!.reduce((s, r) => s + r.epochs, 0),
  );
  assert.ok(Number.isFinite(mf.metrics['precision@10']), 'the chosen model is evaluated on test as with grid and random');
  const report = await readFile(join(results.outDir, 'report.md'), 'utf8');
  assert.match(report, /Search \(successive-halving, 6 trials/);
  assert.match(report, /\| rung \| budget \(epochs\) \| trial \| factors \| learningRate \|/);
  assert.match(report, /\| 3 \| 6 \| \d \| \d \| 0\.\d+ \| 0\.\d{4} \| \d \| chosen \| from scratch \|/);
  assert.match(report, /Epochs run by the search: \d+ \(not counting the refit\)\./);
  const html = await readFile(join(results.outDir, 'report.html'), 'utf8');
  assert.match(html, /<h3>Successive halving rungs<\/h3>/);
  assert.match(html, /<td class="l">chosen<\/td><td class="l">from scratch<\/td>/);
});

test('with repeated hold-outs every rung fits each point on each, and the mean decides', async () => {
  const single = await searchRun(curveRun('test-curve'), context(halving));
  const repeated = await searchRun(curveRun('test-curve'), { ...context(halving), moreHoldOuts: [{ train: data.train, validation: data.validation }] });
  assert.deepEqual(repeated.params, single.params);
  assert.equal(repeated.epochsSpent, 2 * single.epochsSpent, 'the same epochs again on the second (identical) hold-out');
  const winner = repeated.trials[repeated.bestTrial - 1];
  assert.deepEqual(winner.repeats, [single.validation, single.validation]);
});
