/**
 * A doctor run described in a file (`tastebud doctor train --config examples/doctor-*.yaml`):
 * the model and its hyperparameters as `tastebud train` takes them, where the data comes from,
 * how values become what the model trains on (positives, 0/1 labels), the metric it will be
 * judged by, and the doctor's own settings (sample size, epochs of its short fits).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../contracts/errors.ts';
import { suggest } from '../contracts/suggest.ts';
import { FEATURE_USES, type FeatureMatrix, type FeatureUse } from '../contracts/types.ts';
import type { Interactions } from '../data/interactions.ts';
import { datasets } from '../data/datasets/index.ts';
import { binarize, dropZeros } from '../data/labels.ts';
import { kCoreOfTraining } from '../data/filters.ts';
import type { ColumnMapping } from '../data/readers/columns.ts';
import type { CustomTripletLoss } from '../models/deep/custom-loss.ts';
import { loadTrainingData } from '../train/sources.ts';
import { diagnose, type TrainDiagnosis } from './train-checks.ts';

export interface DoctorTrainConfig {
  /** Model type and hyperparameters. */
  model: string;
  params?: Record<string, unknown>;
  /** Built-in dataset and its split (the doctor uses the training part only). */
  dataset?: string;
  split?: string;
  /** Or a training file, relative to the data folder (TASTEBUD_DATA_DIR) or the working directory. */
  train?: string;
  columns?: ColumnMapping;
  separator?: string;
  /** Keep interactions with value ≥ this as positives (implicit feedback). */
  positiveThreshold?: number;
  /** Train on labels: value ≥ this → 1, else 0 (every row kept). */
  binarize?: number;
  /** Drop rows whose value is 0 (Book-Crossing's implicit rows) before anything else. */
  dropZeros?: boolean;
  /** The k-core of the training data, after the transformations above (as `tastebud train`'s flags of these names). */
  minUserInteractions?: number;
  minItemInteractions?: number;
  /** Which of the dataset's metadata features the model gets, as an experiment's `fit.features` (default both). */
  features?: FeatureUse;
  /** The metric the model will be judged by (f1, accuracy, auc, ...). */
  metric?: string;
  sample?: number;
  epochs?: number;
  seed?: number;
}

/** The keys a doctor file may hold. */
export const DOCTOR_CONFIG_KEYS: readonly string[] = [
  'model',
  'params',
  'dataset',
  'split',
  'train',
  'columns',
  'separator',
  'positiveThreshold',
  'binarize',
  'dropZeros',
  'minUserInteractions',
  'minItemInteractions',
  'features',
  'metric',
  'sample',
  'epochs',
  'seed',
  'name',
  'description',
];

/** Checks the keys of a parsed file (unknown ones are refused, naming the file). */
export function parseDoctorConfig(value: Record<string, unknown>, source: string): DoctorTrainConfig {
  for (const key of Object.keys(value))
    if (!DOCTOR_CONFIG_KEYS.includes(key))
      throw new ConfigError(`${source}: unknown key "${key}"${suggest(key, [...DOCTOR_CONFIG_KEYS])}; known: ${DOCTOR_CONFIG_KEYS.join(', ')}`);
  if (typeof value.model !== 'string') throw new ConfigError(`${source}: "model" must name a model type (e.g. deepfm)`);
  for (const key of ['positiveThreshold', 'binarize']) {
    if (value[key] !== undefined && typeof value[key] !== 'number') throw new ConfigError(`${source}: "${key}" must be a number, got ${JSON.stringify(value[key])}`);
  }
  // As their flags take them: counts are whole numbers ≥ 1, the seed a whole number.
  for (const key of ['minUserInteractions', 'minItemInteractions', 'sample', 'epochs', 'seed']) {
    const v = value[key];
    const min = key === 'seed' ? 0 : 1;
    if (v !== undefined && !(typeof v === 'number' && Number.isInteger(v) && v >= min))
      throw new ConfigError(`${source}: "${key}" must be a whole number ≥ ${min}, got ${JSON.stringify(v)}`);
  }
  if (value.params !== undefined && (value.params === null || typeof value.params !== 'object' || Array.isArray(value.params))) {
    throw new ConfigError(`${source}: "params" must be a mapping of hyperparameters (e.g. { factors: 32 }), got ${JSON.stringify(value.params)}`);
  }
  if (value.features !== undefined && !FEATURE_USES.includes(value.features as FeatureUse)) {
    throw new ConfigError(`${source}: "features" must be one of ${FEATURE_USES.join(', ')}, got ${JSON.stringify(value.features)}`);
  }
  return value as unknown as DoctorTrainConfig;
}

/** The training data a config describes, transformed as the model will train on it. */
export async function loadDoctorData(
  config: DoctorTrainConfig,
  dataDir: string | undefined,
  featuresSetting = `features "${config.features}"`,
): Promise<{ train: Interactions; userFeatures?: FeatureMatrix; itemFeatures?: FeatureMatrix; description: string }> {
  // Only a built-in dataset brings metadata: asked of a file, the setting would do nothing.
  if (config.train !== undefined && config.dataset === undefined && config.features !== undefined && config.features !== 'none') {
    throw new ConfigError(
      `${featuresSetting}: a training file carries no user or item metadata, so there are no features to give the model; features come with the built-in datasets that have them (${datasets
        .list()
        .map((d) => d.name)
        .join(', ')})`,
    );
  }
  let file = config.train;
  if (file && dataDir && !existsSync(file) && existsSync(join(dataDir, file))) file = join(dataDir, file);
  const loaded = await loadTrainingData({
    dataset: config.dataset,
    split: config.split,
    train: file,
    columns: config.columns,
    separator: config.separator,
    header: file ? true : undefined,
    dataDir,
    seed: config.seed,
  });
  let train = loaded.train;
  if (config.dropZeros) train = dropZeros(train);
  if (config.positiveThreshold !== undefined) {
    const t = config.positiveThreshold;
    train = train.filter((p) => train.values[p] >= t);
    train = train.withValues(new Float32Array(train.length).fill(1));
  }
  if (config.binarize !== undefined) train = binarize(train, config.binarize);
  let core = '';
  if (config.minUserInteractions !== undefined || config.minItemInteractions !== undefined) {
    const kept = kCoreOfTraining({ train }, { minUserInteractions: config.minUserInteractions, minItemInteractions: config.minItemInteractions });
    train = kept.train;
    core = `; ${kept.note}`;
  }
  const use = config.features ?? 'both';
  if (config.features !== undefined) checkFeaturesExist(use, config.dataset ?? 'the data', loaded, featuresSetting);
  return {
    train,
    userFeatures: use === 'both' || use === 'users' ? loaded.userFeatures : undefined,
    itemFeatures: use === 'both' || use === 'items' ? loaded.itemFeatures : undefined,
    description: `${loaded.description}; ${train.length} as the model trains on them${core}`,
  };
}

/** Refuses a features setting that asks for a kind of feature the dataset lacks: the model would silently get none. */
function checkFeaturesExist(use: FeatureUse, name: string, loaded: { userFeatures?: FeatureMatrix; itemFeatures?: FeatureMatrix }, setting: string): void {
  const users = loaded.userFeatures !== undefined;
  const items = loaded.itemFeatures !== undefined;
  const missing = use === 'users' ? !users : use === 'items' ? !items : use === 'both' ? !users && !items : false;
  if (!missing) return;
  if (!users && !items) throw new ConfigError(`${setting}: ${name} has no user or item features here, so the model would get none; leave the setting out or use none`);
  const [has, takes] = users ? ['user features only', 'users, both or none'] : ['item features only', 'items, both or none'];
  throw new ConfigError(`${setting}: ${name} has ${has}, so the model would get no features; use ${takes}`);
}

/** Loads the config's data and diagnoses its model. */
export async function diagnoseConfig(
  config: DoctorTrainConfig,
  options: {
    dataDir?: string;
    fix?: boolean;
    customLoss?: CustomTripletLoss;
    log?: (line: string) => void;
    sample?: number;
    epochs?: number;
    /** How errors name the features setting, e.g. `--features items` (default `features "items"`). */
    featuresSetting?: string;
  } = {},
): Promise<TrainDiagnosis & { data: string }> {
  const data = await loadDoctorData(config, options.dataDir, options.featuresSetting);
  const result = await diagnose({
    model: config.model,
    params: config.params,
    customLoss: options.customLoss,
    train: data.train,
    userFeatures: data.userFeatures,
    itemFeatures: data.itemFeatures,
    metric: config.metric,
    sample: options.sample ?? config.sample,
    epochs: options.epochs ?? config.epochs,
    fix: options.fix,
    seed: config.seed,
    log: options.log,
  });
  return { ...result, data: data.description };
}
