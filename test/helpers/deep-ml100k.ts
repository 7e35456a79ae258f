/**
 * The `lightfm-ua` protocol data for the deep models' real-data tests (ML-100K ua.base / ua.test
 * positives), or null with the reason when the shared data folder is absent.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lightfmUa } from '../../src/eval/protocols/ranking.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const dataDir = process.env.TASTEBUD_DATA_DIR ?? path.resolve(repoRoot, '../shared/data');

/** Why real-data tests skip, or null when ML-100K is there. */
export function ml100kMissing(): string | null {
  return existsSync(path.join(dataDir, 'ml-100k', 'ua.base')) ? null : `ML-100K not found under ${dataDir} (set TASTEBUD_DATA_DIR)`;
}

export async function lightfmUaData() {
  return lightfmUa.prepare({ dataDir, download: false });
}
