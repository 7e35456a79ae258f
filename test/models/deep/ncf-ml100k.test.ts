import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateRanking } from '../../../src/eval/ranking.ts';
import { NCF } from '../../../src/models/deep/ncf.ts';
import { lightfmUaData, skipUnlessMl100kUa } from '../../helpers/ml100k.ts';

// PyTorch NCF on this protocol: P@10 ≈ 0.06, AUC ≈ 0.87; popularity: P@10 0.067, AUC 0.872.
test('ncf on ML-100K (lightfm-ua) beats popularity and the PyTorch reference after a few epochs', { skip: skipUnlessMl100kUa() }, async () => {
  const { train, test: held, exclude } = await lightfmUaData();
  const model = new NCF({ factors: 32, layers: [64, 32], learningRate: 0.002, negatives: 4, epochs: 6 });
  await model.fit(train, { threads: 1 });
  const m = evaluateRanking(model, held, { k: [10], exclude, perUser: false }).metrics;
  assert.ok(m.auc > 0.9, `AUC ${m.auc}`);
  assert.ok(m['precision@10'] > 0.085, `P@10 ${m['precision@10']}`);
});
