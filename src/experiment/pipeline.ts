/**
 * One pipeline: train once → evaluate beside the popularity baseline → save
 * (`trainAndEvaluate`, what `tastebud train` calls), and measure a saved model the same way
 * (`evaluateSaved`, what `tastebud evaluate` calls). A one-run experiment: the protocol
 * preparation, the comparison with popularity and the saving are the ones the experiment runner
 * (runner.ts) uses, without its search and reports.
 */
import { ConfigError } from '../contracts/errors.ts';
import type { FeatureMatrix, TrainingHistory } from '../contracts/types.ts';
import { Interactions } from '../data/interactions.ts';
import { evaluateHeldOutPerUser } from '../eval/held-out.ts';
import { getProtocol } from '../eval/protocols.ts';
import type { PreparedProtocol, PrepareOptions, Protocol, ProtocolResult } from '../eval/protocols/types.ts';
import { compareModels } from '../eval/significance.ts';
import { checkModelDestination, type WriteOptions } from '../modelfile/model-file.ts';
import type { ModelStatus } from '../modelfile/manifest.ts';
import { loadModel } from '../models/load.ts';
import { modelWarning } from '../models/health.ts';
import type { Recommender } from '../models/recommender.ts';
import { createModel } from '../models/registry.ts';
import { alignPrepared, alignToModel } from '../serve/align.ts';
import { loadTrainingData, type DataSpec, type TrainingData } from '../train/sources.ts';
import { isLowerBetter } from '../train/validation.ts';
import type { ValidationUsers } from '../train/types.ts';
import type { ReferenceComparison } from './results.ts';
import { checkEvaluationData, type DataCheck } from './data-check.ts';

/** The baseline every pipeline report puts beside the model. */
export const BASELINE = 'popularity';

/** What `trainAndEvaluate` trains, on what, and where it saves. */
export interface TrainSpec {
  /** A model type (see `listModels()`), or a model already created with `createModel`. */
  model: string | Recommender;
  /** Hyperparameters when `model` is a type name. */
  params?: Record<string, unknown>;
  /**
   * A named protocol (or a Protocol object): it fixes dataset, split and labels; the model is
   * evaluated under it. Give either `protocol` or `data`.
   */
  protocol?: string | Protocol;
  /** Extra protocol options (dataset, k, split, threshold, an already loaded `data`, …). */
  protocolOptions?: Omit<PrepareOptions, 'seed' | 'dataDir'>;
  /** Built-in dataset or files (a DataSpec), or data already loaded; evaluated on its test part, if it has one. */
  data?: DataSpec | TrainingData;
  /** Seed of the split and of training (default 42). */
  seed?: number;
  /** Passes over the data (default: the model's `epochs`). */
  epochs?: number;
  /** Worker threads (default: all cores; 1 is reproducible bit for bit). */
  threads?: number;
  /** Validation metric measured each epoch (needs validation data). */
  validationMetric?: string;
  /** Early stopping after this many epochs without improvement (restores the best epoch). */
  patience?: number;
  /** Users validated each epoch: `auto` (default), `all` or at most a number; see FitOptions.validationUsers. */
  validationUsers?: ValidationUsers;
  /** Save the trained model in this folder (default: not saved). */
  out?: string;
  /** Bytes the fit may use (default: available memory); see FitOptions.memoryBudget. */
  memoryBudget?: number;
  /** Replace a model already saved at `out` (default false: refuse before training starts). */
  overwrite?: boolean;
  /** Folder of the built-in datasets (default $TASTEBUD_DATA_DIR). */
  dataDir?: string;
  /** Progress bar / lines while training (default false). */
  progress?: boolean;
  /** Where progress lines go (default: nowhere). */
  log?: (line: string) => void;
}

/** The popularity baseline's numbers under the same protocol or test data as the model. */
export interface BaselineResult {
  name: typeof BASELINE;
  config: Record<string, unknown>;
  /** What it was fitted on, in words (the same training data as the model, or the protocol's train part). */
  fittedOn: string;
  metrics: Record<string, number>;
}

/** What a pipeline report states: protocol, split sizes and seed, the model's metrics and popularity's beside them. */
export interface PipelineEvaluation {
  /** The protocol's name, or null for the held-out part of the user's data. */
  protocol: string | null;
  /** What was evaluated on, in words. */
  data: string;
  /** Interaction and user counts of each part. */
  sizes: Record<string, number>;
  /** Seed of the split (and of training, for trainAndEvaluate). */
  seed: number | null;
  /** The metric that decides "beats popularity" (the protocol's; ndcg@10 or rmse on held-out data). */
  mainMetric: string;
  lowerIsBetter: boolean;
  /** The model's test metrics ({} when there was no test part). */
  metrics: Record<string, number>;
  /** Popularity under the same protocol or test data (null when there was nothing to measure it on). */
  baseline: BaselineResult | null;
  /** The model against popularity on `mainMetric`, with a paired test over users where per-user values exist. */
  vsBaseline: ReferenceComparison | null;
  /** What a reader of the numbers must know (protocol conventions, and the warnings). */
  notes: string[];
  /** The pipeline's own notes, for printing: test pairs dropped, a baseline that could not be fitted. */
  warnings: string[];
}

export interface TrainAndEvaluateResult extends PipelineEvaluation {
  /** The trained model (saved to `saved` when `out` was given). */
  model: Recommender;
  type: string;
  config: Record<string, unknown>;
  history: TrainingHistory;
  /** How training ended: `trained`, `untrained` (no epoch ran) or `diverged` (a non-finite loss). */
  status: ModelStatus;
  /** Where the model was saved, or null. */
  saved: string | null;
}

/** Held-out test data for `evaluateSaved`, outside any protocol. */
export interface HeldOutData {
  test: Interactions;
  /** The training data, for the popularity baseline (default: the model's own training interactions, from its file). */
  train?: Interactions;
  /** What the data is, in words. */
  description?: string;
}

export interface EvaluateSavedOptions {
  /** Seed of the protocol's split, where it has one. */
  seed?: number;
  /** Folder of the built-in datasets (default $TASTEBUD_DATA_DIR). */
  dataDir?: string;
  /** Extra protocol options. */
  protocolOptions?: Omit<PrepareOptions, 'seed' | 'dataDir'>;
  /** Measure even when test interactions were in the model's training data (default: refuse). */
  allowLeakage?: boolean;
  /** Measure under a protocol whose training data the model was not trained on (default: refuse). */
  allowOtherData?: boolean;
}

export interface EvaluateSavedResult extends PipelineEvaluation {
  model: Recommender;
  type: string;
  /** How the saved model's training ended (its file says): `trained`, `untrained` or `diverged`. */
  status: ModelStatus;
  /** Test interactions naming users or items the model never saw (left out). */
  dropped: number;
  /** What was checked before measuring: known test pairs, leaked pairs, the share of the protocol's training data the model saw. */
  dataCheck: DataCheck;
}

/**
 * Trains one model once, evaluates it on the test part — under `spec.protocol`, or on the
 * held-out part of `spec.data` — beside the popularity baseline fitted on the same training data,
 * and saves it to `spec.out`. The result states protocol, split sizes and seed.
 *
 * @example
 *   const r = await trainAndEvaluate({ model: 'warp', params: { factors: 64 }, protocol: 'lightfm-ua', threads: 2, out: 'runs/warp' });
 *   r.metrics['precision@10'];            // the model
 *   r.baseline?.metrics['precision@10'];  // popularity, same protocol
 *   r.vsBaseline?.beats;                  // false: flag it
 */
export async function trainAndEvaluate(spec: TrainSpec): Promise<TrainAndEvaluateResult> {
  const log = spec.log ?? (() => {});
  // Built before any data is read, so an unknown model or hyperparameter fails at once.
  const model = typeof spec.model === 'string' ? createModel(spec.model, spec.params ?? {}) : spec.model;
  if (spec.protocol && spec.data) throw new ConfigError('give either a protocol or data, not both');
  const seed = spec.seed ?? 42;
  const dataDir = spec.dataDir ?? process.env.TASTEBUD_DATA_DIR;
  // A bad output path fails now, not after training.
  if (spec.out) await checkModelDestination(spec.out, { overwrite: spec.overwrite });
  let target: Target;
  if (spec.protocol) {
    const protocol = lookupProtocol(spec.protocol);
    log(`preparing protocol ${protocol.name}`);
    target = protocolTarget(await prepareProtocol(protocol, { ...spec.protocolOptions, dataDir, seed }, log), protocol);
  } else {
    target = heldOutTarget(await trainingData(spec.data, { dataDir, seed }), seed);
  }
  log(`data: ${target.data}`);
  if ((spec.patience || spec.validationMetric) && !target.validation) {
    const flag = spec.patience ? 'patience (early stopping)' : `validationMetric ${spec.validationMetric}`;
    throw new ConfigError(`${flag} needs validation data, and ${target.data} has none: give a validation file (--valid), or use a protocol or split with a validation part`);
  }

  if (model.config.task === 'rating' && target.train.length > 0 && target.train.values.every((v) => v === target.train.values[0])) {
    throw new ConfigError(
      `${model.type} predicts ratings, but every training value in ${target.data} is ${target.train.values[0]}: map a rating column (--columns user,item,rating), or use a ranking model (bpr, warp, ease)`,
    );
  }
  const history = await model.fit(target.train, {
    epochs: spec.epochs,
    threads: spec.threads,
    seed,
    validation: target.validation,
    validationMetric: spec.validationMetric,
    validationUsers: spec.validationUsers,
    memoryBudget: spec.memoryBudget,
    earlyStopping: spec.patience ? { patience: spec.patience } : false,
    userFeatures: target.userFeatures,
    itemFeatures: target.itemFeatures,
    progress: spec.progress ?? false,
    log,
    // The threshold a DataSpec applied (its source description names it too); loaded data and protocols record none.
    provenance: { source: target.data, split: null, positiveThreshold: isDataSpec(spec.data) ? (spec.data.positiveThreshold ?? null) : null },
  });
  const evaluation = target.canEvaluate
    ? await withBaseline(target, model, target.train, `the same training data as the model (${target.train.length} interactions)`)
    : emptyEvaluation(target);
  for (const note of target.loadNotes ?? []) warn(evaluation, note);
  if (target.graded && model.config.task !== 'rating') {
    warn(evaluation, `no positive threshold: ${model.type} ranks items, so every interaction counts as a positive, whatever its rating (--positive-threshold 4 keeps ratings ≥ 4)`);
  }
  if (history.epochs.length === 0) warn(evaluation, 'no epoch ran (epochs 0): the model is untrained, and its model file says so');
  else if (history.epochs.some((e) => !Number.isFinite(e.loss)))
    warn(evaluation, 'training diverged (a non-finite loss): the model file says so; lower the learning rate or add L2');
  let saved: string | null = null;
  if (spec.out) {
    await saveEvaluated(model, spec.out, evaluation.protocol, evaluation.metrics, { overwrite: spec.overwrite });
    saved = spec.out;
  }
  return { ...evaluation, model, type: model.type, config: model.config, history, status: model.status, saved };
}

/**
 * Measures a saved model (a folder or a loaded model) under a named protocol, or on held-out
 * test data, beside the popularity baseline. The data's ids are aligned to the model's (test
 * pairs naming users or items the model never saw are left out and counted in `dropped`).
 * Under a protocol, popularity is fitted on the protocol's train part; on held-out data, on
 * `data.train`, else on the model's own training interactions.
 *
 * @example
 *   const r = await evaluateSaved('runs/warp', 'lightfm-ua');
 *   console.log(r.metrics, r.baseline?.metrics, r.vsBaseline);
 */
export async function evaluateSaved(
  model: Recommender | string,
  target: string | Protocol | HeldOutData | Interactions,
  options: EvaluateSavedOptions = {},
): Promise<EvaluateSavedResult> {
  const m = typeof model === 'string' ? await loadModel(model) : model;
  const health = modelWarning(m);
  const measured = (evaluation: PipelineEvaluation) => {
    if (health) warn(evaluation, `${m.type} ${health}`);
    return evaluation;
  };
  if (typeof target === 'string' || isProtocol(target)) {
    const protocol = lookupProtocol(target);
    const prepared = await prepareProtocol(protocol, { ...options.protocolOptions, dataDir: options.dataDir ?? process.env.TASTEBUD_DATA_DIR, seed: options.seed }, () => {});
    // The protocol builds its own id maps; the model scores by the ones it was trained with.
    const { prepared: aligned, dropped } = alignPrepared(m, prepared);
    const dataCheck = checkEvaluationData(m, aligned.test, dropped, aligned.train, options);
    const evaluation = await withBaseline(protocolTarget(aligned, protocol), m, aligned.train, `the protocol's train part (${aligned.train.length} interactions)`);
    if (dropped > 0) warn(evaluation, `${dropped} test interactions name users or items the model never saw and were left out`);
    if (dataCheck.leakedPairs > 0) warn(evaluation, `${dataCheck.leakedPairs} test interactions were in the model's training data (measured anyway, as asked)`);
    return { ...measured(evaluation), model: m, type: m.type, status: m.status, dropped, dataCheck };
  }
  const data: HeldOutData = target instanceof Interactions ? { test: target } : target;
  const test = alignToModel(m, data.test);
  const dataCheck = checkEvaluationData(m, test.interactions, test.dropped, null, options);
  // Popularity is fitted on the given training data, else on the training pairs the model file keeps
  // (without values: fine for counts, not for a rating model's item means).
  const given = data.train ? alignToModel(m, data.train).interactions : null;
  const train = given ?? (m.config.task !== 'rating' && m.seen ? seenInteractions(m) : null);
  const fittedOn = given ? `the given training data (${given.length} interactions)` : `the model's own training interactions (${train?.length ?? 0}, from its file)`;
  const heldOut = heldOutTarget(
    { train: train ?? seenInteractions(m), test: test.interactions, description: data.description ?? `held-out data: ${data.test.length} test interactions` },
    null,
  );
  const evaluation = train
    ? await withBaseline(heldOut, m, train, fittedOn)
    : { ...emptyEvaluation(heldOut), metrics: heldOut.measure(m).metrics, mainMetric: heldOut.mainMetric(m.config), lowerIsBetter: lowerIsBetterFor(heldOut.mainMetric(m.config)) };
  if (!train) warn(evaluation, 'no training data to fit the popularity baseline on (a rating model keeps no ratings in its file): pass data.train');
  if (test.dropped > 0) warn(evaluation, `${test.dropped} test interactions name users or items the model never saw and were left out`);
  if (dataCheck.leakedPairs > 0) warn(evaluation, `${dataCheck.leakedPairs} test interactions were in the model's training data (measured anyway, as asked)`);
  return { ...measured(evaluation), model: m, type: m.type, status: m.status, dropped: test.dropped, dataCheck };
}

/** Prepares a protocol once and logs its part sizes (shared with the experiment runner). */
export async function prepareProtocol(protocol: Protocol, options: PrepareOptions, log: (line: string) => void): Promise<PreparedProtocol> {
  const prepared = await protocol.prepare(options);
  log(`  train ${prepared.train.length}, test ${prepared.test.length}${prepared.validation ? `, validation ${prepared.validation.length}` : ''} interactions`);
  return prepared;
}

/** The result's main metric against the reference's: difference, and a Wilcoxon test over users where per-user values exist. */
export function compareWithReference(
  result: Pick<ProtocolResult, 'metrics' | 'perUser'>,
  reference: Pick<ProtocolResult, 'metrics' | 'perUser'>,
  metric: string,
  lowerIsBetter: boolean,
): ReferenceComparison | null {
  const v = result.metrics[metric];
  const r = reference.metrics[metric];
  if (v === undefined || r === undefined) return null;
  const beats = Number.isFinite(v) && (Number.isNaN(r) || (lowerIsBetter ? v < r : v > r));
  let pValue: number | null = null;
  let test: string | null = null;
  if (result.perUser && reference.perUser && result.perUser.values[metric] && reference.perUser.values[metric]) {
    try {
      const c = compareModels({ perUser: result.perUser } as never, { perUser: reference.perUser } as never, metric, { lowerIsBetter });
      pValue = c.wilcoxon.pValue;
      test = `Wilcoxon signed-rank over ${c.n} users`;
    } catch {
      // Too few shared users to test: the comparison stands on the means alone.
    }
  }
  return { metric, delta: v - r, beats, pValue, test };
}

/** Whether lower values of `metric` (e.g. `rmse`, `mae@10`) are better. */
export function lowerIsBetterFor(metric: string): boolean {
  return isLowerBetter(metric.split('@')[0]);
}

/** Keeps the test metrics (and the protocol's name) in the model file, then saves it. */
export async function saveEvaluated(model: Recommender, dir: string, protocol: string | null, metrics: Record<string, number>, options: WriteOptions = {}): Promise<void> {
  model.metrics = protocol ? { protocol, ...metrics } : { ...metrics };
  await model.save(dir, options);
}

/** Where a pipeline measures: a prepared protocol, or a held-out part. */
interface Target {
  protocol: string | null;
  data: string;
  train: Interactions;
  validation?: Interactions;
  userFeatures?: FeatureMatrix;
  itemFeatures?: FeatureMatrix;
  sizes: Record<string, number>;
  seed: number | null;
  /** False when there is no test part. */
  canEvaluate: boolean;
  /** The main metric for a model with this config. */
  mainMetric(config: Record<string, unknown>): string;
  measure(model: Recommender): Pick<ProtocolResult, 'metrics' | 'perUser' | 'notes' | 'sizes'>;
  /** What loading the data did that the user should hear about once. */
  loadNotes?: string[];
  /** Training values are graded ratings with no positive threshold applied. */
  graded?: boolean;
}

function protocolTarget(prepared: PreparedProtocol, protocol?: Protocol): Target {
  const p = protocol ?? lookupProtocol(prepared.protocol);
  return {
    protocol: p.name,
    data: `protocol ${p.name} on ${prepared.dataset}`,
    train: prepared.train,
    validation: prepared.validation,
    userFeatures: prepared.userFeatures,
    itemFeatures: prepared.itemFeatures,
    sizes: prepared.sizes,
    seed: prepared.seed,
    canEvaluate: true,
    mainMetric: () => p.mainMetric,
    measure: (model) => p.evaluate(model, prepared),
  };
}

function heldOutTarget(
  data: Pick<TrainingData, 'train' | 'test' | 'validation' | 'userFeatures' | 'itemFeatures' | 'description' | 'notes' | 'graded'>,
  seed: number | null,
): Target {
  const test = data.test;
  const sizes: Record<string, number> = { train: data.train.length };
  if (data.validation) sizes.validation = data.validation.length;
  if (test) sizes.test = test.length;
  sizes.users = data.train.numUsers;
  sizes.items = data.train.numItems;
  return {
    protocol: null,
    data: data.description,
    loadNotes: data.notes,
    graded: data.graded,
    train: data.train,
    validation: data.validation,
    userFeatures: data.userFeatures,
    itemFeatures: data.itemFeatures,
    sizes,
    seed,
    canEvaluate: test !== undefined && test.length > 0,
    mainMetric: (config) => (config.task === 'rating' ? 'rmse' : 'ndcg@10'),
    measure: (model) => {
      const { metrics, perUser } = evaluateHeldOutPerUser(model, test!);
      return { metrics, perUser, notes: [], sizes: { ...sizes, usersEvaluated: metrics.users ?? 0 } };
    },
  };
}

/** Measures the model, fits popularity on `train` and measures it the same way, and compares the two. */
async function withBaseline(target: Target, model: Recommender, train: Interactions, fittedOn: string): Promise<PipelineEvaluation> {
  const result = target.measure(model);
  const mainMetric = target.mainMetric(model.config);
  const lowerIsBetter = lowerIsBetterFor(mainMetric);
  // A rating model is compared with the shrunk item-mean rating, a ranking model with train counts.
  const popularity = createModel(BASELINE, { task: model.config.task === 'rating' ? 'rating' : 'ranking' });
  await popularity.fit(train, { threads: 1, progress: false, log: () => {} });
  const reference = target.measure(popularity);
  return {
    protocol: target.protocol,
    data: target.data,
    sizes: result.sizes,
    seed: target.seed,
    mainMetric,
    lowerIsBetter,
    metrics: result.metrics,
    baseline: { name: BASELINE, config: popularity.config, fittedOn, metrics: reference.metrics },
    vsBaseline: compareWithReference(result, reference, mainMetric, lowerIsBetter),
    notes: [...result.notes],
    warnings: [],
  };
}

function warn(evaluation: PipelineEvaluation, text: string): void {
  evaluation.notes.push(text);
  evaluation.warnings.push(text);
}

function emptyEvaluation(target: Target): PipelineEvaluation {
  return {
    protocol: target.protocol,
    data: target.data,
    sizes: target.sizes,
    seed: target.seed,
    mainMetric: '',
    lowerIsBetter: false,
    metrics: {},
    baseline: null,
    vsBaseline: null,
    notes: target.canEvaluate ? [] : ['no test part: nothing was evaluated'],
    warnings: [],
  };
}

async function trainingData(data: DataSpec | TrainingData | undefined, defaults: { dataDir?: string; seed: number }): Promise<TrainingData> {
  if (data === undefined) throw new ConfigError('no training data: give a protocol, a dataset (dataset: "ml-100k") or a file (train: "data.tsv")');
  if (data.train instanceof Interactions) return data as TrainingData;
  return loadTrainingData({ ...(data as DataSpec), dataDir: (data as DataSpec).dataDir ?? defaults.dataDir, seed: (data as DataSpec).seed ?? defaults.seed });
}

function isDataSpec(data: DataSpec | TrainingData | undefined): data is DataSpec {
  return data !== undefined && !(data.train instanceof Interactions);
}

function lookupProtocol(p: string | Protocol): Protocol {
  return typeof p === 'string' ? getProtocol(p) : p;
}

function isProtocol(x: unknown): x is Protocol {
  return typeof x === 'object' && x !== null && typeof (x as Protocol).prepare === 'function' && typeof (x as Protocol).evaluate === 'function';
}

/** A saved model's training interactions, rebuilt from the seen matrix in its file (values 1). */
function seenInteractions(model: Recommender): Interactions {
  const seen = model.seen;
  if (!seen) return new Interactions({ users: new Int32Array(0), items: new Int32Array(0), userIds: model.userIds, itemIds: model.itemIds });
  const users = new Int32Array(seen.indices.length);
  for (let u = 0; u < seen.rows; u++) users.fill(u, seen.indptr[u], seen.indptr[u + 1]);
  return new Interactions({ users, items: Int32Array.from(seen.indices), userIds: model.userIds, itemIds: model.itemIds });
}
