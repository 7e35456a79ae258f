// The weight-average schedules of weight-average.ts against plain reference computations: the
// bias-corrected fixed-decay EMA as a normalised exponentially weighted sum, SWA as the mean of
// the epoch-end weights; both the live weights before their start epoch. The recvae options that
// use them: training untouched, the average scores, save → load keeps it, and it still learns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Param } from '../../../src/core/params.ts';
import { createModel } from '../../../src/models/registry.ts';
import { loadModel } from '../../../src/models/load.ts';
import type { RecVae } from '../../../src/models/vae/recvae.ts';
import { type AverageOptions, WeightAverage } from '../../../src/models/vae/weight-average.ts';
import { fitQuietly, plantedSplit, scoresOf } from '../../helpers/baselines.ts';
import { rankingMetrics } from '../../helpers/metrics.ts';

const sgd = { name: 'sgd' as const, learningRate: 1 };

/** Drives an average over `epochs` epochs of `stepsPerEpoch` steps of made-up weights; returns every step's weights, the epoch ends' and the average after each epoch. */
function drive(decay: number, options: AverageOptions, epochs: number, stepsPerEpoch: number) {
  const live = [new Param('w', 1, 2, sgd), new Param('b', 1, 1, sgd)];
  const averaged = [new Param('w', 1, 2, sgd), new Param('b', 1, 1, sgd)];
  live[0].data.set([0.3, -1]);
  live[1].data.set([2]);
  const average = new WeightAverage(live, averaged, decay, options);
  const steps: { epoch: number; w: number[] }[] = [];
  const ends: number[][] = [];
  const after: number[][] = [];
  let t = 0;
  for (let e = 1; e <= epochs; e++) {
    for (let s = 0; s < stepsPerEpoch; s++, t++) {
      const w = [Math.sin(t), 0.1 * t, Math.cos(3 * t)];
      live[0].data.set(w.slice(0, 2));
      live[1].data.set(w.slice(2));
      average.update();
      steps.push({ epoch: e, w });
    }
    average.endEpoch();
    ends.push(steps.at(-1)!.w);
    after.push([...averaged[0].data, ...averaged[1].data]);
  }
  return { steps, ends, after };
}

function assertClose(got: number[], want: number[], what: string): void {
  got.forEach((v, k) => assert.ok(Math.abs(v - want[k]) < 1e-5, `${what}, weight ${k}: ${v} vs ${want[k]}`));
}

test('weight average ema-debiased: Σ d^(n−k)·w_k / Σ d^(n−k) over the steps from startEpoch; the live weights before', () => {
  const decay = 0.8;
  const { steps, after } = drive(decay, { schedule: 'ema-debiased', startEpoch: 3 }, 6, 4);
  for (let e = 1; e <= 6; e++) {
    const upTo = steps.filter((s) => s.epoch <= e);
    if (e < 3) {
      assertClose(after[e - 1], upTo.at(-1)!.w, `epoch ${e} (before the start)`);
      continue;
    }
    const used = upTo.filter((s) => s.epoch >= 3);
    const n = used.length;
    const want = [0, 0, 0];
    let total = 0;
    used.forEach((s, k) => {
      const weight = decay ** (n - 1 - k);
      total += weight;
      s.w.forEach((v, j) => {
        want[j] += weight * v;
      });
    });
    assertClose(
      after[e - 1],
      want.map((v) => v / total),
      `epoch ${e}`,
    );
  }
  // The first averaged step takes the weights whole (η₁ = 1), then the horizon is ~1/(1 − d).
  assert.equal(WeightAverage.debiasedRate(0.99, 1), 1);
  assert.ok(Math.abs(WeightAverage.debiasedRate(0.99, 100_000) - 0.01) < 1e-12);
});

test('weight average swa: the mean of the epoch-end weights from startEpoch on; the live weights before', () => {
  const { ends, after } = drive(0, { schedule: 'swa', startEpoch: 3 }, 7, 5);
  for (let e = 1; e <= 7; e++) {
    if (e < 3) {
      assertClose(after[e - 1], ends[e - 1], `epoch ${e} (before the start)`);
      continue;
    }
    const used = ends.slice(2, e);
    const want = [0, 1, 2].map((j) => used.reduce((a, w) => a + w[j], 0) / used.length);
    assertClose(after[e - 1], want, `epoch ${e}`);
  }
});

test('weight average ema-warmup: epoch ends change nothing (the default schedule is as before)', () => {
  const { steps, after } = drive(0.5, {}, 3, 4);
  let expected = [0.3, -1, 2];
  steps.forEach((s, t) => {
    const d = Math.min(0.5, (1 + t) / (10 + t));
    expected = expected.map((a, k) => d * a + (1 - d) * s.w[k]);
  });
  assertClose(after[2], expected, 'after 12 steps');
});

test('weight average: refuses a decay outside (0, 1) for the EMAs and a start epoch below 1', () => {
  const p = () => [new Param('w', 1, 1, sgd)];
  assert.throws(() => new WeightAverage(p(), p(), 0, { schedule: 'ema-debiased' }), /decay must be in \(0, 1\)/);
  assert.throws(() => new WeightAverage(p(), p(), 0.9, { schedule: 'swa', startEpoch: 0 }), /startEpoch must be an integer ≥ 1/);
  assert.doesNotThrow(() => new WeightAverage(p(), p(), 0, { schedule: 'swa' }));
});

const split = plantedSplit();
const small = { hidden: 64, depth: 3, latent: 16, batchSize: 50, learningRate: 0.003 };

test('recvae swa: training untouched, the scoring weights are the mean of the epoch-end live weights, and it learns', async () => {
  const pop = rankingMetrics(await fitQuietly(createModel('popularity'), split.train), split)['ndcg@10'];
  const plain = (await fitQuietly(createModel('recvae', { ...small, epochs: 8 }), split.train)) as RecVae;
  const swa = createModel('recvae', { ...small, epochs: 8, weightAverage: 'swa', averageStart: 5 }) as RecVae;
  // The reference: the live decoder weights at each epoch's end, averaged by hand from epoch 5.
  const ends: Float32Array[] = [];
  const decoder = () => swa.network!.params().find((p) => p.name.startsWith('decoder'))!;
  await fitQuietly(swa, split.train, { callbacks: { onEpochEnd: () => void ends.push(decoder().data.slice()) } });
  const live = (m: RecVae) => m.network!.params().map((p) => Array.from(p.data.subarray(0, 50)));
  assert.deepEqual(live(swa), live(plain), 'the same seed trains the same live weights');
  const averaged = swa.getState().tensors[decoder().name].data;
  const used = ends.slice(4);
  for (const i of [0, 1, 17, averaged.length - 1]) {
    const want = used.reduce((a, w) => a + w[i], 0) / used.length;
    assert.ok(Math.abs(averaged[i] - want) < 1e-5, `decoder weight ${i}: ${averaged[i]} vs ${want}`);
  }
  assert.notDeepEqual(scoresOf(swa, 3), scoresOf(plain, 3), 'the averaged weights score');
  const ndcg = rankingMetrics(swa, split)['ndcg@10'];
  assert.ok(ndcg > pop + 0.2, `NDCG@10 ${ndcg.toFixed(4)} vs popularity ${pop.toFixed(4)}`);
});

test('recvae ema-debiased: save → load keeps the averaged weights; a watched average of the same schedule equals the model’s own', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'tastebud-recvae-avg-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const model = createModel('recvae', { ...small, epochs: 3, emaDecay: 0.98, weightAverage: 'ema-debiased', averageStart: 2 }) as RecVae;
  model.watchAverages([
    { decay: 0.98, schedule: 'ema-debiased', startEpoch: 2 },
    { decay: 0, schedule: 'swa', startEpoch: 1 },
  ]);
  await fitQuietly(model, split.train);
  const own = model.getState().tensors;
  const [same, other] = model.watchedNetworks;
  for (const p of same.params()) assert.deepEqual(p.data, own[p.name].data, p.name);
  assert.ok(
    other.params().some((p) => p.data.some((v, i) => v !== own[p.name].data[i])),
    'a different schedule averages differently',
  );
  await model.save(dir);
  const loaded = await loadModel(dir);
  for (const u of [0, 7, 399]) assert.deepEqual(scoresOf(loaded, u), scoresOf(model, u), `user ${u}`);
  const history = model.historyOf(12).map((h) => ({ item: model.itemIds.id(h.index) }));
  assert.deepEqual(model.foldIn(history).scores, scoresOf(model, 12));
});

test('recvae weightAverage: refuses settings that would silently do nothing, naming the option', () => {
  assert.throws(() => createModel('recvae', { weightAverage: 'ema-debiased' }), /weightAverage "ema-debiased" needs emaDecay > 0/);
  assert.throws(() => createModel('recvae', { emaDecay: 0.99, averageStart: 5 }), /averageStart applies to weightAverage/);
  assert.throws(() => createModel('recvae', { weightAverage: 'polyak' } as never), /recvae: weightAverage/);
});
