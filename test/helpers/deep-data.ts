/**
 * Planted-structure data for the deep models' tests: a synthetic dataset (clusters of items
 * that users prefer, Zipf popularity) split per user. Measurements are in metrics.ts.
 */
import { generateSynthetic, type SyntheticDataset } from '../../src/data/synthetic.ts';
import { perUserSplit } from '../../src/data/splits.ts';
import type { Interactions } from '../../src/data/interactions.ts';

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
