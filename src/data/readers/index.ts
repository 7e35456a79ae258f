import { extname } from 'node:path';
import { readInteractions, type ReadInteractionsOptions, type ReadResult } from './delimited.ts';
import { detectFormat } from './detect.ts';
import { readParquetInteractions } from './parquet.ts';

export { readDelimitedRows, readInteractions, defaultSeparator } from './delimited.ts';
export type { DelimitedOptions, ReadInteractionsOptions, ReadResult } from './delimited.ts';
export { readParquetInteractions } from './parquet.ts';
export type { ReadParquetOptions } from './parquet.ts';
export { detectFormat, sniffFormat } from './detect.ts';
export type { DetectedFormat } from './detect.ts';
export type { ColumnMapping, InteractionReadOptions } from './columns.ts';
export type { TimeFormat } from './values.ts';
export { InteractionsBuilder } from '../builder.ts';
export type { BuildResult, DuplicatePolicy, InteractionsBuilderOptions } from '../builder.ts';

const PARQUET = new Set(['.parquet', '.pq']);
// Extensions whose separator is conventional; anything else (.dat, .txt, ...) is sniffed.
const KNOWN_TEXT = new Set(['.csv', '.tsv', '.tab', '.data', '.base', '.test']);

/**
 * Reads interactions from a Parquet file (.parquet, .pq) or a delimited text file. For text
 * files with an unusual extension and no `separator` option, the separator is guessed from the
 * first 64 KiB (see detectFormat), e.g. '::' for MovieLens 1M's ratings.dat.
 */
export async function readInteractionsFile(path: string, options: ReadInteractionsOptions): Promise<ReadResult> {
  const ext = extname(path).toLowerCase();
  if (PARQUET.has(ext)) return readParquetInteractions(path, options);
  if (options.separator === undefined && !KNOWN_TEXT.has(ext)) {
    const { separator } = await detectFormat(path);
    return readInteractions(path, { ...options, separator });
  }
  return readInteractions(path, options);
}
