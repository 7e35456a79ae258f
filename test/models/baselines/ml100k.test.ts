/**
 * Real data: ML-100K in the `lightfm-ua` protocol (ua.base ratings ≥ 4 → train positives,
 * ua.test ratings ≥ 4 → test, each user's train positives excluded, mean over users with a test
 * positive). EASE must reproduce the numpy reference in /work/shared/ANCHORS.md, which checks the
 * whole pipeline (reading, split, id maps, exclusion, metrics); every baseline's numbers are
 * printed as diagnostics.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lightfmUa } from '../../../src/eval/protocols/ranking.ts';
import type { PreparedProtocol } from '../../../src/eval/protocols/types.ts';
import { createModel } from '../../../src/models/registry.ts';
import { fitQuietly } from '../../helpers/baselines.ts';
import { dataDir, skipUnlessData } from '../../helpers/data-dir.ts';

const skip = skipUnlessData('ml-100k/ua.base', 'ml-100k/ua.test', 'ml-100k/u.data', 'ml-100k/u.item');
let prepared: Promise<PreparedProtocol> | null = null;
const protocol = (): Promise<PreparedProtocol> => (prepared ??= lightfmUa.prepare({ dataDir, download: false }));

async function run(type: string, config: Record<string, unknown>): Promise<Record<string, number>> {
  const p = await protocol();
  const model = await fitQuietly(createModel(type, config), p.train);
  return lightfmUa.evaluate(model, p).metrics;
}

const line = (name: string, m: Record<string, number>): string =>
  `${name.padEnd(44)} P@10 ${m['precision@10'].toFixed(4)}  R@10 ${m['recall@10'].toFixed(4)}  AUC ${m.auc.toFixed(4)}`;

// numpy EASE on the same protocol (ANCHORS.md).
const REFERENCE: [number, { p: number; r: number; auc: number }][] = [
  [300, { p: 0.1537, r: 0.2727, auc: 0.9218 }],
  [1000, { p: 0.149, r: 0.2639, auc: 0.9293 }],
];

for (const [lambda, ref] of REFERENCE) {
  test(`EASE λ=${lambda} reproduces the numpy reference on ML-100K lightfm-ua`, { skip }, async (t) => {
    const m = await run('ease', { lambda });
    t.diagnostic(line(`ease λ=${lambda}`, m));
    assert.ok(Math.abs(m['precision@10'] - ref.p) < 0.001, `P@10 ${m['precision@10']} vs ${ref.p}`);
    assert.ok(Math.abs(m['recall@10'] - ref.r) < 0.001, `R@10 ${m['recall@10']} vs ${ref.r}`);
    assert.ok(Math.abs(m.auc - ref.auc) < 0.0005, `AUC ${m.auc} vs ${ref.auc}`);
  });
}

test('every baseline on ML-100K lightfm-ua: the personalised ones beat popularity, popularity beats random', { skip }, async (t) => {
  const p = await protocol();
  t.diagnostic(`lightfm-ua: ${p.sizes.train} train positives, ${p.sizes.test} test positives, ${p.sizes.items} items`);
  const random = await run('random', {});
  const popularity = await run('popularity', {});
  t.diagnostic(line('random', random));
  t.diagnostic(line('popularity', popularity));
  assert.ok(popularity['precision@10'] > 5 * random['precision@10'] && popularity.auc > 0.85);
  const personalised: [string, Record<string, unknown>, number][] = [
    // [type, config, P@10 it must reach (measured value minus a small margin)]
    ['user-knn', { similarity: 'cosine' }, 0.13],
    ['user-knn', { similarity: 'jaccard' }, 0.13],
    ['item-knn', {}, 0.1],
    ['ials', {}, 0.145],
  ];
  for (const [type, config, floor] of personalised) {
    const m = await run(type, config);
    t.diagnostic(line(`${type} ${JSON.stringify(config)}`, m));
    assert.ok(m['precision@10'] > floor, `${type}: P@10 ${m['precision@10']}`);
    assert.ok(m['precision@10'] > popularity['precision@10'] + 0.03, `${type} beats popularity`);
  }
  const lr = await run('logistic-regression', { epochs: 5 });
  t.diagnostic(line('logistic-regression (ids only, 5 epochs)', lr));
  // Without a user–item term LR is a learned popularity ranking: close to it, far above random.
  assert.ok(lr.auc > 0.85 && lr['precision@10'] > 0.8 * popularity['precision@10']);
});
