import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { isMap, isScalar, LineCounter, parseDocument, parse as parseYaml } from 'yaml';
import { ConfigError } from '../contracts/errors.ts';
import { suggest } from '../contracts/suggest.ts';
import type { ColumnMapping } from '../data/readers/columns.ts';

/** `user,item,rating[,time]` (header names) or `0,1,2[,3]` (positions) → a column mapping. */
export function parseColumns(text: string): ColumnMapping {
  const parts = text.split(',').map((s) => s.trim());
  if (parts.length < 2 || parts.length > 4 || parts.some((p) => p === '')) {
    throw new ConfigError(`--columns takes 2 to 4 comma-separated names or positions in the order user,item[,rating[,time]] (got "${text}")`);
  }
  const value = (p: string): string | number => (/^\d+$/.test(p) ? Number(p) : p);
  const [user, item, rating, time] = parts.map(value);
  return { user, item, ...(rating !== undefined ? { rating } : {}), ...(time !== undefined ? { time } : {}) };
}

/** Escapes people type for separators: '\t', 'tab', '\\t'. */
export function parseSeparator(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (text === '\\t' || text === 'tab' || text === 'TAB') return '\t';
  return text;
}

/**
 * A hyperparameter value from the command line: numbers, booleans, lists `64,32`, else a string.
 * A value in brackets or braces is read as YAML flow (`[64, 32]`, `[]`, `{ a: 1 }`), the way a
 * config file writes it: `[]` is the only way to say an empty list.
 */
export function parseValue(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    try {
      return parseYaml(trimmed);
    } catch (e) {
      throw new ConfigError(`cannot read "${text}" as a list or mapping: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (text.includes(',')) return text.split(',').map((t) => parseValue(t.trim()));
  const n = Number(text);
  return text.trim() !== '' && Number.isFinite(n) ? n : text;
}

export function parseNumber(name: string, text: string, { integer = false, min = -Infinity } = {}): number {
  const n = Number(text);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min) {
    throw new ConfigError(`${name} must be ${integer ? 'a whole number' : 'a number'}${min > -Infinity ? ` ≥ ${min}` : ''} (got "${text}")`);
  }
  return n;
}

/** A share of the data from the command line: a number in (0, 1), or [0, 1) when `zero` is allowed. */
export function parseRatio(flag: string, text: string, zero = false): number {
  const r = parseNumber(flag, text);
  if (!((zero ? r >= 0 : r > 0) && r < 1)) throw new ConfigError(`${flag} must be a number ${zero ? '≥ 0' : '> 0'} and < 1 (got "${text}")`);
  return r;
}

export const KCORE_HELP = {
  users: 'train on the k-core: users with at least n training interactions (with --min-item-interactions, repeated until both hold); held-out rows of removed users are dropped',
  items: 'train on the k-core: items with at least n training interactions (e.g. 5 on sparse data such as Book-Crossing); held-out rows of removed items are dropped',
};

/** `--min-user-interactions` / `--min-item-interactions` (or the config file's keys of those names). */
export function parseKCore(o: Record<string, unknown>): { minUserInteractions?: number; minItemInteractions?: number } {
  const out: { minUserInteractions?: number; minItemInteractions?: number } = {};
  if (o.minUserInteractions !== undefined) out.minUserInteractions = parseNumber('--min-user-interactions', String(o.minUserInteractions), { integer: true, min: 1 });
  if (o.minItemInteractions !== undefined) out.minItemInteractions = parseNumber('--min-item-interactions', String(o.minItemInteractions), { integer: true, min: 1 });
  return out;
}

export const PARAM_HELP = 'any other hyperparameter, e.g. factors=64, layers=64,32 or layers=[] (repeatable)';

/** `--param key=value` (repeatable) into an object. */
export function collectParam(text: string, previous: Record<string, unknown> = {}): Record<string, unknown> {
  const at = text.indexOf('=');
  if (at <= 0) throw new ConfigError(`--param takes name=value (got "${text}")`);
  const name = text.slice(0, at);
  try {
    return { ...previous, [name]: parseValue(text.slice(at + 1)) };
  } catch (e) {
    throw e instanceof ConfigError ? new ConfigError(`--param ${name}: ${e.message}`) : e;
  }
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** A JSON or YAML config file as an object, with the file named in any error. */
export async function readConfigFile(path: string, known?: readonly string[], listed: readonly string[] | undefined = known): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config file ${path}: ${(e as Error).message}`);
  }
  let value: Record<string, unknown>;
  try {
    value = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('expected a mapping of options');
  } catch (e) {
    throw new ConfigError(`${path}: ${(e as Error).message}`);
  }
  // A misspelt key would otherwise leave its setting at the default without a word.
  const unknown = known ? Object.keys(value).filter((k) => !known.includes(k)) : [];
  if (known && unknown.length > 0) {
    const lines = topLevelKeyLines(text);
    throw new ConfigError(
      unknown.map((k) => `${path}${lines.has(k) ? `:${lines.get(k)}` : ''}: unknown key "${k}"${suggest(k, [...known])}; known: ${listed?.join(', ')}`).join('\n'),
    );
  }
  return value;
}

/** The line of each top-level key of a YAML (or JSON) mapping. */
function topLevelKeyLines(text: string): Map<string, number> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const lines = new Map<string, number>();
  if (!isMap(doc.contents)) return lines;
  for (const pair of doc.contents.items) {
    if (isScalar(pair.key) && pair.key.range) lines.set(String(pair.key.value), lineCounter.linePos(pair.key.range[0]).line);
  }
  return lines;
}

/**
 * The options a command was given on its command line, without commander's defaults: a config
 * file's value wins over a default the user never typed, and loses to a flag they did.
 */
export function givenOptions(cmd: Command): Record<string, unknown> {
  return Object.fromEntries(Object.entries(cmd.opts()).filter(([k, v]) => v !== undefined && cmd.getOptionValueSource(k) !== 'default'));
}

/** The keys a config file for `cmd` may hold: its options' names (camelCase) but `config`. */
export function optionKeys(cmd: Command): string[] {
  return cmd.options.map((o) => o.attributeName()).filter((k) => k !== 'config');
}

/** A memory size such as `8G`, `512M`, `2.5GB` or a plain number of bytes. */
export function parseBytes(name: string, text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*$/i.exec(text);
  if (!m) throw new ConfigError(`${name} takes a size such as 8G, 512M or 2.5GB, got "${text}"`);
  return Number(m[1]) * 1024 ** ' KMGT'.indexOf(m[2].toUpperCase() || ' ');
}

/** How the commands that read interaction files read them: one set of flags, one meaning. */
export interface FileFlags {
  columns: string;
  sep?: string;
  header?: boolean;
  encoding: 'utf8' | 'latin1';
  onError?: 'throw' | 'skip';
  duplicates?: 'keep' | 'last' | 'max' | 'sum' | 'error';
  keepIdWhitespace?: boolean;
}

/** The default of --columns everywhere: header names (a headerless file is told to use 0,1,2). */
export const DEFAULT_COLUMNS = 'user,item,rating';

/** Adds the file-reading flags to `cmd`; `files` names the files they apply to in the help. */
export function addFileFlags(cmd: Command, files = 'files'): Command {
  return cmd
    .option('--columns <cols>', `${files}: user,item[,rating[,time]] by header name (implies --header) or 0-based position, e.g. 0,1,2`, DEFAULT_COLUMNS)
    .option('--sep <sep>', `${files}: field separator (default: tab for .tsv/.data, else ','; '\\t' for tab)`)
    .option('--header', `${files}: the first line is a header`)
    .option('--encoding <enc>', `${files}: utf8 or latin1`, 'utf8')
    .option('--on-error <mode>', `${files}: throw (default) or skip malformed rows, counting them`)
    .option('--duplicates <policy>', `${files}: repeated (user, item) rows: keep, last (default), max, sum or error; the count is reported`)
    .option('--keep-id-whitespace', `${files}: keep spaces around ids (default: trim them, so "1, 10" and "1,10" name one item)`);
}

/** The reader options the file flags set. */
export function fileReadOptions(o: FileFlags): {
  columns: ColumnMapping;
  separator?: string;
  header?: boolean;
  encoding: 'utf8' | 'latin1';
  onError?: 'throw' | 'skip';
  duplicates?: FileFlags['duplicates'];
  keepIdWhitespace?: boolean;
} {
  return {
    columns: parseColumns(o.columns),
    separator: parseSeparator(o.sep),
    header: o.header,
    encoding: o.encoding,
    onError: o.onError,
    duplicates: o.duplicates,
    keepIdWhitespace: o.keepIdWhitespace,
  };
}
