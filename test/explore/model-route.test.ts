/**
 * GET /v1/model (the explore page's model panel) answers the values the model was trained with:
 * the positive threshold a training run applied (recorded in the model file beside the source
 * description that names it), and a training history whose non-finite values (a diverged loss)
 * are said as such rather than as null.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSynthetic } from '../../src/data/synthetic.ts';
import { trainAndEvaluate } from '../../src/experiment/pipeline.ts';
import { loadModel } from '../../src/models/load.ts';
import type { Recommender } from '../../src/models/recommender.ts';
import { createModel } from '../../src/models/registry.ts';
import { buildApp } from '../../src/serve/app.ts';
import { EventStore } from '../../src/serve/store.ts';
import type { Json } from '../serve/helpers.ts';
import { NO_SHEDDING } from '../serve/helpers.ts';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tastebud-model-route-'));
});
after(() => rm(dir, { recursive: true, force: true }));

/** GET /v1/model of the explore app serving `model` (from `modelDir`, when it was loaded from one). */
async function describeModel(model: Recommender, modelDir?: string): Promise<Json> {
  const store = EventStore.open(':memory:');
  const app = await buildApp({ overload: NO_SHEDDING, model, store, modelVersion: 'test', explore: { catalogue: null, modelDir, webRoot: dir } });
  try {
    const res = await app.inject({ method: 'GET', url: '/v1/model' });
    assert.equal(res.statusCode, 200, res.body);
    return res.json();
  } finally {
    await app.close();
    store.close();
  }
}

describe('GET /v1/model', () => {
  test('a model trained with a positive threshold: trainingData.positiveThreshold is that threshold, and the history its finite losses', async () => {
    // Ratings 1..5 by 40 users: --positive-threshold 4 keeps the 4s and 5s.
    const lines = ['user\titem\trating'];
    for (let u = 0; u < 40; u++) for (let i = 0; i < 8; i++) lines.push(`u${u}\tm${(u * 7 + i * 3) % 30}\t${1 + ((u + i) % 5)}`);
    const file = join(dir, 'ratings.tsv');
    await writeFile(file, lines.join('\n') + '\n');
    const out = join(dir, 'bpr');
    // What `tastebud train --train ratings.tsv --header --positive-threshold 4 --model bpr` runs.
    await trainAndEvaluate({
      model: 'bpr',
      params: { factors: 4 },
      data: { train: file, header: true, columns: { user: 'user', item: 'item', rating: 'rating' }, positiveThreshold: 4 },
      epochs: 2,
      threads: 1,
      out,
    });
    const saved = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
    assert.equal(saved.trainingData.positiveThreshold, 4);

    const m = await describeModel(await loadModel(out), out);
    assert.match(m.trainingData.source, /positives = value ≥ 4/);
    assert.equal(m.trainingData.positiveThreshold, 4);
    // The model's own threshold hyperparameter stays as it was: the data was thresholded before it saw it.
    assert.equal(m.config.positiveThreshold, null);
    assert.equal(m.status, 'trained');
    assert.equal(m.history.epochs.length, 2);
    for (const e of m.history.epochs) assert.ok(typeof e.loss === 'number' && Number.isFinite(e.loss), JSON.stringify(e));
    assert.deepEqual(
      m.history.epochs.map((e: Json) => e.loss),
      saved.history.epochs.map((e: Json) => e.loss),
    );
  });

  test('a diverged model: the non-finite loss reads "NaN", served as trained and from its file, never null', async () => {
    const data = generateSynthetic({ users: 60, items: 40, factors: 4, interactionsPerUser: 8, seed: 3 });
    const model = createModel('mf', { learningRate: 1e6, epochs: 3 });
    await model.fit(data.interactions, { seed: 1, log: () => {} });
    assert.equal(model.status, 'diverged');

    const live = await describeModel(model);
    assert.equal(live.status, 'diverged');
    assert.deepEqual(
      live.history.epochs.map((e: Json) => e.loss),
      ['NaN'],
    );
    assert.equal(typeof live.history.epochs[0].seconds, 'number');

    const modelDir = join(dir, 'mf-diverged');
    await model.save(modelDir);
    const loaded = await describeModel(await loadModel(modelDir), modelDir);
    assert.deepEqual(
      loaded.history.epochs.map((e: Json) => e.loss),
      ['NaN'],
    );
    assert.match(loaded.warning, /diverged in training/);
  });
});
