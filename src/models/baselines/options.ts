/**
 * What the baselines share beside their specs: the task type and the mean used for rating
 * fallbacks. Hyperparameters are checked by each model's spec (src/models/spec.ts).
 *
 * The check helpers below are interim: the baselines no longer use them, but
 * src/models/ensemble/blend.ts and src/models/vae/multvae.ts still do until they get specs.
 * Delete them with their last caller.
 */
import { ConfigError } from '../../contracts/errors.ts';

export type Task = 'ranking' | 'rating';

/** Mean of the values, for rating fallbacks (0 for no data). */
export function meanOf(values: Float32Array): number {
  let s = 0;
  for (let k = 0; k < values.length; k++) s += values[k];
  return values.length > 0 ? s / values.length : 0;
}

/** Keys the fit loop reads from any model's config (src/train/fit.ts), allowed everywhere. */
const FIT_KEYS = ['epochs', 'threads', 'seed'];

/** Interim (blend, multvae): `defaults` overlaid with the given values (undefined ones ignored); unknown keys throw. */
export function withDefaults<T extends Record<string, unknown>>(type: string, defaults: T, given: Record<string, unknown>): T {
  const known = new Set([...Object.keys(defaults), ...FIT_KEYS]);
  const out: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(given ?? {})) {
    if (!known.has(key)) throw new ConfigError(`${type}: unknown hyperparameter "${key}" (known: ${[...known].sort().join(', ')})`);
    if (value !== undefined) out[key] = value;
  }
  return out as T;
}

/** A whole number ≥ min. */
export function checkInt(type: string, name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new ConfigError(`${type}: ${name} must be a whole number ≥ ${min}, got ${String(value)}`);
  }
  return value;
}

/** A finite number ≥ min (or > min when `strict`). */
export function checkNumber(type: string, name: string, value: unknown, min: number, strict = false): number {
  const ok = typeof value === 'number' && Number.isFinite(value) && (strict ? value > min : value >= min);
  if (!ok) throw new ConfigError(`${type}: ${name} must be a number ${strict ? '>' : '≥'} ${min}, got ${String(value)}`);
  return value as number;
}

/** One of a fixed set of strings. */
export function checkOneOf<T extends string>(type: string, name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw new ConfigError(`${type}: ${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

export function checkBoolean(type: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new ConfigError(`${type}: ${name} must be true or false, got ${JSON.stringify(value)}`);
  return value;
}
