import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import { InteractionsBuilder } from '../builder.ts';
import { ConfigError, DataFormatError } from '../../contracts/errors.ts';
import type { Interactions } from '../interactions.ts';
import type { LoadReport } from '../types.ts';
import { resolveColumns, RowErrors, usesNames, type InteractionReadOptions } from './columns.ts';
import { InteractionRows } from './interaction-rows.ts';
import { RecordSplitter, type RecordHandler, type SpanHandler } from './records.ts';
import { TimeParser } from './values.ts';
import { optionHint } from './hints.ts';
import { checkInputFile, fileError } from './input-file.ts';

export interface DelimitedOptions {
  /** Any string, e.g. ',', '\t', ';', '::'. Default by extension: .tsv/.data/.base/.test → tab, else ','. */
  separator?: string;
  /** Quote character (default '"'); null reads quotes as ordinary text. */
  quote?: string | null;
  /** Whether the first record is a header (default false; readInteractions: true when columns are named). */
  header?: boolean;
  /** Default 'utf8'. */
  encoding?: 'utf8' | 'latin1';
  /** Default true. */
  skipEmptyLines?: boolean;
  /** Called with the header before the first row, when there is one. */
  onHeader?: (header: string[]) => void;
}

export type ReadInteractionsOptions = DelimitedOptions & InteractionReadOptions;

export interface ReadResult {
  interactions: Interactions;
  report: LoadReport;
}

const TAB_EXTENSIONS = new Set(['.tsv', '.tab', '.data', '.base', '.test']);
const CHUNK_BYTES = 1 << 20;

/** The separator a file of this name most likely uses: tab for .tsv/.data/.base/.test, else ','. */
export function defaultSeparator(path: string): string {
  return TAB_EXTENSIONS.has(extname(path).toLowerCase()) ? '\t' : ',';
}

/**
 * Streams the records of a delimited text file to `onRow`, which gets a reused fields array
 * (copy what you keep) and the line on which the record starts. Quoted fields may hold the
 * separator, doubled quotes and line breaks; CRLF and a UTF-8 byte-order mark are handled.
 */
export async function readDelimitedRows(
  path: string,
  options: DelimitedOptions,
  onRow: (fields: string[], line: number) => void,
): Promise<{ rows: number; header: string[] | null }> {
  return streamRecords(path, options, onRow, null);
}

/** readDelimitedRows, optionally handing unquoted data rows to `onSpans` as offsets instead. */
async function streamRecords(path: string, options: DelimitedOptions, onRow: RecordHandler, onSpans: SpanHandler | null): Promise<{ rows: number; header: string[] | null }> {
  const separator = options.separator ?? defaultSeparator(path);
  const quote = options.quote === undefined ? '"' : options.quote;
  const encoding = options.encoding ?? 'utf8';
  if (encoding !== 'utf8' && encoding !== 'latin1') throw new ConfigError(`encoding must be "utf8" or "latin1" (got "${encoding}")`);
  let header: string[] | null = null;
  let wantHeader = options.header ?? false;
  const splitter = new RecordSplitter(
    separator,
    quote,
    options.skipEmptyLines ?? true,
    (fields, line) => {
      if (!wantHeader) return onRow(fields, line);
      wantHeader = false;
      header = fields.slice();
      options.onHeader?.(header);
      splitter.spans = onSpans;
    },
    path,
  );
  if (!wantHeader) splitter.spans = onSpans;
  const decode = textDecoder(encoding, path, () => splitter.endLine);
  await checkInputFile(path);
  const stream = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) splitter.push(decode(chunk));
  } catch (error) {
    stream.destroy();
    throw fileError(path, error);
  }
  const rest = decode(null);
  if (rest) splitter.push(rest);
  splitter.end();
  return { rows: splitter.records - (header ? 1 : 0), header };
}

/**
 * Chunk-by-chunk decoding (a character may straddle two chunks; a UTF-8 byte-order mark is
 * dropped). Invalid UTF-8 is an error rather than silent U+FFFD replacements.
 */
function textDecoder(encoding: 'utf8' | 'latin1', file: string, endLine: () => number): (chunk: Buffer | null) => string {
  if (encoding === 'latin1') return (chunk) => (chunk ? chunk.toString('latin1') : '');
  const decoder = new TextDecoder('utf-8', { fatal: true });
  return (chunk) => {
    try {
      return chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode();
    } catch {
      // The decoder says only that the chunk is bad: the line is the text read so far plus the
      // chunk's line breaks before its first bad byte.
      let line = endLine();
      const bad = chunk ? firstInvalidUtf8(chunk) : 0;
      for (let k = 0; k < bad; k++) if (chunk![k] === 0x0a) line++;
      throw new DataFormatError(`the text is not valid UTF-8; if the file is latin-1, pass ${optionHint("encoding: 'latin1'", '--encoding latin1')}`, { file, line });
    }
  };
}

/**
 * The offset of the first byte of `bytes` outside a well-formed UTF-8 sequence (overlong forms,
 * surrogates and code points past U+10FFFF included); bytes.length when there is none. Leading
 * continuation bytes finish a character begun in the chunk before and are skipped.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let k = 0;
  while (k < bytes.length && k < 3 && (bytes[k] & 0xc0) === 0x80) k++;
  while (k < bytes.length) {
    const b = bytes[k];
    if (b < 0x80) {
      k++;
      continue;
    }
    const length = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (length === 0) return k;
    // The second byte's range excludes overlong forms (E0, F0), surrogates (ED) and > U+10FFFF (F4).
    const low = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
    const high = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
    for (let j = 1; j < length; j++) {
      if (k + j >= bytes.length) return bytes.length; // cut at the chunk's end: the next chunk finishes it
      const c = bytes[k + j];
      if (j === 1 ? c < low || c > high : (c & 0xc0) !== 0x80) return k;
    }
    k += length;
  }
  return bytes.length;
}

/**
 * Reads user–item interactions from a delimited text file. Bad rows raise a DataFormatError
 * naming file, line and field — or, with `onError: 'skip'`, are counted in the report.
 * Empty time fields mean "unknown" (NaN); `report.rowsRead` counts data rows including skipped ones.
 */
export async function readInteractions(path: string, options: ReadInteractionsOptions): Promise<ReadResult> {
  if (!options?.columns) throw new ConfigError('readInteractions needs options.columns, e.g. { user: 0, item: 1, rating: 2 }');
  const named = usesNames(options.columns);
  if (named && options.header === false) throw new ConfigError('columns are given by name but header is false');
  const header = options.header ?? named;
  const separator = options.separator ?? defaultSeparator(path);
  const errors = new RowErrors(options.onError);
  const builder = new InteractionsBuilder({ ...options, file: path });
  const times = new TimeParser(options.timeFormat ?? 'auto');
  const parserFor = (h: string[] | null) =>
    new InteractionRows(
      builder,
      errors,
      resolveColumns(options.columns, h, path, 'header', separator),
      times,
      options.ratingDefault ?? 1,
      separator,
      path,
      !options.keepIdWhitespace,
    );
  // Without a header the columns are known now; with one, once it is read.
  let rowParser = header ? null : parserFor(null);
  const onHeader = (h: string[]): void => {
    rowParser = parserFor(h);
  };
  const { rows, header: seen } = await streamRecords(
    path,
    { ...options, separator, header, onHeader },
    (fields, line) => rowParser!.row(fields, line),
    (text, bounds, count, line) => rowParser!.spans(text, bounds, count, line),
  );
  if (rows === 0) {
    throw new DataFormatError(seen ? 'the file has a header but no data rows' : 'file is empty', { file: path });
  }
  if (errors.skipped === rows) {
    throw new DataFormatError(`all ${rows} rows were skipped; the first error: ${errors.examples[0]}`, { file: path });
  }
  const { interactions, duplicates, negativeValues } = builder.build();
  return { interactions, report: errors.toReport(path, rows, duplicates, options.duplicates ?? 'last', negativeValues) };
}
