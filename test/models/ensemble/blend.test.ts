import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../../src/contracts/errors.ts';
import type { Recommender } from '../../../src/models/recommender.ts';
import { createModel } from '../../../src/models/registry.ts';
import type { Blend } from '../../../src/models/ensemble/blend.ts';
import { loadModel } from '../../../src/models/load.ts';
import { parseExperimentConfig } from '../../../src/experiment/config.ts';
import { checkExperiment } from '../../../src/experiment/runner.ts';
import { searchPoints } from '../../../src/experiment/search.ts';
import { Rng } from '../../../src/core/rng.ts';
import { fitQuietly, fromMatrix, plantedSplit, scoresOf } from '../../helpers/baselines.ts';
import { rankingMetrics } from '../../helpers/metrics.ts';

const X = [
  [1, 1, 0, 0, 0, 1],
  [1, 0, 1, 0, 0, 0],
  [0, 1, 1, 1, 0, 0],
  [1, 1, 1, 0, 0, 1],
  [0, 0, 1, 1, 0, 0],
  [1, 0, 0, 1, 1, 0],
  [0, 1, 0, 0, 1, 1],
];
const tiny = fromMatrix(X);
const EASE = { type: 'ease', params: { lambda: 2 } };
const IALS = { type: 'ials', params: { factors: 3, iterations: 3 } };

/** z-scores over the whole row, in plain float64: the definition the blend must follow. */
function zscores(row: Float32Array): number[] {
  const values = [...row];
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
  return values.map((v) => (std > 0 ? (v - mean) / std : 0));
}

/** Item indices from best to worst (ties by index). */
function ranking(scores: Float32Array): number[] {
  return [...scores.keys()].sort((a, b) => scores[b] - scores[a] || a - b);
}

async function fitted(config: Record<string, unknown>): Promise<Blend> {
  return fitQuietly(createModel('blend', config) as Blend, tiny);
}

test('scores are the weighted sum of the members’ per-user z-scores', async () => {
  const blend = await fitted({
    members: [
      { ...EASE, weight: 0.7 },
      { ...IALS, weight: 0.3 },
    ],
  });
  // The same members fitted alone with the same options give the same scores.
  const ease = await fitQuietly(createModel('ease', EASE.params), tiny);
  const ials = await fitQuietly(createModel('ials', IALS.params), tiny);
  for (let u = 0; u < X.length; u++) {
    const ze = zscores(scoresOf(ease, u));
    const zi = zscores(scoresOf(ials, u));
    const got = scoresOf(blend, u);
    assert.ok(new Set(got).size > 2, 'varied scores, so the comparison means something');
    for (let i = 0; i < X[0].length; i++) {
      const want = 0.7 * ze[i] + 0.3 * zi[i];
      assert.ok(Math.abs(got[i] - want) < 1e-5, `user ${u} item ${i}: ${got[i]} vs ${want}`);
    }
  }
});

test('a member’s own seed is kept (a seed ensemble); members without one train under the fit’s seed', async () => {
  const blend = await fitted({
    members: [{ type: 'ials', params: { ...IALS.params, seed: 1 } }, { type: 'ials', params: { ...IALS.params, seed: 2 } }, IALS],
  });
  const alone = async (seed: number) => fitQuietly(createModel('ials', IALS.params), tiny, { seed });
  const expected = [await alone(1), await alone(2), await alone(7)]; // fitQuietly's fit seed is 7
  const differs = (a: Recommender, b: Recommender) => X.some((_, u) => scoresOf(a, u).some((v, i) => v !== scoresOf(b, u)[i]));
  assert.ok(differs(expected[0], expected[1]), 'the two seeds train different models, so the check means something');
  blend.models.forEach((member, m) => {
    for (let u = 0; u < X.length; u++) assert.deepEqual(scoresOf(member, u), scoresOf(expected[m], u), `member ${m}, user ${u}`);
  });
});

test('batched scoreUsers equals scoreItems user by user', async () => {
  const blend = await fitted({ members: [EASE, IALS], mix: 0.4 });
  const users = Int32Array.of(3, 0, 6, 3);
  const n = blend.numItems;
  const batch = new Float32Array(users.length * n);
  blend.scoreUsers(users, batch);
  users.forEach((u, k) => assert.deepEqual(batch.subarray(k * n, (k + 1) * n), scoresOf(blend, u)));
});

test('normalize none adds the raw scores with their weights', async () => {
  const blend = await fitted({
    members: [
      { ...EASE, weight: 2 },
      { ...IALS, weight: 0.5 },
    ],
    normalize: 'none',
  });
  const ease = await fitQuietly(createModel('ease', EASE.params), tiny);
  const ials = await fitQuietly(createModel('ials', IALS.params), tiny);
  const e = scoresOf(ease, 3);
  const i = scoresOf(ials, 3);
  scoresOf(blend, 3).forEach((v, j) => assert.ok(Math.abs(v - (2 * e[j] + 0.5 * i[j])) < 1e-5, `item ${j}`));
});

test('weights 1 and 0 (given as members’ weights, weights or mix) reproduce one member’s ranking', async () => {
  const ease = await fitQuietly(createModel('ease', EASE.params), tiny);
  const ials = await fitQuietly(createModel('ials', IALS.params), tiny);
  const cases: [Record<string, unknown>, Recommender][] = [
    [
      {
        members: [
          { ...EASE, weight: 1 },
          { ...IALS, weight: 0 },
        ],
      },
      ease,
    ],
    [{ members: [EASE, IALS], weights: [0, 1] }, ials],
    [{ members: [EASE, IALS], mix: 0 }, ease],
    [{ members: [EASE, IALS], mix: 1 }, ials],
  ];
  for (const [config, member] of cases) {
    const blend = await fitted(config);
    for (let u = 0; u < X.length; u++) assert.deepEqual(ranking(scoresOf(blend, u)), ranking(scoresOf(member, u)), `${JSON.stringify(config)}, user ${u}`);
  }
});

test('the config holds each member’s complete hyperparameters and the weights in use', () => {
  const blend = createModel('blend', { members: [EASE, { ...IALS, weight: 2 }] }) as Blend;
  assert.equal(blend.config.members[0].params.dropout, 0, 'EASE defaults filled in');
  assert.equal(blend.config.members[1].params.regularization, createModel('ials').config.regularization);
  assert.deepEqual([...blend.weights], [1, 2]);
  assert.deepEqual([...(createModel('blend', { members: [EASE, IALS], mix: 0.25 }) as Blend).weights], [0.75, 0.25]);
  assert.equal(blend.itemVectors(), null);
});

test('save → load gives identical scores and recommendations', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'tastebud-blend-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const data = plantedSplit(5).train;
  const config = { members: [{ type: 'ease', params: { lambda: 20 } }, { type: 'ials', params: { factors: 8, iterations: 3 } }, { type: 'popularity' }], weights: [0.6, 0.3, 0.1] };
  const model = await fitQuietly(createModel('blend', config), data);
  await model.save(dir);
  const loaded = await loadModel(dir);
  assert.equal(loaded.type, 'blend');
  assert.deepEqual(loaded.config, model.config);
  const users = Int32Array.from({ length: model.numUsers }, (_, u) => u);
  const a = new Float32Array(users.length * model.numItems);
  const b = new Float32Array(users.length * model.numItems);
  model.scoreUsers(users, a);
  loaded.scoreUsers(users, b);
  assert.deepEqual(b, a);
  assert.deepEqual(loaded.recommend('u7', { k: 5 }), model.recommend('u7', { k: 5 }));
});

test('on planted data the EASE + iALS blend beats popularity on NDCG@10', async () => {
  const split = plantedSplit();
  const blend = await fitQuietly(
    createModel('blend', {
      members: [
        { type: 'ease', params: { lambda: 50 } },
        { type: 'ials', params: { factors: 8 } },
      ],
      mix: 0.35,
    }),
    split.train,
  );
  const popularity = await fitQuietly(createModel('popularity'), split.train);
  const b = rankingMetrics(blend, split)['ndcg@10'];
  const p = rankingMetrics(popularity, split)['ndcg@10'];
  assert.ok(b > p * 1.2, `blend NDCG@10 ${b.toFixed(4)} vs popularity ${p.toFixed(4)}`);
});

test('configuration mistakes are ConfigErrors that say what is wrong', async () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ members: [] }, /members is empty/],
    [{ members: [{ type: 'nope' }] }, /members\[0\].*unknown model "nope"/],
    [{ members: [EASE, { ...IALS, weight: -1 }] }, /members\[1\].*weight must be a number ≥ 0/],
    [{ members: [EASE, IALS], weights: [0.5, -0.5] }, /weights\[1\] must be a number ≥ 0/],
    [{ members: [EASE, IALS], weights: [1] }, /weights has 1 entries for 2 members/],
    [{ members: [EASE, IALS], mix: 1.5 }, /mix must be a number ≥ 0 and ≤ 1/],
    [{ members: [EASE, IALS, EASE], mix: 0.5 }, /exactly two members/],
    [{ members: [EASE, IALS], mix: 0.5, weights: [1, 1] }, /weights or mix, not both/],
    [{ members: [{ ...EASE, weight: 0 }] }, /every member weight is 0/],
    [{ members: [{ type: 'ease', params: { lamda: 3 } }] }, /members\[0\] \(ease\).*"lamda"/],
    [{ members: [{ type: 'ease', weigth: 1 }] }, /unknown field "weigth"/],
    [{ members: [EASE], normalize: 'rank' }, /normalize must be one of/],
  ];
  for (const [config, message] of cases)
    assert.throws(
      () => createModel('blend', config),
      (e: unknown) => e instanceof ConfigError && message.test(e.message),
      JSON.stringify(config),
    );
  await assert.rejects(fitQuietly(createModel('blend'), tiny), (e: unknown) => e instanceof ConfigError && /no members to fit/.test(e.message));
});

test('an experiment file can fix the members and search the mix or the weights', () => {
  const cfg = parseExperimentConfig(`
name: blend-grid
protocol: msr-stratified
models:
  - name: by-mix
    type: blend
    params:
      members:
        - { type: ease, params: { lambda: 300 } }
        - { type: ials, params: { factors: 8 } }
      mix: [0.2, 0.5]
  - name: by-weights
    type: blend
    params:
      members: [{ type: ease }, { type: ials }]
      weights: [[0.8, 0.2], [0.5, 0.5]]
`);
  const [byMix, byWeights] = checkExperiment(cfg).filter((r) => r.type === 'blend');
  assert.equal(byMix.params.members.kind, 'fixed', 'a list of members is one value, not a search space');
  const grid = { strategy: 'grid' as const, trials: null };
  const mixPoints = searchPoints(byMix.params, grid, new Rng(1));
  assert.deepEqual(
    mixPoints.map((p) => p.mix),
    [0.2, 0.5],
  );
  assert.equal((mixPoints[0].members as unknown[]).length, 2);
  assert.deepEqual(
    searchPoints(byWeights.params, grid, new Rng(1)).map((p) => p.weights),
    [
      [0.8, 0.2],
      [0.5, 0.5],
    ],
  );
});
