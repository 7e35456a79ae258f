/**
 * The live warnings inside every fit (src/train/health.ts): embeddings collapsing under a huge L2,
 * a first-epoch loss far above its value at initialisation, validation AUC at chance — each said
 * once per fit through the warning mechanism; a healthy fit says none of them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NCF } from '../../src/models/deep/ncf.ts';
import { DeepFM } from '../../src/models/deep/deepfm.ts';
import { plantedSplit } from '../helpers/deep-data.ts';

const { train, test: held } = plantedSplit({ users: 150, items: 100, seed: 4 });

test('embeddings collapsing under a huge L2 are warned about once, through onWarning', async () => {
  const heard: string[] = [];
  const model = new NCF({ factors: 8, layers: [16], l2: 5, learningRate: 0.01, epochs: 4 });
  const history = await model.fit(train, { threads: 1, log: () => {}, callbacks: { onWarning: (m) => heard.push(m) } });
  const collapse = history.warnings.filter((w) => /collapsed towards zero/.test(w));
  assert.equal(collapse.length, 1, history.warnings.join('\n'));
  assert.match(collapse[0], /lower l2/);
  assert.ok(heard.some((w) => /collapsed/.test(w)));
});

test('a first-epoch loss far above ln 2 (saturated scores at init) is warned about', async () => {
  const model = new DeepFM({ factors: 16, layers: [16], initStd: 3, learningRate: 0.05, epochs: 1 });
  const history = await model.fit(train, { threads: 1, log: () => {} });
  assert.ok(history.epochs[0].loss > 2 * Math.LN2, `loss ${history.epochs[0].loss}`);
  assert.ok(
    history.warnings.some((w) => /over 2× its value at initialisation/.test(w)),
    history.warnings.join('\n'),
  );
});

test('a healthy fit raises no health warning', async () => {
  const model = new NCF({ factors: 8, layers: [16], learningRate: 0.005, epochs: 3 });
  const history = await model.fit(train, { threads: 1, log: () => {}, validation: held });
  assert.deepEqual(history.warnings, []);
  assert.ok(history.epochs[2].validation! > 0.6);
});
