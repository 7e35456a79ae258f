import { ConfigError } from '../contracts/errors.ts';
import type { Interactions } from '../data/interactions.ts';
import type { Dataset } from '../data/types.ts';
import type { FeatureMatrix } from '../contracts/types.ts';
import { readInteractionsFile } from '../data/readers/index.ts';
import { datasets } from '../data/datasets/index.ts';
import { positivesOnly } from '../data/labels.ts';
import { kCoreOfTraining } from '../data/filters.ts';
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
  /**
   * Train on the k-core: users and items with at least these many training interactions (after
   * `positiveThreshold`), repeatedly; held-out rows of removed users or items are dropped.
   */
  minUserInteractions?: number;
  minItemInteractions?: number;
  /** Repeated (user, item) rows in files: keep, last (default), max, sum or error. */
  duplicates?: 'keep' | 'last' | 'max' | 'sum' | 'error';
  /** Malformed rows in files: throw (default) or skip them, counting them. */
  onError?: 'throw' | 'skip';
  /** Keep spaces around ids in files (default: trim them). */
  keepIdWhitespace?: boolean;
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
  /** What loading did beside the data, each said once: duplicates merged, rows skipped, labels as given. */
  notes?: string[];
  /** Whether the training values are graded ratings (not all equal) that no positive threshold turned into labels. */
  graded?: boolean;
}

const SPLITS_OF_A_FILE = ['random', 'per-user'];

/** Resolves a DataSpec to train/validation/test interactions sharing one set of id maps. */
export async function loadTrainingData(spec: DataSpec): Promise<TrainingData> {
  const seed = spec.seed ?? 42;
  let train: Interactions;
  let validation: Interactions | undefined;
  let test: Interactions | undefined;
  let dataset: Dataset | undefined;
  let source: string;
  const notes: string[] = [];
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
    const options = {
      columns: spec.columns ?? { user: 0, item: 1, rating: 2 },
      separator: spec.separator,
      header: spec.header,
      encoding: spec.encoding,
      duplicates: spec.duplicates,
      onError: spec.onError,
      keepIdWhitespace: spec.keepIdWhitespace,
    };
    const read = async (path: string, shared: object): Promise<Interactions> => {
      const { interactions, report } = await readInteractionsFile(path, { ...options, ...shared });
      if (report.duplicates > 0)
        notes.push(
          `${path}: ${report.duplicates} repeated (user, item) rows resolved by "${report.duplicatePolicy ?? spec.duplicates ?? 'last'}" (--duplicates keep|last|max|sum|error)`,
        );
      if (report.rowsSkipped > 0) notes.push(`${path}: ${report.rowsSkipped} malformed rows skipped, e.g. ${report.skippedExamples[0] ?? ''}`);
      return interactions;
    };
    train = await read(spec.train, {});
    const shared = { userIds: train.userIds, itemIds: train.itemIds };
    if (spec.valid) validation = await read(spec.valid, shared);
    if (spec.test) test = await read(spec.test, shared);
    // Which files the parts came from: "held-out test part of train.csv + test.csv".
    source = [spec.train, spec.valid, spec.test].filter((f) => f !== undefined).join(' + ');
    if (spec.split !== undefined && spec.split !== 'none') {
      if (!SPLITS_OF_A_FILE.includes(spec.split)) {
        throw new ConfigError(`--split ${spec.split}: a file has no predefined splits; use ${SPLITS_OF_A_FILE.join(' or ')} (with --test-ratio), or give --test FILE`);
      }
      if (test) throw new ConfigError(`--split ${spec.split} splits the training file, but --test ${spec.test} is given too: use one or the other`);
      const ratio = spec.testRatio ?? 0.2;
      const parts = (spec.split === 'random' ? randomSplit : perUserSplit)(train, { testRatio: ratio, seed });
      ({ train, test } = parts);
      source += ` (${spec.split} split, test ratio ${ratio}, seed ${seed})`;
    } else if (spec.testRatio !== undefined) {
      throw new ConfigError(`--test-ratio needs --split random or --split per-user`);
    }
  } else {
    throw new ConfigError('no training data: give a dataset (--dataset ml-100k) or a file (--train data.tsv)');
  }
  if (spec.positiveThreshold !== undefined) {
    const t = spec.positiveThreshold;
    const before = train;
    train = positivesOnly(train, t);
    if (train.length === 0 && before.length > 0) {
      let [low, high] = [Infinity, -Infinity];
      for (const v of before.values) [low, high] = [Math.min(low, v), Math.max(high, v)];
      throw new ConfigError(
        `--positive-threshold ${t} keeps none of the ${before.length} training interactions: their values run from ${low} to ${high}${low === high ? ' (no rating column was read? --columns user,item,rating)' : ''}`,
      );
    }
    if (validation) validation = positivesOnly(validation, t);
    if (test) test = positivesOnly(test, t);
    source += `, positives = value ≥ ${t}`;
  }
  if (spec.minUserInteractions !== undefined || spec.minItemInteractions !== undefined) {
    const core = kCoreOfTraining({ train, validation, test }, { minUserInteractions: spec.minUserInteractions, minItemInteractions: spec.minItemInteractions });
    ({ train, validation, test } = core);
    notes.push(core.note);
    source += `, ${core.note.slice(0, core.note.indexOf(':'))}`;
  }
  const description = `${source}: ${train.length} train` + (test ? `, ${test.length} test` : '') + (validation ? `, ${validation.length} validation` : '');
  const graded = spec.positiveThreshold === undefined && hasGradedValues(train);
  return { train, validation, test, userFeatures: dataset?.userFeatures, itemFeatures: dataset?.itemFeatures, dataset, description, notes, graded };
}

/** Whether values are ratings rather than all-equal implicit feedback. */
function hasGradedValues(data: Interactions): boolean {
  const v = data.values;
  for (let k = 1; k < v.length; k++) if (v[k] !== v[0]) return true;
  return false;
}
