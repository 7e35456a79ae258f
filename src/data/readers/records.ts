import { ConfigError, DataFormatError } from '../../contracts/errors.ts';

/** Receives each record's fields (a reused array: copy what you keep) and its first line (1-based). */
export type RecordHandler = (fields: string[], line: number) => void;

/**
 * Receives an unquoted record without making strings: field f is `text.slice(bounds[2f], bounds[2f + 1])`.
 * `bounds` is reused; read it before returning.
 */
export type SpanHandler = (text: string, bounds: Int32Array, count: number, line: number) => void;

const CR = 13;

/**
 * Splits decoded text, fed chunk by chunk, into delimited records. Lines without the quote
 * character take a fast path (indexOf splitting into one reused array); a line with a quote goes
 * through a small state machine in which a field that starts with the quote may hold the
 * separator, newlines and doubled quotes. A quote inside an unquoted field is kept literally.
 */
export class RecordSplitter {
  /** When set, unquoted records go here as offsets instead of to `onRecord` (quoted ones never do). */
  spans: SpanHandler | null = null;
  /** Records handed over so far. */
  records = 0;
  private readonly fields: string[] = [];
  private bounds: Int32Array = new Int32Array(64);
  private carry = '';
  /** Physical line number at which `carry` starts. */
  private line = 1;

  constructor(
    private readonly separator: string,
    private readonly quote: string | null,
    private readonly skipEmptyLines: boolean,
    private readonly onRecord: RecordHandler,
    private readonly file?: string,
  ) {
    if (separator === '' || separator.includes('\n') || separator.includes('\r')) {
      throw new ConfigError(`separator ${JSON.stringify(separator)} cannot be empty or hold a line break`);
    }
    if (quote !== null && (quote === '' || separator.includes(quote) || quote.includes('\n'))) {
      throw new ConfigError(`quote ${JSON.stringify(quote)} cannot be empty, a line break, or part of the separator`);
    }
  }

  /** The line the next unfinished record starts on. */
  get currentLine(): number {
    return this.line;
  }

  /** The line the text pushed so far ends on (the unfinished record may span lines inside quotes). */
  get endLine(): number {
    let line = this.line;
    for (let k = this.carry.indexOf('\n'); k >= 0; k = this.carry.indexOf('\n', k + 1)) line++;
    return line;
  }

  /** Feeds the next piece of text; records completed by it are handed over at once. */
  push(text: string): void {
    const buf = this.carry === '' ? text : this.carry + text;
    this.carry = '';
    const pos = this.scan(buf, false);
    this.carry = pos < buf.length ? buf.slice(pos) : '';
  }

  /** Flushes the last record (a file need not end with a newline). */
  end(): void {
    const buf = this.carry;
    this.carry = '';
    if (buf !== '') this.scan(buf, true);
  }

  /** Emits every complete record in `buf`; returns where the unfinished rest starts. */
  private scan(buf: string, final: boolean): number {
    const { separator, quote, fields } = this;
    const sepLen = separator.length;
    const len = buf.length;
    let pos = 0;
    let nextQuote = quote === null ? len : -1;
    while (pos < len) {
      let nl = buf.indexOf('\n', pos);
      if (nl === -1) {
        if (!final) break;
        nl = len;
      }
      if (nextQuote < pos) {
        nextQuote = buf.indexOf(quote!, pos);
        if (nextQuote === -1) nextQuote = len;
      }
      if (nextQuote < nl) {
        const end = this.quoted(buf, pos, final);
        if (end === -1) break;
        pos = end;
        continue;
      }
      let lineEnd = nl;
      if (lineEnd > pos && buf.charCodeAt(lineEnd - 1) === CR) lineEnd--;
      const line = this.line++;
      if (lineEnd === pos && this.skipEmptyLines) {
        pos = nl + 1;
        continue;
      }
      this.records++;
      let f = 0;
      let start = pos;
      if (this.spans) {
        let bounds = this.bounds;
        for (;;) {
          if (2 * f + 2 > bounds.length) bounds = this.growBounds();
          const s = buf.indexOf(separator, start);
          bounds[2 * f] = start;
          if (s === -1 || s >= lineEnd) {
            bounds[2 * f++ + 1] = lineEnd;
            break;
          }
          bounds[2 * f++ + 1] = s;
          start = s + sepLen;
        }
        this.spans(buf, bounds, f, line);
        pos = nl + 1;
        continue;
      }
      for (;;) {
        const s = buf.indexOf(separator, start);
        if (s === -1 || s >= lineEnd) {
          fields[f++] = buf.slice(start, lineEnd);
          break;
        }
        fields[f++] = buf.slice(start, s);
        start = s + sepLen;
      }
      if (fields.length !== f) fields.length = f;
      this.onRecord(fields, line);
      pos = nl + 1;
    }
    return pos;
  }

  private growBounds(): Int32Array {
    const grown = new Int32Array(this.bounds.length * 2);
    grown.set(this.bounds);
    return (this.bounds = grown);
  }

  /**
   * Parses one record that contains a quote, starting at `pos`. Returns the position after its
   * line break, or -1 when the record runs past the end of an unfinished buffer.
   */
  private quoted(buf: string, pos: number, final: boolean): number {
    const { separator, fields } = this;
    const quote = this.quote!;
    const sepLen = separator.length;
    const qLen = quote.length;
    const len = buf.length;
    const startLine = this.line;
    let f = 0;
    let i = pos;
    for (;;) {
      let value = '';
      if (buf.startsWith(quote, i)) {
        let seg = i + qLen;
        let at = seg;
        for (;;) {
          const q = buf.indexOf(quote, at);
          if (q === -1 || (q + qLen >= len && !final)) {
            if (!final) return -1;
            throw new DataFormatError('quoted field is not closed before the end of the file', { file: this.file, line: startLine });
          }
          if (buf.startsWith(quote, q + qLen)) {
            value += buf.slice(seg, q + qLen);
            at = seg = q + 2 * qLen;
            continue;
          }
          value += buf.slice(seg, q);
          i = q + qLen;
          break;
        }
      }
      // Unquoted text (or text after a closing quote, kept as Python's csv module does).
      let s = buf.indexOf(separator, i);
      let nl = buf.indexOf('\n', i);
      if (nl === -1) {
        if (!final) return -1;
        nl = len;
      }
      if (s === -1 || s > nl) s = -1;
      const stop = s === -1 ? nl : s;
      let textEnd = stop;
      if (s === -1 && textEnd > i && buf.charCodeAt(textEnd - 1) === CR) textEnd--;
      if (textEnd > i) value += buf.slice(i, textEnd);
      fields[f++] = value;
      if (s !== -1) {
        i = s + sepLen;
        continue;
      }
      if (fields.length !== f) fields.length = f;
      for (let k = buf.indexOf('\n', pos); k !== -1 && k < nl; k = buf.indexOf('\n', k + 1)) this.line++;
      this.line++;
      this.records++;
      this.onRecord(fields, startLine);
      return nl < len ? nl + 1 : len;
    }
  }
}

/** The fields of a span record as strings (into `out`, which is returned). */
export function fieldsOf(text: string, bounds: Int32Array, count: number, out: string[] = []): string[] {
  for (let f = 0; f < count; f++) out[f] = text.slice(bounds[2 * f], bounds[2 * f + 1]);
  out.length = count;
  return out;
}
