/**
 * Experiment files (YAML or JSON) → a validated, normalised `ExperimentConfig`. One file
 * describes a whole experiment (after RecBole/Elliot): protocol, seed, baselines, search and
 * models. Every problem is reported at once, each as `file:line: path.to.field: what is wrong`.
 * The shape is documented in docs/experiments.md.
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { ConfigError } from '../data/errors.ts';
import { checkParamValue } from './params.ts';

/** One hyperparameter: a fixed value, a list of choices, or a numeric range (random search). */
export type ParamSpace =
  | { kind: 'fixed'; value: unknown }
  | { kind: 'choice'; values: unknown[] }
  | { kind: 'range'; min: number; max: number; log: boolean; integer: boolean };

export interface EarlyStoppingSettings {
  patience: number;
  minDelta?: number;
  restoreBest?: boolean;
}

/** Fit-loop settings of one run (not hyperparameters of the model). */
export interface FitSettings {
  threads?: number;
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

export type FeatureUse = 'both' | 'users' | 'items' | 'none';
const FEATURE_USES: FeatureUse[] = ['both', 'users', 'items', 'none'];

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
  strategy: 'grid' | 'random';
  /** Random: number of draws. Grid: the most combinations allowed (default: all of them). */
  trials: number | null;
  /** Validation metric used to pick the best trial (default: the protocol's when it can be measured on validation). */
  metric: string | null;
  /** Fraction of each user's training interactions held out for validation when the protocol has none. */
  validation: number;
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

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const TOP_KEYS = ['name', 'description', 'protocol', 'dataset', 'data', 'seed', 'threads', 'baselines', 'search', 'models'];
const RUN_KEYS = ['name', 'type', 'params', 'fit'];
const FIT_KEYS = ['threads', 'earlyStopping', 'metric', 'features', 'binarize'];
const SEARCH_KEYS = ['strategy', 'trials', 'metric', 'validation', 'refit'];

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

/** Validates a plain object (as parsed from a file, or built in code) into an ExperimentConfig. */
export function validateExperimentConfig(raw: unknown, where: Where = { file: null }): ExperimentConfig {
  const errors: string[] = [];
  const fail = (path: (string | number)[], message: string): void => {
    const line = where.lineOf?.(path) ?? null;
    const file = where.file ?? 'experiment';
    errors.push(`${line === null ? file : `${file}:${line}`}: ${pathText(path)}${path.length ? ': ' : ''}${message}`);
  };
  if (!isObject(raw)) {
    fail([], `expected a mapping with name, protocol and models, got ${describe(raw)}`);
    throw new ConfigError(errors.join('\n'));
  }
  unknownKeys(raw, TOP_KEYS, [], fail);

  const name = typeof raw.name === 'string' && NAME.test(raw.name) ? raw.name : null;
  if (name === null) fail(['name'], `expected a name of letters, digits, '.', '_' or '-' (it names the output folder), got ${describe(raw.name)}`);
  const description = raw.description === undefined ? null : typeof raw.description === 'string' ? raw.description : (fail(['description'], `expected text, got ${describe(raw.description)}`), null);
  const protocol = parseProtocol(raw.protocol, fail);
  const dataset = raw.dataset === undefined ? null : typeof raw.dataset === 'string' && raw.dataset ? raw.dataset : (fail(['dataset'], `expected a dataset name, got ${describe(raw.dataset)}`), null);
  const data = raw.data === undefined ? null : parseData(raw.data, fail);
  if (data && dataset) fail(['data'], 'give either dataset (a built-in dataset) or data (a file), not both');
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
  if (search.strategy === 'grid') {
    for (const run of [...baselines, ...models]) {
      for (const [key, space] of Object.entries(run.params)) {
        if (space.kind === 'range') fail(pathOf(run.path, 'params', key), `a { min, max } range needs search.strategy: random; grid search takes a list of values`);
      }
    }
  }

  if (errors.length > 0) throw new ConfigError(errors.join('\n'));
  return { name: name!, description, source: where.file, protocol: protocol!, dataset, data, seed, threads, baselines, search, models };
}

function parseProtocol(raw: unknown, fail: Fail): ProtocolSettings | null {
  if (typeof raw === 'string' && raw) return { name: raw, seed: null, options: {} };
  if (isObject(raw)) {
    const at = ['protocol'];
    unknownKeys(raw, ['name', 'seed', 'k', 'threshold', 'testRatio', 'split'], at, fail);
    const name = typeof raw.name === 'string' && raw.name ? raw.name : (fail([...at, 'name'], `expected a protocol name, got ${describe(raw.name)}`), '');
    const seed = raw.seed === undefined ? null : isWhole(raw.seed, 0) ? raw.seed : (fail([...at, 'seed'], `expected a whole number ≥ 0, got ${describe(raw.seed)}`), null);
    const options: ProtocolSettings['options'] = {};
    if (raw.k !== undefined) {
      const ks = Array.isArray(raw.k) ? raw.k : [raw.k];
      if (ks.length > 0 && ks.every((k) => isWhole(k, 1))) options.k = ks as number[];
      else fail([...at, 'k'], `expected a positive whole number or a list of them, got ${describe(raw.k)}`);
    }
    if (raw.threshold !== undefined) {
      if (typeof raw.threshold === 'number' && Number.isFinite(raw.threshold)) options.threshold = raw.threshold;
      else fail([...at, 'threshold'], `expected a number, got ${describe(raw.threshold)}`);
    }
    if (raw.testRatio !== undefined) {
      if (typeof raw.testRatio === 'number' && raw.testRatio > 0 && raw.testRatio < 1) options.testRatio = raw.testRatio;
      else fail([...at, 'testRatio'], `expected a fraction between 0 and 1, got ${describe(raw.testRatio)}`);
    }
    if (raw.split !== undefined) {
      if (typeof raw.split === 'string' && raw.split) options.split = raw.split;
      else fail([...at, 'split'], `expected the name of a predefined split (e.g. ua), got ${describe(raw.split)}`);
    }
    return { name, seed, options };
  }
  fail(['protocol'], `expected a protocol name (lightfm-ua, full-ranking, msr-stratified, recbole-ml1m, pointwise, bookcrossing-f1) or { name, seed, ... }, got ${describe(raw)}`);
  return null;
}

function parseData(raw: unknown, fail: Fail): DataFileSettings | null {
  const at = ['data'];
  if (!isObject(raw)) {
    fail(at, `expected a mapping { file, columns, separator, header, encoding }, got ${describe(raw)}`);
    return null;
  }
  unknownKeys(raw, ['file', 'name', 'columns', 'separator', 'header', 'encoding', 'duplicates'], at, fail);
  const file = typeof raw.file === 'string' && raw.file ? raw.file : (fail([...at, 'file'], `expected a file path, got ${describe(raw.file)}`), '');
  const name = raw.name === undefined ? null : typeof raw.name === 'string' ? raw.name : (fail([...at, 'name'], `expected text, got ${describe(raw.name)}`), null);
  const columns: DataFileSettings['columns'] = { user: 0, item: 1, rating: 2 };
  if (raw.columns !== undefined) {
    const cols = raw.columns;
    if (!isObject(cols)) fail([...at, 'columns'], `expected { user, item, rating?, time? } (names or 0-based positions), got ${describe(cols)}`);
    else {
      unknownKeys(cols, ['user', 'item', 'rating', 'time'], [...at, 'columns'], fail);
      const column = (key: string): string | number | undefined => {
        const v = cols[key];
        if (v === undefined) return undefined;
        if ((typeof v === 'string' && v) || isWhole(v, 0)) return v as string | number;
        fail([...at, 'columns', key], `expected a column name or 0-based position, got ${describe(v)}`);
        return undefined;
      };
      if (cols.user === undefined || cols.item === undefined) fail([...at, 'columns'], 'needs at least user and item');
      columns.user = column('user') ?? 0;
      columns.item = column('item') ?? 1;
      columns.rating = column('rating');
      columns.time = column('time');
      if (columns.rating === undefined) delete columns.rating;
      if (columns.time === undefined) delete columns.time;
    }
  }
  const out: DataFileSettings = { file, name, columns };
  if (raw.separator !== undefined) {
    if (typeof raw.separator === 'string' && raw.separator) out.separator = raw.separator;
    else fail([...at, 'separator'], `expected a separator such as "\\t", ",", ";" or "::", got ${describe(raw.separator)}`);
  }
  if (raw.header !== undefined) {
    if (typeof raw.header === 'boolean') out.header = raw.header;
    else fail([...at, 'header'], `expected true or false, got ${describe(raw.header)}`);
  }
  if (raw.encoding !== undefined) {
    if (raw.encoding === 'utf8' || raw.encoding === 'latin1') out.encoding = raw.encoding;
    else fail([...at, 'encoding'], `expected utf8 or latin1, got ${describe(raw.encoding)}`);
  }
  if (raw.duplicates !== undefined) {
    const policies = ['keep', 'last', 'max', 'sum', 'error'];
    if (policies.includes(raw.duplicates as string)) out.duplicates = raw.duplicates as DataFileSettings['duplicates'];
    else fail([...at, 'duplicates'], `expected one of ${policies.join(', ')}, got ${describe(raw.duplicates)}`);
  }
  return file ? out : null;
}

function parseSearch(raw: unknown, fail: Fail): SearchSettings {
  const out: SearchSettings = { strategy: 'grid', trials: null, metric: null, validation: 0.1, refit: null };
  if (raw === undefined) return out;
  if (!isObject(raw)) {
    fail(['search'], `expected a mapping { strategy, trials, metric, validation }, got ${describe(raw)}`);
    return out;
  }
  unknownKeys(raw, SEARCH_KEYS, ['search'], fail);
  if (raw.strategy !== undefined) {
    if (raw.strategy === 'grid' || raw.strategy === 'random') out.strategy = raw.strategy;
    else fail(['search', 'strategy'], `expected grid or random, got ${describe(raw.strategy)}`);
  }
  if (raw.trials !== undefined) {
    if (isWhole(raw.trials, 1)) out.trials = raw.trials;
    else fail(['search', 'trials'], `expected a whole number ≥ 1, got ${describe(raw.trials)}`);
  }
  if (raw.metric !== undefined) {
    if (typeof raw.metric === 'string' && raw.metric) out.metric = raw.metric;
    else fail(['search', 'metric'], `expected a metric name such as auc, precision@10 or rmse, got ${describe(raw.metric)}`);
  }
  if (raw.validation !== undefined) {
    if (typeof raw.validation === 'number' && raw.validation > 0 && raw.validation < 1) out.validation = raw.validation;
    else fail(['search', 'validation'], `expected a fraction between 0 and 1 (e.g. 0.1), got ${describe(raw.validation)}`);
  }
  if (raw.refit !== undefined) {
    if (typeof raw.refit === 'boolean') out.refit = raw.refit;
    else fail(['search', 'refit'], `expected true or false, got ${describe(raw.refit)}`);
  }
  return out;
}

function parseRun(raw: unknown, path: (string | number)[], baseline: boolean, fail: Fail): RunSpec | null {
  if (!isObject(raw)) {
    fail(path, `expected ${baseline ? 'a baseline name or ' : ''}a mapping { name, type, params, fit }, got ${describe(raw)}`);
    return null;
  }
  unknownKeys(raw, RUN_KEYS, path, fail);
  const type = typeof raw.type === 'string' && raw.type ? raw.type : null;
  if (type === null) fail([...path, 'type'], `expected a model type (e.g. bpr, warp, deepfm, popularity), got ${describe(raw.type)}`);
  let name = type ?? '';
  if (raw.name !== undefined) {
    if (typeof raw.name === 'string' && NAME.test(raw.name)) name = raw.name;
    else fail([...path, 'name'], `expected a name of letters, digits, '.', '_' or '-', got ${describe(raw.name)}`);
  }
  const params: Record<string, ParamSpace> = {};
  if (raw.params !== undefined) {
    if (!isObject(raw.params)) fail([...path, 'params'], `expected a mapping of hyperparameters, got ${describe(raw.params)}`);
    else for (const [key, value] of Object.entries(raw.params)) {
      const space = parseParam(key, value, [...path, 'params', key], fail);
      if (space) params[key] = space;
    }
  }
  const fit = parseFit(raw.fit, [...path, 'fit'], fail);
  return type === null ? null : { name, type, baseline, params, fit, path: pathText(path) };
}

/**
 * A list is a search space (one value per trial); `{ min, max, log?, integer? }` is a range for
 * random search; `{ value: x }` fixes a value that is itself a list or mapping; anything else is
 * a fixed value. (A flat list for a list-valued hyperparameter such as `layers` is turned back
 * into one fixed value once the model's defaults are known: see `resolveRunParams`.)
 */
function parseParam(key: string, value: unknown, path: (string | number)[], fail: Fail): ParamSpace | null {
  const check = (v: unknown, where: (string | number)[], inList: boolean): boolean => {
    const problem = checkParamValue(key, v);
    if (problem) fail(where, `${problem}${inList ? '' : ' or a list'}, got ${describe(v)}`);
    return !problem;
  };
  if (Array.isArray(value)) {
    if (value.length === 0) {
      fail(path, 'an empty list leaves nothing to try; give at least one value');
      return null;
    }
    let ok = true;
    value.forEach((v, i) => (ok = check(v, [...path, i], true) && ok));
    return ok ? { kind: 'choice', values: value } : null;
  }
  if (isObject(value) && 'value' in value) {
    unknownKeys(value, ['value'], path, fail);
    return { kind: 'fixed', value: value.value };
  }
  if (isObject(value) && ('min' in value || 'max' in value)) {
    unknownKeys(value, ['min', 'max', 'log', 'integer'], path, fail);
    const { min, max } = value;
    const log = value.log === undefined ? false : value.log;
    if (typeof min !== 'number' || !Number.isFinite(min)) fail([...path, 'min'], `expected a number, got ${describe(min)}`);
    if (typeof max !== 'number' || !Number.isFinite(max)) fail([...path, 'max'], `expected a number, got ${describe(max)}`);
    if (typeof log !== 'boolean') fail([...path, 'log'], `expected true or false, got ${describe(log)}`);
    if (typeof min !== 'number' || typeof max !== 'number' || typeof log !== 'boolean') return null;
    if (!(min < max)) fail(path, `min (${min}) must be less than max (${max})`);
    else if (log && min <= 0) fail([...path, 'min'], `a log-scale range needs min > 0, got ${min}`);
    else if (check(min, [...path, 'min'], true) && check(max, [...path, 'max'], true)) {
      const integer = value.integer === undefined ? Number.isInteger(min) && Number.isInteger(max) && checkParamValue(key, 0.5) !== null : value.integer === true;
      return { kind: 'range', min, max, log, integer };
    }
    return null;
  }
  return check(value, path, false) ? { kind: 'fixed', value } : null;
}

function parseFit(raw: unknown, path: (string | number)[], fail: Fail): FitSettings {
  const fit: FitSettings = {};
  if (raw === undefined) return fit;
  if (!isObject(raw)) {
    fail(path, `expected a mapping { threads, earlyStopping, metric, features, binarize }, got ${describe(raw)}`);
    return fit;
  }
  unknownKeys(raw, FIT_KEYS, path, fail);
  if (raw.threads !== undefined) {
    if (isWhole(raw.threads, 1)) fit.threads = raw.threads;
    else fail([...path, 'threads'], `expected a whole number ≥ 1, got ${describe(raw.threads)}`);
  }
  if (raw.metric !== undefined) {
    if (typeof raw.metric === 'string' && raw.metric) fit.metric = raw.metric;
    else fail([...path, 'metric'], `expected a metric name, got ${describe(raw.metric)}`);
  }
  if (raw.features !== undefined) {
    if (FEATURE_USES.includes(raw.features as FeatureUse)) fit.features = raw.features as FeatureUse;
    else fail([...path, 'features'], `expected one of ${FEATURE_USES.join(', ')}, got ${describe(raw.features)}`);
  }
  if (raw.binarize !== undefined && raw.binarize !== false) {
    if (raw.binarize === true || (typeof raw.binarize === 'number' && Number.isFinite(raw.binarize))) fit.binarize = raw.binarize;
    else fail([...path, 'binarize'], `expected true (the protocol's label threshold) or a threshold number, got ${describe(raw.binarize)}`);
  }
  const es = raw.earlyStopping;
  if (es === false) fit.earlyStopping = false;
  else if (es !== undefined) {
    const at = [...path, 'earlyStopping'];
    if (!isObject(es)) fail(at, `expected { patience, minDelta, restoreBest } or false, got ${describe(es)}`);
    else {
      unknownKeys(es, ['patience', 'minDelta', 'restoreBest'], at, fail);
      const settings: EarlyStoppingSettings = { patience: 3 };
      if (es.patience !== undefined) {
        if (isWhole(es.patience, 1)) settings.patience = es.patience;
        else fail([...at, 'patience'], `expected a whole number ≥ 1, got ${describe(es.patience)}`);
      }
      if (es.minDelta !== undefined) {
        if (typeof es.minDelta === 'number' && es.minDelta >= 0) settings.minDelta = es.minDelta;
        else fail([...at, 'minDelta'], `expected a number ≥ 0, got ${describe(es.minDelta)}`);
      }
      if (es.restoreBest !== undefined) {
        if (typeof es.restoreBest === 'boolean') settings.restoreBest = es.restoreBest;
        else fail([...at, 'restoreBest'], `expected true or false, got ${describe(es.restoreBest)}`);
      }
      fit.earlyStopping = settings;
    }
  }
  return fit;
}

type Fail = (path: (string | number)[], message: string) => void;

function unknownKeys(obj: Record<string, unknown>, allowed: string[], path: (string | number)[], fail: Fail): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) fail([...path, key], `unknown field; expected one of ${allowed.join(', ')}${suggest(key, allowed)}`);
  }
}

/** ` (did you mean "x"?)` for a near miss, else nothing. */
export function suggest(key: string, allowed: string[]): string {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const a of allowed) {
    const d = editDistance(key.toLowerCase(), a.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [a, d];
  }
  return best !== null && bestDistance <= Math.max(1, Math.floor(key.length / 3)) ? ` (did you mean "${best}"?)` : '';
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row.push(Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = row;
  }
  return prev[b.length];
}

/** `models[1].params.factors` from ['models', 1, 'params', 'factors']. */
export function pathText(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/** Path segments of a run's recorded path plus more keys (for messages after parsing). */
export function pathOf(runPath: string, ...more: string[]): (string | number)[] {
  const segments: (string | number)[] = [];
  for (const m of runPath.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) segments.push(m[2] !== undefined ? Number(m[2]) : m[1]);
  return [...segments, ...more];
}

export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (isObject(value)) return 'a mapping';
  return String(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isWhole(value: unknown, min: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min;
}
