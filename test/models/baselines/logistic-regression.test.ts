import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogisticRegression } from '../../../src/models/baselines/logistic-regression.ts';
import { featureMatrixFromRows } from '../../../src/data/features.ts';
import { fitQuietly, interactions, plantedSplit, scoresOf } from '../../helpers/baselines.ts';
import { rankingMetrics } from '../../helpers/metrics.ts';

test('trained on implicit data with sampled negatives, the loss falls and the ranking beats chance', async () => {
  const split = plantedSplit();
  const model = await fitQuietly(new LogisticRegression({ epochs: 4 }), split.train);
  const losses = model.history!.epochs.map((e) => e.loss);
  // Knowing only that 1 in 5 examples is positive gives the entropy of 0.2: 0.5004 nats.
  const baseRate = -(0.2 * Math.log(0.2) + 0.8 * Math.log(0.8));
  assert.ok(losses[3] < losses[0] && losses[3] < baseRate - 0.01, `losses ${losses.map((l) => l.toFixed(4)).join(', ')}`);
  const { auc } = rankingMetrics(model, split);
  assert.ok(auc > 0.62, `AUC ${auc}`);
});

test('the learned item weights follow popularity: items everyone has outrank items nobody has', async () => {
  const split = plantedSplit();
  const model = await fitQuietly(new LogisticRegression({ epochs: 3 }), split.train);
  const counts = split.train.itemCounts();
  const order = [...counts.keys()].sort((a, b) => counts[b] - counts[a]);
  const scores = scoresOf(model, 0);
  const mean = (items: number[]): number => items.reduce((s, i) => s + scores[i], 0) / items.length;
  assert.ok(mean(order.slice(0, 20)) > mean(order.slice(-50)) + 0.5, 'top-20 items score clearly above the 50 least popular');
});

test('item features carry what was learned to items with no interactions', async () => {
  // Items 0–9 are category A, 10–19 category B. Users take A items 0–7 only; 8, 9 (A) and 18, 19 (B) are never seen.
  const rows: [number, number, number][] = [];
  for (let u = 0; u < 40; u++) for (let k = 0; k < 4; k++) rows.push([u, (u + 3 * k) % 8, 1]);
  const train = interactions(rows, 40, 20);
  const itemFeatures = featureMatrixFromRows(
    train.itemIds,
    Array.from({ length: 20 }, (_, i) => ({ id: `i${i}`, features: [i < 10 ? 'category=A' : 'category=B'] })),
  );
  const withFeatures = await fitQuietly(new LogisticRegression({ epochs: 15 }), train, { itemFeatures });
  const s = scoresOf(withFeatures, 0);
  assert.ok(Math.min(s[8], s[9]) > Math.max(s[18], s[19]) + 0.5, `cold A items ${s[8]}, ${s[9]} vs cold B items ${s[18]}, ${s[19]}`);
  const idsOnly = await fitQuietly(new LogisticRegression({ epochs: 15 }), train);
  const t = scoresOf(idsOnly, 0);
  assert.ok(Math.abs(t[8] - t[18]) < 0.5, 'without features the cold items are alike');
});

test('explicit feedback trains on the values as labels, which must be in [0, 1]', async () => {
  // Item 0 is liked (1) by everyone who rated it, item 1 disliked (0).
  const rows: [number, number, number][] = [];
  for (let u = 0; u < 30; u++) rows.push([u, 0, 1], [u, 1, 0]);
  const model = await fitQuietly(new LogisticRegression({ feedback: 'explicit', negatives: 0, epochs: 20 }), interactions(rows, 30, 2));
  const [liked, disliked] = model.score(Int32Array.of(5, 5), Int32Array.of(0, 1));
  assert.ok(liked > 1 && disliked < -1, `logits ${liked}, ${disliked}`);
  await assert.rejects(
    fitQuietly(new LogisticRegression({ feedback: 'explicit', negatives: 0 }), interactions([[0, 0, 4]], 1, 1)),
    /explicit labels must be in \[0, 1\], found 4 \(binarize ratings first/,
  );
});
