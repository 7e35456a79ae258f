/** Pieces the built-in dataset loaders share. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { IdMap } from '../idmap.ts';
import type { Interactions } from '../interactions.ts';
import { readInteractions, type ReadInteractionsOptions } from '../readers/index.ts';
import type { Dataset, Split } from '../types.ts';
import type { DatasetLocationOptions, DatasetSource } from './files.ts';

export type LoadDatasetOptions = DatasetLocationOptions;

/** A built-in dataset: where it comes from and how to read its files from a folder. */
export interface DatasetDefinition {
  source: DatasetSource;
  description: string;
  /** Reads the dataset from `dir` (its required files are known to be there). */
  read(dir: string): Promise<Dataset>;
}

/** Age groups of MovieLens 1M's users (also used for ML-100K's exact ages): `<18`, `18-24`, … `56+`. */
export const AGE_EDGES = [18, 25, 35, 45, 50, 56];

/**
 * Predefined train/test file pairs as lazy splits, read with the full dataset's id maps so all
 * parts share its indexing (an id the full data lacks is an error, not a new index). Pairs whose
 * files are absent are left out.
 */
export function fileSplits(
  dir: string,
  data: Interactions,
  pairs: Record<string, { train: string; test: string; validation?: string }>,
  read: Omit<ReadInteractionsOptions, 'userIds' | 'itemIds' | 'addUnknownIds'>,
): Record<string, () => Promise<Split>> {
  const splits: Record<string, () => Promise<Split>> = {};
  const part = async (file: string): Promise<Interactions> =>
    (await readInteractions(join(dir, file), { ...read, userIds: data.userIds, itemIds: data.itemIds, addUnknownIds: false })).interactions;
  for (const [name, files] of Object.entries(pairs)) {
    if (!existsSync(join(dir, files.train)) || !existsSync(join(dir, files.test))) continue;
    splits[name] = async () => {
      const [train, test] = await Promise.all([part(files.train), part(files.test)]);
      const split: Split = { train, test };
      if (files.validation && existsSync(join(dir, files.validation))) split.validation = await part(files.validation);
      return split;
    };
  }
  return splits;
}

/** Item names by index, '' where the metadata has none. */
export function namesByIndex(ids: IdMap, names: Map<string, string>): string[] {
  return Array.from({ length: ids.size }, (_, i) => names.get(ids.id(i)) ?? '');
}

/** The path of `name` in `dir` when the file exists, else null (for optional files). */
export function optionalFile(dir: string, name: string): string | null {
  const path = join(dir, name);
  return existsSync(path) ? path : null;
}

/** The 4-digit year in a string such as `01-Jan-1995` or `Toy Story (1995)`, else NaN. */
export function yearIn(text: string): number {
  const m = /(\d{4})\)?\s*$/.exec(text.trim());
  return m ? Number(m[1]) : NaN;
}
