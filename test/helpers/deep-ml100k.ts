/**
 * ML-100K in the `lightfm-ua` protocol for the deep models' real-data checks: `ua.base`
 * positives (rating ≥ 4) → train, `ua.test` positives → test, both over one id map built from
 * both files, plus the 19 genre flags of `u.item` as a multi-valued `genre` item field.
 * Returns null when the data folder is absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { IdMap } from '../../src/data/idmap.ts';
import { Interactions } from '../../src/data/interactions.ts';
import { featureMatrixFromRows } from '../../src/data/features.ts';
import type { FeatureMatrix } from '../../src/data/types.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const dataDir = process.env.TASTEBUD_DATA_DIR ?? path.resolve(repoRoot, '../shared/data');
export const ml100kDir = path.join(dataDir, 'ml-100k');

export interface Ml100kUa {
  train: Interactions;
  test: Interactions;
  genres: FeatureMatrix;
}

const GENRES = ['unknown', 'Action', 'Adventure', 'Animation', "Children's", 'Comedy', 'Crime', 'Documentary', 'Drama', 'Fantasy', 'Film-Noir', 'Horror', 'Musical', 'Mystery', 'Romance', 'Sci-Fi', 'Thriller', 'War', 'Western'];

export function loadMl100kUa(threshold = 4): Ml100kUa | null {
  const files = ['ua.base', 'ua.test', 'u.item'].map((f) => path.join(ml100kDir, f));
  if (!files.every((f) => existsSync(f))) return null;
  const rows = files.slice(0, 2).map((f) => readFileSync(f, 'utf8').trim().split('\n').map((l) => l.split('\t')));
  const userIds = new IdMap();
  const itemIds = new IdMap();
  for (const part of rows) for (const [u, i] of part) (userIds.add(u), itemIds.add(i));
  const [train, test] = rows.map((part) => {
    const kept = part.filter((r) => Number(r[2]) >= threshold);
    return new Interactions({
      users: Int32Array.from(kept, (r) => userIds.get(r[0])!),
      items: Int32Array.from(kept, (r) => itemIds.get(r[1])!),
      userIds,
      itemIds,
    });
  });
  const items = readFileSync(files[2], 'latin1').trim().split('\n').map((l) => l.split('|'));
  const genres = featureMatrixFromRows(
    itemIds,
    items.filter((r) => itemIds.has(r[0])).map((r) => ({ id: r[0], features: GENRES.filter((_, g) => r[5 + g] === '1').map((g) => `genre=${g}`) })),
  );
  return { train, test, genres };
}
