import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { datasets } from '../../src/data/datasets/index.ts';
import { generateSynthetic } from '../../src/data/synthetic.ts';
import type { Recommender } from '../../src/models/recommender.ts';
import { createModel } from '../../src/models/registry.ts';
import { catalogueFromDataset, type Catalogue } from '../../src/serve/explore-catalogue.ts';

export interface ExploreFixture {
  model: Recommender;
  /** A second model on the same data, for side-by-side lists. */
  other: Recommender;
  catalogue: Catalogue;
  /** What the data is, for messages. */
  name: string;
  /** The planted cluster of each item (synthetic data only). */
  clusters: Map<string, string> | null;
}

/** Planted-preference data with generated titles and a genre per item (its cluster): always available, trains in well under a second. */
export async function syntheticFixture(): Promise<ExploreFixture> {
  const data = generateSynthetic({ users: 120, items: 80, factors: 4, interactionsPerUser: 14, noise: 0.05, ratings: true, time: true, seed: 7 });
  const ids = data.interactions.itemIds;
  const items = new Map<string, Record<string, unknown>>();
  const clusters = new Map<string, string>();
  for (let i = 0; i < ids.size; i++) {
    const genre = `genre-${data.truth.itemCluster[i]}`;
    clusters.set(ids.id(i), genre);
    items.set(ids.id(i), { title: `Film number ${i} (${1990 + (i % 10)})`, genre: [genre], year: 1990 + (i % 10) });
  }
  const model = createModel('ials', { factors: 8, epochs: 6 });
  await model.fit(data.interactions, { seed: 1, threads: 1 });
  const other = createModel('ease', {});
  await other.fit(data.interactions, { seed: 1, threads: 1 });
  return { model, other, catalogue: { source: 'synthetic', items, interactions: data.interactions }, name: 'synthetic', clusters };
}

/** iALS and EASE on ML-100K's ratings ≥ 4, titles and genres from u.item; null when the data is absent. */
export async function movielensFixture(): Promise<ExploreFixture | null> {
  const dir = process.env.TASTEBUD_DATA_DIR;
  if (!dir || !existsSync(join(dir, 'ml-100k', 'u.data'))) return null;
  const dataset = await datasets.load('ml-100k', { dataDir: dir, download: false });
  const positives = dataset.interactions.filter((p) => dataset.interactions.values[p] >= 4);
  const model = createModel('ials', { factors: 32, epochs: 5 });
  await model.fit(positives, { seed: 1, threads: 1 });
  const other = createModel('ease', {});
  await other.fit(positives, { seed: 1, threads: 1 });
  return { model, other, catalogue: catalogueFromDataset(dataset), name: 'ML-100K', clusters: null };
}
