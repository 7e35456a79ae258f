/**
 * How many users the fit loop validates on (`validationUsers`). Ranking every item for every
 * validation user costs users × items scores: on a 17 K-item catalogue that was ~10× an NCF
 * training epoch. `'auto'` (the default) caps the sample with a deterministic cost model, never a
 * clock, so that a seed still gives the same run:
 *
 *   users ≤ 20 % × cost(epoch) / (items × cost(one score))
 *
 * in a unit the model chooses (`Trainable.validationCost`; by default a training row costs 10
 * scores, see `TRAINING_ROW_COST`). Below a floor the cap does not
 * apply: at least 100 users (so the estimate is not noise), and every user whose scores fit in
 * 2 M (user, item) pairs — a pass that small takes well under a CPU second for every model here,
 * and it keeps data of ML-100K's size (943 × 1,682 = 1.6 M pairs) validating every user, so
 * results there do not change.
 */
import { ConfigError } from '../contracts/errors.ts';
import type { Interactions } from '../data/interactions.ts';
import type { DataShape, Trainable, ValidationCost, ValidationUsers } from './types.ts';

export type { ValidationUsers } from './types.ts';

/** The largest share of an epoch's cost that `'auto'` lets validation take. */
export const AUTO_EPOCH_SHARE = 0.2;
/** `'auto'` never validates on fewer users than this (or every user, when there are fewer). */
export const AUTO_MIN_USERS = 100;
/** `'auto'` validates every user whose scores fit in this many (user, item) pairs, whatever the epoch costs. */
export const AUTO_FREE_SCORES = 2_000_000;

/** A `validationUsers` value from a file or the command line: `auto`, `all` or a whole number ≥ 1. */
export function parseValidationUsers(value: unknown, where: string): ValidationUsers {
  if (value === 'auto' || value === 'all') return value;
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 1) return n;
  throw new ConfigError(`${where}: expected auto, all or a whole number ≥ 1, got ${JSON.stringify(value)}`);
}

/**
 * What one training row costs in scores, for models that do not declare their cost. A row is a
 * forward and a backward pass (≈ 3 forward passes) plus optimizer steps on the rows it touches;
 * full-catalogue scoring is batched and shares work across items (NCF precomputes the items'
 * half of its first layer, factor models run one GEMM), so a score costs less than a forward pass
 * of a training row. Measured for NCF on the 17 K-item catalogue: 4.8 CPU-µs per training row,
 * 0.25 per score, a ratio of ~19 (bench/validation-auto.ts). 10 errs towards validating fewer users.
 */
export const TRAINING_ROW_COST = 10;

/**
 * The default cost model, for a model that does not declare its own: an epoch is one training row
 * per interaction plus one per sampled negative (`negatives` in its config), each costing
 * `TRAINING_ROW_COST` scores.
 */
export function defaultValidationCost(config: Record<string, unknown>, shape: DataShape): ValidationCost {
  const negatives = typeof config.negatives === 'number' && config.negatives > 0 ? config.negatives : 0;
  return { epoch: TRAINING_ROW_COST * shape.interactions * (1 + negatives), perScore: 1 };
}

export interface AutoChoice {
  /** Users to validate on (≤ `of`). */
  users: number;
  /** Validation users there are. */
  of: number;
  /** Why, for the log. */
  reason: string;
}

/**
 * `'auto'`'s choice for `of` validation users ranking `items` items, given what an epoch and a
 * score cost: the 20 % cap, raised to the floor (see the header), never above `of`.
 */
export function autoValidationUsers(cost: ValidationCost, items: number, of: number): AutoChoice {
  if (!(cost.epoch > 0 && cost.perScore > 0)) throw new ConfigError(`validation cost model: epoch and perScore must be > 0, got ${cost.epoch} and ${cost.perScore}`);
  const cap = Math.floor((AUTO_EPOCH_SHARE * cost.epoch) / (cost.perScore * Math.max(1, items)));
  const floor = Math.max(AUTO_MIN_USERS, Math.floor(AUTO_FREE_SCORES / Math.max(1, items)));
  const users = Math.min(of, Math.max(cap, floor));
  const share = (users * items * cost.perScore) / cost.epoch;
  const why =
    users === of
      ? 'every user fits'
      : cap >= floor
        ? `the ${Math.round(AUTO_EPOCH_SHARE * 100)} % cap`
        : `the floor of max(${AUTO_MIN_USERS}, ${formatCount(AUTO_FREE_SCORES)} scores / items) users`;
  return { users, of, reason: `auto: ${users} users × ${formatCount(items)} items ≈ ${percent(share)} of an epoch's cost by the model's cost model; ${why}` };
}

/** The users `validationUsers` asks for: a number as given, `'all'` every user, `'auto'` the cost model's choice. */
export function chooseValidationUsers(option: ValidationUsers, model: Trainable, shape: DataShape, of: number, rankingMetric: boolean): AutoChoice {
  if (option === 'all') return { users: of, of, reason: "validationUsers: 'all'" };
  if (typeof option === 'number') {
    if (!(Number.isInteger(option) && option >= 1)) throw new ConfigError(`validationUsers must be auto, all or a whole number ≥ 1, got ${option}`);
    return { users: Math.min(option, of), of, reason: 'validationUsers' };
  }
  if (option !== 'auto') throw new ConfigError(`validationUsers must be auto, all or a whole number ≥ 1, got ${JSON.stringify(option)}`);
  // A pointwise metric scores only the validation interactions themselves: cheap, so everyone.
  if (!rankingMetric) return { users: of, of, reason: 'auto: a pointwise metric scores only the validation interactions' };
  const cost = model.validationCost?.(shape) ?? defaultValidationCost(model.config, shape);
  return autoValidationUsers(cost, shape.items, of);
}

/** How many distinct users `x` has. */
export function countUsers(x: Interactions): number {
  const seen = new Uint8Array(x.numUsers);
  let n = 0;
  for (let p = 0; p < x.length; p++) {
    if (seen[x.users[p]] === 0) {
      seen[x.users[p]] = 1;
      n++;
    }
  }
  return n;
}

function percent(share: number): string {
  const p = share * 100;
  return `${p < 10 ? p.toFixed(1) : Math.round(p)} %`;
}

function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
