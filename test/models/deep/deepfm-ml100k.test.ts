import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateRanking } from '../../../src/eval/ranking.ts';
import { DeepFM } from '../../../src/models/deep/deepfm.ts';
import { lightfmUaData, skipUnlessMl100kUa } from '../../helpers/ml100k.ts';

// Popularity on this protocol: P@10 0.067, AUC 0.872. A DeepFM stuck at AUC ≈ 0.5 fails loudly.
test('deepfm with genre and decade fields on ML-100K (lightfm-ua) learns well past popularity', { skip: skipUnlessMl100kUa() }, async () => {
  const { train, test: held, exclude, itemFeatures } = await lightfmUaData();
  assert.ok(itemFeatures, 'the ml-100k loader provides item features');
  const model = new DeepFM({ factors: 16, layers: [64, 32], learningRate: 0.002, negatives: 4, epochs: 6 });
  await model.fit(train, { threads: 1, itemFeatures });
  assert.deepEqual(model.fieldNames().slice(0, 2), ['user', 'item']);
  const m = evaluateRanking(model, held, { k: [10], exclude, perUser: false }).metrics;
  assert.ok(m.auc > 0.9, `AUC ${m.auc}`);
  assert.ok(m['precision@10'] > 0.085, `P@10 ${m['precision@10']}`);
});
