import { FLOAT32_MAX, type InteractionsBuilder } from '../builder.ts';
import { DataFormatError } from '../../contracts/errors.ts';
import type { ResolvedColumns, RowErrors } from './columns.ts';
import { fieldsOf } from './records.ts';
import { parseNumber, ratingProblem, type TimeParser } from './values.ts';
import { likelySeparator, optionHint, separatedName, separatorHint } from './hints.ts';

/**
 * Turns delimited records into interactions. `row` takes fields as strings and is the one place
 * that decides what is wrong with a row; `spans` is the fast path for unquoted records, reading
 * numbers and integer ids straight from the decoded text, and hands anything unusual to `row`.
 */
export class InteractionRows {
  private readonly scratch: string[] = [];

  constructor(
    private readonly builder: InteractionsBuilder,
    private readonly errors: RowErrors,
    private readonly cols: ResolvedColumns,
    private readonly times: TimeParser,
    private readonly ratingDefault: number,
    private readonly separator: string,
    private readonly file: string,
    /** Trim spaces around ids (default); false keeps them as they are. */
    private readonly trimIds = true,
  ) {}

  readonly row = (fields: string[], line: number): void => {
    const c = this.cols;
    if (fields.length < c.minFields) {
      const missing = (['user', 'item', 'rating', 'time'] as const).find((r) => c.index[r] >= fields.length)!;
      const sep = JSON.stringify(this.separator);
      const alt = fields.length === 1 ? likelySeparator(fields[0], this.separator, c.minFields) : null;
      const advice = alt ? `; the line looks ${separatedName(alt)}: try ${separatorHint(alt)}` : '';
      return this.fail(`expected at least ${c.minFields} fields separated by ${sep}, found ${fields.length}${advice}`, line, c.name[missing]);
    }
    let user = fields[c.index.user];
    let item = fields[c.index.item];
    if (this.trimIds) {
      user = user.trim();
      item = item.trim();
    }
    if (user === '') return this.fail('user id is empty', line, c.name.user);
    if (item === '') return this.fail('item id is empty', line, c.name.item);
    let value = this.ratingDefault;
    if (c.index.rating >= 0) {
      const text = fields[c.index.rating];
      value = parseNumber(text);
      if (value !== value || value > FLOAT32_MAX || value < -FLOAT32_MAX) return this.fail(ratingProblem(text) + headerHint(line), line, c.name.rating);
    }
    let time = NaN;
    if (c.index.time >= 0) {
      const text = fields[c.index.time];
      if (text !== '') {
        time = this.times.parse(text);
        if (time !== time) return this.fail(`time ${JSON.stringify(text)} is not ${this.times.describe()}${headerHint(line)}`, line, c.name.time);
      }
    }
    if (!this.errors.skip) return this.builder.add(user, item, value, time, line);
    try {
      this.builder.add(user, item, value, time, line);
    } catch (e) {
      this.skipOrThrow(e);
    }
  };

  readonly spans = (text: string, b: Int32Array, count: number, line: number): void => {
    const c = this.cols;
    if (count < c.minFields) return this.row(fieldsOf(text, b, count, this.scratch), line);
    const u = 2 * c.index.user;
    const i = 2 * c.index.item;
    if (b[u] === b[u + 1] || b[i] === b[i + 1]) return this.row(fieldsOf(text, b, count, this.scratch), line);
    // Ids with spaces at either end take the slow path, which trims them (or keeps them).
    if (this.trimIds && (edgeSpace(text, b[u], b[u + 1]) || edgeSpace(text, b[i], b[i + 1]))) return this.row(fieldsOf(text, b, count, this.scratch), line);
    let value = this.ratingDefault;
    if (c.index.rating >= 0) {
      value = numberInSpan(text, b[2 * c.index.rating], b[2 * c.index.rating + 1]);
      if (!(value >= -FLOAT32_MAX && value <= FLOAT32_MAX)) return this.row(fieldsOf(text, b, count, this.scratch), line);
    }
    let time = NaN;
    if (c.index.time >= 0) {
      const s = b[2 * c.index.time];
      const e = b[2 * c.index.time + 1];
      if (s !== e) {
        time = this.times.format === 'iso' ? -1 : digitsInSpan(text, s, e);
        if (time < 0) time = this.times.parse(text.slice(s, e));
        if (time !== time) return this.row(fieldsOf(text, b, count, this.scratch), line);
      }
    }
    const builder = this.builder;
    if (!this.errors.skip) {
      builder.addIndex(builder.idIndex('user', text, b[u], b[u + 1], line), builder.idIndex('item', text, b[i], b[i + 1], line), value, time, line);
      return;
    }
    try {
      builder.addIndex(builder.idIndex('user', text, b[u], b[u + 1], line), builder.idIndex('item', text, b[i], b[i + 1], line), value, time, line);
    } catch (e) {
      this.skipOrThrow(e);
    }
  };

  private fail(message: string, line: number, field: string): void {
    this.errors.report(new DataFormatError(message, { file: this.file, line, field }));
  }

  private skipOrThrow(e: unknown): void {
    if (!(e instanceof DataFormatError)) throw e;
    this.errors.report(e);
  }
}

/** A first line that fails as data is most often a header nobody declared. */
function headerHint(line: number): string {
  return line === 1 ? `; if line 1 is a header, pass ${optionHint('header: true', '--header')}` : '';
}

/** Whether text[start, end) begins or ends with white space (as String.prototype.trim sees it). */
function edgeSpace(text: string, start: number, end: number): boolean {
  return isSpace(text.charCodeAt(start)) || isSpace(text.charCodeAt(end - 1));
}

function isSpace(c: number): boolean {
  if (c > 32 && c < 127) return false;
  return (
    c === 32 ||
    (c >= 9 && c <= 13) ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** The value of plain digits in text[start, end) (at most 15), or -1. */
function digitsInSpan(text: string, start: number, end: number): number {
  if (end - start > 15) return -1;
  let v = 0;
  for (let k = start; k < end; k++) {
    const d = text.charCodeAt(k) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/**
 * The number in text[start, end). Digits with an optional fraction ("4", "3.5", "7.000000") are
 * read in place as integer / power of ten — one correctly rounded division, so exactly what
 * Number() gives; anything else goes through parseNumber. NaN when it is not a number.
 */
function numberInSpan(text: string, start: number, end: number): number {
  if (end - start <= 15) {
    let v = 0;
    let scale = 1;
    let k = start;
    for (; k < end; k++) {
      const d = text.charCodeAt(k) - 48;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
    }
    if (k === end && k > start) return v;
    if (k > start && k < end - 1 && text.charCodeAt(k) === 46) {
      for (k++; k < end; k++) {
        const d = text.charCodeAt(k) - 48;
        if (d < 0 || d > 9) break;
        v = v * 10 + d;
        scale *= 10;
      }
      if (k === end) return v / scale;
    }
  }
  return parseNumber(text.slice(start, end));
}
