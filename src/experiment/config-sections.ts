/**
 * The sections of an experiment file (protocol, data, search, runs with their params and fit
 * settings), each parsed into its normalised form with every problem passed to `fail` as
 * (path, message), and the small helpers those messages need.
 */
import type { DataFileSettings, EarlyStoppingSettings, FeatureUse, FitSettings, ParamSpace, ProtocolSettings, RunSpec, SearchSettings } from './config.ts';
import { checkParamValue } from './params.ts';
import { suggest } from '../contracts/suggest.ts';
import { isRankingMetric, parseMetric, VALIDATION_METRIC_NAMES } from '../train/validation.ts';
import { listProtocols } from '../eval/protocols.ts';
import { FEATURE_USES } from '../contracts/types.ts';

export type Fail = (path: (string | number)[], message: string) => void;

export const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const RUN_KEYS = ['name', 'type', 'params', 'fit'];
const FIT_KEYS = ['threads', 'earlyStopping', 'metric', 'features', 'binarize', 'validationUsers'];
const SEARCH_KEYS = ['strategy', 'trials', 'metric', 'validation', 'repeats', 'refit', 'eta', 'minEpochs', 'maxEpochs'];
const HALVING_KEYS = ['eta', 'minEpochs', 'maxEpochs'] as const;

export function parseProtocol(raw: unknown, fail: Fail): ProtocolSettings | null {
  if (typeof raw === 'string' && raw) return { name: raw, seed: null, options: {} };
  if (isObject(raw)) {
    const at = ['protocol'];
    unknownKeys(raw, ['name', 'seed', 'k', 'threshold', 'testRatio', 'split'], at, fail);
    const name = typeof raw.name === 'string' && raw.name ? raw.name : (fail([...at, 'name'], `expected a protocol name, got ${describe(raw.name)}`), '');
    const seed = raw.seed === undefined ? null : isWhole(raw.seed, 0) ? raw.seed : (fail([...at, 'seed'], `expected a whole number ≥ 0, got ${describe(raw.seed)}`), null);
    const options: ProtocolSettings['options'] = {};
    if (Array.isArray(raw.k)) {
      const bad = raw.k.map((k, i) => [k, i] as const).filter(([k]) => !isWhole(k, 1));
      for (const [k, i] of bad) fail([...at, 'k', i], `expected a positive whole number, got ${describe(k)}`);
      if (raw.k.length === 0) fail([...at, 'k'], 'an empty list gives no cut-off; give at least one positive whole number, or leave k out');
      else if (bad.length === 0) options.k = raw.k as number[];
    } else if (raw.k !== undefined) {
      if (isWhole(raw.k, 1)) options.k = [raw.k];
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
    checkProtocolOptions(name, options, at, fail);
    return { name, seed, options };
  }
  fail(['protocol'], `expected a protocol name (lightfm-ua, full-ranking, msr-stratified, recbole-ml1m, pointwise, bookcrossing-f1) or { name, seed, ... }, got ${describe(raw)}`);
  return null;
}

/**
 * Protocols that evaluate on a built-in dataset's own predefined split, which data read from a
 * file does not have (the protocol would fail once the data is loaded).
 */
const OWN_SPLIT: Record<string, string> = { 'lightfm-ua': "ML-100K's own ua.base/ua.test split" };
/** Protocols that split whatever data they are given (docs/experiments.md, "The file"). */
const ANY_DATA = ['full-ranking', 'msr-stratified', 'recbole-ml1m', 'pointwise'];

/** With a `data:` file: refuses a protocol (or a `split`) that needs a built-in dataset's own split. */
/**
 * The options each built-in protocol reads; the others fix their split, label threshold and
 * cut-offs, so an option given to them would be recorded as if it had applied.
 */
const PROTOCOL_OPTIONS: Record<string, readonly string[]> = {
  'full-ranking': ['k', 'threshold', 'testRatio', 'split'],
  pointwise: ['threshold'],
  'bookcrossing-f1': [],
  'lightfm-ua': [],
  'msr-stratified': [],
  'recbole-ml1m': [],
};

function checkProtocolOptions(name: string, options: ProtocolSettings['options'], at: (string | number)[], fail: Fail): void {
  const reads = PROTOCOL_OPTIONS[name];
  if (reads === undefined) return; // not a built-in protocol: its own name is checked later
  for (const key of Object.keys(options)) {
    if (reads.includes(key)) continue;
    const others = Object.keys(PROTOCOL_OPTIONS).filter((p) => PROTOCOL_OPTIONS[p].includes(key));
    fail(
      [...at, key],
      `${name} does not read ${key}: its ${reads.length ? `options are ${reads.join(', ')}` : 'split, label threshold and cut-offs are fixed'}${others.length ? `; ${key} is read by ${others.join(', ')}` : ''}`,
    );
  }
}

/**
 * A validation metric the protocol cannot judge by: a ranking protocol's held-out pairs are all
 * positives, so a pointwise metric there (rmse, f1, logloss…) is meaningless or missing.
 */
export function checkMetricForProtocol(protocol: string, metric: string, path: (string | number)[], fail: Fail): void {
  const task = listProtocols().find((p) => p.name === protocol)?.task;
  if (task !== 'ranking' || isRankingMetric(metric)) return;
  fail(
    path,
    `${metric} is a pointwise metric, and ${protocol} is a ranking protocol (every held-out pair is a positive, so there is nothing for ${metric} to judge): use a ranking metric such as auc, precision@10, recall@10, ndcg@10 or map@10`,
  );
}

export function checkProtocolTakesData(protocol: ProtocolSettings, namePath: (string | number)[], fail: Fail): void {
  const split = OWN_SPLIT[protocol.name];
  if (split)
    fail(
      namePath,
      `${protocol.name} evaluates on ${split}, which a data: file does not have; with a data: file use a protocol that takes any data (${ANY_DATA.join(', ')}), or use the built-in dataset instead of data:`,
    );
  else if (protocol.options.split !== undefined)
    fail(
      ['protocol', 'split'],
      `"${protocol.options.split}" is a built-in dataset's predefined split, and a data: file has none; remove split (the protocol then splits the file's interactions itself)`,
    );
}

export function parseData(raw: unknown, fail: Fail): DataFileSettings | null {
  const at = ['data'];
  if (!isObject(raw)) {
    fail(at, `expected a mapping { file, columns, separator, header, encoding, duplicates, minUserInteractions, minItemInteractions }, got ${describe(raw)}`);
    return null;
  }
  unknownKeys(raw, ['file', 'name', 'columns', 'separator', 'header', 'encoding', 'duplicates', 'minUserInteractions', 'minItemInteractions'], at, fail);
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
  for (const key of ['minUserInteractions', 'minItemInteractions'] as const) {
    if (raw[key] === undefined) continue;
    if (isWhole(raw[key], 1)) out[key] = raw[key] as number;
    else fail([...at, key], `expected a whole number ≥ 1 (the k-core's minimum), got ${describe(raw[key])}`);
  }
  return file ? out : null;
}

export function parseSearch(raw: unknown, fail: Fail): SearchSettings {
  const out: SearchSettings = { strategy: 'grid', trials: null, metric: null, validation: 0.1, repeats: 1, refit: null };
  if (raw === undefined) return out;
  if (!isObject(raw)) {
    fail(['search'], `expected a mapping { strategy, trials, metric, validation, repeats, refit }, got ${describe(raw)}`);
    return out;
  }
  unknownKeys(raw, SEARCH_KEYS, ['search'], fail);
  if (raw.strategy !== undefined) {
    if (raw.strategy === 'grid' || raw.strategy === 'random' || raw.strategy === 'successive-halving') out.strategy = raw.strategy;
    else fail(['search', 'strategy'], `expected grid, random or successive-halving, got ${describe(raw.strategy)}`);
  }
  for (const key of HALVING_KEYS) {
    if (raw[key] === undefined) continue;
    if (out.strategy !== 'successive-halving') fail(['search', key], `${key} is a setting of strategy: successive-halving (the strategy is ${out.strategy})`);
    else if (key === 'eta' ? typeof raw.eta === 'number' && raw.eta >= 2 : isWhole(raw[key], 1)) out[key] = raw[key] as number;
    else
      fail(
        ['search', key],
        key === 'eta' ? `expected a number ≥ 2 (keep the best 1/eta of each rung), got ${describe(raw.eta)}` : `expected a whole number ≥ 1 (epochs), got ${describe(raw[key])}`,
      );
  }
  if (out.minEpochs !== undefined && out.maxEpochs !== undefined && out.minEpochs > out.maxEpochs)
    fail(['search', 'minEpochs'], `minEpochs (${out.minEpochs}) is more than maxEpochs (${out.maxEpochs}): the first rung's budget must fit in the last's`);
  if (raw.trials !== undefined) {
    if (isWhole(raw.trials, 1)) out.trials = raw.trials;
    else fail(['search', 'trials'], `expected a whole number ≥ 1, got ${describe(raw.trials)}`);
  }
  if (raw.metric !== undefined) {
    if (typeof raw.metric !== 'string' || !raw.metric) fail(['search', 'metric'], `expected a metric name such as auc, precision@10 or rmse, got ${describe(raw.metric)}`);
    else {
      const problem = metricProblem(raw.metric);
      if (problem) fail(['search', 'metric'], problem);
      else out.metric = raw.metric;
    }
  }
  if (raw.validation !== undefined) {
    if (typeof raw.validation === 'number' && raw.validation > 0 && raw.validation < 1) out.validation = raw.validation;
    else fail(['search', 'validation'], `expected a fraction between 0 and 1 (e.g. 0.1), got ${describe(raw.validation)}`);
  }
  if (raw.repeats !== undefined) {
    if (isWhole(raw.repeats, 1)) out.repeats = raw.repeats;
    else fail(['search', 'repeats'], `expected a whole number ≥ 1 (validation parts to average over), got ${describe(raw.repeats)}`);
  }
  if (raw.refit !== undefined) {
    if (typeof raw.refit === 'boolean') out.refit = raw.refit;
    else fail(['search', 'refit'], `expected true or false, got ${describe(raw.refit)}`);
  }
  return out;
}

export function parseRun(raw: unknown, path: (string | number)[], baseline: boolean, fail: Fail): RunSpec | null {
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
    else
      for (const [key, value] of Object.entries(raw.params)) {
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
    fail(path, `expected a mapping { threads, earlyStopping, metric, features, binarize, validationUsers }, got ${describe(raw)}`);
    return fit;
  }
  unknownKeys(raw, FIT_KEYS, path, fail);
  if (raw.threads !== undefined) {
    if (isWhole(raw.threads, 1)) fit.threads = raw.threads;
    else fail([...path, 'threads'], `expected a whole number ≥ 1, got ${describe(raw.threads)}`);
  }
  if (raw.validationUsers !== undefined) {
    if (isWhole(raw.validationUsers, 1) || raw.validationUsers === 'auto' || raw.validationUsers === 'all') fit.validationUsers = raw.validationUsers;
    else fail([...path, 'validationUsers'], `expected auto, all or a whole number ≥ 1, got ${describe(raw.validationUsers)}`);
  }
  if (raw.metric !== undefined) {
    if (typeof raw.metric !== 'string' || !raw.metric) fail([...path, 'metric'], `expected a metric name such as auc, precision@10 or rmse, got ${describe(raw.metric)}`);
    else {
      const problem = metricProblem(raw.metric);
      if (problem) fail([...path, 'metric'], problem);
      else fit.metric = raw.metric;
    }
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

/**
 * What is wrong with a validation metric name, null when the fit loop can measure it: the fit
 * loop's own parser decides (`parseMetric`), so the file is checked against exactly the names a
 * run accepts, before any data is read. A near miss gets a did-you-mean.
 */
export function metricProblem(metric: string): string | null {
  try {
    parseMetric(metric);
    return null;
  } catch (err) {
    return `${(err as Error).message}${suggest(metric, nearbyMetrics(metric))}`;
  }
}

/**
 * Metric names near `metric` for a did-you-mean: every name `parseMetric` takes, with the cut-off
 * as written and look-alike letters in it read as digits (`ndcg@1O` → `ndcg@10`).
 */
function nearbyMetrics(metric: string): string[] {
  const at = metric.indexOf('@');
  const cutOff =
    at < 0
      ? ''
      : `@${metric
          .slice(at + 1)
          .replace(/[oO]/g, '0')
          .replace(/[lI|]/g, '1')}`;
  return VALIDATION_METRIC_NAMES.flatMap((name) => [name, name + cutOff]).filter((m) => m !== metric);
}

export function unknownKeys(obj: Record<string, unknown>, allowed: string[], path: (string | number)[], fail: Fail): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) fail([...path, key], `unknown field; expected one of ${allowed.join(', ')}${suggest(key, allowed)}`);
  }
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

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isWhole(value: unknown, min: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min;
}
