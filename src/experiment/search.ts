/**
 * Hyperparameter search: grid, random or successive halving (search-halving.ts) over one run's
 * params, each trial fit on the training part with validation and early stopping, the best
 * picked by the validation metric only. A blend whose weights alone are searched fits its
 * members once (search-blend.ts). The test set is never seen here; the runner evaluates the
 * chosen model on it once.
 */
import { Rng } from '../core/rng.ts';
import { ConfigError } from '../contracts/errors.ts';
import type { Interactions } from '../data/interactions.ts';
import type { FeatureMatrix } from '../contracts/types.ts';
import { createModel } from '../models/registry.ts';
import type { Recommender } from '../models/recommender.ts';
import type { TrainingHistory } from '../contracts/types.ts';
import { isLowerBetter } from '../train/validation.ts';
import { mean, sampleStandardDeviation } from '../eval/significance.ts';
import type { ParamSpace, RunSpec } from './config.ts';
import { cachedBlendTrials, isBlendWeightSearch } from './search-blend.ts';
import { better, epochsRun, fitOptions, fitTrial, fmt, shownParams, type TrialFit } from './search-fit.ts';
import { halvingSearch, type HalvingSettings, type RungRecord } from './search-halving.ts';

export type Point = Record<string, unknown>;

export interface SearchStrategy extends Partial<HalvingSettings> {
  strategy: 'grid' | 'random' | 'successive-halving';
  /** Random and successive halving: draws (default 10). Grid: the most combinations allowed (default: no limit). */
  trials: number | null;
}

const DEFAULT_RANDOM_TRIALS = 10;

/** Number of grid combinations (ranges count as infinite). */
export function gridSize(params: Record<string, ParamSpace>): number {
  let n = 1;
  for (const space of Object.values(params)) n *= space.kind === 'choice' ? space.values.length : space.kind === 'range' ? Infinity : 1;
  return n;
}

/** The names whose value varies between trials. */
export function searchedKeys(params: Record<string, ParamSpace>): string[] {
  return Object.entries(params)
    .filter(([, s]) => s.kind === 'range' || (s.kind === 'choice' && s.values.length > 1))
    .map(([k]) => k);
}

/**
 * The parameter points to try, deterministic for a given `rng` state. Grid: every combination,
 * the first parameter varying slowest. Random: `trials` draws (choices uniform, ranges uniform
 * or log-uniform, rounded when integer), without repeats; a discrete space no larger than
 * `trials` is simply enumerated. Successive halving starts from the same draws as random.
 */
export function searchPoints(params: Record<string, ParamSpace>, strategy: SearchStrategy, rng: Rng): Point[] {
  const keys = Object.keys(params);
  const size = gridSize(params);
  if (strategy.strategy === 'grid') {
    if (size === Infinity) throw new ConfigError('grid search cannot enumerate a { min, max } range; use a list of values or strategy: random');
    if (strategy.trials !== null && size > strategy.trials) {
      throw new ConfigError(`the grid has ${size} combinations but search.trials is ${strategy.trials}: raise trials, shrink the lists, or use strategy: random`);
    }
    return enumerate(params, keys);
  }
  const trials = strategy.trials ?? DEFAULT_RANDOM_TRIALS;
  if (size <= trials) return enumerate(params, keys);
  const points: Point[] = [];
  const seen = new Set<string>();
  for (let attempt = 0; points.length < trials && attempt < trials * 50; attempt++) {
    const point: Point = {};
    for (const key of keys) point[key] = draw(params[key], rng);
    const id = JSON.stringify(point);
    if (seen.has(id)) continue;
    seen.add(id);
    points.push(point);
  }
  return points;
}

function enumerate(params: Record<string, ParamSpace>, keys: string[]): Point[] {
  let points: Point[] = [{}];
  for (const key of keys) {
    const space = params[key];
    const values = space.kind === 'choice' ? space.values : [space.kind === 'fixed' ? space.value : space.min];
    points = points.flatMap((p) => values.map((v) => ({ ...p, [key]: v })));
  }
  return points;
}

function draw(space: ParamSpace, rng: Rng): unknown {
  if (space.kind === 'fixed') return space.value;
  if (space.kind === 'choice') return space.values[rng.int(space.values.length)];
  const { min, max, log, integer } = space;
  const u = rng.next();
  const x = log ? Math.exp(Math.log(min) + u * (Math.log(max) - Math.log(min))) : min + u * (max - min);
  if (integer) return Math.min(max, Math.max(min, Math.round(x)));
  return Number(x.toPrecision(4));
}

/** A seed for run `name`'s draws: adding or removing another run does not change them. */
export function runSeed(seed: number, name: string): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export interface TrialRecord {
  /** 1-based. */
  trial: number;
  params: Point;
  /**
   * Validation metric of the parameters the trial ended with (its best epoch); with repeated
   * hold-outs, the mean over them. Null when it failed.
   */
  validation: number | null;
  /** With repeated hold-outs (`search.repeats` > 1): each hold-out's value, in order. */
  repeats?: number[];
  /** Best epoch (with repeated hold-outs: the mean over them, rounded). */
  bestEpoch: number;
  /** Successive halving: the last rung the trial trained in (1-based); its values are that rung's. */
  rung?: number;
  epochs: number;
  stoppedEarly: boolean;
  seconds: number;
  history: TrainingHistory | null;
  error?: string;
}

/** One hold-out: what a trial trains on and what it is validated on. */
export interface HoldOut {
  train: Interactions;
  validation: Interactions;
}

export interface SearchContext {
  /** What trials train on. */
  train: Interactions;
  validation: Interactions;
  /**
   * Further hold-outs (repeated hold-out validation, `search.repeats` > 1): every trial is also
   * fit on each, and the mean validation value over all of them picks the winner.
   */
  moreHoldOuts?: HoldOut[];
  /** When set (validation was carved out of it), the chosen params are retrained here. */
  refitOn: Interactions | null;
  metric: string;
  validationThreshold?: number;
  seed: number;
  threads: number;
  search: SearchStrategy;
  userFeatures?: FeatureMatrix;
  itemFeatures?: FeatureMatrix;
  /**
   * A blend whose weights alone are searched fits its members once per hold-out and reuses their
   * scores across weight trials (default true); false refits every member for every trial.
   */
  cacheBlendScores?: boolean;
  log: (line: string) => void;
}

export interface SearchOutcome {
  model: Recommender;
  /** The chosen point (every param given in the file). */
  params: Point;
  trials: TrialRecord[];
  /** 1-based trial that won. */
  bestTrial: number;
  metric: string;
  lowerIsBetter: boolean;
  /** Best trial's validation value. */
  validation: number | null;
  /** History of the winning trial (loss and validation per epoch). */
  selectionHistory: TrainingHistory | null;
  /** History of the returned model's final fit (the refit, or the winning trial). */
  history: TrainingHistory | null;
  refit: boolean;
  /** Epochs run by every trial fit on every hold-out (not the refit): what the search cost. */
  epochsSpent: number;
  /** Successive halving: every point in every rung (budget, value, kept?). */
  rungs?: RungRecord[];
  seconds: number;
}

/** Runs every trial of `run`, keeps the best by validation, and refits it when asked. */
export async function searchRun(run: RunSpec, ctx: SearchContext): Promise<SearchOutcome> {
  const started = performance.now();
  const points = searchPoints(run.params, ctx.search, new Rng(runSeed(ctx.seed, run.name)));
  const metric = run.fit.metric ?? ctx.metric;
  const lowerIsBetter = isLowerBetter(metric);
  const varying = searchedKeys(run.params);
  const asked = ctx.search.trials ?? DEFAULT_RANDOM_TRIALS;
  if (ctx.search.strategy !== 'grid' && varying.length > 0 && points.length < asked) {
    ctx.log(
      `  ${run.name}: the searched space holds only ${points.length} distinct point${points.length === 1 ? '' : 's'}, fewer than the ${asked} trials asked for: each is tried once`,
    );
  }
  if (points.length === 1 && ctx.refitOn && singlePass(run.type, points[0])) return fitDirectly(run, points[0], ctx, started);
  if (ctx.search.strategy === 'successive-halving' && points.length > 1) {
    const halving = await halvingSearch(run, points, ctx, metric, lowerIsBetter, varying);
    if (!halving.best) throw new Error(`${run.name}: every trial failed or gave no validation value (${halving.trials.map((t) => t.error ?? 'NaN').join('; ')})`);
    return finish(run, ctx, halving.best, halving.trials, metric, lowerIsBetter, halving.epochsSpent, started, halving.rungs);
  }
  const trials: TrialRecord[] = [];
  let best: { model: Recommender; record: TrialRecord } | null = null;
  let epochsSpent = 0;
  const fitOne =
    isBlendWeightSearch(run, points) && ctx.cacheBlendScores !== false
      ? cachedBlendTrials(run, ctx, metric)
      : (point: Point, holdOut: HoldOut): Promise<TrialFit> => fitTrial(run, point, holdOut, metric, ctx);

  const holdOuts: HoldOut[] = [{ train: ctx.train, validation: ctx.validation }, ...(ctx.moreHoldOuts ?? [])];
  for (let t = 0; t < points.length; t++) {
    const point = points[t];
    const t0 = performance.now();
    const record: TrialRecord = { trial: t + 1, params: point, validation: null, bestEpoch: 0, epochs: 0, stoppedEarly: false, seconds: 0, history: null };
    try {
      const fits: TrialFit[] = [];
      for (const holdOut of holdOuts) fits.push(await fitOne(point, holdOut));
      epochsSpent += fits.reduce((sum, f) => sum + epochsRun(f.history), 0);
      const first = fits[0];
      record.history = first.history;
      record.epochs = first.history.epochs.length;
      record.stoppedEarly = first.history.stoppedEarly;
      record.bestEpoch = Math.round(mean(fits.map((f) => f.history.bestEpoch)));
      record.validation = mean(fits.map((f) => f.value));
      if (fits.length > 1) record.repeats = fits.map((f) => f.value);
      if (Number.isNaN(record.validation)) record.validation = null;
      if (record.validation !== null && (!best || best.record.validation === null || better(record.validation, best.record.validation, lowerIsBetter)))
        best = { model: first.model, record };
    } catch (err) {
      if (points.length === 1 || err instanceof ConfigError) throw err;
      record.error = (err as Error).message;
    }
    record.seconds = (performance.now() - t0) / 1000;
    trials.push(record);
    const shown = shownParams(point, varying);
    const spread = record.repeats ? ` ±${fmt(sampleStandardDeviation(record.repeats))} over ${record.repeats.length} hold-outs` : '';
    const outcome = record.error ? `failed: ${record.error}` : `${metric} ${fmt(record.validation)}${spread} (epoch ${record.bestEpoch}/${record.epochs})`;
    ctx.log(`  ${run.name} trial ${t + 1}/${points.length}${shown} → ${outcome}, ${record.seconds.toFixed(1)} s`);
  }
  if (!best) throw new Error(`${run.name}: every trial failed or gave no validation value (${trials.map((t) => t.error ?? 'NaN').join('; ')})`);
  return finish(run, ctx, best, trials, metric, lowerIsBetter, epochsSpent, started);
}

/** The winner, refit on all the training data when asked (the same for every strategy). */
async function finish(
  run: RunSpec,
  ctx: SearchContext,
  best: { model: Recommender; record: TrialRecord },
  trials: TrialRecord[],
  metric: string,
  lowerIsBetter: boolean,
  epochsSpent: number,
  started: number,
  rungs?: RungRecord[],
): Promise<SearchOutcome> {
  let model = best.model;
  let history = best.record.history;
  const refit = ctx.refitOn !== null;
  if (refit) {
    // Same params on all the training data, for as many epochs as the winner's best.
    const epochs = best.record.epochs > 0 ? Math.max(1, best.record.bestEpoch) : undefined;
    model = createModel(run.type, best.record.params);
    history = await model.fit(ctx.refitOn!, { ...fitOptions(run.fit, best.record.params, ctx, null), ...(epochs !== undefined ? { epochs } : {}) });
    ctx.log(`  ${run.name} refit on all training data${epochs !== undefined ? ` for ${epochs} epoch${epochs === 1 ? '' : 's'}` : ''}`);
  }
  return {
    model,
    params: best.record.params,
    trials,
    bestTrial: best.record.trial,
    metric,
    lowerIsBetter,
    validation: best.record.validation,
    selectionHistory: best.record.history,
    history,
    refit,
    epochsSpent,
    ...(rungs ? { rungs } : {}),
    seconds: (performance.now() - started) / 1000,
  };
}

/** A closed-form model (one pass) with nothing to choose: validation would only cost a second fit. */
function singlePass(type: string, point: Point): boolean {
  const epochs = createModel(type, point).config.epochs;
  return typeof epochs === 'number' && epochs <= 1;
}

async function fitDirectly(run: RunSpec, point: Point, ctx: SearchContext, started: number): Promise<SearchOutcome> {
  const model = createModel(run.type, point);
  const history = await model.fit(ctx.refitOn!, fitOptions(run.fit, point, ctx, null));
  const seconds = (performance.now() - started) / 1000;
  const metric = run.fit.metric ?? ctx.metric;
  ctx.log(`  ${run.name}: one configuration, one pass: fit on all training data (${seconds.toFixed(1)} s)`);
  const trial: TrialRecord = { trial: 1, params: point, validation: null, bestEpoch: history.bestEpoch, epochs: history.epochs.length, stoppedEarly: false, seconds, history };
  return {
    model,
    params: point,
    trials: [trial],
    bestTrial: 1,
    metric,
    lowerIsBetter: isLowerBetter(metric),
    validation: null,
    selectionHistory: null,
    history,
    refit: false,
    epochsSpent: history.epochs.length,
    seconds,
  };
}
