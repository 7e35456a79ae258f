import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunSpec } from '../../src/experiment/config.ts';
import { searchRun, type SearchContext } from '../../src/experiment/search.ts';
import { isBlendWeightSearch } from '../../src/experiment/search-blend.ts';
import { curveData, curveFits, registerCurveModels } from '../helpers/curve-model.ts';
import { registerTestModels } from '../helpers/experiment.ts';
import { perUserSplit } from '../../src/data/splits.ts';

registerCurveModels();
await registerTestModels();

const data = curveData();
// A second validation part (repeated hold-out): members are fit once on each.
const second = perUserSplit(data.train, { testRatio: 0.25, seed: 2 });
const members = [
  { type: 'test-curve', params: { skill: 0.4, epochs: 6 } },
  { type: 'test-tiny-mf', params: { factors: 4, epochs: 4 } },
];
const weights = [
  [1, 0],
  [0.8, 0.2],
  [0.5, 0.5],
  [0.2, 0.8],
  [0, 1],
];

function blendRun(params: RunSpec['params']): RunSpec {
  return { name: 'blend', type: 'blend', baseline: false, params, fit: {}, path: 'models[0]' };
}
const weightSearch = blendRun({ members: { kind: 'fixed', value: members }, weights: { kind: 'choice', values: weights } });

function context(cacheBlendScores: boolean): SearchContext {
  return {
    train: data.train,
    validation: data.validation,
    moreHoldOuts: [{ train: second.train, validation: second.test }],
    refitOn: null,
    metric: 'auc',
    seed: 3,
    threads: 1,
    search: { strategy: 'grid', trials: null },
    cacheBlendScores,
    log: () => {},
  };
}

test('a blend weight search fits each member once per validation part and picks what refitting per trial picks', async () => {
  let before = curveFits.count;
  const cached = await searchRun(weightSearch, context(true));
  assert.equal(curveFits.count - before, 2, 'one member fit per hold-out, not one per weight trial');
  before = curveFits.count;
  const uncached = await searchRun(weightSearch, context(false));
  assert.equal(curveFits.count - before, weights.length * 2);

  assert.deepEqual(cached.params, uncached.params);
  assert.equal(cached.bestTrial, uncached.bestTrial);
  assert.deepEqual(
    cached.trials.map((t) => t.repeats),
    uncached.trials.map((t) => t.repeats),
    'every trial scores exactly the same on every hold-out',
  );
  // The weights matter here, so the comparison above could have failed.
  assert.ok(new Set(cached.trials.map((t) => t.validation)).size >= 4);
  // The returned blend scores like the uncached winner (and holds no cache).
  const users = Int32Array.from({ length: 10 }, (_, u) => u);
  const a = new Float32Array(10 * 100);
  const b = new Float32Array(10 * 100);
  cached.model.scoreUsers(users, a);
  uncached.model.scoreUsers(users, b);
  assert.deepEqual(a, b);
});

test('only a search over weights, mix or normalize with the members fixed takes the cached path', () => {
  const point = (w: number[], extra: Record<string, unknown> = {}) => ({ members, weights: w, ...extra });
  assert.equal(isBlendWeightSearch(weightSearch, [point([1, 0]), point([0, 1], { normalize: 'none' })]), true);
  assert.equal(isBlendWeightSearch(weightSearch, [point([1, 0]), { members: members.slice(0, 1), weights: [1] }]), false);
  assert.equal(isBlendWeightSearch(weightSearch, [point([1, 0]), point([1, 0], { epochs: 2 })]), false);
  assert.equal(isBlendWeightSearch({ ...weightSearch, type: 'test-curve' }, [{ skill: 1 }, { skill: 2 }]), false);
});
