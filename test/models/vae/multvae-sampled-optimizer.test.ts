// Mult-VAE's sampled output layer with its own optimizer (`sampledOptimizer`, `sampledLearningRate`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Param, type OptimizerConfig } from '../../../src/core/params.ts';
import { Rng } from '../../../src/core/rng.ts';
import { ConfigError } from '../../../src/contracts/errors.ts';
import type { Csr } from '../../../src/data/interactions.ts';
import type { MultVae } from '../../../src/models/vae/multvae.ts';
import { SampledItemOutput } from '../../../src/models/vae/sampled-softmax.ts';
import { createModel } from '../../../src/models/registry.ts';
import { fitQuietly, plantedSplit, scoresOf } from '../../helpers/baselines.ts';
import { rankingMetrics } from '../../helpers/metrics.ts';
import { randomArray } from '../../helpers/gradcheck.ts';

// An output layer over 40 items, width 4; three users, a sample of 6 (so most rows are untouched by a batch).
const N = 40;
const H = 4;
const rows: Csr = {
  rows: 3,
  cols: N,
  indptr: Int32Array.of(0, 2, 5, 8),
  indices: Int32Array.of(3, 17, 0, 9, 30, 9, 22, 39),
  values: new Float32Array(8).fill(1),
  order: new Int32Array(0),
};
const users = Int32Array.of(0, 1, 2);
const h = randomArray(3 * H, 21, 1);

function layer(optimizer: OptimizerConfig): SampledItemOutput {
  const out = new SampledItemOutput('decoder.out', N, H, 6, optimizer, new Rng(1));
  out.weight.data.set(randomArray(N * H, 31, 1));
  out.bias.data.set(randomArray(N, 41, 0.5));
  return out;
}

/** `steps` batches of the sampled layer (a fresh sample each), against dense steps of its dense gradient on copies. */
function lazyAgainstDense(optimizer: OptimizerConfig, steps: number): { lazy: SampledItemOutput; weight: Param; bias: Param; touched: Set<number> } {
  const lazy = layer(optimizer);
  const weight = new Param('w', N, H, optimizer, { data: lazy.weight.data.slice() });
  const bias = new Param('b', N, 1, optimizer, { data: lazy.bias.data.slice() });
  const rng = new Rng(5);
  const touched = new Set<number>();
  for (let t = 0; t < steps; t++) {
    lazy.drawSample(rng);
    lazy.loss(h, rows, users, 3, true);
    const g = lazy.denseGradients();
    for (let j = 0; j < N; j++) if (g.bias[j] !== 0) touched.add(j);
    lazy.update(0);
    weight.updateAll(g.weight);
    bias.updateAll(g.bias);
  }
  return { lazy, weight, bias, touched };
}

test('sampled output layer: lazy SGD and Adagrad steps equal dense steps of the dense gradient, bit for bit; lazy Adam does not', () => {
  for (const optimizer of [
    { name: 'sgd', learningRate: 0.3 },
    { name: 'adagrad', learningRate: 0.2 },
  ] as OptimizerConfig[]) {
    const { lazy, weight, bias, touched } = lazyAgainstDense(optimizer, 4);
    assert.ok(touched.size > 10 && touched.size < N, `${touched.size} rows touched: the check needs untouched rows too`);
    assert.deepEqual(lazy.weight.data, weight.data, `${optimizer.name}: weights`);
    assert.deepEqual(lazy.bias.data, bias.data, `${optimizer.name}: bias`);
    assert.notDeepEqual(lazy.weight.data, layer(optimizer).weight.data, `${optimizer.name}: the steps moved the weights`);
  }
  // Adam's dense step moves an untouched row by its decaying moments: the lazy step is a different optimizer.
  const adam = lazyAgainstDense({ name: 'adam', learningRate: 0.01 }, 4);
  assert.notDeepEqual(adam.lazy.weight.data, adam.weight.data);
});

test("sampled output layer: Adam's first step on a row is ±lr whatever the gradient's size; SGD's and Adagrad's scale with it (the lead)", () => {
  // The same sample and gradient, the latter scaled by 1 and by 1e-3 (a rarely sampled row's small gradient).
  const step = (optimizer: OptimizerConfig, scale: number): Float32Array => {
    const out = layer(optimizer);
    out.drawSample(new Rng(5));
    out.loss(h, rows, users, 3, true);
    const before = out.weight.data.slice();
    const g = out.denseGradients().weight;
    const rowsTouched = Int32Array.from(new Set(Array.from({ length: N }, (_, j) => j).filter((j) => g.subarray(j * H, (j + 1) * H).some((x) => x !== 0))));
    const grads = new Float32Array(rowsTouched.length * H);
    rowsTouched.forEach((j, s) =>
      grads.set(
        g.subarray(j * H, (j + 1) * H).map((x) => x * scale),
        s * H,
      ),
    );
    out.weight.updateRows(rowsTouched, rowsTouched.length, grads, 0);
    return out.weight.data.map((w, i) => w - before[i]);
  };
  const maxAbs = (a: Float32Array) => a.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  const adam = [step({ name: 'adam', learningRate: 0.01 }, 1), step({ name: 'adam', learningRate: 0.01 }, 1e-3)];
  assert.ok(Math.abs(maxAbs(adam[0]) - 0.01) < 1e-4 && Math.abs(maxAbs(adam[1]) - 0.01) < 1e-4, `Adam steps ${maxAbs(adam[0])}, ${maxAbs(adam[1])}`);
  for (const optimizer of [
    { name: 'sgd', learningRate: 0.3 },
    { name: 'adagrad', learningRate: 0.2 },
  ] as OptimizerConfig[]) {
    const big = maxAbs(step(optimizer, 1));
    const small = maxAbs(step(optimizer, 1e-3));
    assert.ok(small < big * 2e-3, `${optimizer.name}: step ${small} at 1e-3 of the gradient vs ${big}`);
  }
});

// Planted taste clusters with Zipf popularity (test/helpers/baselines.ts): 400 users × 300 items.
const split = plantedSplit();
const small = { layers: [64], latent: 16, batchSize: 50, annealSteps: 100, learningRate: 0.003 };
const bufferOf = (m: MultVae, which: 'weight' | 'bias') => m.network!.sampledOutput![which].buffers();

test('multvae: sampledOptimizer / sampledLearningRate reach the sampled output layer only', async () => {
  const model = (await fitQuietly(createModel('multvae', { ...small, sampledSoftmax: 30, sampledOptimizer: 'sgd', sampledLearningRate: 0.5, epochs: 1 }), split.train)) as MultVae;
  for (const which of ['weight', 'bias'] as const) assert.equal(bufferOf(model, which).m, null, `${which}: SGD keeps no moments`);
  assert.equal(model.network!.sampledOutput!.weight.learningRate, 0.5);
  assert.ok(
    model.network!.params().some((p) => p.name === 'encoder.input.weight' && p.buffers().m !== null && p.learningRate === 0.003),
    'the encoder keeps Adam at learningRate',
  );
  const adagrad = (await fitQuietly(createModel('multvae', { ...small, sampledSoftmax: 30, sampledOptimizer: 'adagrad', epochs: 1 }), split.train)) as MultVae;
  assert.ok(bufferOf(adagrad, 'weight').m === null && bufferOf(adagrad, 'weight').v !== null);
  assert.equal(adagrad.network!.sampledOutput!.weight.learningRate, 0.003, 'sampledLearningRate null: learningRate');
});

test('multvae: the default (null) and explicit Adam at learningRate train bit for bit alike; the options are ignored by the exact softmax', async () => {
  const fit = (extra: Record<string, unknown>) => fitQuietly(createModel('multvae', { ...small, epochs: 2, ...extra }), split.train, { seed: 3 });
  const same = (a: Awaited<ReturnType<typeof fit>>, b: Awaited<ReturnType<typeof fit>>, what: string) => {
    assert.deepEqual(
      a.history!.epochs.map((e) => e.loss),
      b.history!.epochs.map((e) => e.loss),
      what,
    );
    const ta = a.getState().tensors;
    const tb = b.getState().tensors;
    for (const name of Object.keys(ta)) assert.deepEqual(tb[name].data, ta[name].data, `${what}: ${name}`);
  };
  const sampled = await fit({ sampledSoftmax: 30 });
  same(sampled, await fit({ sampledSoftmax: 30, sampledOptimizer: 'adam', sampledLearningRate: 0.003 }), 'explicit adam');
  const exact = await fit({});
  same(exact, await fit({ sampledOptimizer: 'sgd', sampledLearningRate: 0.5 }), 'exact, sgd ignored');
  same(exact, await fit({ sampledSoftmax: 300, sampledOptimizer: 'adagrad' }), 'k = items, adagrad ignored');
  // And the option does change a sampled fit (so the identities above can fail).
  assert.notDeepEqual(scoresOf(await fit({ sampledSoftmax: 30, sampledOptimizer: 'adagrad', sampledLearningRate: 0.1 }), 0), scoresOf(sampled, 0));
  assert.notDeepEqual(scoresOf(await fit({ sampledSoftmax: 30, sampledLearningRate: 0.01 }), 0), scoresOf(sampled, 0));
});

test('multvae with a sampled softmax (30 of 300 items) and an Adagrad or SGD output layer beats popularity by a wide NDCG@10 margin', async (t) => {
  const pop = rankingMetrics(await fitQuietly(createModel('popularity'), split.train), split)['ndcg@10'];
  for (const [sampledOptimizer, sampledLearningRate] of [
    ['adagrad', 0.1],
    ['sgd', 0.3],
  ] as const) {
    for (const variational of [true, false]) {
      const model = await fitQuietly(createModel('multvae', { ...small, variational, sampledSoftmax: 30, sampledOptimizer, sampledLearningRate, epochs: 30 }), split.train);
      assert.equal(bufferOf(model as MultVae, 'weight').m, null, `${sampledOptimizer}: the output layer is not Adam`);
      const losses = model.history!.epochs.map((e) => e.loss);
      assert.ok(losses.every(Number.isFinite) && losses.at(-1)! < losses[0], `losses ${losses[0]} → ${losses.at(-1)}`);
      const ndcg = rankingMetrics(model, split)['ndcg@10'];
      t.diagnostic(`${sampledOptimizer}, variational ${variational}: NDCG@10 ${ndcg.toFixed(4)}, popularity ${pop.toFixed(4)}`);
      assert.ok(ndcg > pop + 0.2, `${sampledOptimizer}, variational ${variational}: NDCG@10 ${ndcg.toFixed(4)} vs popularity ${pop.toFixed(4)}`);
    }
  }
});

test('multvae: bad sampledOptimizer / sampledLearningRate values give clear errors', () => {
  assert.throws(
    () => createModel('multvae', { sampledOptimizer: 'rmsprop' as never }),
    (e: Error) => e instanceof ConfigError && /sampledOptimizer/.test(e.message),
  );
  for (const lr of [0, -0.1])
    assert.throws(
      () => createModel('multvae', { sampledLearningRate: lr }),
      (e: Error) => e instanceof ConfigError && /sampledLearningRate/.test(e.message),
    );
});
