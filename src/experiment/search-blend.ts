/**
 * A search over a blend's weights with its members fixed: the members are fit once per
 * validation part, and every weight trial reuses their scores (`MemberScoreCache`), instead of
 * refitting every member for every trial. Picks exactly what refitting per trial would (same
 * seeds, same scores), for the cost of one fit per hold-out.
 */
import type { TrainingHistory } from '../contracts/types.ts';
import { type Blend, MemberScoreCache } from '../models/ensemble/blend.ts';
import { createModel } from '../models/registry.ts';
import { sampleValidationUsers, validationScore } from '../train/validation.ts';
import type { RunSpec } from './config.ts';
import { fitOptions, type TrialFit } from './search-fit.ts';
import type { HoldOut, Point, SearchContext } from './search.ts';

/** The blend settings a weight trial may change without refitting a member. */
const WEIGHT_KEYS = new Set(['weights', 'mix', 'normalize']);

/** True when `run` is a blend whose points differ only in weights, mix or normalize (members fixed). */
export function isBlendWeightSearch(run: RunSpec, points: Point[]): boolean {
  if (run.type !== 'blend' || points.length < 2) return false;
  const fixedPart = (p: Point): string =>
    JSON.stringify(
      Object.keys(p)
        .filter((k) => !WEIGHT_KEYS.has(k))
        .sort()
        .map((k) => [k, p[k]]),
    );
  const first = fixedPart(points[0]);
  return points.every((p) => fixedPart(p) === first);
}

/**
 * A trial fitter for a blend weight search: the first trial on a hold-out fits the blend (every
 * member), later trials reweight those members and score validation through the shared cache.
 */
export function cachedBlendTrials(run: RunSpec, ctx: SearchContext, metric: string): (point: Point, holdOut: HoldOut) => Promise<TrialFit> {
  const fitted = new Map<HoldOut, { blend: Blend; cache: MemberScoreCache; validation: HoldOut['validation'] }>();
  return async (point, holdOut) => {
    let base = fitted.get(holdOut);
    if (!base) {
      const blend = createModel('blend', point) as Blend;
      await blend.fit(holdOut.train, fitOptions(run.fit, point, ctx, null));
      // The fit loop would validate on this sample (validationUsers); so do the weight trials.
      // ('auto' has no cost model for a blend's weight trials: they use every user, as before.)
      const validation = typeof run.fit.validationUsers === 'number' ? sampleValidationUsers(holdOut.validation, run.fit.validationUsers, ctx.seed).sample : holdOut.validation;
      base = { blend, cache: new MemberScoreCache(blend.models.length), validation };
      fitted.set(holdOut, base);
      ctx.log(`  ${run.name}: ${blend.models.length} members fit once on this validation part; every weight trial reuses their scores`);
    }
    const change: Point = {};
    for (const key of WEIGHT_KEYS) if (key in point) change[key] = point[key];
    const value = validationScore(base.blend.reweighted(change, base.cache), base.validation, metric, ctx.validationThreshold);
    const model = base.blend.reweighted(change); // without the cache: what the search may return and save
    const fitHistory = base.blend.history!;
    const history: TrainingHistory = { ...fitHistory, metric, bestEpoch: 1, epochs: fitHistory.epochs.map((e) => ({ ...e, validation: value })) };
    model.history = history;
    return { model, history, value };
  };
}
