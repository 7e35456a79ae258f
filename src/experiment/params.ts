/**
 * Hyperparameter values in experiment files: type checks for the names every model shares
 * (so `factors: abc` fails before any data is read), and the second check against a model's
 * own defaults once its type is known (unknown names, wrong kinds, list-valued parameters).
 */
import type { ParamSpace, RunSpec } from './config.ts';
import { describe, pathOf } from './config-sections.ts';
import { suggest } from '../contracts/suggest.ts';

type Check = (value: unknown) => boolean;

const positiveInt: Check = (v) => typeof v === 'number' && Number.isInteger(v) && v >= 1;
const positive: Check = (v) => typeof v === 'number' && Number.isFinite(v) && v > 0;
const nonNegative: Check = (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const fraction: Check = (v) => typeof v === 'number' && v >= 0 && v < 1;
const layerSizes: Check = (v) => positiveInt(v) || (Array.isArray(v) && v.every(positiveInt));

/** Names shared across models, with what each must be. */
const KNOWN: Record<string, [Check, string]> = {
  factors: [positiveInt, 'expected a positive integer'],
  epochs: [(v) => typeof v === 'number' && Number.isInteger(v) && v >= 0, 'expected a whole number ≥ 0'],
  negatives: [(v) => typeof v === 'number' && Number.isInteger(v) && v >= 0, 'expected a whole number ≥ 0'],
  batchSize: [positiveInt, 'expected a positive integer'],
  neighbors: [positiveInt, 'expected a positive integer'],
  k: [positiveInt, 'expected a positive integer'],
  maxSampled: [positiveInt, 'expected a positive integer'],
  embeddingSize: [positiveInt, 'expected a positive integer'],
  iterations: [positiveInt, 'expected a positive integer'],
  learningRate: [positive, 'expected a number > 0'],
  l2: [nonNegative, 'expected a number ≥ 0'],
  alpha: [nonNegative, 'expected a number ≥ 0'],
  margin: [nonNegative, 'expected a number ≥ 0'],
  regularization: [nonNegative, 'expected a number ≥ 0'],
  dropout: [fraction, 'expected a fraction in [0, 1)'],
  layers: [layerSizes, 'expected a list of positive integers (layer sizes)'],
};

/** What is wrong with one value of hyperparameter `key` (null when nothing is). */
export function checkParamValue(key: string, value: unknown): string | null {
  const known = KNOWN[key];
  if (known) return known[0](value) ? null : known[1];
  if (typeof value === 'number' && !Number.isFinite(value)) return 'expected a finite number';
  return null;
}

/** Settings a model takes but an experiment sets for all its runs, and where they go in the file. */
const RUN_SETTINGS: Record<string, string> = {
  seed: 'the experiment has one seed for every run (a top-level `seed:`)',
  threads: "give it once at the top level (`threads:`) or in the run's `fit: { threads }`",
};

/** A problem with one field: its path in the file (`['models', 1, 'params', 'factors']`) and what is wrong. */
export interface FieldProblem {
  path: (string | number)[];
  message: string;
}

/**
 * Checks a run's parameters against its model's defaults (`createModel(type).config`, which holds
 * every hyperparameter): unknown names are errors, values must have the default's kind, and a
 * flat list for a list-valued parameter (`layers: [64, 32]`) is that one value, not a search
 * space (search lists of lists: `layers: [[64, 32], [128, 64]]`). Returns the resolved params
 * and the problems found, each with the path of its field (`problemAt` adds file and line).
 */
export function resolveRunParams(run: RunSpec, defaults: Record<string, unknown>): { params: Record<string, ParamSpace>; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const params: Record<string, ParamSpace> = {};
  const known = Object.keys(defaults);
  for (const [key, space] of Object.entries(run.params)) {
    const where = pathOf(run.path, 'params', key);
    if (!(key in defaults) && RUN_SETTINGS[key]) {
      // `tastebud models` lists them with each model's hyperparameters; in an experiment they are set once for every run.
      problems.push({ path: where, message: `${key} is not set per model in an experiment: ${RUN_SETTINGS[key]}` });
      continue;
    }
    if (!(key in defaults)) {
      problems.push({ path: where, message: `${run.type} has no hyperparameter "${key}"${suggest(key, known)}; it has ${known.join(', ')}` });
      continue;
    }
    const def = defaults[key];
    let resolved = space;
    if (Array.isArray(def) && space.kind === 'choice' && !space.values.some(Array.isArray)) resolved = { kind: 'fixed', value: space.values };
    const values = resolved.kind === 'fixed' ? [resolved.value] : resolved.kind === 'choice' ? resolved.values : [resolved.min, resolved.max];
    for (const v of values) {
      const problem = kindMismatch(def, v);
      if (problem) problems.push({ path: where, message: `${problem}, got ${describe(v)}` });
    }
    params[key] = resolved;
  }
  return { params, problems };
}

function kindMismatch(def: unknown, value: unknown): string | null {
  if (def === null || def === undefined || value === null) return null;
  if (Array.isArray(def)) return Array.isArray(value) ? null : 'expected a list';
  if (typeof def === 'object') return typeof value === 'object' && !Array.isArray(value) ? null : 'expected a mapping';
  if (typeof def !== typeof value) return `expected a ${typeof def === 'boolean' ? 'true/false value' : typeof def}`;
  return null;
}
