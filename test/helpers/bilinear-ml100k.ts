import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { IdMap } from '../../src/data/idmap.ts';
import { Interactions } from '../../src/data/interactions.ts';
import type { FeatureMatrix } from '../../src/contracts/types.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The shared real-data folder (TASTEBUD_DATA_DIR or ../shared/data beside the repo). */
export const dataDir = process.env.TASTEBUD_DATA_DIR ?? path.resolve(repoRoot, '../shared/data');
export const ml100kDir = path.join(dataDir, 'ml-100k');
export const hasMl100k = existsSync(path.join(ml100kDir, 'ua.base')) && existsSync(path.join(ml100kDir, 'ua.test'));

/**
 * The `lightfm-ua` protocol's data, read directly (a small reader keeps these tests independent
 * of the dataset loaders): users 1..943 and items 1..1682 as id maps, ratings ≥ minRating from
 * `ua.base` → train and `ua.test` → test, and genre features from `u.item`.
 */
export function loadMl100kUa(minRating = 4): { train: Interactions; test: Interactions; itemFeatures: FeatureMatrix } {
  const userIds = new IdMap(Array.from({ length: 943 }, (_, k) => String(k + 1)));
  const itemIds = new IdMap(Array.from({ length: 1682 }, (_, k) => String(k + 1)));
  const read = (file: string): Interactions => {
    const us: number[] = [];
    const is: number[] = [];
    const vs: number[] = [];
    for (const line of readFileSync(path.join(ml100kDir, file), 'utf8').split('\n')) {
      if (!line) continue;
      const [u, i, r] = line.split('\t');
      if (Number(r) < minRating) continue;
      us.push(userIds.get(u)!);
      is.push(itemIds.get(i)!);
      vs.push(Number(r));
    }
    return new Interactions({ users: Int32Array.from(us), items: Int32Array.from(is), values: Float32Array.from(vs), userIds, itemIds });
  };
  return { train: read('ua.base'), test: read('ua.test'), itemFeatures: genreFeatures(itemIds) };
}

/** Genre one-hots from u.item's last 19 columns (`|`-separated, latin-1). */
function genreFeatures(itemIds: IdMap): FeatureMatrix {
  const genres = readFileSync(path.join(ml100kDir, 'u.genre'), 'latin1')
    .split('\n')
    .filter((l) => l.includes('|'))
    .map((l) => l.split('|')[0]);
  const rows: number[][] = Array.from({ length: itemIds.size }, () => []);
  for (const line of readFileSync(path.join(ml100kDir, 'u.item'), 'latin1').split('\n')) {
    if (!line) continue;
    const f = line.split('|');
    const item = itemIds.get(f[0]);
    if (item === undefined) continue;
    const flags = f.slice(f.length - genres.length);
    flags.forEach((x, g) => {
      if (x === '1') rows[item].push(g);
    });
  }
  const indptr = new Int32Array(rows.length + 1);
  rows.forEach((r, k) => (indptr[k + 1] = indptr[k] + r.length));
  return {
    rows: rows.length,
    numFeatures: genres.length,
    indptr,
    indices: Int32Array.from(rows.flat()),
    weights: new Float32Array(indptr[rows.length]).fill(1),
    vocabulary: genres.map((g) => `genre=${g}`),
    fieldOf: new Int32Array(genres.length),
    fields: ['genre'],
  };
}
