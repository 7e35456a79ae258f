/** What the Book-Crossing benches share: the implicit history file and bench/crossdata.ts's split. */
import path from 'node:path';
import type { Interactions } from '../src/data/interactions.ts';
import { readInteractions } from '../src/data/readers/index.ts';
import { perUserSplit } from '../src/data/splits.ts';

/** `bx-peruser-80/10/10`: per user a random 10 % to test, 10 % to validation (perUserSplit options). */
export const BX_PERUSER_SPLIT = { testRatio: 0.1, validationRatio: 0.1, seed: 2026 };

/** caserec-processed `book_history.dat` (2,946 users × 17,384 books, every row a positive). */
export async function readBookCrossingHistory(dataDir: string): Promise<Interactions> {
  const file = path.join(dataDir, 'book-crossing/caserec-processed/book_history.dat');
  const { interactions } = await readInteractions(file, { separator: '\t', header: true, columns: { user: 'user', item: 'item' } });
  return interactions;
}

/** The history and its `bx-peruser-80/10/10` parts. */
export async function readBookCrossingSplit(dataDir: string): Promise<{ all: Interactions; train: Interactions; validation: Interactions; test: Interactions }> {
  const all = await readBookCrossingHistory(dataDir);
  const { train, validation, test } = perUserSplit(all, BX_PERUSER_SPLIT);
  if (!validation) throw new Error('no validation split');
  return { all, train, validation, test };
}
