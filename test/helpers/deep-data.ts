/**
 * Planted-structure data and small measurements for the deep models' tests: a synthetic
 * dataset (clusters of items that users prefer, Zipf popularity) split per user, per-user AUC
 * and precision@10 of a model, and the same for the popularity baseline it must beat.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateSynthetic, type SyntheticDataset } from '../../src/data/synthetic.ts';
import { perUserSplit } from '../../src/data/splits.ts';
import type { Interactions } from '../../src/data/interactions.ts';
import { evaluateRanking } from '../../src/eval/ranking.ts';
import type { Scorer } from '../../src/contracts/types.ts';

export interface PlantedSplit {
  data: SyntheticDataset;
  train: Interactions;
  test: Interactions;
}

export function plantedSplit(options: { users?: number; items?: number; ratings?: boolean; itemFeatures?: number; seed?: number } = {}): PlantedSplit {
  const data = generateSynthetic({
    users: options.users ?? 300,
    items: options.items ?? 200,
    factors: 8,
    clusters: 8,
    interactionsPerUser: 20,
    popularitySkew: 0.8,
    noise: 0.05,
    ratings: options.ratings ?? false,
    itemFeatures: options.itemFeatures,
    seed: options.seed ?? 7,
  });
  const { train, test } = perUserSplit(data.interactions, { testRatio: 0.2, seed: 1 });
  return { data, train, test };
}

/** Per-user AUC and precision@10 over all items except the user's training items. */
export function ranking(model: Scorer, train: Interactions, test: Interactions): { auc: number; p10: number } {
  const r = evaluateRanking(model, test, { k: [10], exclude: train.byUser(), perUser: false });
  return { auc: r.metrics.auc, p10: r.metrics['precision@10'] };
}

/** The popularity baseline as a Scorer: every user gets the training counts. */
export function popularity(train: Interactions): Scorer {
  const counts = Float32Array.from(train.itemCounts());
  return {
    numItems: train.numItems,
    scoreItems: (_user: number, out: Float32Array) => out.set(counts),
  };
}

/** Runs `fn` with a fresh temporary directory, removed afterwards. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tastebud-deep-'));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
