/**
 * What every search strategy shares: the fit options of a trial (validation, early stopping,
 * features, threads), one trial's fit on one hold-out, and how values compare and print.
 */
import type { TrainingHistory } from '../contracts/types.ts';
import type { Interactions } from '../data/interactions.ts';
import { createModel } from '../models/registry.ts';
import type { Recommender } from '../models/recommender.ts';
import type { FitOptions } from '../train/types.ts';
import { validationScore } from '../train/validation.ts';
import type { FitSettings, RunSpec } from './config.ts';
import type { HoldOut, Point, SearchContext } from './search.ts';

export const DEFAULT_PATIENCE = 3;

/** One fit of a trial on one hold-out: the model, its history and its validation value (that of its best epoch). */
export interface TrialFit {
  model: Recommender;
  history: TrainingHistory;
  value: number;
}

/** One fit of one trial on one hold-out, with its validation value (that of its best epoch). */
export async function fitTrial(run: RunSpec, point: Point, holdOut: HoldOut, metric: string, ctx: SearchContext, extra: FitOptions = {}): Promise<TrialFit> {
  const model = createModel(run.type, point);
  const history = await model.fit(holdOut.train, { ...fitOptions(run.fit, point, ctx, { validation: holdOut.validation, metric }), ...extra });
  return { model, history, value: bestValue(model, history, holdOut, metric, ctx) };
}

const floors = new WeakMap<Interactions, Map<string, number>>();

/**
 * Popularity's validation value on the search's hold-outs (their mean, as a trial's), the floor
 * a chosen setting must clear: a search whose winner does not clear it chose among settings that
 * learned less than counting interactions. Computed once per validation part and metric.
 */
export async function popularityFloor(run: RunSpec, ctx: SearchContext, metric: string): Promise<number> {
  const holdOuts: HoldOut[] = [{ train: ctx.train, validation: ctx.validation }, ...(ctx.moreHoldOuts ?? [])];
  const values: number[] = [];
  for (const holdOut of holdOuts) {
    const known = floors.get(holdOut.validation)?.get(metric);
    if (known !== undefined) {
      values.push(known);
      continue;
    }
    const model = createModel('popularity', {});
    await model.fit(holdOut.train, fitOptions(run.fit, {}, ctx, null));
    const value = validationScore(model, holdOut.validation, metric, ctx.validationThreshold);
    if (!floors.has(holdOut.validation)) floors.set(holdOut.validation, new Map());
    floors.get(holdOut.validation)!.set(metric, value);
    values.push(value);
  }
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** The validation value of the epoch a fit ended with (restore-best), measured again only when the history has none. */
export function bestValue(model: Recommender, history: TrainingHistory, holdOut: HoldOut, metric: string, ctx: SearchContext): number {
  return history.epochs[history.bestEpoch - 1]?.validation ?? validationScore(model, holdOut.validation, metric, ctx.validationThreshold);
}

export function fitOptions(fit: FitSettings, point: Point, ctx: SearchContext, validation: { validation: Interactions; metric: string } | null): FitOptions {
  const options: FitOptions = {
    seed: ctx.seed,
    threads: fit.threads ?? ctx.threads,
    userFeatures: fit.features === 'items' || fit.features === 'none' ? undefined : ctx.userFeatures,
    itemFeatures: fit.features === 'users' || fit.features === 'none' ? undefined : ctx.itemFeatures,
    progress: false,
    log: ctx.log,
  };
  // Models read `epochs` from their config, but a model that leaves it out still honours the file.
  if (typeof point.epochs === 'number') options.epochs = point.epochs;
  if (validation) {
    options.validation = validation.validation;
    options.validationMetric = validation.metric;
    options.validationThreshold = ctx.validationThreshold;
    options.earlyStopping = fit.earlyStopping === false ? false : { patience: DEFAULT_PATIENCE, ...fit.earlyStopping };
    if (fit.validationUsers !== undefined) options.validationUsers = fit.validationUsers;
  }
  return options;
}

export function better(a: number, b: number, lowerIsBetter: boolean): boolean {
  return lowerIsBetter ? a < b : a > b;
}

export function fmt(x: number | null): string {
  return x === null ? '—' : x.toFixed(4);
}

/** `key=value …` of the searched keys, for a log line. */
export function shownParams(point: Point, varying: string[]): string {
  return varying.length ? ' ' + varying.map((k) => `${k}=${JSON.stringify(point[k])}`).join(' ') : '';
}

/** Epochs a fit actually ran (a resumed fit's history also lists the epochs it started from). */
export function epochsRun(history: TrainingHistory, startedAt = 0): number {
  return Math.max(0, history.epochs.length - startedAt);
}
