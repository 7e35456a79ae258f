/**
 * Every ready example in examples/ parses, names registered models with hyperparameters they
 * have, and points at data that exists (when the shared data folder is present). Running them
 * takes minutes each: see docs/experiments.md.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadExperimentConfig } from '../../src/experiment/config.ts';
import { parse as parseYaml } from 'yaml';
import { parseDoctorConfig } from '../../src/doctor/train-config.ts';
import { resolveDataFile } from '../../src/experiment/data.ts';
import { checkExperiment } from '../../src/experiment/runner.ts';
import { demoConfig } from '../../src/experiment/demo.ts';
import { listModels } from '../../src/models/registry.ts';
import { dataDir, repoRoot as root } from '../helpers/data-dir.ts';

const all = readdirSync(join(root, 'examples'))
  .filter((f) => f.endsWith('.yaml'))
  .sort();
// doctor-*.yaml are doctor files (tastebud doctor train --config), not experiments.
const files = all.filter((f) => !f.startsWith('doctor-'));
const doctorFiles = all.filter((f) => f.startsWith('doctor-'));

test('the ready examples are there', () => {
  assert.deepEqual(files, [
    'bookcrossing-rating.yaml',
    'bpr-features.yaml',
    'deepfm-implicit.yaml',
    'deepfm-lightfm.yaml',
    'foodcom-ncf-grid.yaml',
    'ials-halving.yaml',
    'ml100k-best.yaml',
    'msr-stratified.yaml',
    'ncf-lightfm.yaml',
    'neumf-lightfm.yaml',
    'recvae-ema-msr.yaml',
    'recvae-ensemble-lightfm.yaml',
    'recvae-lightfm.yaml',
    'recvae-msr.yaml',
    'triplet-vs-match.yaml',
    'two-tower-lightfm.yaml',
  ]);
  assert.deepEqual(doctorFiles, [
    'doctor-bookcrossing-f1.yaml',
    'doctor-bpr-custom-loss.yaml',
    'doctor-deepfm-l2.yaml',
    'doctor-foodcom-f1.yaml',
    'doctor-match-custom-loss.yaml',
    'doctor-ncf-healthy.yaml',
    'doctor-recvae-healthy.yaml',
    'doctor-warp-healthy.yaml',
  ]);
});

for (const file of doctorFiles) {
  test(`examples/${file} is a valid doctor file`, () => {
    const value = parseYaml(readFileSync(join(root, 'examples', file), 'utf8')) as Record<string, unknown>;
    const config = parseDoctorConfig(value, file);
    assert.ok(
      listModels().some((m) => m.type === config.model),
      `${file} names a registered model`,
    );
  });
}

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

test("the demo (the main job) is a valid experiment, and its RecVAE is recvae-lightfm.yaml's", async () => {
  for (const synthetic of [false, true]) checkExperiment(demoConfig(synthetic));
  const example = await loadExperimentConfig(join(root, 'examples', 'recvae-lightfm.yaml'));
  const demoRecVae = demoConfig(false).models.find((m) => m.type === 'recvae');
  assert.deepEqual(demoRecVae?.params, example.models.find((m) => m.type === 'recvae')?.params);
});
