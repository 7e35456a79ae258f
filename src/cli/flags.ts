/**
 * Hyperparameter flags of `tastebud train`, derived from the model specs: every hyperparameter
 * of every model is `--kebab-case <value>`, read by its schema kind. A few short aliases the
 * field uses (`--lr`) are kept.
 */
import type { Command } from 'commander';
import { ConfigError } from '../contracts/errors.ts';
import { listModels } from '../models/registry.ts';
import type { ParamSchema } from '../models/spec.ts';
import { parseNumber } from './options.ts';

type FlagKind = 'number' | 'text' | 'sizes' | 'boolean';

export interface HyperparameterFlag {
  /** e.g. `--learning-rate <value>` */
  flag: string;
  /** The config key it sets, e.g. `learningRate`. */
  key: string;
  kind: FlagKind;
  help: string;
}

const ALIASES: Record<string, string> = { learningRate: '--lr' };
// Keys the train command has flags of its own for (its --positive-threshold drops the data's
// non-positives, which covers the bilinear models' positiveThreshold).
const OWN = new Set(['epochs', 'threads', 'seed', 'positiveThreshold']);

export function hyperparameterFlags(): HyperparameterFlag[] {
  const byKey = new Map<string, { schema: ParamSchema | null; example: unknown; models: string[]; values: Set<string> }>();
  for (const m of listModels()) {
    for (const key of new Set([...Object.keys(m.defaults), ...Object.keys(m.schema)])) {
      if (OWN.has(key)) continue;
      const entry = byKey.get(key) ?? { schema: m.schema[key] ?? null, example: m.defaults[key], models: [], values: new Set<string>() };
      entry.models.push(m.type);
      // The same key may take different values in different models (e.g. optimizer, loss): list them all.
      const schema = m.schema[key];
      if (schema?.kind === 'enum') for (const v of schema.values) entry.values.add(v);
      byKey.set(key, entry);
    }
  }
  const flags: HyperparameterFlag[] = [];
  for (const [key, { schema, example, models, values: allowed }] of [...byKey.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const kind = kindOf(schema, example);
    if (kind === null) continue;
    const name = ALIASES[key] ?? `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    const values = allowed.size > 0 ? ` (${[...allowed].join(', ')})` : '';
    const who = models.length <= 3 ? `; ${models.join(', ')}` : "; default: the model's own (tastebud models)";
    flags.push({ flag: `${name} <${kind === 'sizes' ? 'sizes' : 'value'}>`, key, kind, help: `${shortHelp(schema?.help ?? key, key, allowed)}${values}${who}` });
  }
  return flags;
}

function kindOf(schema: ParamSchema | null, example: unknown): FlagKind | null {
  switch (schema?.kind) {
    case 'int':
    case 'number':
      return 'number';
    case 'enum':
    case 'string':
      return 'text';
    case 'sizes':
      return 'sizes';
    case 'boolean':
      return 'boolean';
    case 'json':
      return null;
  }
  // Models without a spec yet: read the kind off the default value.
  if (typeof example === 'number') return 'number';
  if (typeof example === 'string') return 'text';
  if (typeof example === 'boolean') return 'boolean';
  if (Array.isArray(example)) return 'sizes';
  return null;
}

export function addHyperparameterFlags(cmd: Command): void {
  for (const f of hyperparameterFlags()) cmd.option(f.flag, f.help);
}

/** The hyperparameters set by flags in commander's parsed options. */
export function readHyperparameterFlags(opts: Record<string, unknown>): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const { flag, key, kind } of hyperparameterFlags()) {
    const name = flag.split(' ')[0];
    const value = opts[attributeOf(name)];
    if (value !== undefined) params[key] = parseFlagValue(name, String(value), kind);
  }
  return params;
}

/** `--learning-rate` → `learningRate`, as commander names a flag's value. */
function attributeOf(flag: string): string {
  return flag.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * The hyperparameters a config file gives at its top level (`factors: 64`, or `learningRate` whose
 * flag is `--lr`), beside those under `params:`; and the file keys that are hyperparameters.
 */
export function hyperparameterKeys(): { keys: string[]; flagKeys: string[] } {
  const flags = hyperparameterFlags();
  return { keys: flags.map((f) => f.key), flagKeys: flags.map((f) => attributeOf(f.flag.split(' ')[0])) };
}

function parseFlagValue(flag: string, text: string, kind: FlagKind): unknown {
  if (kind === 'number') return parseNumber(flag, text);
  if (kind === 'text') return text;
  if (kind === 'boolean') {
    if (text === 'true' || text === 'false') return text === 'true';
    throw new ConfigError(`${flag} takes true or false (got "${text}")`);
  }
  const sizes = text.split(',').map((t) => Number(t.trim()));
  if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new ConfigError(`${flag} takes positive whole numbers separated by commas, e.g. 64,32 (got "${text}")`);
  return sizes;
}

/** The help text up to its first aside, so flag help stays short; the key itself when that says nothing. */
function shortHelp(help: string, key: string, values: Set<string>): string {
  const head = help.split(/ ?[(:;]|\. /)[0].trim();
  return head && !values.has(head) ? head : key.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`);
}
