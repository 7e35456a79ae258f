/**
 * Experiment files (YAML or JSON) → a validated, normalised `ExperimentConfig`. One file
 * describes a whole experiment (after RecBole/Elliot): protocol, seed, baselines, search and
 * models. Every problem is reported at once, each as `file:line: path.to.field: what is wrong`.
 * The shape is documented in docs/experiments.md.
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { ConfigError } from '../contracts/errors.ts';
import type { FeatureUse } from '../contracts/types.ts';
import type { ValidationUsers } from '../train/types.ts';
import {
  NAME,
  checkMetricForProtocol,
  checkProtocolTakesData,
  describe,
  isObject,
  isWhole,
  parseData,
  parseProtocol,
  parseRun,
  parseSearch,
  pathOf,
  pathText,
  unknownKeys,
} from './config-sections.ts';

/** One hyperparameter: a fixed value, a list of choices, or a numeric range (random search). */
export type ParamSpace = { kind: 'fixed'; value: unknown } | { kind: 'choice'; values: unknown[] } | { kind: 'range'; min: number; max: number; log: boolean; integer: boolean };

export interface EarlyStoppingSettings {
  patience: number;
  minDelta?: number;
  restoreBest?: boolean;
}

/** Fit-loop settings of one run (not hyperparameters of the model). */
export interface FitSettings {
  threads?: number;
  /** Validate each epoch on a seeded sample of this many users (estimates; cheaper on large catalogues); `auto` (the fit loop's default) or `all`. */
  validationUsers?: ValidationUsers;
  earlyStopping?: EarlyStoppingSettings | false;
  /** Validation metric for this run, overriding `search.metric`. */
  metric?: string;
  /** Which of the protocol's metadata features the model is given (default both). */
  features?: FeatureUse;
  /**
   * Train on 0/1 labels instead of the raw values: value ≥ the protocol's label threshold (true)
   * or ≥ this number → 1, else 0. For label models (logistic regression, NCF without negatives)
   * under pointwise protocols, whose training values stay raw ratings.
   */
  binarize?: true | number;
}

export type { FeatureUse };

/** A model or baseline to train: its registry type, the search space and fit settings. */
export interface RunSpec {
  name: string;
  type: string;
  baseline: boolean;
  params: Record<string, ParamSpace>;
  fit: FitSettings;
  /** Where it sits in the file (`models[1]`), for messages. */
  path: string;
}

/** The protocol and the options its `prepare` takes. */
export interface ProtocolSettings {
  name: string;
  /** Split seed (default: the protocol's own, so numbers stay comparable across experiments). */
  seed: number | null;
  options: {
    /** Ranking cut-offs (full-ranking). */
    k?: number[];
    /** Relevance / label threshold (full-ranking, pointwise). */
    threshold?: number;
    /** Test fraction per user (full-ranking). */
    testRatio?: number;
    /** A dataset's predefined split, e.g. `ua` (full-ranking). */
    split?: string;
  };
}

export interface SearchSettings {
  strategy: 'grid' | 'random' | 'successive-halving';
  /** Random and successive halving: number of draws. Grid: the most combinations allowed (default: all of them). */
  trials: number | null;
  /** Successive halving: keep the best 1/eta of each rung, multiply the epoch budget by eta (default 3). */
  eta?: number;
  /** Successive halving: the first rung's epochs (default 1). */
  minEpochs?: number;
  /** Successive halving: the last rung's epochs (default: the model's own epochs). */
  maxEpochs?: number;
  /** Validation metric used to pick the best trial (default: the protocol's when it can be measured on validation). */
  metric: string | null;
  /** Fraction of each user's training interactions held out for validation when the protocol has none. */
  validation: number;
  /**
   * Repeated hold-out: how many different validation parts to carve (seeds seed, seed + 1, …);
   * every trial is fit on each and the mean validation value picks the winner (default 1).
   */
  repeats: number;
  /** Retrain the chosen parameters on the whole training set (default: only when validation was carved out of train). */
  refit: boolean | null;
}

/** A data file read directly (instead of a built-in dataset), handed to the protocol as its data. */
export interface DataFileSettings {
  /** Absolute, or relative to the data folder (TASTEBUD_DATA_DIR), else to the experiment file. */
  file: string;
  /** Name shown in reports (default: the file name). */
  name: string | null;
  /** Column names (with a header) or 0-based positions. */
  columns: { user: string | number; item: string | number; rating?: string | number; time?: string | number };
  separator?: string;
  header?: boolean;
  encoding?: 'utf8' | 'latin1';
  duplicates?: 'keep' | 'last' | 'max' | 'sum' | 'error';
  /** Train on the k-core of the protocol's training part (as `tastebud train`'s flags of these names). */
  minUserInteractions?: number;
  minItemInteractions?: number;
}

export interface ExperimentConfig {
  name: string;
  description: string | null;
  /** The file it came from (null when built in code). */
  source: string | null;
  protocol: ProtocolSettings;
  dataset: string | null;
  data: DataFileSettings | null;
  seed: number;
  /** Default threads for every fit (1 keeps runs bit-for-bit reproducible). */
  threads: number;
  baselines: RunSpec[];
  search: SearchSettings;
  models: RunSpec[];
}

/** The baseline every experiment compares against. */
export const REFERENCE_BASELINE = 'popularity';

const TOP_KEYS = ['name', 'description', 'protocol', 'dataset', 'data', 'seed', 'threads', 'baselines', 'search', 'models'];

/** Reads and validates an experiment file (`.yaml`, `.yml` or `.json`). */
export async function loadExperimentConfig(file: string): Promise<ExperimentConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${file}: cannot read the experiment file (${(err as Error).message})`);
  }
  return parseExperimentConfig(text, file);
}

/** Parses experiment text (YAML, which includes JSON); `file` only labels messages. */
export function parseExperimentConfig(text: string, file: string | null = null): ExperimentConfig {
  const label = file ?? 'experiment';
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((e) => {
      const at = lineCounter.linePos(e.pos[0]);
      return `${label}:${at.line}: ${e.message.split('\n')[0]}`;
    });
    throw new ConfigError(lines.join('\n'));
  }
  const lineOf = (path: (string | number)[]): number | null => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node && typeof node === 'object' && node.range) return lineCounter.linePos(node.range[0]).line;
    }
    return null;
  };
  return validateExperimentConfig(doc.toJS(), { file, lineOf });
}

interface Where {
  file: string | null;
  lineOf?: (path: (string | number)[]) => number | null;
}

/** `file:line: path.to.field: message` (the line when it is known). */
function located(where: Where, path: (string | number)[], message: string): string {
  const line = where.lineOf?.(path) ?? null;
  const file = where.file ?? 'experiment';
  return `${line === null ? file : `${file}:${line}`}: ${pathText(path)}${path.length ? ': ' : ''}${message}`;
}

/**
 * Where each validated config came from, so that problems found after validation (an unknown
 * model type or protocol, a hyperparameter the model does not have) carry the same file and line
 * as those found while parsing. Kept beside the config, not in it: the config is written to
 * results.json as it is.
 */
const ORIGINS = new WeakMap<ExperimentConfig, Where & { protocolName: (string | number)[] }>();

/**
 * A problem with a field of a validated config, as `file:line: path: message` (the line when the
 * config came from a file; a config built in code gives its source or "experiment").
 */
export function problemAt(cfg: ExperimentConfig, path: (string | number)[], message: string): string {
  return located(ORIGINS.get(cfg) ?? { file: cfg.source }, path, message);
}

/** The path of the protocol's name in the file: `protocol`, or `protocol.name` when it is a mapping. */
export function protocolNamePath(cfg: ExperimentConfig): (string | number)[] {
  return ORIGINS.get(cfg)?.protocolName ?? ['protocol'];
}

/** Validates a plain object (as parsed from a file, or built in code) into an ExperimentConfig. */
export function validateExperimentConfig(raw: unknown, where: Where = { file: null }): ExperimentConfig {
  const errors: string[] = [];
  const fail = (path: (string | number)[], message: string): void => {
    errors.push(located(where, path, message));
  };
  if (!isObject(raw)) {
    fail([], `expected a mapping with name, protocol and models, got ${describe(raw)}`);
    throw new ConfigError(errors.join('\n'));
  }
  unknownKeys(raw, TOP_KEYS, [], fail);

  const name = typeof raw.name === 'string' && NAME.test(raw.name) ? raw.name : null;
  if (name === null) fail(['name'], `expected a name of letters, digits, '.', '_' or '-' (it names the output folder), got ${describe(raw.name)}`);
  const description =
    raw.description === undefined ? null : typeof raw.description === 'string' ? raw.description : (fail(['description'], `expected text, got ${describe(raw.description)}`), null);
  const protocol = parseProtocol(raw.protocol, fail);
  const dataset =
    raw.dataset === undefined
      ? null
      : typeof raw.dataset === 'string' && raw.dataset
        ? raw.dataset
        : (fail(['dataset'], `expected a dataset name, got ${describe(raw.dataset)}`), null);
  const data = raw.data === undefined ? null : parseData(raw.data, fail);
  if (data && dataset) fail(['data'], 'give either dataset (a built-in dataset) or data (a file), not both');
  const protocolName = isObject(raw.protocol) ? ['protocol', 'name'] : ['protocol'];
  if (data && protocol) checkProtocolTakesData(protocol, protocolName, fail);
  const seed = raw.seed === undefined ? 42 : isWhole(raw.seed, 0) ? raw.seed : (fail(['seed'], `expected a whole number ≥ 0, got ${describe(raw.seed)}`), 42);
  const threads = raw.threads === undefined ? 1 : isWhole(raw.threads, 1) ? raw.threads : (fail(['threads'], `expected a whole number ≥ 1, got ${describe(raw.threads)}`), 1);
  const search = parseSearch(raw.search, fail);

  const baselines: RunSpec[] = [];
  if (raw.baselines !== undefined && !Array.isArray(raw.baselines)) fail(['baselines'], `expected a list of baseline names, got ${describe(raw.baselines)}`);
  const baselineList = Array.isArray(raw.baselines) ? raw.baselines : [];
  baselineList.forEach((entry, i) => {
    const spec = parseRun(typeof entry === 'string' ? { type: entry } : entry, ['baselines', i], true, fail);
    if (spec) baselines.push(spec);
  });
  if (!baselines.some((b) => b.type === REFERENCE_BASELINE)) {
    baselines.unshift({ name: REFERENCE_BASELINE, type: REFERENCE_BASELINE, baseline: true, params: {}, fit: {}, path: 'baselines (added)' });
  }

  const models: RunSpec[] = [];
  if (!Array.isArray(raw.models) || raw.models.length === 0) {
    if (raw.models !== undefined || baselineList.length === 0) fail(['models'], `expected a non-empty list of models, got ${describe(raw.models)}`);
  } else {
    raw.models.forEach((entry, i) => {
      const spec = parseRun(entry, ['models', i], false, fail);
      if (spec) models.push(spec);
    });
  }

  const seen = new Map<string, string>();
  for (const run of [...baselines, ...models]) {
    const before = seen.get(run.name);
    if (before !== undefined) fail(pathOf(run.path, 'name'), `the name "${run.name}" is already used by ${before}; every run needs its own name (it names the model folder)`);
    else seen.set(run.name, run.path);
  }
  if (protocol) {
    if (search.metric) checkMetricForProtocol(protocol.name, search.metric, ['search', 'metric'], fail);
    for (const run of [...baselines, ...models]) if (run.fit.metric !== undefined) checkMetricForProtocol(protocol.name, run.fit.metric, pathOf(run.path, 'fit', 'metric'), fail);
  }
  if (search.strategy === 'grid') {
    for (const run of [...baselines, ...models]) {
      for (const [key, space] of Object.entries(run.params)) {
        if (space.kind === 'range') fail(pathOf(run.path, 'params', key), `a { min, max } range needs search.strategy: random; grid search takes a list of values`);
      }
    }
  }

  if (errors.length > 0) throw new ConfigError(errors.join('\n'));
  const cfg: ExperimentConfig = { name: name!, description, source: where.file, protocol: protocol!, dataset, data, seed, threads, baselines, search, models };
  ORIGINS.set(cfg, { ...where, protocolName });
  return cfg;
}
