import { ConfigError } from '../contracts/errors.ts';
import { suggest } from '../contracts/suggest.ts';
import { checkFiniteValues, type Interactions } from '../data/interactions.ts';
import { Rng } from '../core/rng.ts';
import { fingerprintInteractions } from '../data/fingerprint.ts';
import { availableParallelism, freemem } from 'node:os';
import type { Trainable } from './types.ts';
import type { ModelState } from '../contracts/types.ts';
import { checkValidationSettings, isLowerBetter, isRankingMetric, sampleValidationUsers, validationScore } from './validation.ts';
import { chooseValidationUsers, countUsers } from './validation-users.ts';
import { Progress } from './progress.ts';
import { FitHealth } from './health.ts';
import type { FitOptions } from './types.ts';
import type { EpochRecord, FeatureMatrix, TrainingHistory } from '../contracts/types.ts';

/**
 * The fit loop shared by every model: epochs, validation after each, early stopping that puts
 * back the best epoch's parameters, a history, callbacks, progress, and loud warnings when
 * training diverges or validation AUC sits at chance (the "DeepFM stuck at 0.45" failure).
 */
export async function fitModel(model: Trainable, train: Interactions, options: FitOptions = {}): Promise<TrainingHistory> {
  checkFitOptions(options);
  if (train.length === 0) throw new ConfigError('cannot fit on an empty training set');
  // The constructor refused non-finite values; `values` is a mutable array, so look again.
  checkFiniteValues(train, 'training');
  if (options.validation) checkFiniteValues(options.validation, 'validation');
  const epochs = options.epochs ?? (model.config.epochs as number | undefined) ?? 10;
  if (!Number.isInteger(epochs) || epochs < 0) throw new ConfigError(`epochs must be a whole number ≥ 0, got ${epochs}`);
  const requested = options.threads ?? (model.config.threads as number | undefined) ?? availableParallelism();
  if (!Number.isInteger(requested) || requested < 1) throw new ConfigError(`threads must be a whole number ≥ 1, got ${requested}`);
  // More threads than cores only adds contention and a copy of each worker's buffers.
  const threads = Math.min(requested, availableParallelism());
  const seed = options.seed ?? (model.config.seed as number | undefined) ?? 42;
  checkSeed(seed);
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const started = performance.now();

  // Resuming: the parameters already hold `offset` epochs of training on this data.
  const previous = options.resume ? resumableHistory(model, train) : null;
  const offset = previous?.bestEpoch ?? 0;
  if (!previous) {
    // Features before the id maps: whether the model is new is read from the maps it holds.
    const userFeatures = fitFeatures(model, 'user', options.userFeatures, train, log);
    const itemFeatures = fitFeatures(model, 'item', options.itemFeatures, train, log);
    // The model's own copies (O(1), copy-on-write): ids added to the data's maps later (a
    // builder extending them for new data) must not change the model's users and items.
    model.userIds = train.userIds.clone();
    model.itemIds = train.itemIds.clone();
    model.seen = train.byUser();
    model.trainingData = {
      source: options.provenance?.source ?? null,
      split: options.provenance?.split ?? null,
      positiveThreshold: options.provenance?.positiveThreshold ?? null,
      ...fingerprintInteractions(train),
    };
    model.userFeatures = userFeatures;
    model.itemFeatures = itemFeatures;
    fitFeaturesOf.set(model, { user: userFeatures, item: itemFeatures });
    checkMemory(model, train, threads, options.memoryBudget, log);
  }
  // A resumed fit draws a different stream, so its epochs do not replay the first ones' samples.
  const rng = new Rng(previous ? (seed + Math.imul(offset, 0x9e3779b1)) >>> 0 : seed);
  if (!previous) await model.prepare(train, rng, options);

  let validation = options.validation && options.validation.length > 0 ? options.validation : null;
  const metric = validation ? (options.validationMetric ?? defaultMetric(model)) : null;
  // A metric this model cannot be measured by is refused before the first epoch, not after it.
  if (validation && metric) checkValidationSettings(model, validation, metric, options.validationThreshold);
  if (validation && metric) {
    const shape = { users: train.numUsers, items: train.numItems, interactions: train.length };
    const choice = chooseValidationUsers(options.validationUsers ?? 'auto', model, shape, countUsers(validation), isRankingMetric(metric));
    if (choice.users < choice.of) {
      validation = sampleValidationUsers(validation, choice.users, seed).sample;
      log(`validating on a sample of ${choice.users} of ${choice.of} users (${choice.reason}): the validation values are estimates`);
    }
  }
  const lowerBetter = metric ? isLowerBetter(metric) : false;
  const stopping = options.earlyStopping && validation ? options.earlyStopping : null;
  const minDelta = stopping?.minDelta ?? 0;
  const restoreBest = stopping ? (stopping.restoreBest ?? true) : false;
  // Patience of all the epochs or more can never stop the run: said, since the setting reads as if it could.
  if (stopping && stopping.patience >= epochs) {
    log(`note: earlyStopping.patience ${stopping.patience} ≥ the ${epochs} epochs of this fit: early stopping cannot end it early (it still keeps the best epoch)`);
  }

  const history: TrainingHistory = { epochs: previous ? previous.epochs.slice(0, offset) : [], metric, bestEpoch: offset + epochs, stoppedEarly: false, warnings: [], seconds: 0 };
  const warn = (message: string): void => {
    history.warnings.push(message);
    options.callbacks?.onWarning?.(message);
    log(`warning: ${message}`);
  };
  if (threads < requested) warn(`threads ${requested} is more than the ${threads} cores of this machine: using ${threads}`);
  const progress = options.progress ? new Progress(model.type, epochs, log) : null;
  const health = new FitHealth(model, warn);
  health.start();
  for (const message of model.fitWarnings?.({ epochs }) ?? []) warn(message);

  let best = lowerBetter ? Infinity : -Infinity;
  let bestState: ModelState | null = null;
  let sinceBest = 0;
  // Resumed, the starting parameters are the best so far: restore-best never ends below them.
  const start = previous?.metric === metric ? previous.epochs[offset - 1]?.validation : undefined;
  if (start !== undefined) {
    best = start;
    history.bestEpoch = offset;
    if (restoreBest) bestState = cloneState(model.getState());
  }
  for (let epoch = offset + 1; epoch <= offset + epochs; epoch++) {
    const t0 = performance.now();
    const loss = await model.trainEpoch({ epoch, rng, threads, options, progress: (f) => progress?.update(epoch - offset, f) });
    const record: EpochRecord = { epoch, loss, seconds: (performance.now() - t0) / 1000 };
    if (!Number.isFinite(loss)) {
      warn(`training diverged at epoch ${epoch} (loss ${loss}): lower the learning rate or add L2`);
      history.epochs.push(record);
      history.stoppedEarly = true;
      break;
    }
    if (validation && metric) {
      record.validation = validationScore(model, validation, metric, options.validationThreshold);
    }
    health.afterEpoch(record, metric);
    history.epochs.push(record);
    progress?.epochDone(record, metric);
    const stop = options.callbacks?.onEpochEnd?.(record) === false;

    if (record.validation !== undefined) {
      const improved = lowerBetter ? record.validation < best - minDelta : record.validation > best + minDelta;
      if (improved) {
        best = record.validation;
        history.bestEpoch = epoch;
        sinceBest = 0;
        if (restoreBest) bestState = cloneState(model.getState());
      } else if (stopping && ++sinceBest >= stopping.patience) {
        history.stoppedEarly = true;
        break;
      }
    } else {
      history.bestEpoch = epoch;
    }
    if (stop) {
      history.stoppedEarly = true;
      break;
    }
  }
  if (restoreBest && bestState && history.bestEpoch !== history.epochs.length) model.setState(bestState);
  if (!restoreBest) history.bestEpoch = history.epochs.length;
  history.seconds = (performance.now() - started) / 1000;
  progress?.done(history);
  model.history = history;
  return history;
}

/** Every option `fit` reads; the type check below keeps it complete. */
const FIT_OPTION_KEYS = [
  'epochs',
  'threads',
  'seed',
  'validation',
  'validationMetric',
  'validationThreshold',
  'validationUsers',
  'earlyStopping',
  'callbacks',
  'progress',
  'log',
  'userFeatures',
  'itemFeatures',
  'memoryBudget',
  'resume',
  'provenance',
] as const satisfies readonly (keyof FitOptions)[];
// A compile error here names a FitOptions key missing from FIT_OPTION_KEYS.
const allFitOptionsListed: Record<Exclude<keyof FitOptions, (typeof FIT_OPTION_KEYS)[number]>, never> = {};
void allFitOptionsListed;
const EARLY_STOPPING_KEYS = ['patience', 'minDelta', 'restoreBest'];

/**
 * Refuses (ConfigError) options `fit` would otherwise ignore or misread: an unknown key (a
 * misspelling such as `thread`), early stopping without validation data to stop on, and a
 * patience that is not a whole number ≥ 1. The seed is checked with the model's default.
 */
function checkFitOptions(options: FitOptions): void {
  if (typeof options !== 'object' || options === null) throw new ConfigError(`fit options must be an object, got ${options === null ? 'null' : typeof options}`);
  const allowed: string[] = [...FIT_OPTION_KEYS];
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) throw new ConfigError(`unknown fit option "${key}"${suggest(key, allowed)}; the options are ${allowed.join(', ')}`);
  }
  const stopping = options.earlyStopping;
  if (stopping === undefined || stopping === false) return;
  if (typeof stopping !== 'object' || stopping === null) {
    throw new ConfigError(`earlyStopping must be { patience, minDelta?, restoreBest? } or false, got ${describe(stopping)}`);
  }
  for (const key of Object.keys(stopping)) {
    if (!EARLY_STOPPING_KEYS.includes(key))
      throw new ConfigError(`unknown earlyStopping option "${key}"${suggest(key, EARLY_STOPPING_KEYS)}; the options are ${EARLY_STOPPING_KEYS.join(', ')}`);
  }
  if (!(Number.isInteger(stopping.patience) && stopping.patience >= 1)) {
    throw new ConfigError(`earlyStopping.patience must be a whole number ≥ 1 (epochs without improvement before stopping), got ${describe(stopping.patience)}`);
  }
  if (stopping.minDelta !== undefined && !(typeof stopping.minDelta === 'number' && Number.isFinite(stopping.minDelta))) {
    throw new ConfigError(`earlyStopping.minDelta must be a finite number, got ${describe(stopping.minDelta)}`);
  }
  if (!options.validation) {
    throw new ConfigError('earlyStopping needs validation data to stop on: pass validation (held-out interactions, e.g. from randomSplit), or leave earlyStopping out');
  }
}

/** The seed drives a 32-bit generator: a whole number in [0, 2^32). */
function checkSeed(seed: unknown): void {
  if (typeof seed === 'number' && Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32) return;
  throw new ConfigError(`seed must be a whole number with 0 ≤ seed < 2^32 (4294967296), got ${describe(seed)}`);
}

function describe(value: unknown): string {
  return typeof value === 'string' ? `"${value}" (a string)` : typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

/** The features each model's last fit installed, so that a later fit without features does not inherit them. */
const fitFeaturesOf = new WeakMap<Trainable, { user: FeatureMatrix | null; item: FeatureMatrix | null }>();

/**
 * The feature matrix this fit trains `side` with: the one passed in the options; else, for a
 * model that has never been fit nor loaded, one set on it by hand (`model.itemFeatures = m`
 * before `fit`); else none. Features a previous fit trained with, or a model file brought, index
 * that fit's ids and are not carried into a new fit (a note says so). Refuses (ConfigError) a
 * matrix whose rows do not match the training data's id map one for one.
 */
function fitFeatures(model: Trainable, side: 'user' | 'item', given: FeatureMatrix | null | undefined, train: Interactions, log: (line: string) => void): FeatureMatrix | null {
  const key = side === 'user' ? 'userFeatures' : 'itemFeatures';
  let features = given ?? null;
  let origin = `the ${key} option`;
  if (!features) {
    const held = model[key];
    const fresh = model.userIds.size === 0 && model.itemIds.size === 0 && model.trainingData === null;
    if (held && fresh) {
      features = held;
      origin = `the model's ${key} (set before its first fit)`;
    } else if (held) {
      const whence = fitFeaturesOf.get(model)?.[side] === held ? 'its previous fit trained with' : 'it holds (from its model file, or set after a fit)';
      log(`note: ${model.type} trains without the ${side} features ${whence}: a fit uses the features passed to it; pass ${key} to train with them`);
    }
  }
  if (!features) return null;
  const ids = side === 'user' ? train.userIds : train.itemIds;
  if (features.rows !== ids.size) {
    throw new ConfigError(
      `${origin} has ${features.rows} rows, and the training data has ${ids.size} ${side}s (its ${side} id map): a feature matrix needs exactly one row per ${side} of the training data's id map, in its order; ` +
        `build it from that map (featureMatrixFromRows(train.${side}Ids, rows)), from the same data set as the training data`,
    );
  }
  return features;
}

/** The history of a model that may continue training on `train` (resume), or a ConfigError saying why not. */
function resumableHistory(model: Trainable, train: Interactions): TrainingHistory {
  if (!model.resumable) throw new ConfigError(`${model.type} cannot continue training from where it stopped (it is not resumable): fit it again instead`);
  if (!model.history || !model.trainingData) throw new ConfigError(`resume: ${model.type} has not been fit yet, so there is nothing to continue; fit it first`);
  if (model.trainingData.pairsHash !== fingerprintInteractions(train).pairsHash)
    throw new ConfigError(`resume: ${model.type} was fit on other training data (${model.trainingData.interactions} interactions); continue on the same data, or fit again`);
  return model.history;
}

/** Refuses a fit whose estimated peak memory exceeds the budget, before any of it is allocated. */
function checkMemory(model: Trainable, train: Interactions, threads: number, budget: number | undefined, log: (line: string) => void): void {
  const estimate = model.estimateMemory?.({ users: train.numUsers, items: train.numItems, interactions: train.length }, threads);
  if (!estimate) {
    // Nothing to refuse by; a budget the user gave is said to go unchecked rather than pass silently.
    if (budget !== undefined) log(`note: ${model.type} has no memory estimate, so the memory budget was not checked`);
    return;
  }
  const limit = budget ?? freemem();
  if (estimate.bytes <= limit) return;
  throw new ConfigError(
    `${model.type} needs about ${formatBytes(estimate.bytes)} for ${train.numUsers} users × ${train.numItems} items (${estimate.what}), more than the ${formatBytes(limit)} ${budget === undefined ? 'of memory available' : 'allowed by the memory budget'}: ${estimate.advice}; or raise the budget (--memory, library: memoryBudget) if you know better`,
  );
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let u = 0;
  while (value >= 1024 && u < units.length - 1) {
    value /= 1024;
    u++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[u]}`;
}

/** Ranking models validate on AUC, rating models (config `task: 'rating'`) on RMSE. */
function defaultMetric(model: Trainable): string {
  return model.config.task === 'rating' ? 'rmse' : 'auc';
}

function cloneState(state: ModelState): ModelState {
  const tensors: ModelState['tensors'] = {};
  for (const [name, t] of Object.entries(state.tensors)) tensors[name] = { shape: t.shape.slice(), data: t.data.slice() };
  return { tensors, extra: state.extra ? structuredClone(state.extra) : undefined };
}
