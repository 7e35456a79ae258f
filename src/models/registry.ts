/**
 * Every model type by name, gathered from the families' spec lists: the registry is an
 * ordinary module with static imports, so nothing registers itself on import.
 */
import { ConfigError } from '../contracts/errors.ts';
import { suggest } from '../contracts/suggest.ts';
import type { Task } from '../contracts/types.ts';
import { baselinesSpecs } from './baselines/specs.ts';
import { bilinearSpecs } from './bilinear/specs.ts';
import { deepSpecs } from './deep/specs.ts';
import { ensembleSpecs } from './ensemble/specs.ts';
import { mfSpecs } from './mf/specs.ts';
import { twoTowerSpecs } from './twotower/specs.ts';
import { vaeSpecs } from './vae/specs.ts';
import type { Recommender } from './recommender.ts';
import { fullSchema, resolveConfig, type ModelSpec, type ParamSchema } from './spec.ts';

const SPECS = { ...baselinesSpecs, ...bilinearSpecs, ...deepSpecs, ...ensembleSpecs, ...mfSpecs, ...twoTowerSpecs, ...vaeSpecs } as const;

type Specs = typeof SPECS;
/** The registered model type names. */
export type ModelType = keyof Specs;
/** The hyperparameters of model type `T`. */
export type ModelConfig<T extends ModelType> = Specs[T] extends ModelSpec<infer C, Recommender> ? C : never;
/** The class `createModel(T)` returns. */
export type ModelOf<T extends ModelType> = Specs[T] extends ModelSpec<object, infer M> ? M : never;
/** What `createModel` accepts for type `T`: its hyperparameters and the fit loop's keys. */
export type ModelOptions<T extends ModelType> = Partial<ModelConfig<T>> & Omit<FitKeys, keyof ModelConfig<T>>;

type FitKeys = { epochs?: number; threads?: number; seed?: number };

const specs = new Map<string, ModelSpec<object>>(Object.entries(SPECS) as [string, ModelSpec<object>][]);

/** The spec of a model type, or a ConfigError listing the known types (with a did-you-mean). */
export function getModelSpec(type: string): ModelSpec<object> {
  const spec = specs.get(type);
  if (!spec) {
    const known = [...specs.keys()].sort();
    throw new ConfigError(`unknown model "${type}"${suggest(type, known)}; known models: ${known.join(', ')}`);
  }
  return spec;
}

/**
 * A new, untrained model. With a literal type name the config is type-checked against that
 * model's hyperparameters; at run time unknown keys and wrong kinds are ConfigErrors.
 */
export function createModel<T extends ModelType>(type: T, config?: ModelOptions<T>): ModelOf<T>;
export function createModel<T extends string>(type: T extends ModelType ? never : T, config?: Record<string, unknown>): Recommender;
export function createModel(type: string, config: Record<string, unknown> = {}): Recommender {
  // From plain JavaScript nothing stops createModel() or createModel('warp', 5): said plainly, not as a TypeError.
  if (typeof type !== 'string') throw new ConfigError(`createModel: the model type must be a string such as "bpr" (got ${describeValue(type)}); \`tastebud models\` lists them`);
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new ConfigError(`createModel("${type}"): the hyperparameters must be an object such as { factors: 64 } (got ${describeValue(config)})`);
  }
  const spec = getModelSpec(type);
  return spec.create(resolveConfig(spec, config) as never, { createModel: (t, c) => createModel(t as string, c) });
}

export interface ModelInfo {
  type: string;
  description: string;
  task: Task | 'both';
  defaults: Record<string, unknown>;
  schema: Record<string, ParamSchema>;
}

/** Every model type with its description, task, defaults and hyperparameter schema, by name. */
export function listModels(): ModelInfo[] {
  const rows: ModelInfo[] = [...specs.values()].map((s) => ({ type: s.type, description: s.description, task: s.task, defaults: { ...s.defaults }, schema: fullSchema(s) }));
  return rows.sort((a, b) => a.type.localeCompare(b.type));
}

/**
 * Adds a model type of your own, described by a `defineModel` spec, so that `createModel`,
 * `loadModel`, experiments and the CLI know it. Nothing registers itself: call this once, before
 * use. Registering a type again replaces it; a built-in type cannot be replaced.
 */
export function registerModel(spec: ModelSpec<object>): void {
  if (spec.type in SPECS) throw new ConfigError(`"${spec.type}" is a built-in model type; give your model another name`);
  specs.set(spec.type, spec);
}

function describeValue(v: unknown): string {
  return v === undefined ? 'nothing' : v === null ? 'null' : Array.isArray(v) ? 'an array' : `${typeof v} ${String(v).slice(0, 40)}`;
}
