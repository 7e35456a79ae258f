/**
 * A model spec is the one description of a model type: its name, what it is, its task, its
 * hyperparameters (defaults + a schema) and how to build it. Validation, CLI flags, experiment
 * checks and `tastebud models` all read the spec, so a hyperparameter is declared once.
 */
import { ConfigError } from '../contracts/errors.ts';
import { suggest } from '../contracts/suggest.ts';
import type { Task } from '../contracts/types.ts';
import type { Recommender } from './recommender.ts';

/** What one hyperparameter accepts. `nullable`: `null` is allowed and means "derived" (see `help`). */
export type ParamSchema = { help: string; nullable?: boolean; flag?: string } & (
  | { kind: 'int'; min?: number; max?: number }
  | { kind: 'number'; min?: number; max?: number; exclusiveMin?: boolean; exclusiveMax?: boolean }
  | { kind: 'boolean' }
  | { kind: 'enum'; values: readonly string[] }
  /** A list of positive whole numbers, e.g. hidden layer sizes `[64, 32]`. */
  | { kind: 'sizes' }
  | { kind: 'string' }
  /** Any JSON value the model checks itself (e.g. a blend's members). */
  | { kind: 'json' }
);

export type ConfigSchema<C> = { [K in keyof C]-?: ParamSchema };

/** What `create` may use beside the config: the registry, for models built from other models. */
export interface CreateContext {
  createModel(type: string, config?: Record<string, unknown>): Recommender;
}

export interface ModelSpec<C extends object = Record<string, unknown>, M extends Recommender = Recommender> {
  type: string;
  description: string;
  /** 'both' for baselines that do ratings or rankings by their `task` hyperparameter. */
  task: Task | 'both';
  defaults: C;
  schema: ConfigSchema<C>;
  /** Builds the model from a complete, checked config. */
  create(config: C, context: CreateContext): M;
}

/** Identity with types: `export const popularitySpec = defineModel({...})`. */
export function defineModel<C extends object, M extends Recommender>(spec: ModelSpec<C, M>): ModelSpec<C, M> {
  for (const key of Object.keys(spec.defaults)) {
    if (!(key in spec.schema)) throw new Error(`${spec.type}: default "${key}" has no schema entry`);
  }
  for (const key of Object.keys(spec.schema)) {
    if (!(key in spec.defaults)) throw new Error(`${spec.type}: schema entry "${key}" has no default`);
  }
  return spec;
}

/** Keys the fit loop reads from any model's config (src/train/fit.ts), accepted by every model. */
export const FIT_SCHEMA: Record<'epochs' | 'threads' | 'seed', ParamSchema> = {
  epochs: { kind: 'int', min: 0, help: 'passes over the training data' },
  threads: { kind: 'int', min: 1, help: 'worker threads (default: cores)' },
  seed: { kind: 'int', help: 'random seed; with one thread, training is reproducible' },
};

/** The schema of every key a spec accepts: its own, then the fit loop's. */
export function fullSchema(spec: ModelSpec<object>): Record<string, ParamSchema> {
  return { ...FIT_SCHEMA, ...(spec.schema as Record<string, ParamSchema>) };
}

/**
 * The spec's defaults overlaid with `given` (undefined values ignored). Unknown keys and values
 * of the wrong kind are ConfigErrors naming the model, the key, what it accepts and, for a
 * near miss, the key that was probably meant.
 */
export function resolveConfig<C extends object>(spec: ModelSpec<C, Recommender>, given: Record<string, unknown> = {}): C {
  const schema = fullSchema(spec as ModelSpec<object>);
  const known = Object.keys(schema).sort();
  const out: Record<string, unknown> = { ...(spec.defaults as Record<string, unknown>) };
  for (const [key, value] of Object.entries(given)) {
    if (!(key in schema)) {
      throw new ConfigError(`${spec.type}: unknown hyperparameter "${key}"${suggestKey(key, known)} (known: ${known.join(', ')})`);
    }
    if (value === undefined) continue;
    const problem = checkValue(schema[key], value);
    if (problem) throw new ConfigError(`${spec.type}: ${key} ${problem}, got ${JSON.stringify(value)}`);
    out[key] = value;
  }
  return out as C;
}

/** What is wrong with `value` for this schema (`must be …`), or null. */
export function checkValue(schema: ParamSchema, value: unknown): string | null {
  if (value === null) return schema.nullable ? null : `must not be null`;
  switch (schema.kind) {
    case 'int': {
      const ok = typeof value === 'number' && Number.isInteger(value) && (schema.min === undefined || value >= schema.min) && (schema.max === undefined || value <= schema.max);
      return ok ? null : `must be a whole number${range(schema.min, schema.max, false, false)}`;
    }
    case 'number': {
      const v = value as number;
      const ok =
        typeof value === 'number' &&
        Number.isFinite(value) &&
        (schema.min === undefined || (schema.exclusiveMin ? v > schema.min : v >= schema.min)) &&
        (schema.max === undefined || (schema.exclusiveMax ? v < schema.max : v <= schema.max));
      return ok ? null : `must be a number${range(schema.min, schema.max, schema.exclusiveMin, schema.exclusiveMax)}`;
    }
    case 'boolean':
      return typeof value === 'boolean' ? null : 'must be true or false';
    case 'enum':
      return typeof value === 'string' && schema.values.includes(value) ? null : `must be one of ${schema.values.map((v) => `'${v}'`).join(', ')}`;
    case 'sizes':
      return Array.isArray(value) && value.every((s) => Number.isInteger(s) && s >= 1) ? null : 'must be a list of positive whole numbers, e.g. [64, 32]';
    case 'string':
      return typeof value === 'string' ? null : 'must be text';
    case 'json':
      return null;
  }
}

function range(min: number | undefined, max: number | undefined, exMin = false, exMax = false): string {
  const parts: string[] = [];
  if (min !== undefined) parts.push(`${exMin ? '>' : '≥'} ${min}`);
  if (max !== undefined) parts.push(`${exMax ? '<' : '≤'} ${max}`);
  return parts.length ? ` ${parts.join(' and ')}` : '';
}

/** Names other libraries give a hyperparameter (PyTorch, LightFM, implicit), and ours. */
const FIELD_NAMES: Record<string, string> = {
  lr: 'learningRate',
  learning_rate: 'learningRate',
  weight_decay: 'l2',
  no_components: 'factors',
  n_factors: 'factors',
  num_epochs: 'epochs',
  n_epochs: 'epochs',
  batch_size: 'batchSize',
};

/** ` (did you mean "x"?)`: another library's name or snake_case for one of `known`, else a near miss. */
function suggestKey(key: string, known: string[]): string {
  const camel = key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  const meant = [FIELD_NAMES[key], camel].find((k) => k !== undefined && k !== key && known.includes(k));
  return meant ? ` (did you mean "${meant}"?)` : suggest(key, known);
}
