/**
 * Every ready example in examples/ parses, names registered models with hyperparameters they
 * have, and points at data that exists (when the shared data folder is present). Running them
 * takes minutes each: see docs/experiments.md.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadExperimentConfig } from '../../src/experiment/config.ts';
import { resolveDataFile } from '../../src/experiment/data.ts';
import { checkExperiment } from '../../src/experiment/runner.ts';
import { listModels } from '../../src/models/registry.ts';
import { dataDir, repoRoot as root } from '../helpers/data-dir.ts';

const files = readdirSync(join(root, 'examples'))
  .filter((f) => f.endsWith('.yaml'))
  .sort();

test('the ten ready examples are there', () => {
  assert.deepEqual(files, [
    'bookcrossing-rating.yaml',
    'bpr-features.yaml',
    'deepfm-implicit.yaml',
    'deepfm-lightfm.yaml',
    'foodcom-ncf-grid.yaml',
    'ml100k-best.yaml',
    'msr-stratified.yaml',
    'ncf-lightfm.yaml',
    'neumf-lightfm.yaml',
    'triplet-vs-match.yaml',
  ]);
});

for (const file of files) {
  test(`examples/${file} is a valid experiment`, async (t) => {
    const cfg = await loadExperimentConfig(join(root, 'examples', file));
    assert.equal(`${cfg.name}.yaml`, file, 'the experiment name matches its file name');
    const known = new Set(listModels().map((m) => m.type));
    const missing = [...cfg.baselines, ...cfg.models].map((r) => r.type).filter((type) => !known.has(type));
    if (missing.length) return t.skip(`model types not registered yet: ${[...new Set(missing)].join(', ')}`);
    checkExperiment(cfg);
    if (cfg.data) {
      if (!existsSync(dataDir)) return t.skip(`no data folder at ${dataDir}`);
      assert.ok(existsSync(resolveDataFile(cfg.data.file, dataDir, cfg.source)));
    }
  });
}
