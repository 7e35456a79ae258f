/** The shared real-data folder, and skipping tests when files in it are missing. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The shared real-data folder: TASTEBUD_DATA_DIR, else ../shared/data beside the repository. */
export const dataDir = process.env.TASTEBUD_DATA_DIR ?? path.resolve(repoRoot, '../shared/data');

/** A path under the data folder (an absolute path is kept as it is). */
export function dataPath(...parts: string[]): string {
  return path.resolve(dataDir, ...parts);
}

/**
 * For a test's `skip` option: why it must skip (the files, relative to dataDir or absolute,
 * that are missing), or false when they are all present.
 */
export function skipUnlessData(...files: string[]): string | false {
  const missing = files.filter((f) => !existsSync(dataPath(f))).map((f) => path.relative(dataDir, dataPath(f)));
  return missing.length ? `real data not found: ${missing.join(', ')} under ${dataDir} (set TASTEBUD_DATA_DIR)` : false;
}
