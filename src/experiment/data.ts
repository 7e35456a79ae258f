/** The `data:` section of an experiment: one interactions file, read into a Dataset for the protocol. */
import { existsSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from '../contracts/errors.ts';
import { readInteractionsFile } from '../data/readers/index.ts';
import type { Dataset } from '../data/types.ts';
import type { DataFileSettings } from './config.ts';

/**
 * Where `settings.file` is: absolute as given; otherwise the first that exists of the data folder,
 * the experiment file's folder, and the working directory (so examples can name files inside
 * TASTEBUD_DATA_DIR).
 */
export function resolveDataFile(file: string, dataDir: string | undefined, source: string | null): string {
  if (isAbsolute(file)) return file;
  const candidates = [dataDir ? join(dataDir, file) : null, source ? join(dirname(source), file) : null, resolve(file)].filter((c): c is string => c !== null);
  const found = candidates.find((c) => existsSync(c));
  if (!found)
    throw new ConfigError(
      `${source ?? 'experiment'}: data.file: "${file}" not found; looked in ${candidates.join(', ')}${dataDir ? '' : ' (set TASTEBUD_DATA_DIR to the data folder)'}`,
    );
  return found;
}

export async function loadDataFile(settings: DataFileSettings, dataDir: string | undefined, source: string | null): Promise<Dataset> {
  const path = resolveDataFile(settings.file, dataDir, source);
  const { interactions, report } = await readInteractionsFile(path, {
    columns: settings.columns,
    separator: settings.separator,
    header: settings.header,
    encoding: settings.encoding,
    duplicates: settings.duplicates,
  });
  return { name: settings.name ?? basename(settings.file), interactions, report };
}
