/**
 * `tastebud serve --demo`: an ML-100K recommender with titles and no set-up. On first use it
 * loads ML-100K (TASTEBUD_DATA_DIR, else downloaded), trains EASE on every rating (a second or
 * two) into a cache directory, and fills an event store there with the catalogue (title, year,
 * genres from u.item), so filters like `genres = "Comedy" and year >= 1990` work at once. Later
 * starts reuse the cache.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { datasets } from '../data/datasets/index.ts';
import { ML100K_GENRES as GENRES } from '../data/datasets/movielens.ts';
import type { LoadDatasetOptions } from '../data/datasets/common.ts';
import { readDelimitedRows } from '../data/readers/index.ts';
import { createModel } from '../models/registry.ts';
import { EventStore } from './store.ts';

export interface DemoOptions extends LoadDatasetOptions {
  /** Where the demo model and store live (default `$XDG_CACHE_HOME/tastebud/demo`, else `~/.cache/tastebud/demo`). */
  cacheDir?: string;
  say?: (line: string) => void;
}

export interface DemoFiles {
  modelDir: string;
  db: string;
}

export function defaultDemoDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'tastebud', 'demo');
}

/** A movie from u.item, as the store's item properties. */
export interface Movie {
  id: string;
  title: string;
  year: number | null;
  genres: string[];
}

/** u.item (`id|title (year)|release date|video release|IMDb URL|19 genre flags`, Latin-1). */
export async function readMovies(path: string): Promise<Movie[]> {
  const movies: Movie[] = [];
  await readDelimitedRows(path, { separator: '|', quote: null, encoding: 'latin1' }, (f) => {
    const full = f[1] ?? '';
    const m = /^(.*?)\s*\((\d{4})\)\s*$/.exec(full);
    const date = /(\d{4})\s*$/.exec(f[2] ?? '');
    const genres = GENRES.filter((_, g) => f[5 + g] === '1');
    movies.push({ id: f[0], title: m ? m[1] : full, year: m ? Number(m[2]) : date ? Number(date[1]) : null, genres });
  });
  return movies;
}

/** Makes sure the demo model and store exist (training and filling them on first use). */
export async function prepareDemo(options: DemoOptions = {}): Promise<DemoFiles> {
  const say = options.say ?? ((line: string) => process.stderr.write(`${line}\n`));
  const dir = options.cacheDir ?? defaultDemoDir();
  const modelDir = join(dir, 'ml-100k-ease');
  const db = join(dir, 'demo.db');
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(modelDir, 'manifest.json'))) {
    say(`tastebud: demo: training EASE on MovieLens 100K into ${modelDir} (first use only)`);
    const data = await datasets.load('ml-100k', options);
    const started = Date.now();
    const model = createModel('ease', {});
    await model.fit(data.interactions, { seed: 1, provenance: { source: 'ml-100k' } });
    await model.save(modelDir);
    say(`tastebud: demo: trained in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  const store = EventStore.open(db);
  try {
    if (store.counts().items === 0) {
      const movies = await readMovies(join(datasets.dir('ml-100k', options), 'u.item'));
      store.putItems(movies.map((m) => ({ id: m.id, properties: { title: m.title, year: m.year, genres: m.genres }, available: true, expiresAt: null })));
      say(`tastebud: demo: ${movies.length} movies with titles, years and genres in ${db}`);
    }
  } finally {
    store.close();
  }
  return { modelDir, db };
}
