import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema, type AsyncBuffer, type ColumnData, type FileMetaData } from 'hyparquet';
import { InteractionsBuilder } from '../builder.ts';
import { DataFormatError } from '../../contracts/errors.ts';
import { resolveColumns, RowErrors, ROLES, type ColumnRole, type InteractionReadOptions } from './columns.ts';
import type { ReadResult } from './delimited.ts';
import { parseNumber, ratingProblem, TimeParser } from './values.ts';
import { FLOAT32_MAX } from '../builder.ts';
import { checkInputFile, fileError } from './input-file.ts';

export type ReadParquetOptions = InteractionReadOptions;

// Timestamps and dates arrive as seconds since the epoch, like the text readers' times.
const PARSERS = {
  timestampFromMilliseconds: (v: bigint) => Number(v) / 1e3,
  timestampFromMicroseconds: (v: bigint) => Number(v) / 1e6,
  timestampFromNanoseconds: (v: bigint) => Number(v) / 1e9,
  dateFromDays: (days: number) => days * 86400,
};

/**
 * Reads user–item interactions from a Parquet file, one row group at a time. Columns are named
 * (or given by 0-based position among the top-level columns). Ids may be strings or integers;
 * times may be timestamps, dates, unix seconds or date strings. Errors name the row (1-based).
 */
export async function readParquetInteractions(path: string, options: ReadParquetOptions): Promise<ReadResult> {
  await checkInputFile(path);
  const file = await asyncBufferFromFile(path).catch((error: unknown) => {
    throw fileError(path, error);
  });
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (e) {
    throw new DataFormatError(`not a readable Parquet file (${(e as Error).message})`, { file: path });
  }
  const names = parquetSchema(metadata).children.map((c) => c.element.name);
  const cols = resolveColumns(options.columns, names, path, 'file');
  const roles = ROLES.filter((r) => cols.index[r] >= 0);
  const wanted = roles.map((r) => names[cols.index[r]]);
  const total = Number(metadata.num_rows);
  if (total === 0) throw new DataFormatError('file is empty', { file: path });

  const errors = new RowErrors(options.onError);
  const builder = new InteractionsBuilder({ ...options, file: path, positionUnit: 'row' });
  const ratingDefault = options.ratingDefault ?? 1;
  const trim = !options.keepIdWhitespace;
  const times = new TimeParser(options.timeFormat ?? 'auto');
  const fail = (message: string, row: number, role: ColumnRole): void => errors.report(new DataFormatError(`row ${row + 1}: ${message}`, { file: path, field: cols.name[role] }));

  let groupStart = 0;
  for (const group of metadata.row_groups) {
    const groupEnd = groupStart + Number(group.num_rows);
    const data = await readRowGroup(file, metadata, path, wanted, groupStart, groupEnd);
    const column = (role: ColumnRole) => (cols.index[role] >= 0 ? data[wanted.indexOf(names[cols.index[role]])] : null);
    const users = column('user')!;
    const items = column('item')!;
    const ratings = column('rating');
    const stamps = column('time');
    for (let k = 0; k < groupEnd - groupStart; k++) {
      const row = groupStart + k;
      const user = idText(users[k], trim);
      if (user === null) {
        fail('user id is missing', row, 'user');
        continue;
      }
      const item = idText(items[k], trim);
      if (item === null) {
        fail('item id is missing', row, 'item');
        continue;
      }
      const value = ratings ? toNumber(ratings[k]) : ratingDefault;
      if (value !== value || value > FLOAT32_MAX || value < -FLOAT32_MAX) {
        fail(ratingProblem(String(ratings![k])), row, 'rating');
        continue;
      }
      const time = stamps ? toTime(stamps[k], times) : NaN;
      if (time === undefined) {
        fail(`time ${JSON.stringify(String(stamps![k]))} is not ${times.describe()}`, row, 'time');
        continue;
      }
      try {
        builder.add(user, item, value, time, row + 1);
      } catch (e) {
        if (!(e instanceof DataFormatError)) throw e;
        errors.report(e);
      }
    }
    groupStart = groupEnd;
  }
  if (errors.skipped === total) throw new DataFormatError(`all ${total} rows were skipped; the first error: ${errors.examples[0]}`, { file: path });
  const { interactions, duplicates, negativeValues } = builder.build();
  return { interactions, report: errors.toReport(path, total, duplicates, options.duplicates ?? 'last', negativeValues) };
}

/** The wanted columns of rows [start, end), each as an array indexed from `start`. */
async function readRowGroup(file: AsyncBuffer, metadata: FileMetaData, path: string, columns: string[], start: number, end: number): Promise<ArrayLike<unknown>[]> {
  const chunks = new Map<string, ColumnData[]>(columns.map((c) => [c, []]));
  try {
    await parquetRead({ file, metadata, columns, rowStart: start, rowEnd: end, parsers: PARSERS, onChunk: (c) => chunks.get(c.columnName)?.push(c) });
  } catch (e) {
    throw new DataFormatError(`cannot read rows ${start + 1}–${end}: ${(e as Error).message}`, { file: path });
  }
  return columns.map((name) => {
    const parts = chunks.get(name)!;
    if (parts.length === 1 && parts[0].rowStart === start && parts[0].rowEnd >= end) return parts[0].columnData;
    const out = new Array<unknown>(end - start);
    for (const p of parts) {
      for (let r = Math.max(p.rowStart, start); r < Math.min(p.rowEnd, end); r++) out[r - start] = p.columnData[r - p.rowStart];
    }
    return out;
  });
}

function idText(v: unknown, trim: boolean): string | null {
  if (v === null || v === undefined) return null;
  let text: string;
  if (typeof v === 'string') text = v;
  else if (v instanceof Uint8Array) text = Buffer.from(v).toString('utf8');
  else text = String(v);
  if (trim) text = text.trim();
  return text === '' ? null : text;
}

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v - v === 0 ? v : NaN;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string') return parseNumber(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return NaN;
}

/** Seconds since the epoch, NaN when the cell is empty, undefined when it cannot be read. */
function toTime(v: unknown, times: TimeParser): number | undefined {
  if (v === null || v === undefined || v === '') return NaN;
  if (typeof v === 'number') return v - v === 0 ? v : undefined;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.getTime() / 1000;
  if (typeof v === 'string') {
    const t = times.parse(v);
    return t === t ? t : undefined;
  }
  return undefined;
}
