/**
 * ncf's `logQ`, `embeddingOptimizer: dense` and `emaDecay` over two Hogwild threads: each learns
 * at two threads as at one (beats popularity, AUC within 0.03 of one thread's) and the worker
 * really trains; the workers' batches carry logQ's offsets (the two-thread training loss is the
 * corrected one); a weight average on the main thread follows every thread's optimizer steps
 * (WeightAverage.update(count), AveragedWeights.followSharedSteps).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Param } from '../../../src/core/params.ts';
import { MIN_PARALLEL_POSITIVES } from '../../../src/models/deep/parallel.ts';
import type { Tower } from '../../../src/models/deep/tower.ts';
import { AveragedWeights } from '../../../src/models/deep/weight-averaged.ts';
import { createModel } from '../../../src/models/registry.ts';
import { WeightAverage } from '../../../src/models/vae/weight-average.ts';
import { plantedSplit } from '../../helpers/deep-data.ts';
import { assertLearnsOnTwoThreads } from '../../helpers/hogwild.ts';

const split = plantedSplit({ users: 1500, items: 300 });
const SOFTMAX = { factors: 16, layers: [32, 16], learningRate: 0.005, epochs: 3, loss: 'softmax' as const, negatives: 8 };

const CASES: { name: string; config: Record<string, unknown> }[] = [
  { name: 'logQ over popularity negatives', config: { ...SOFTMAX, logQ: true, sampler: 'popularity' } },
  { name: "embeddingOptimizer 'dense'", config: { ...SOFTMAX, embeddingOptimizer: 'dense' } },
  { name: 'emaDecay', config: { ...SOFTMAX, emaDecay: 0.99 } },
  { name: 'dense + emaDecay (the lightfm-ua example)', config: { ...SOFTMAX, embeddingOptimizer: 'dense', emaDecay: 0.99 } },
];

test('the planted split is big enough to train over threads', () => {
  assert.ok(split.train.length >= MIN_PARALLEL_POSITIVES, `${split.train.length} positives`);
});

for (const c of CASES) {
  test(`ncf with ${c.name} trains Hogwild on two threads as well as on one and beats popularity`, () => assertLearnsOnTwoThreads('ncf', c.config, split));
}

test('the workers train the log-Q corrected softmax: the two-thread loss is the corrected one', async () => {
  const { train } = split;
  const lossOf = async (logQ: boolean, threads: number) => {
    const model = createModel('ncf', { ...SOFTMAX, epochs: 1, sampler: 'popularity', logQ });
    const history = await model.fit(train, { threads, seed: 3 });
    return history.epochs[0].loss;
  };
  const [corrected, plain, twoThreads] = [await lossOf(true, 1), await lossOf(false, 1), await lossOf(true, 2)];
  const gap = Math.abs(corrected - plain);
  assert.ok(gap > 0.1, `the correction changes the loss: ${corrected} vs ${plain}`);
  // Workers without the offsets would pull the two-thread mean halfway towards the plain loss.
  assert.ok(Math.abs(twoThreads - corrected) < gap / 4, `two threads ${twoThreads}, one thread ${corrected}, uncorrected ${plain}`);
});

test('WeightAverage.update(count) is count single updates of unchanged live weights', () => {
  const sgd = { name: 'sgd' as const, learningRate: 1 };
  for (const schedule of ['ema-warmup', 'ema-debiased'] as const) {
    const make = () => {
      const live = [new Param('w', 1, 3, sgd)];
      const averaged = [new Param('w', 1, 3, sgd)];
      live[0].data.set([1, -2, 0.5]);
      const average = new WeightAverage(live, averaged, 0.9, { schedule });
      live[0].data.set([3, 1, -1]);
      return { live, averaged, average };
    };
    const single = make();
    const many = make();
    for (let s = 0; s < 5; s++) single.average.update();
    many.average.update(5);
    for (let i = 0; i < 3; i++)
      assert.ok(Math.abs(single.averaged[0].data[i] - many.averaged[0].data[i]) < 1e-5, `${schedule}[${i}]: ${single.averaged[0].data[i]} vs ${many.averaged[0].data[i]}`);
    // And the next single step continues from the same step count.
    single.average.update();
    many.average.update();
    for (let i = 0; i < 3; i++) assert.ok(Math.abs(single.averaged[0].data[i] - many.averaged[0].data[i]) < 1e-5);
  }
});

test("AveragedWeights under Hogwild: each of the main thread's steps also covers the steps the workers counted since the last", () => {
  const sgd = { name: 'sgd' as const, learningRate: 1 };
  const towerOf = (p: Param): Tower => ({ params: () => [p], update: () => {} }) as unknown as Tower;
  const live = new Param('w', 1, 1, sgd);
  const averagedParam = new Param('w', 1, 1, sgd);
  live.data[0] = 0;
  const weights = new AveragedWeights(towerOf(live), towerOf(averagedParam), 0.5);
  const steps = new Int32Array(new SharedArrayBuffer(4));
  weights.followSharedSteps(steps);
  live.data[0] = 1;
  Atomics.add(steps, 0, 2); // two worker steps
  weights.stepping.update(); // and this thread's: three in all
  // ema-warmup decays for t = 0, 1, 2: min(0.5, 1/10), min(0.5, 2/11), min(0.5, 3/12).
  const keep = (1 / 10) * (2 / 11) * (3 / 12);
  assert.ok(Math.abs(averagedParam.data[0] - (1 - keep)) < 1e-6, `average ${averagedParam.data[0]} vs ${1 - keep}`);
  assert.equal(Atomics.load(steps, 0), 3, "this thread's step is counted too");
  // Without a shared counter a step is one step: decay min(0.5, 4/13) from where it was.
  weights.followSharedSteps(null);
  const before = averagedParam.data[0];
  live.data[0] = 2;
  weights.stepping.update();
  const d = 4 / 13;
  assert.ok(Math.abs(averagedParam.data[0] - (d * before + (1 - d) * 2)) < 1e-6);
});
