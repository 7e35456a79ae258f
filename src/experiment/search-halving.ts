/**
 * Successive halving (Jamieson & Talwalkar 2016, "Non-stochastic best arm identification and
 * hyperparameter optimization"; the building block of Hyperband, Li et al. 2017): every sampled
 * point trains for a small epoch budget, the best 1/eta on the validation metric go on with
 * eta times the budget, and so on until one point is left or the budget reaches maxEpochs. Most
 * points cost a few epochs instead of the full run, so the same trials cost a fraction of a
 * random search. A promoted point continues training where it stopped when its model is
 * `resumable` (the fit loop's `resume`), and is refit from scratch with the larger budget
 * otherwise; the log says which. Early stopping still applies inside each rung.
 */
import { ConfigError } from '../contracts/errors.ts';
import { createModel } from '../models/registry.ts';
import type { Recommender } from '../models/recommender.ts';
import type { Trainable } from '../train/types.ts';
import { mean } from '../eval/significance.ts';
import type { ParamSpace, RunSpec } from './config.ts';
import { bestValue, better, epochsRun, fitOptions, fitTrial, fmt, shownParams, type TrialFit } from './search-fit.ts';
import type { HoldOut, Point, SearchContext, TrialRecord } from './search.ts';

export const DEFAULT_ETA = 3;
export const DEFAULT_MIN_EPOCHS = 1;

export interface HalvingSettings {
  /** Keep the best 1/eta of each rung and multiply the budget by eta (≥ 2; default 3). */
  eta: number;
  /** The first rung's epoch budget (default 1). */
  minEpochs: number;
  /** The largest budget (default: the model's own `epochs`). */
  maxEpochs: number | null;
}

/** One rung of the plan: how many points train, for how many epochs in all. */
export interface Rung {
  points: number;
  budget: number;
}

/** One point in one rung, as the report shows it. */
export interface RungRecord {
  /** 1-based. */
  rung: number;
  /** 1-based trial (point) number, as in the trials table. */
  trial: number;
  params: Point;
  /** Epochs the point has trained for once this rung is done (at most). */
  budget: number;
  /** Its validation value at this rung (mean over hold-outs); null when it failed. */
  validation: number | null;
  /** Epochs actually run in this rung (a resumed point runs only the extra ones; early stopping may cut it short). */
  epochs: number;
  /** Promoted to the next rung (or, in the last rung, the one chosen). */
  kept: boolean;
  /** Continued from the previous rung's parameters rather than refit from scratch. */
  resumed: boolean;
  error?: string;
}

export interface HalvingOutcome {
  trials: TrialRecord[];
  best: { model: Recommender; record: TrialRecord } | null;
  rungs: RungRecord[];
  /** Epochs run over every fit of every rung and hold-out. */
  epochsSpent: number;
}

/**
 * The rungs for `points` sampled points: budgets minEpochs, ×eta, ×eta², … capped at maxEpochs,
 * points divided by eta each time. It ends at the rung whose budget is maxEpochs, or when one
 * point is left: that last point then trains for maxEpochs, so the chosen model is fully trained.
 */
export function halvingRungs(points: number, settings: { eta: number; minEpochs: number; maxEpochs: number }): Rung[] {
  const { eta, minEpochs, maxEpochs } = settings;
  const rungs: Rung[] = [{ points, budget: Math.min(minEpochs, maxEpochs) }];
  for (;;) {
    const last = rungs[rungs.length - 1];
    if (last.budget >= maxEpochs || last.points <= 1) break;
    const next = Math.max(1, Math.floor(last.points / eta));
    rungs.push({ points: next, budget: next === 1 ? maxEpochs : Math.min(maxEpochs, Math.round(last.budget * eta)) });
  }
  return rungs;
}

/**
 * What can be checked before any data: eta, the budgets, a model that trains in epochs, and
 * epochs not being searched (halving sets them). Returns the settings with maxEpochs resolved.
 */
export function checkHalving(type: string, params: Record<string, ParamSpace>, settings: Partial<HalvingSettings>, where = 'search'): HalvingSettings & { maxEpochs: number } {
  const eta = settings.eta ?? DEFAULT_ETA;
  const minEpochs = settings.minEpochs ?? DEFAULT_MIN_EPOCHS;
  if (!(typeof eta === 'number' && eta >= 2)) throw new ConfigError(`${where}.eta: successive halving keeps the best 1/eta of each rung, so eta must be ≥ 2, got ${eta}`);
  if (!(Number.isInteger(minEpochs) && minEpochs >= 1)) throw new ConfigError(`${where}.minEpochs: expected a whole number ≥ 1, got ${minEpochs}`);
  const epochs = createModel(type, {}).config.epochs;
  if (typeof epochs !== 'number' || epochs <= 1) {
    throw new ConfigError(
      `${where}.strategy: successive halving spends epochs, and ${type} ${typeof epochs === 'number' ? 'trains in one pass (closed form)' : 'has no epochs'}: use strategy random or grid for it`,
    );
  }
  const space = params.epochs;
  if (space && space.kind !== 'fixed') throw new ConfigError(`${where}: successive halving sets epochs itself (minEpochs … maxEpochs); remove epochs from the searched params`);
  const fixed = space?.kind === 'fixed' && typeof space.value === 'number' ? space.value : undefined;
  // Both given and different, one would be ignored (the report showing the fixed epochs the winner did not train for).
  if (settings.maxEpochs !== undefined && fixed !== undefined && fixed !== settings.maxEpochs) {
    throw new ConfigError(
      `${where}.maxEpochs (${settings.maxEpochs}) and ${type}'s epochs (${fixed}) differ: successive halving trains the last rung for maxEpochs, so give one of them (epochs ${fixed} alone is the maxEpochs)`,
    );
  }
  const maxEpochs = settings.maxEpochs ?? fixed ?? epochs;
  if (!(Number.isInteger(maxEpochs) && maxEpochs >= 1)) throw new ConfigError(`${where}.maxEpochs: expected a whole number ≥ 1, got ${maxEpochs}`);
  if (minEpochs > maxEpochs) throw new ConfigError(`${where}.minEpochs (${minEpochs}) is more than maxEpochs (${maxEpochs}): the first rung's budget must fit in the last's`);
  return { eta, minEpochs, maxEpochs };
}

/** Runs successive halving over `points`; the caller refits the winner as for grid and random search. */
export async function halvingSearch(run: RunSpec, points: Point[], ctx: SearchContext, metric: string, lowerIsBetter: boolean, varying: string[]): Promise<HalvingOutcome> {
  const settings = checkHalving(run.type, run.params, ctx.search, `${run.name}: search`);
  const plan = halvingRungs(points.length, settings);
  const resumable = (createModel(run.type, points[0]) as Trainable).resumable === true;
  const holdOuts: HoldOut[] = [{ train: ctx.train, validation: ctx.validation }, ...(ctx.moreHoldOuts ?? [])];
  ctx.log(
    `  ${run.name}: successive halving over ${points.length} points, eta ${settings.eta}: ${plan.map((r) => `${r.points} × ${r.budget}`).join(' → ')} epochs; ` +
      (resumable ? 'promoted points continue training where they stopped' : `promoted points are refit from scratch with the larger budget (${run.type} cannot continue training)`),
  );

  const trials: TrialRecord[] = points.map((params, t) => ({
    trial: t + 1,
    params,
    validation: null,
    bestEpoch: 0,
    epochs: 0,
    stoppedEarly: false,
    seconds: 0,
    history: null,
    rung: 0,
  }));
  const fitsOf: (TrialFit[] | null)[] = points.map(() => null);
  const rungs: RungRecord[] = [];
  let epochsSpent = 0;
  let alive = points.map((_, t) => t);
  let best: HalvingOutcome['best'] = null;

  for (let r = 0; r < plan.length; r++) {
    const { budget } = plan[r];
    const inRung: RungRecord[] = [];
    for (const t of alive) {
      const record = trials[t];
      const previous = fitsOf[t];
      const resumed = resumable && previous !== null;
      const rung: RungRecord = { rung: r + 1, trial: t + 1, params: points[t], budget, validation: null, epochs: 0, kept: false, resumed };
      const t0 = performance.now();
      try {
        const fits: TrialFit[] = [];
        for (let h = 0; h < holdOuts.length; h++) {
          const fit = resumed
            ? await resume(run, points[t], holdOuts[h], previous![h], budget, metric, ctx)
            : await fitTrial(run, points[t], holdOuts[h], metric, ctx, { epochs: budget });
          rung.epochs += epochsRun(fit.history, resumed ? previous![h].history.bestEpoch : 0);
          fits.push(fit);
        }
        fitsOf[t] = fits;
        const value = mean(fits.map((f) => f.value));
        rung.validation = Number.isNaN(value) ? null : value;
        Object.assign(record, {
          validation: rung.validation,
          history: fits[0].history,
          epochs: fits[0].history.epochs.length,
          stoppedEarly: fits[0].history.stoppedEarly,
          bestEpoch: Math.round(mean(fits.map((f) => f.history.bestEpoch))),
          ...(fits.length > 1 ? { repeats: fits.map((f) => f.value) } : {}),
        });
      } catch (err) {
        if (err instanceof ConfigError) throw err;
        rung.error = record.error = (err as Error).message;
        record.validation = null;
        fitsOf[t] = null;
      }
      record.rung = r + 1;
      record.seconds += (performance.now() - t0) / 1000;
      epochsSpent += rung.epochs;
      inRung.push(rung);
      const outcome = rung.error ? `failed: ${rung.error}` : `${metric} ${fmt(rung.validation)} (epoch ${record.bestEpoch}/${record.epochs})`;
      ctx.log(
        `  ${run.name} rung ${r + 1}/${plan.length} (${budget} epoch${budget === 1 ? '' : 's'}${resumed ? ', resumed' : ''}) trial ${t + 1}${shownParams(points[t], varying)} → ${outcome}`,
      );
    }
    // Best first; failed points last, ties kept in trial order.
    const ranked = inRung
      .filter((x) => x.validation !== null)
      .sort((a, b) => (better(a.validation!, b.validation!, lowerIsBetter) ? -1 : better(b.validation!, a.validation!, lowerIsBetter) ? 1 : a.trial - b.trial));
    const last = r === plan.length - 1;
    const keep = last ? 1 : plan[r + 1].points;
    const kept = ranked.slice(0, keep);
    for (const x of kept) x.kept = true;
    rungs.push(...inRung);
    for (const t of alive) if (!kept.some((x) => x.trial === t + 1)) fitsOf[t] = null; // free what is dropped
    alive = kept.map((x) => x.trial - 1);
    if (alive.length === 0) break;
    if (last) {
      const t = alive[0];
      best = { model: fitsOf[t]![0].model, record: trials[t] };
    } else {
      ctx.log(`  ${run.name} rung ${r + 1}: kept trial${kept.length === 1 ? '' : 's'} ${kept.map((x) => x.trial).join(', ')} for ${plan[r + 1].budget} epochs`);
    }
  }
  ctx.log(`  ${run.name}: successive halving spent ${epochsSpent} epochs${holdOuts.length > 1 ? ` over ${holdOuts.length} hold-outs` : ''}`);
  return { trials, best, rungs, epochsSpent };
}

/** Continues a previous rung's fit up to `budget` epochs on the same hold-out. */
async function resume(run: RunSpec, point: Point, holdOut: HoldOut, previous: TrialFit, budget: number, metric: string, ctx: SearchContext): Promise<TrialFit> {
  const model = previous.model;
  const more = Math.max(1, budget - previous.history.bestEpoch);
  const history = await model.fit(holdOut.train, { ...fitOptions(run.fit, point, ctx, { validation: holdOut.validation, metric }), epochs: more, resume: true });
  return { model, history, value: bestValue(model, history, holdOut, metric, ctx) };
}
