import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createModel } from '../../../src/models/registry.ts';
import '../../../src/models/bilinear/model.ts';
import { loadMl100kUa, skipUnlessMl100kUa } from '../../helpers/ml100k.ts';
import { popularity, ranking } from '../../helpers/metrics.ts';

// The lightfm-ua protocol. LightFM's WARP (64 factors) reports P@10 0.1327, AUC 0.9273 here;
// bench/quality-bilinear.ts reports every loss variant.
test('WARP with default settings reaches AUC ≥ 0.93 and precision@10 ≥ 0.13 on ML-100K ua', { skip: skipUnlessMl100kUa() }, async () => {
  const { train, test: heldOut } = loadMl100kUa(4);
  assert.equal(train.numItems, 1682);
  const model = createModel('warp');
  await model.fit(train, { threads: 1, seed: 42 });
  const m = ranking(model, train, heldOut);
  const pop = ranking(popularity(train), train, heldOut);
  assert.ok(m.auc >= 0.93, `AUC ${m.auc.toFixed(4)}`);
  assert.ok(m.p10 >= 0.13, `P@10 ${m.p10.toFixed(4)}`);
  assert.ok(m.p10 > pop.p10 + 0.05, `P@10 ${m.p10.toFixed(4)} vs popularity ${pop.p10.toFixed(4)}`);
});
