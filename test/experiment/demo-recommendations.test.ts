/**
 * The demo's sample lists (the main job's last lines) leave out every movie the user rated in
 * training. lightfm-ua trains on ratings ≥ 4 only, so the model's own seen items missed a user's
 * 1–3 ratings, and the lists showed movies the user had watched.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InteractionsBuilder } from '../../src/data/builder.ts';
import { positivesOnly } from '../../src/data/labels.ts';
import type { Dataset } from '../../src/data/types.ts';
import { ratedInTraining, sampleRecommendations } from '../../src/experiment/demo.ts';
import type { ExperimentResults } from '../../src/experiment/results.ts';
import { createModel } from '../../src/models/registry.ts';

test('the demo lists leave out what each user rated in training, low ratings included', async () => {
  // 12 items. The first ten users rated i0..i5 2 (watched, disliked) and one other item 5; the
  // next ten rated i0..i5 5, which makes those the most popular positives.
  const b = new InteractionsBuilder();
  for (let u = 0; u < 10; u++) {
    for (let i = 0; i < 6; i++) b.add(`u${u}`, `i${i}`, 2, Number.NaN);
    b.add(`u${u}`, `i${6 + (u % 6)}`, 5, Number.NaN);
  }
  for (let u = 10; u < 20; u++) for (let i = 0; i < 6; i++) b.add(`u${u}`, `i${i}`, 5, Number.NaN);
  const { interactions } = b.build();
  const dataset = { name: 'toy', interactions, splits: { ua: async () => ({ train: interactions, test: interactions.subset([]) }) } } as unknown as Dataset;
  const dir = await mkdtemp(join(tmpdir(), 'tastebud-demo-'));
  try {
    // Trained on positives only, as under lightfm-ua: the first users' seen items are their one 5,
    // so without the demo's own exclusion their lists would open with the six they disliked.
    const model = createModel('popularity');
    await model.fit(positivesOnly(interactions, 4), { log: () => {} });
    await model.save(join(dir, 'models', 'popularity'));
    const results = {
      outDir: dir,
      protocol: { mainMetric: 'precision@10', lowerIsBetter: false },
      runs: [{ name: 'popularity', modelDir: 'models/popularity', metrics: { 'precision@10': 0.1 } }],
    } as unknown as ExperimentResults;

    const rated = await ratedInTraining(dataset);
    assert.equal(rated?.get('u0')?.size, 7);
    const text = await sampleRecommendations(results, dataset);
    assert.match(text, /rated in training left out/);
    assert.match(text, /user u0:\n\s+i\d+/, text);
    for (const user of ['u0', 'u1', 'u2']) {
      const block = text.split(`user ${user}:`)[1].split('user ')[0];
      for (const item of block.match(/\bi\d+\b/g) ?? []) assert.ok(!rated!.get(user)!.has(item), `${user} was shown ${item}, which they rated:\n${text}`);
    }
    assert.equal(await ratedInTraining({ ...dataset, splits: {} } as Dataset), null, 'no split, nothing to leave out');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
