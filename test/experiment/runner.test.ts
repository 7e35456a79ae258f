import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/contracts/errors.ts';
import { generateSynthetic } from '../../src/data/synthetic.ts';
import { parseExperimentConfig, validateExperimentConfig } from '../../src/experiment/config.ts';
import { runExperiment } from '../../src/experiment/runner.ts';
import type { ExperimentResults } from '../../src/experiment/results.ts';
import type { Protocol } from '../../src/eval/protocols/types.ts';
import { disagreeingProtocol, rawExperiment, registerTestModels, syntheticProtocol } from '../helpers/experiment.ts';

await registerTestModels();

const config = validateExperimentConfig(
  rawExperiment({
    models: [
      { name: 'mf', type: 'test-tiny-mf', params: { factors: [2, 8], learningRate: 0.05, epochs: 6 }, fit: { earlyStopping: { patience: 2 } } },
      { name: 'favour-even', type: 'test-favour', params: { favour: 'A' } },
    ],
  }),
);

async function run(): Promise<{ results: ExperimentResults; dir: string; log: string[] }> {
  const outDir = await mkdtemp(join(tmpdir(), 'tastebud-experiment-'));
  const log: string[] = [];
  const results = await runExperiment(config, { protocol: syntheticProtocol(), outDir, log: (l) => log.push(l), command: 'test' });
  return { results, dir: join(outDir, 'tiny'), log };
}

const first = await run();

test('an experiment writes results.json, report.md, report.html and one model folder per run', async () => {
  for (const file of ['results.json', 'report.md', 'report.html', 'models/popularity/manifest.json', 'models/mf/manifest.json', 'models/favour-even/weights.safetensors']) {
    assert.ok((await stat(join(first.dir, file))).size > 0, `${file} is missing or empty`);
  }
  const saved = JSON.parse(await readFile(join(first.dir, 'results.json'), 'utf8')) as ExperimentResults;
  assert.equal(saved.protocol.name, 'synthetic-ranking');
  assert.equal(saved.protocol.mainMetric, 'precision@10');
  assert.ok((saved.protocol.sizes.train as number) > 0 && (saved.protocol.sizes.test as number) > 0);
  assert.equal(saved.seed, 3);
  assert.deepEqual(saved.validation, { source: 'carved', ratio: 0.2, repeats: 1, interactions: saved.validation.interactions, metric: 'auc' });
  assert.ok(saved.validation.interactions > 0);
  assert.deepEqual(
    saved.runs.map((r) => r.name),
    ['popularity', 'mf', 'favour-even'],
  );
  assert.ok(saved.environment.node.startsWith('v') && saved.environment.cpus >= 1 && !Number.isNaN(Date.parse(saved.environment.date)));
  const mf = saved.runs[1];
  assert.equal(mf.search!.trials.length, 2);
  assert.deepEqual(mf.search!.keys, ['factors']);
  assert.equal(mf.search!.refit, true);
  assert.ok([2, 8].includes(mf.params.factors as number));
  assert.equal(mf.config.factors, mf.params.factors);
  assert.equal(mf.validation!.metric, 'auc');
  assert.equal(mf.validation!.value, mf.search!.trials[mf.search!.bestTrial - 1].validation);
  assert.ok(mf.history!.epochs.length >= 1 && mf.selectionHistory!.epochs.every((e) => typeof e.validation === 'number'));
  for (const r of saved.runs) assert.ok(Number.isFinite(r.metrics['precision@10']) && Number.isFinite(r.metrics.auc), `${r.name} test metrics`);
});

test('every run is compared with popularity on the main metric, and the losers are flagged', () => {
  const [pop, ...others] = first.results.runs;
  assert.equal(pop.reference, true);
  assert.equal(pop.vsReference, null);
  for (const r of others) {
    const delta = r.metrics['precision@10'] - pop.metrics['precision@10'];
    assert.equal(r.vsReference!.delta, delta);
    assert.equal(r.vsReference!.beats, delta > 0);
    assert.ok(r.vsReference!.pValue === null || (r.vsReference!.pValue >= 0 && r.vsReference!.pValue <= 1));
  }
  const favour = others.find((r) => r.name === 'favour-even')!;
  assert.equal(favour.vsReference!.beats, false, 'scoring even items ignores the planted structure and should lose to popularity');
  const summary = first.log.join('\n');
  assert.match(summary, /◆ popularity/);
  assert.match(summary, /✗ favour-even/);
  assert.match(summary, /does not beat popularity/);
});

test('the reports show the protocol, sizes, the flag, the search, and plots inline', async () => {
  const md = await readFile(join(first.dir, 'report.md'), 'utf8');
  assert.match(md, /Protocol:\*\* `synthetic-ranking`/);
  assert.match(md, /## Split sizes/);
  assert.match(md, /\*\*popularity\*\* \(baseline\)/);
  assert.match(md, /⚠ favour-even/);
  assert.match(md, /Search \(grid, 2 trials, selected on validation auc/);
  const html = await readFile(join(first.dir, 'report.html'), 'utf8');
  assert.ok((html.match(/<svg /g) ?? []).length >= 5);
  for (const kind of ['chart-bar', 'chart-line', 'chart-scatter']) assert.ok(html.includes(kind), `no ${kind} in report.html`);
  assert.match(html, /<tr class="below"><td class="l">favour-even/);
});

test('the same seed reproduces the same numbers', async () => {
  const second = await run();
  const numbers = (r: ExperimentResults) =>
    r.runs.map((x) => ({ name: x.name, metrics: x.metrics, trials: x.search?.trials.map((t) => t.validation), params: x.params, losses: x.history?.epochs.map((e) => e.loss) }));
  assert.deepEqual(numbers(second.results), numbers(first.results));
});

test('search.repeats carves that many validation parts and reports the mean of each trial over them', async () => {
  const repeated = validateExperimentConfig(rawExperiment({ search: { strategy: 'grid', metric: 'auc', validation: 0.2, repeats: 3 } }));
  const outDir = await mkdtemp(join(tmpdir(), 'tastebud-experiment-'));
  const { runs, validation } = await runExperiment(repeated, { protocol: syntheticProtocol(), outDir, log: () => {} });
  assert.equal(validation.repeats, 3);
  const trials = runs.find((r) => r.name === 'mf')!.search!.trials;
  for (const t of trials) assert.equal(t.repeats!.length, 3);
  // Different carves: the hold-outs do not all give the same value.
  assert.ok(
    trials.some((t) => new Set(t.repeats).size > 1),
    JSON.stringify(trials.map((t) => t.repeats)),
  );
  // The first hold-out is the one a single carve uses.
  assert.equal(trials[0].repeats![0], first.results.runs.find((r) => r.name === 'mf')!.search!.trials[0].validation);
  const md = await readFile(join(outDir, 'tiny', 'report.md'), 'utf8');
  assert.match(md, /held out 3 times/);
  assert.match(md, /0\.\d{4} ± 0\.\d{4}/);
});

test('a model run whose chosen setting does not beat popularity on validation gets a note that says so', async () => {
  const stuck = validateExperimentConfig(
    rawExperiment({
      models: [
        { name: 'stuck', type: 'test-tiny-mf', params: { factors: 4, learningRate: [1e-12, 1e-9], epochs: 2 } },
        { name: 'learns', type: 'warp', params: { factors: 16, epochs: 20 } },
      ],
    }),
  );
  const log: string[] = [];
  const { runs } = await runExperiment(stuck, { protocol: syntheticProtocol(7, true), outDir: await mkdtemp(join(tmpdir(), 'tastebud-experiment-')), log: (l) => log.push(l) });
  const note = runs.find((r) => r.name === 'stuck')!.notes.find((n) => n.includes('popularity'));
  assert.match(note ?? '', /^on validation, the best of its 2 settings reaches auc 0\.\d{4}, not above popularity's 0\.\d{4}: it learned less than counting interactions/);
  assert.ok(
    log.some((l) => l.includes('stuck: on validation')),
    log.join('\n'),
  );
  // A run that learns has no such note, and the reference baseline is never compared with itself.
  for (const r of runs.filter((x) => x.name !== 'stuck')) assert.ok(!r.notes.some((n) => n.includes('counting interactions')), `${r.name}: ${r.notes.join('; ')}`);
});

test('fit.validationUsers validates each epoch on a sample of users, and the log says so', async () => {
  const sampled = validateExperimentConfig(rawExperiment({ models: [{ name: 'mf', type: 'test-tiny-mf', params: { factors: 4, epochs: 3 }, fit: { validationUsers: 5 } }] }));
  assert.equal(sampled.models[0].fit.validationUsers, 5);
  const log: string[] = [];
  await runExperiment(sampled, { protocol: syntheticProtocol(), outDir: await mkdtemp(join(tmpdir(), 'tastebud-experiment-')), log: (l) => log.push(l) });
  assert.ok(
    log.some((l) => /validating on a sample of 5 of \d+ users \(validationUsers\)/.test(l)),
    log.join('\n'),
  );
  assert.throws(
    () => validateExperimentConfig(rawExperiment({ models: [{ type: 'test-tiny-mf', fit: { validationUsers: 0 } }] })),
    /models\[0\]\.fit\.validationUsers: expected auto, all or a whole number ≥ 1, got 0/,
  );
});

test('search.repeats with a protocol that brings its own validation split is refused', async () => {
  const repeated = validateExperimentConfig(rawExperiment({ protocol: 'disagreeing', search: { strategy: 'grid', metric: 'auc', repeats: 2 } }), { file: 'r.yaml' });
  await assert.rejects(
    runExperiment(repeated, { protocol: disagreeingProtocol(), outDir: await mkdtemp(join(tmpdir(), 'tastebud-experiment-')), log: () => {} }),
    /^ConfigError: r\.yaml: search\.repeats: protocol disagreeing has its own validation split/,
  );
});

test("data: minItemInteractions trains every run on the k-core of the protocol's training part, and the protocol's notes and sizes say so", async () => {
  const cored = validateExperimentConfig(rawExperiment({ data: { file: 'given-in-code.csv', minItemInteractions: 20 } }));
  assert.equal(cored.data!.minItemInteractions, 20);
  // The test protocol builds its own split; the data is given only so that no file is read.
  const dataset = generateSynthetic({ users: 10, items: 10, factors: 2, interactionsPerUser: 3, seed: 1 });
  const results = await runExperiment(cored, { protocol: syntheticProtocol(), data: dataset, outDir: await mkdtemp(join(tmpdir(), 'tastebud-experiment-')), log: () => {} });
  assert.match(
    results.protocol.notes[0],
    /^k-core of the training data \(users ≥ 1, items ≥ 20 interactions\): \d+ of \d+ rows removed .*; rows of removed users or items dropped: \d+ test/,
  );
  const before = first.results.protocol.sizes;
  assert.ok(results.protocol.sizes.train < before.train && results.protocol.sizes.test < before.test, JSON.stringify(results.protocol.sizes));
  assert.throws(
    () => validateExperimentConfig(rawExperiment({ data: { file: 'x.csv', minUserInteractions: 0 } })),
    /data\.minUserInteractions: expected a whole number ≥ 1 \(the k-core's minimum\), got 0/,
  );
});

test('problems found without data (unknown model, bad params) stop the run before the protocol loads', async () => {
  let prepared = false;
  const protocol: Protocol = { ...syntheticProtocol(), prepare: async () => ((prepared = true), syntheticProtocol().prepare()) };
  const bad = validateExperimentConfig(rawExperiment({ models: [{ type: 'no-such-model' }, { name: 'mf', type: 'test-tiny-mf', params: { factorz: 3, task: 5 } }] }), {
    file: 'bad.yaml',
  });
  await assert.rejects(runExperiment(bad, { protocol, outDir: await mkdtemp(join(tmpdir(), 'tastebud-experiment-')), log: () => {} }), (err: Error) => {
    assert.ok(err instanceof ConfigError);
    const lines = err.message.split('\n');
    assert.match(lines[0], /^bad\.yaml: models\[0\]\.type: unknown model "no-such-model"; known models: /);
    assert.match(lines[1], /^bad\.yaml: models\[1\]\.params\.factorz: test-tiny-mf has no hyperparameter "factorz" \(did you mean "factors"\?\)/);
    assert.equal(lines[2], 'bad.yaml: models[1].params.task: expected a string, got 5');
    return true;
  });
  assert.equal(prepared, false);
});

test('data: a ratings file read from the data folder, and fit.binarize training a label model on rating ≥ threshold', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'tastebud-data-'));
  const rows = ['user;item;stars'];
  for (let u = 0; u < 40; u++) for (let k = 0; k < 12; k++) rows.push(`u${u};i${(u * 5 + k * 7) % 30};${1 + ((u + k * 3) % 5)}`);
  await writeFile(join(dataDir, 'ratings.csv'), rows.join('\n') + '\n');
  const cfg = validateExperimentConfig(
    {
      name: 'labels',
      protocol: { name: 'pointwise', threshold: 4 },
      data: { file: 'ratings.csv', name: 'toy ratings', columns: { user: 'user', item: 'item', rating: 'stars' }, separator: ';' },
      seed: 5,
      baselines: ['popularity'],
      models: [
        { name: 'on-labels', type: 'test-labels-only', fit: { binarize: true } },
        { name: 'on-ratings', type: 'test-labels-only' },
      ],
    },
    { file: 'labels.yaml' },
  );
  const results = await runExperiment(cfg, { dataDir, outDir: await mkdtemp(join(tmpdir(), 'tastebud-experiment-')), log: () => {} });
  assert.equal(results.protocol.dataset, 'toy ratings');
  assert.equal(results.protocol.sizes.train + results.protocol.sizes.validation + results.protocol.sizes.test, 480);
  assert.deepEqual(results.validation, { source: 'protocol', ratio: null, repeats: 1, interactions: results.protocol.sizes.validation, metric: 'pointwise_auc' });
  const [, labels, ratings] = results.runs;
  assert.equal(labels.error, undefined);
  assert.ok(Number.isFinite(labels.metrics.f1) && Number.isFinite(labels.metrics.auc));
  assert.match(ratings.error!, /training value [2-5] is not a 0\/1 label/);
});

test('data: a missing file names every place it looked', async () => {
  const cfg = validateExperimentConfig({ ...rawExperiment(), data: { file: 'nope.csv' } }, { file: 'x.yaml' });
  await assert.rejects(
    runExperiment(cfg, { protocol: syntheticProtocol(), dataDir: '/no/data', outDir: await mkdtemp(join(tmpdir(), 'tastebud-experiment-')), log: () => {} }),
    (err: Error) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /^x\.yaml: data\.file: "nope\.csv" not found; looked in \/no\/data\/nope\.csv, nope\.csv, /);
      return true;
    },
  );
});

test('an unknown protocol, model type or hyperparameter in a file is reported with its line, all at once, before any data', async () => {
  const text = ['name: typos', 'protocol: full-rank', 'models:', '  - type: bprr', '  - name: mf', '    type: test-tiny-mf', '    params: { factorz: 3 }', ''].join('\n');
  const cfg = parseExperimentConfig(text, 'typos.yaml');
  await assert.rejects(runExperiment(cfg, { outDir: await mkdtemp(join(tmpdir(), 'tastebud-experiment-')), dataDir: '/no/data', log: () => {} }), (err: Error) => {
    assert.ok(err instanceof ConfigError);
    const lines = err.message.split('\n');
    assert.match(lines[0], /^typos\.yaml:2: protocol: unknown evaluation protocol "full-rank"; known protocols: lightfm-ua, full-ranking, /);
    assert.match(lines[1], /^typos\.yaml:4: models\[0\]\.type: unknown model "bprr"/);
    assert.match(lines[2], /^typos\.yaml:7: models\[1\]\.params\.factorz: test-tiny-mf has no hyperparameter "factorz" \(did you mean "factors"\?\)/);
    assert.equal(lines.length, 3);
    return true;
  });
  const named = parseExperimentConfig('name: n\nprotocol: { name: full-rank }\nmodels: [{ type: test-favour }]\n', 'n.yaml');
  await assert.rejects(
    runExperiment(named, { outDir: await mkdtemp(join(tmpdir(), 'tastebud-experiment-')), log: () => {} }),
    /^ConfigError: n\.yaml:2: protocol\.name: unknown evaluation protocol "full-rank"/,
  );
});

test('a second run into the same folder is refused unless asked to replace, and then leaves no stale model behind', async () => {
  const outDir = await mkdtemp(join(tmpdir(), 'tastebud-experiment-'));
  await runExperiment(config, { protocol: syntheticProtocol(), outDir, log: () => {} });
  const before = await readFile(join(outDir, 'tiny', 'results.json'), 'utf8');
  await assert.rejects(
    runExperiment(config, { protocol: syntheticProtocol(), outDir, log: () => {} }),
    (e: unknown) => e instanceof ConfigError && /holds the results of an earlier run of "tiny": replace them with --force/.test(e.message),
  );
  assert.equal(await readFile(join(outDir, 'tiny', 'results.json'), 'utf8'), before, 'the earlier results are untouched');
  // Replaced by a run of one model: the other runs' model folders go with the old report.
  const fewer = validateExperimentConfig(rawExperiment({ models: [{ name: 'favour-even', type: 'test-favour', params: { favour: 'A' } }] }));
  await runExperiment(fewer, { protocol: syntheticProtocol(), outDir, log: () => {}, overwrite: true });
  await assert.rejects(stat(join(outDir, 'tiny', 'models', 'mf')), /ENOENT/);
  assert.ok((await stat(join(outDir, 'tiny', 'models', 'favour-even', 'manifest.json'))).size > 0);
});

test('a random search whose space holds fewer points than its trials says so in the log', async () => {
  const small = validateExperimentConfig(
    rawExperiment({
      search: { strategy: 'random', trials: 5, metric: 'auc' },
      models: [{ name: 'mf', type: 'test-tiny-mf', params: { factors: [2, 4], epochs: 2 } }],
    }),
  );
  const log: string[] = [];
  const { runs } = await runExperiment(small, { protocol: syntheticProtocol(), outDir: await mkdtemp(join(tmpdir(), 'tastebud-experiment-')), log: (l) => log.push(l) });
  assert.equal(runs.find((r) => r.name === 'mf')?.search?.trials.length, 2);
  assert.ok(
    log.some((l) => /mf: the searched space holds only 2 distinct points, fewer than the 5 trials asked for: each is tried once/.test(l)),
    log.join('\n'),
  );
});
