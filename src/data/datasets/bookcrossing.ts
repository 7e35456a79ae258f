/**
 * Book-Crossing (Ziegler et al., WWW 2005): the original `BX-CSV-Dump` files, `;`-separated,
 * quoted, latin-1. Ratings are explicit 1–10 or 0 for an implicit interaction; the two are kept
 * apart (value 0 stays 0): `labels.dropZeros` gives the explicit part, `positivesOnly(d, 0)` all
 * interactions as positives. ISBNs are kept verbatim.
 */
import { FeatureBuilder } from '../features.ts';
import type { IdMap } from '../idmap.ts';
import { readDelimitedRows, readInteractions } from '../readers/index.ts';
import type { Dataset } from '../types.ts';
import type { FeatureMatrix } from '../../contracts/types.ts';
import { AGE_EDGES, namesByIndex, optionalFile, type DatasetDefinition } from './common.ts';
import { firstLine, locateFile, type DatasetFile } from './files.ts';

const BX = { separator: ';', quote: '"', encoding: 'latin1' } as const;
/** The ratings file; a slice of it with the same columns (e.g. `raw-slice/`) also loads. */
const RATINGS_FILE: DatasetFile = { name: 'BX-Book-Ratings.csv', alternatives: ['BX-Book-Ratings*.csv', 'raw-slice/BX-Book-Ratings*.csv'] };

export const bookCrossing: DatasetDefinition = {
  description: 'Book-Crossing: 1,149,780 book ratings (1–10 explicit, 0 implicit) by 105,283 users, with user age/country and book author/publisher/year',
  source: {
    name: 'book-crossing',
    url: 'http://www2.informatik.uni-freiburg.de/~cziegler/BX/BX-CSV-Dump.zip',
    downloadable: true,
    files: [RATINGS_FILE, { name: 'BX-Users.csv', optional: true }, { name: 'BX-Books.csv', optional: true }],
    note: 'The original site may be offline; copies of BX-CSV-Dump.zip circulate on Kaggle and mirrors.',
  },
  async read(dir) {
    const path = locateFile(dir, RATINGS_FILE)!;
    const { interactions, report } = await readInteractions(path, {
      ...BX,
      header: await startsWithHeader(path),
      columns: { user: 0, item: 1, rating: 2 },
    });
    // Explicit ratings are 1–10; 0 marks an implicit interaction (see the module comment).
    const dataset: Dataset = { name: 'book-crossing', interactions, report, ratingScale: { min: 1, max: 10 } };
    const users = optionalFile(dir, 'BX-Users.csv');
    if (users) dataset.userFeatures = await bxUsers(users, interactions.userIds);
    const books = optionalFile(dir, 'BX-Books.csv');
    if (books) {
      const { features, names } = await bxBooks(books, interactions.itemIds);
      dataset.itemFeatures = features;
      dataset.itemNames = namesByIndex(interactions.itemIds, names);
    }
    return dataset;
  },
};

/** The original files start with a header (`"User-ID";…`); slices of them may not. */
async function startsWithHeader(path: string): Promise<boolean> {
  const first = (await firstLine(path, 'latin1')).split(';')[0].replace(/"/g, '').trim();
  return !/^\d+$/.test(first);
}

/** BX-Users.csv: `User-ID;Location;Age` — Age may be NULL; the country is the last part of the location. */
async function bxUsers(path: string, ids: IdMap): Promise<FeatureMatrix> {
  const builder = new FeatureBuilder(ids, { buckets: { age: { edges: AGE_EDGES } } });
  await readDelimitedRows(path, { ...BX, header: await startsWithHeader(path) }, (f) => {
    const id = f[0];
    const country = (f[1] ?? '').split(',').pop()!.trim();
    builder.categorical(id, 'country', country === '' || country === 'n/a' ? null : country);
    const age = Number(f[2]);
    // The dump has ages like 0 and 244: treat implausible ones as unknown.
    if (f[2] !== 'NULL' && age >= 5 && age <= 100) builder.numeric(id, 'age', age);
  });
  return builder.build();
}

/** BX-Books.csv: `ISBN;Book-Title;Book-Author;Year-Of-Publication;Publisher;Image-URL-S;…`. */
async function bxBooks(path: string, ids: IdMap): Promise<{ features: FeatureMatrix; names: Map<string, string> }> {
  const builder = new FeatureBuilder(ids, { buckets: { decade: { width: 10 } } });
  const names = new Map<string, string>();
  await readDelimitedRows(path, { ...BX, header: await startsWithHeader(path) }, (f) => {
    const id = f[0];
    if (!ids.has(id)) return; // most books were never rated; their metadata is not needed
    names.set(id, f[1] ?? '');
    builder.categorical(id, 'author', f[2]?.trim());
    const year = Number(f[3]);
    if (year >= 1000 && year <= 2100) builder.numeric(id, 'decade', year);
    builder.categorical(id, 'publisher', f[4]?.trim());
  });
  return { features: builder.build(), names };
}
