import { ConfigError } from '../../contracts/errors.ts';
/** Parsing of rating and time fields, shared by the text and Parquet readers. */

/** The largest magnitude a 32-bit float holds (values are stored as float32). */
const FLOAT32_MAX = 3.4028234663852886e38;

/** What is wrong with a rating field that is not a usable number. */
export function ratingProblem(text: string): string {
  if (/^\s*[+-]?(nan|inf|infinity)\s*$/i.test(text)) return `rating ${JSON.stringify(text)} is not a finite number`;
  const v = Number(text);
  if (text.trim() !== '' && (v === Infinity || v === -Infinity || Math.abs(v) > FLOAT32_MAX)) {
    return `rating ${text.trim()} is too large: values are 32-bit floats (at most ±3.4e38)`;
  }
  return `rating ${JSON.stringify(text)} is not a number`;
}

export type TimeFormat = 'auto' | 'unix' | 'iso';

/** Number() also reads 0x10, 0b1 and 0o7; a rating or a time in a data file never means them. */
const RADIX_PREFIX = /^\s*0[xbo]/i;

/** The number in `text`, or NaN when it is empty, not a decimal number, or infinite. */
export function parseNumber(text: string): number {
  const v = +text;
  if (v - v !== 0) return NaN;
  if (v === 0 && text.trim() === '') return NaN;
  if (RADIX_PREFIX.test(text)) return NaN;
  return v;
}

// Y-M-D or Y/M/D, optional time and zone. Parsed as UTC when no zone is given, so a load gives
// the same numbers on every machine (Date.parse reads '2003/2/19' in the local time zone).
const DATE = /^\s*(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}(?:\.\d+)?))?)?\s*(Z|[+-]\d{2}:?\d{2})?\s*$/i;

/** Seconds since the epoch of a date like 2003-02-19, 2003/2/19 or 2003-02-19T10:00:00Z; NaN if none. */
export function parseDate(text: string): number {
  const m = DATE.exec(text);
  if (!m) {
    if (/^\s*[+-]?\d+(\.\d*)?\s*$/.test(text)) return NaN; // a bare number is not a date
    const ms = Date.parse(text);
    return ms === ms ? ms / 1000 : NaN;
  }
  const month = +m[2];
  const day = +m[3];
  const hour = m[4] ? +m[4] : 0;
  const minute = m[5] ? +m[5] : 0;
  const second = m[6] ? +m[6] : 0;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second >= 61) return NaN;
  let ms = Date.UTC(+m[1], month - 1, day, hour, minute, 0) + second * 1000;
  if (new Date(ms).getUTCDate() !== day) return NaN; // 2003-02-30
  const zone = m[7];
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (+digits.slice(0, 2) * 60 + +digits.slice(2)) * 60_000;
  }
  return ms / 1000;
}

/**
 * Parses time fields in one format, remembering the last text (dates repeat a lot in real files).
 * 'auto': a number is unix seconds, anything else a date. Returns NaN for text it cannot read.
 */
export class TimeParser {
  private lastText: string | null = null;
  private lastValue = NaN;

  constructor(readonly format: TimeFormat = 'auto') {
    if (!['auto', 'unix', 'iso'].includes(format)) throw new ConfigError(`unknown time format "${format}" (auto, unix or iso)`);
  }

  parse(text: string): number {
    if (text === this.lastText) return this.lastValue;
    let value = NaN;
    if (this.format !== 'iso') value = parseNumber(text);
    if (value !== value && this.format !== 'unix') value = parseDate(text);
    this.lastText = text;
    this.lastValue = value;
    return value;
  }

  /** What this format expects, for error messages. */
  describe(): string {
    return this.format === 'unix' ? 'unix seconds' : this.format === 'iso' ? 'a date (e.g. 2003-02-19)' : 'unix seconds or a date (e.g. 2003-02-19)';
  }
}
