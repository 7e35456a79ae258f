/**
 * Built-in datasets by name: `await datasets.load('ml-100k')`. Each is read from
 * `<dataDir>/<name>/` (dataDir: the option, else TASTEBUD_DATA_DIR, else ~/.cache/tastebud),
 * downloaded there from its official source when missing and allowed.
 */
import { ConfigError } from '../../contracts/errors.ts';
import { suggest } from '../../contracts/suggest.ts';
import type { Dataset } from '../types.ts';
import { bookCrossing } from './bookcrossing.ts';
import type { DatasetDefinition, LoadDatasetOptions } from './common.ts';
import { datasetDir, ensureDatasetFiles } from './files.ts';
import { foodCom } from './foodcom.ts';
import { ml100k, ml1m } from './movielens.ts';

export type { DatasetDefinition, LoadDatasetOptions } from './common.ts';
export { dataRoot, datasetDir, downloadInto, ensureDatasetFiles, extractInto, sha256File, verifySha256 } from './files.ts';
export type { DatasetFile, DatasetLocationOptions, DatasetSource } from './files.ts';
export { ZipArchive } from './zip.ts';
export type { ZipEntry } from './zip.ts';

const DEFINITIONS: readonly DatasetDefinition[] = [ml100k, ml1m, bookCrossing, foodCom];

export interface DatasetInfo {
  name: string;
  description: string;
  url: string;
  downloadable: boolean;
  files: string[];
  optionalFiles: string[];
}

function definition(name: string): DatasetDefinition {
  const found = DEFINITIONS.find((d) => d.source.name === name);
  if (!found) throw new ConfigError(`unknown dataset "${name}"${suggestDataset(name)}; built-in datasets: ${datasetNames().join(', ')}`);
  return found;
}

function datasetNames(): string[] {
  return DEFINITIONS.map((d) => d.source.name);
}

/** ` (did you mean "ml-1m"?)` when `name` is close to a built-in dataset's name, else ''. */
export function suggestDataset(name: string): string {
  return suggest(name, datasetNames());
}

export const datasets = {
  /** Loads a built-in dataset, downloading it first when missing (unless `download: false`). */
  async load(name: string, options: LoadDatasetOptions = {}): Promise<Dataset> {
    const def = definition(name);
    const dir = await ensureDatasetFiles(def.source, options);
    return def.read(dir);
  },

  /** The built-in datasets, with where each comes from and which files it reads. */
  list(): DatasetInfo[] {
    return DEFINITIONS.map(({ source, description }) => ({
      name: source.name,
      description,
      url: source.url,
      downloadable: source.downloadable,
      files: source.files.filter((f) => !f.optional).map((f) => f.name),
      optionalFiles: source.files.filter((f) => f.optional).map((f) => f.name),
    }));
  },

  /** The folder a dataset is read from with these options. */
  dir(name: string, options: LoadDatasetOptions = {}): string {
    return datasetDir(definition(name).source.name, options);
  },
};
