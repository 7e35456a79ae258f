import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareDemo } from '../../src/serve/demo.ts';
import { originalTrainingPairs } from '../../src/serve/retrain-eval.ts';
import { startServer } from '../../src/serve/server.ts';

/** The parts of the replies this test reads. */
interface Reply {
  items: { item: string }[];
  properties: { genres: string[]; year: number };
}

const DATA = process.env.TASTEBUD_DATA_DIR;
const skip = DATA && existsSync(join(DATA, 'ml-100k', 'u.data')) ? false : 'needs MovieLens 100K: set TASTEBUD_DATA_DIR to a folder with ml-100k/ (e.g. /work/shared/data)';

test('serve --demo: ML-100K with titles, years and genres, trained on first use and reused after', { skip, timeout: 120_000 }, async (t) => {
  const cacheDir = await mkdtemp(join(tmpdir(), 'tastebud-demo-'));
  const lines: string[] = [];
  try {
    const files = await prepareDemo({ cacheDir, download: false, say: (l) => lines.push(l) });
    assert.ok(lines.some((l) => /training EASE on MovieLens 100K/.test(l)));
    t.diagnostic(lines.join(' | '));
    assert.ok(lines.some((l) => /1682 movies with titles, years and genres/.test(l)));
    const again: string[] = [];
    assert.deepEqual(await prepareDemo({ cacheDir, download: false, say: (l) => again.push(l) }), files);
    assert.deepEqual(again, [], 'the second start reuses the cache');

    // Retraining finds the demo model's training data again (its model file names ml-100k and the pairs' hash).
    const recorded = JSON.parse(await readFile(join(files.modelDir, 'manifest.json'), 'utf8')).trainingData;
    const original = await originalTrainingPairs(recorded);
    assert.equal(original.pairs.length, 100_000, original.note);
    assert.match(original.note, /^ml-100k: 100000 interactions, plus store events$/);
    assert.match((await originalTrainingPairs({ ...recorded, pairsHash: '0000' })).note, /store events only: ml-100k on this machine differs/);
    assert.match((await originalTrainingPairs(null)).note, /store events only: the model file names no training data/);

    const server = await startServer({ modelDir: files.modelDir, db: files.db, port: 0, host: '127.0.0.1', say: () => {} });
    try {
      const get = async (path: string) => (await fetch(`${server.url}${path}`)).json() as Promise<Reply>;
      assert.deepEqual(await get('/v1/items/50'), {
        id: '50',
        properties: { title: 'Star Wars', year: 1977, genres: ['Action', 'Adventure', 'Romance', 'Sci-Fi', 'War'] },
        available: true,
        expiresAt: null,
      });
      // Movies like Star Wars are the Star Wars sequels.
      const similar = (await get('/v1/items/50/similar?k=10')).items.map((r: { item: string }) => r.item);
      assert.ok(similar.includes('172') && similar.includes('181'), `Empire Strikes Back and Return of the Jedi in ${similar}`);
      // A filter over the catalogue's properties works at once.
      const comedies = await get(`/v1/recommend?user=1&k=5&filter=${encodeURIComponent('genres = "Comedy" and year >= 1990')}`);
      assert.equal(comedies.items.length, 5);
      for (const r of comedies.items) {
        const movie = await get(`/v1/items/${r.item}`);
        assert.ok(movie.properties.genres.includes('Comedy') && movie.properties.year >= 1990, JSON.stringify(movie));
      }
    } finally {
      await server.close();
    }
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
  }
});
