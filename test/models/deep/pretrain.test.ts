import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../src/core/rng.ts';
import type { ConcatTower } from '../../../src/models/deep/concat-tower.ts';
import { NCF } from '../../../src/models/deep/ncf.ts';
import { NeuMFTower } from '../../../src/models/deep/neumf-tower.ts';
import { PointwiseBatches, pointwiseLoss, PointwiseTrainer } from '../../../src/models/deep/pointwise.ts';
import { GmfTower, loadPretrained, pretrainBranches } from '../../../src/models/deep/pretrain.ts';
import { NegativeSampler } from '../../../src/sampling/negatives.ts';
import { assertGradClose, FLOAT32_GRAD_TOLERANCE, numericGradient } from '../../helpers/gradcheck.ts';
import { plantedSplit } from '../../helpers/deep-data.ts';
import { popularity, ranking } from '../../helpers/metrics.ts';

function towerOptions(numUsers: number, numItems: number, optimizer: 'sgd' | 'adam', learningRate: number) {
  return {
    numUsers,
    numItems,
    layers: [6, 3],
    activation: 'relu' as const,
    dropout: 0,
    optimizer: { name: optimizer, learningRate },
    initStd: 0.4,
    userFeatures: null,
    itemFeatures: null,
    l2: 0,
    denseL2: 0,
    userFactors: 4,
    itemFactors: 4,
    gmfFactors: 3,
  };
}

test('GMF tower: the BCE gradient of its embeddings and output layer matches finite differences', () => {
  const lr = 0.1;
  const tower = new GmfTower(new Rng(3), towerOptions(4, 5, 'sgd', lr));
  // Two rows share user 1, so the row-summed embedding update is checked too.
  const users = Int32Array.of(1, 1, 2);
  const items = Int32Array.of(0, 3, 3);
  const labels = Float32Array.of(1, 0, 1);
  const n = 3;
  const dz = new Float32Array(n);
  const loss = () => {
    tower.fill(users, items, n);
    return pointwiseLoss('bce', tower.forward(n, null), labels, n, dz) / n;
  };
  const probes: [Float32Array, number, string][] = [
    [tower.users.table.id!.data, 1 * 3 + 0, 'gmf.user.id[1,0]'],
    [tower.users.table.id!.data, 1 * 3 + 2, 'gmf.user.id[1,2]'],
    [tower.users.table.id!.data, 2 * 3 + 1, 'gmf.user.id[2,1]'],
    [tower.items.table.id!.data, 3 * 3 + 1, 'gmf.item.id[3,1]'],
    [tower.items.table.id!.data, 0 * 3 + 2, 'gmf.item.id[0,2]'],
    [tower.out.weight.data, 1, 'gmf.out.weight[1]'],
    [tower.out.bias.data, 0, 'gmf.out.bias'],
  ];
  const numeric = probes.map(([arr, i]) => numericGradient(loss, arr, i));
  const before = probes.map(([arr, i]) => arr[i]);
  const untouched = tower.users.table.id!.data[0];
  tower.fill(users, items, n);
  pointwiseLoss('bce', tower.forward(n, new Rng(1)), labels, n, dz);
  tower.backward(dz, n, users, items);
  tower.update();
  probes.forEach(([arr, i, what], p) => {
    const analytic = (before[p] - arr[i]) / lr;
    assert.ok(Math.abs(numeric[p]) > 1e-4, `${what}: gradient ${numeric[p]} too small to check`);
    assertGradClose(analytic, numeric[p], what, FLOAT32_GRAD_TOLERANCE);
  });
  assert.equal(tower.users.table.id!.data[0], untouched, 'user 0 is in no row and must not move');
});

test('NeuMF starts from the pre-trained GMF and MLP weights: copied tensors, and logit = α·GMF + (1 − α)·MLP', async () => {
  const { train } = plantedSplit({ users: 60, items: 50 });
  const o = towerOptions(train.numUsers, train.numItems, 'adam', 0.01);
  const makeTrainer = () => new PointwiseTrainer(new PointwiseBatches(train, 64, 2, new NegativeSampler(train, { kind: 'exclude-positives', rng: new Rng(5) })), 'bce');
  const { gmf, mlp } = await pretrainBranches(o, { epochs: 2, alpha: 0.3, optimizer: { name: 'adam', learningRate: 0.01 } }, makeTrainer, new Rng(9), {});
  const neumf = new NeuMFTower(new Rng(2), o);
  const gmfItemsBefore = neumf.gmfItems.table.id!.data.slice();
  loadPretrained(neumf, gmf, mlp, 0.3);
  assert.notDeepEqual(neumf.gmfItems.table.id!.data, gmfItemsBefore, 'the GMF branch was overwritten');
  assert.deepEqual(neumf.gmfUsers.table.id!.data, gmf.users.table.id!.data);
  assert.deepEqual(neumf.gmfItems.table.id!.data, gmf.items.table.id!.data);
  assert.deepEqual(neumf.mlp.users.table.id!.data, mlp.users.table.id!.data);
  assert.deepEqual(neumf.mlp.items.table.id!.data, mlp.items.table.id!.data);
  neumf.mlp.mlp.hidden.forEach((layer, l) => {
    assert.deepEqual(layer.weight.data, mlp.mlp.hidden[l].weight.data, `hidden layer ${l} weights`);
    assert.deepEqual(layer.bias.data, mlp.mlp.hidden[l].bias.data, `hidden layer ${l} bias`);
  });
  // The fused output is linear in the two branches' last layers, so the logits mix exactly.
  const users = Int32Array.from({ length: 20 }, (_, r) => r % train.numUsers);
  const items = Int32Array.from({ length: 20 }, (_, r) => (r * 7) % train.numItems);
  const n = users.length;
  const at = (tower: GmfTower | ConcatTower | NeuMFTower) => {
    tower.fill(users, items, n);
    return tower.forward(n, null).slice(0, n);
  };
  const zg = at(gmf);
  const zm = at(mlp);
  const zn = at(neumf);
  for (let r = 0; r < n; r++) assert.ok(Math.abs(zn[r] - (0.3 * zg[r] + 0.7 * zm[r])) < 1e-5, `row ${r}: ${zn[r]} vs ${0.3 * zg[r] + 0.7 * zm[r]}`);
  assert.ok(
    zg.some((z, r) => Math.abs(z - zm[r]) > 1e-3),
    'the two branches differ, so the mix is a real check',
  );
});

test('neumf with pretrainEpochs has learned before its own first epoch, and fine-tuning keeps it well above popularity', async () => {
  const { train, test: held } = plantedSplit();
  const pop = ranking(popularity(train), train, held);
  const base = { factors: 16, layers: [32, 16], learningRate: 0.005 };
  const fresh = new NCF({ ...base, epochs: 0 }, 'neumf');
  await fresh.fit(train, { threads: 1 });
  const pretrained = new NCF({ ...base, epochs: 0, pretrainEpochs: 6 }, 'neumf');
  await pretrained.fit(train, { threads: 1 });
  const r0 = ranking(fresh, train, held);
  const r1 = ranking(pretrained, train, held);
  assert.ok(r1.p10 > pop.p10 + 0.05 && r1.p10 > r0.p10 + 0.05, `pre-trained only: P@10 ${r1.p10}; untrained ${r0.p10}, popularity ${pop.p10}`);
  const tuned = new NCF({ ...base, epochs: 3, learningRate: 0.001, pretrainEpochs: 6, pretrainLearningRate: 0.005 }, 'neumf');
  await tuned.fit(train, { threads: 1 });
  const r2 = ranking(tuned, train, held);
  assert.ok(r2.auc > pop.auc + 0.1 && r2.p10 > pop.p10 + 0.05, `fine-tuned: AUC ${r2.auc}, P@10 ${r2.p10}; popularity ${pop.auc}, ${pop.p10}`);
});

test('pretrainAlpha outside [0, 1] is a clear configuration error', () => {
  assert.throws(() => new NCF({ pretrainAlpha: 1.5 }, 'neumf'), /pretrainAlpha/);
});
