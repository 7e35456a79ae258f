/** ML-100K for the real-data tests: the `lightfm-ua` split read directly or through its protocol. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { IdMap } from '../../src/data/idmap.ts';
import { Interactions } from '../../src/data/interactions.ts';
import type { FeatureMatrix } from '../../src/contracts/types.ts';
import { lightfmUa } from '../../src/eval/protocols/ranking.ts';
import { dataDir, dataPath, skipUnlessData } from './data-dir.ts';

export const ml100kDir = dataPath('ml-100k');

/** For a test's `skip` option: the ua split (and the genre files loadMl100kUa reads) missing, or false. */
export const skipUnlessMl100kUa = (): string | false => skipUnlessData('ml-100k/ua.base', 'ml-100k/ua.test', 'ml-100k/u.item', 'ml-100k/u.genre');

/** The `lightfm-ua` protocol prepared from the data folder (no download). */
export async function lightfmUaData() {
  return lightfmUa.prepare({ dataDir, download: false });
}

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
