/**
 * MovieLens 100K and 1M (GroupLens, files.grouplens.org). Ratings 1–5 with unix timestamps;
 * item features from the movie list (genres, multi-valued; release decade), user features from
 * the user list (age group, gender, occupation, first character of the zip code).
 */
import { join } from 'node:path';
import { FeatureBuilder } from '../features.ts';
import type { IdMap } from '../idmap.ts';
import { readDelimitedRows, readInteractions } from '../readers/index.ts';
import type { Dataset } from '../types.ts';
import type { FeatureMatrix } from '../../contracts/types.ts';
import { AGE_EDGES, fileSplits, namesByIndex, optionalFile, yearIn, type DatasetDefinition } from './common.ts';

/** ML-100K's genre flags in u.item column order (u.genre gives the same list; it wins when present). */
export const ML100K_GENRES = [
  'unknown',
  'Action',
  'Adventure',
  'Animation',
  "Children's",
  'Comedy',
  'Crime',
  'Documentary',
  'Drama',
  'Fantasy',
  'Film-Noir',
  'Horror',
  'Musical',
  'Mystery',
  'Romance',
  'Sci-Fi',
  'Thriller',
  'War',
  'Western',
];

/** ML-1M's occupation codes (its README). */
const ML1M_OCCUPATIONS = [
  'other',
  'academic/educator',
  'artist',
  'clerical/admin',
  'college/grad student',
  'customer service',
  'doctor/health care',
  'executive/managerial',
  'farmer',
  'homemaker',
  'K-12 student',
  'lawyer',
  'programmer',
  'retired',
  'sales/marketing',
  'scientist',
  'self-employed',
  'technician/engineer',
  'tradesman/craftsman',
  'unemployed',
  'writer',
];

const ML100K_SPLITS = ['ua', 'ub', 'u1', 'u2', 'u3', 'u4', 'u5'];
const ML100K_RATINGS = { separator: '\t', quote: null, columns: { user: 0, item: 1, rating: 2, time: 3 }, timeFormat: 'unix' } as const;
const ML1M_LATIN1 = { separator: '::', quote: null, encoding: 'latin1' } as const;

export const ml100k: DatasetDefinition = {
  description: 'MovieLens 100K: 100,000 ratings (1–5) by 943 users on 1,682 movies, with genres, demographics and the ua/ub/u1–u5 splits',
  source: {
    name: 'ml-100k',
    url: 'https://files.grouplens.org/datasets/movielens/ml-100k.zip',
    downloadable: true,
    archiveMd5: '0e33842e24a9c977be4e0107933c0723',
    files: [
      { name: 'u.data', sha256: '06416e597f82b7342361e41163890c81036900f418ad91315590814211dca490' },
      { name: 'u.item', optional: true, sha256: '553841ebc7de3a0fd0d6b62a204ea30c1e651aacfb2814c7a6584ac52f2c5701' },
      { name: 'u.user', optional: true, sha256: 'f120e114da2e8cf314fd28f99417c94ae9ddf1cb6db8ce0e4b5995d40e90e62c' },
      { name: 'u.genre', optional: true },
      { name: 'ua.base', optional: true, sha256: '67b5bcdb380c29f85d56a012ecd88612ae020f30a6730d117a334ee8203b91f2' },
      { name: 'ua.test', optional: true, sha256: 'd0497e202417720f57a184ec8c66be2d1afa4ff41bb53787c57b28d6bf79bc42' },
      ...ML100K_SPLITS.slice(1).flatMap((s) => [
        { name: `${s}.base`, optional: true },
        { name: `${s}.test`, optional: true },
      ]),
    ],
  },
  async read(dir) {
    const { interactions, report } = await readInteractions(join(dir, 'u.data'), ML100K_RATINGS);
    const dataset: Dataset = { name: 'ml-100k', interactions, report, ratingScale: { min: 1, max: 5 } };
    const items = optionalFile(dir, 'u.item');
    if (items) {
      const genres = optionalFile(dir, 'u.genre') ? await readGenreList(join(dir, 'u.genre')) : ML100K_GENRES;
      const { features, names } = await ml100kItems(items, interactions.itemIds, genres);
      dataset.itemFeatures = features;
      dataset.itemNames = namesByIndex(interactions.itemIds, names);
    }
    const users = optionalFile(dir, 'u.user');
    if (users) dataset.userFeatures = await ml100kUsers(users, interactions.userIds);
    const pairs = Object.fromEntries(ML100K_SPLITS.map((s) => [s, { train: `${s}.base`, test: `${s}.test` }]));
    dataset.splits = fileSplits(dir, interactions, pairs, ML100K_RATINGS);
    return dataset;
  },
};

export const ml1m: DatasetDefinition = {
  description: 'MovieLens 1M: 1,000,209 ratings (1–5) by 6,040 users on 3,706 movies, with genres and demographics',
  source: {
    name: 'ml-1m',
    url: 'https://files.grouplens.org/datasets/movielens/ml-1m.zip',
    downloadable: true,
    archiveMd5: 'c4d9eecfca2ab87c1945afe126590906',
    files: [{ name: 'ratings.dat' }, { name: 'movies.dat', optional: true }, { name: 'users.dat', optional: true }],
  },
  async read(dir) {
    const { interactions, report } = await readInteractions(join(dir, 'ratings.dat'), {
      ...ML1M_LATIN1,
      columns: { user: 0, item: 1, rating: 2, time: 3 },
      timeFormat: 'unix',
    });
    const dataset: Dataset = { name: 'ml-1m', interactions, report, ratingScale: { min: 1, max: 5 } };
    const movies = optionalFile(dir, 'movies.dat');
    if (movies) {
      const { features, names } = await ml1mMovies(movies, interactions.itemIds);
      dataset.itemFeatures = features;
      dataset.itemNames = namesByIndex(interactions.itemIds, names);
    }
    const users = optionalFile(dir, 'users.dat');
    if (users) dataset.userFeatures = await ml1mUsers(users, interactions.userIds);
    return dataset;
  },
};

async function readGenreList(path: string): Promise<string[]> {
  const genres: string[] = [];
  await readDelimitedRows(path, { separator: '|', quote: null, encoding: 'latin1' }, (f) => {
    if (f.length >= 2 && f[0] !== '') genres[Number(f[1])] = f[0];
  });
  return genres;
}

/** u.item: `id|title|release date|video release|IMDb URL|19 genre flags`. */
async function ml100kItems(path: string, ids: IdMap, genres: string[]): Promise<{ features: FeatureMatrix; names: Map<string, string> }> {
  const builder = new FeatureBuilder(ids, { buckets: { decade: { width: 10 } } });
  const names = new Map<string, string>();
  await readDelimitedRows(path, { separator: '|', quote: null, encoding: 'latin1' }, (f) => {
    const id = f[0];
    names.set(id, f[1] ?? '');
    const flags: string[] = [];
    for (let g = 0; g < genres.length && 5 + g < f.length; g++) if (f[5 + g] === '1') flags.push(genres[g]);
    builder.multi(id, 'genre', flags);
    builder.numeric(id, 'decade', yearIn(f[2] ?? ''));
  });
  return { features: builder.build(), names };
}

/** u.user: `id|age|gender|occupation|zip`. */
async function ml100kUsers(path: string, ids: IdMap): Promise<FeatureMatrix> {
  const builder = new FeatureBuilder(ids, { buckets: { age: { edges: AGE_EDGES } } });
  await readDelimitedRows(path, { separator: '|', quote: null, encoding: 'latin1' }, (f) => {
    const id = f[0];
    builder.numeric(id, 'age', Number(f[1]));
    builder.categorical(id, 'gender', f[2]);
    builder.categorical(id, 'occupation', f[3]);
    builder.categorical(id, 'zip', (f[4] ?? '').slice(0, 1));
  });
  return builder.build();
}

/** movies.dat: `id::Title (year)::Genre|Genre`. */
async function ml1mMovies(path: string, ids: IdMap): Promise<{ features: FeatureMatrix; names: Map<string, string> }> {
  const builder = new FeatureBuilder(ids, { buckets: { decade: { width: 10 } } });
  const names = new Map<string, string>();
  await readDelimitedRows(path, ML1M_LATIN1, (f) => {
    const id = f[0];
    const title = f[1] ?? '';
    names.set(id, title);
    builder.multi(id, 'genre', (f[2] ?? '').split('|'));
    builder.numeric(id, 'decade', yearIn(title));
  });
  return { features: builder.build(), names };
}

/** users.dat: `id::gender::age group (1, 18, 25, 35, 45, 50, 56)::occupation code::zip`. */
async function ml1mUsers(path: string, ids: IdMap): Promise<FeatureMatrix> {
  const builder = new FeatureBuilder(ids, { buckets: { age: { edges: AGE_EDGES } } });
  await readDelimitedRows(path, ML1M_LATIN1, (f) => {
    const id = f[0];
    builder.categorical(id, 'gender', f[1]);
    builder.numeric(id, 'age', Number(f[2]));
    builder.categorical(id, 'occupation', ML1M_OCCUPATIONS[Number(f[3])] ?? f[3]);
    builder.categorical(id, 'zip', (f[4] ?? '').slice(0, 1));
  });
  return builder.build();
}
