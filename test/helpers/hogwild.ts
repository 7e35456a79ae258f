/**
 * The check every Hogwild model's tests make: a fit on two threads learns as well as one on one
 * thread and clearly beats popularity, its worker really trained, and its weights (in shared
 * memory) save and reload.
 */
import assert from 'node:assert/strict';
import type { FeatureMatrix } from '../../src/contracts/types.ts';
import type { Interactions } from '../../src/data/interactions.ts';
import { createModel } from '../../src/models/registry.ts';
import { assertReloadScoresEqual } from './deep-scoring.ts';
import { popularity, ranking } from './metrics.ts';

/**
 * Fits `type` with `config` on one and on two threads (seed 3) and asserts the two-thread fit
 * beats popularity by 0.1 AUC and 0.05 P@10 on `held`, is within `aucSlack` (default 0.03) of
 * one thread's AUC, scores differently from it (the worker drew and trained its own batches),
 * and saves and reloads to the same scores.
 */
export async function assertLearnsOnTwoThreads(
  type: string,
  config: Record<string, unknown>,
  data: { train: Interactions; test: Interactions },
  options: { aucSlack?: number; itemFeatures?: FeatureMatrix } = {},
): Promise<void> {
  const { train, test: held } = data;
  const { itemFeatures } = options;
  const pop = ranking(popularity(train), train, held);
  const one = createModel(type, config);
  await one.fit(train, { threads: 1, seed: 3, itemFeatures });
  const two = createModel(type, config);
  await two.fit(train, { threads: 2, seed: 3, itemFeatures });
  const r1 = ranking(one, train, held);
  const r2 = ranking(two, train, held);
  assert.ok(r2.auc > pop.auc + 0.1, `${type} 2 threads AUC ${r2.auc} vs popularity ${pop.auc}`);
  assert.ok(r2.p10 > pop.p10 + 0.05, `${type} 2 threads P@10 ${r2.p10} vs popularity ${pop.p10}`);
  assert.ok(r2.auc > r1.auc - (options.aucSlack ?? 0.03), `${type} AUC 2 threads ${r2.auc} vs 1 thread ${r1.auc}`);
  const u = Int32Array.of(0, 1, 2);
  assert.notDeepEqual(Array.from(one.score(u, u)), Array.from(two.score(u, u)), `${type}: two threads scored as one did (did the worker train?)`);
  const all = new Float32Array(u.length * train.numItems);
  two.scoreUsers(u, all);
  await assertReloadScoresEqual(two, u, all);
}
