import { ConfigError } from '../contracts/errors.ts';
import type { Interactions } from '../data/interactions.ts';
import type { Dataset } from '../data/types.ts';
import type { FeatureMatrix } from '../contracts/types.ts';
import { readInteractionsFile } from '../data/readers/index.ts';
import { datasets } from '../data/datasets/index.ts';
import { positivesOnly } from '../data/labels.ts';
import { randomSplit, perUserSplit } from '../data/splits.ts';
import type { ColumnMapping } from '../data/readers/columns.ts';

/** Where training data comes from: a built-in dataset and split, or files. */
export interface DataSpec {
  /** Built-in dataset name (ml-100k, ml-1m, book-crossing, food-com). */
  dataset?: string;
  /** Predefined split of the dataset (ml-100k: ua, ub, u1..u5; food-com: official), or `random` / `per-user` with `testRatio`. */
  split?: string;
  testRatio?: number;
  /** Training file (CSV/TSV/Parquet) and optional validation/test files, read with the same options. */
  train?: string;
  valid?: string;
  test?: string;
  /** Column mapping, e.g. `user,item,rating[,time]` by header name or 0-based position. */
  columns?: ColumnMapping;
  separator?: string;
  header?: boolean;
  encoding?: 'utf8' | 'latin1';
  /** Keep interactions with value ≥ this as positives (value 1) — implicit feedback from ratings. */
  positiveThreshold?: number;
  dataDir?: string;
  seed?: number;
}

export interface TrainingData {
  train: Interactions;
  validation?: Interactions;
  test?: Interactions;
  userFeatures?: FeatureMatrix;
  itemFeatures?: FeatureMatrix;
  dataset?: Dataset;
  /** One line saying what was loaded, for logs and reports. */
  description: string;
}

/** Resolves a DataSpec to train/validation/test interactions sharing one set of id maps. */
export async function loadTrainingData(spec: DataSpec): Promise<TrainingData> {
  const seed = spec.seed ?? 42;
  let train: Interactions;
  let validation: Interactions | undefined;
  let test: Interactions | undefined;
  let dataset: Dataset | undefined;
  let source: string;
  if (spec.dataset && spec.train) throw new ConfigError('give either a dataset or a training file, not both');
  if (spec.dataset) {
    dataset = await datasets.load(spec.dataset, { dataDir: spec.dataDir });
    source = spec.dataset;
    const split = spec.split;
    if (!split || split === 'none') {
      train = dataset.interactions;
    } else if (split === 'random' || split === 'per-user') {
      const parts = (split === 'random' ? randomSplit : perUserSplit)(dataset.interactions, { testRatio: spec.testRatio ?? 0.2, seed });
      ({ train, test, validation } = parts);
      source += ` (${split} split, test ratio ${spec.testRatio ?? 0.2}, seed ${seed})`;
    } else {
      const make = dataset.splits?.[split];
      if (!make) {
        const known = Object.keys(dataset.splits ?? {});
        throw new ConfigError(`dataset ${spec.dataset} has no split "${split}"; known: ${[...known, 'random', 'per-user'].join(', ')}`);
      }
      ({ train, test, validation } = await make());
      source += ` (split ${split})`;
    }
  } else if (spec.train) {
    const options = { columns: spec.columns ?? { user: 0, item: 1, rating: 2 }, separator: spec.separator, header: spec.header, encoding: spec.encoding };
    const first = await readInteractionsFile(spec.train, options);
    train = first.interactions;
    const shared = { ...options, userIds: train.userIds, itemIds: train.itemIds };
    if (spec.valid) validation = (await readInteractionsFile(spec.valid, shared)).interactions;
    if (spec.test) test = (await readInteractionsFile(spec.test, shared)).interactions;
    source = spec.train;
  } else {
    throw new ConfigError('no training data: give a dataset (--dataset ml-100k) or a file (--train data.tsv)');
  }
  if (spec.positiveThreshold !== undefined) {
    const t = spec.positiveThreshold;
    train = positivesOnly(train, t);
    if (validation) validation = positivesOnly(validation, t);
    if (test) test = positivesOnly(test, t);
    source += `, positives = value ≥ ${t}`;
  }
  const description = `${source}: ${train.length} train` + (test ? `, ${test.length} test` : '') + (validation ? `, ${validation.length} validation` : '');
  return { train, validation, test, userFeatures: dataset?.userFeatures, itemFeatures: dataset?.itemFeatures, dataset, description };
}
