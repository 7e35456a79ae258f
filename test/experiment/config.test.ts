import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/contracts/errors.ts';
import { loadExperimentConfig, parseExperimentConfig, validateExperimentConfig } from '../../src/experiment/config.ts';
import { resolveRunParams } from '../../src/experiment/params.ts';
import { rawExperiment } from '../helpers/experiment.ts';

const FILE = `name: ml100k-bilinear
protocol: lightfm-ua
seed: 42
baselines: [ease]
search: { strategy: random, trials: 4, metric: auc, validation: 0.1 }
models:
  - name: warp-64
    type: warp
    params: { factors: [32, 64], learningRate: { min: 0.01, max: 0.1, log: true }, epochs: 30 }
    fit: { earlyStopping: { patience: 3 }, threads: 2 }
`;

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${err}`);
    return err.message;
  }
  assert.fail('expected an error');
}

test('a YAML experiment becomes a normalised config: popularity added, lists and ranges become search spaces', () => {
  const cfg = parseExperimentConfig(FILE, 'examples/x.yaml');
  assert.equal(cfg.name, 'ml100k-bilinear');
  assert.deepEqual(cfg.protocol, { name: 'lightfm-ua', seed: null, options: {} });
  assert.equal(cfg.seed, 42);
  assert.equal(cfg.threads, 1);
  assert.deepEqual(
    cfg.baselines.map((b) => b.type),
    ['popularity', 'ease'],
  );
  assert.deepEqual(cfg.search, { strategy: 'random', trials: 4, metric: 'auc', validation: 0.1, repeats: 1, refit: null });
  const [warp] = cfg.models;
  assert.equal(warp.name, 'warp-64');
  assert.deepEqual(warp.params.factors, { kind: 'choice', values: [32, 64] });
  assert.deepEqual(warp.params.learningRate, { kind: 'range', min: 0.01, max: 0.1, log: true, integer: false });
  assert.deepEqual(warp.params.epochs, { kind: 'fixed', value: 30 });
  assert.deepEqual(warp.fit, { earlyStopping: { patience: 3 }, threads: 2 });
});

test('JSON is accepted too, and the protocol may carry a seed and options', () => {
  const cfg = parseExperimentConfig(JSON.stringify(rawExperiment({ protocol: { name: 'full-ranking', seed: 1, k: [5, 20], split: 'ua' } })), 'x.json');
  assert.deepEqual(cfg.protocol, { name: 'full-ranking', seed: 1, options: { k: [5, 20], split: 'ua' } });
});

test('a bad hyperparameter is named by file, line and path, with what was expected', () => {
  const text = FILE.replace('factors: [32, 64]', 'factors: abc');
  const message = errorOf(() => parseExperimentConfig(text, 'examples/x.yaml'));
  assert.equal(message, 'examples/x.yaml:9: models[0].params.factors: expected a positive integer or a list, got "abc"');
});

test('a bad value inside a search list points at its position', () => {
  const raw = rawExperiment({ models: [{ type: 'bpr' }, { type: 'warp', params: { factors: [32, -4] } }] });
  const message = errorOf(() => validateExperimentConfig(raw, { file: 'e.yaml' }));
  assert.equal(message, 'e.yaml: models[1].params.factors[1]: expected a positive integer, got -4');
});

test('every problem is reported at once, unknown fields with a suggestion', () => {
  const raw = rawExperiment({ name: 'has space', seeed: 1, search: { strategy: 'bayes', validation: 2, repeats: 0 } });
  const lines = errorOf(() => validateExperimentConfig(raw, { file: 'e.yaml' })).split('\n');
  assert.deepEqual(lines, [
    'e.yaml: seeed: unknown field; expected one of name, description, protocol, dataset, data, seed, threads, baselines, search, models (did you mean "seed"?)',
    `e.yaml: name: expected a name of letters, digits, '.', '_' or '-' (it names the output folder), got "has space"`,
    'e.yaml: search.strategy: expected grid, random or successive-halving, got "bayes"',
    'e.yaml: search.validation: expected a fraction between 0 and 1 (e.g. 0.1), got 2',
    'e.yaml: search.repeats: expected a whole number ≥ 1 (validation parts to average over), got 0',
  ]);
});

test('structural mistakes: missing type, duplicate names, ranges under grid search, empty lists', () => {
  const raw = rawExperiment({
    models: [
      { name: 'a', params: {} },
      { name: 'b', type: 'bpr', params: { learningRate: { min: 0.01, max: 0.1 } } },
      { name: 'b', type: 'warp', params: { factors: [] } },
    ],
  });
  const lines = errorOf(() => validateExperimentConfig(raw, { file: 'e.yaml' })).split('\n');
  assert.ok(lines.includes('e.yaml: models[0].type: expected a model type (e.g. bpr, warp, deepfm, popularity), got nothing'), lines.join('\n'));
  assert.ok(lines.includes('e.yaml: models[2].params.factors: an empty list leaves nothing to try; give at least one value'), lines.join('\n'));
  assert.ok(lines.includes('e.yaml: models[2].name: the name "b" is already used by models[1]; every run needs its own name (it names the model folder)'), lines.join('\n'));
  assert.ok(lines.includes('e.yaml: models[1].params.learningRate: a { min, max } range needs search.strategy: random; grid search takes a list of values'), lines.join('\n'));
});

test('range checks: min < max, log scale needs min > 0, integer ranges are inferred for count parameters', () => {
  const raw = rawExperiment({
    search: { strategy: 'random' },
    models: [{ type: 'warp', params: { learningRate: { min: 0, max: 0.1, log: true }, l2: { min: 1, max: 0.5 }, factors: { min: 8, max: 128, log: true } } }],
  });
  const lines = errorOf(() => validateExperimentConfig(raw, { file: 'e.yaml' })).split('\n');
  assert.deepEqual(lines, [
    'e.yaml: models[0].params.learningRate.min: a log-scale range needs min > 0, got 0',
    'e.yaml: models[0].params.l2: min (1) must be less than max (0.5)',
  ]);
  const ok = validateExperimentConfig(rawExperiment({ search: { strategy: 'random' }, models: [{ type: 'warp', params: { factors: { min: 8, max: 128, log: true } } }] }));
  assert.deepEqual(ok.models[0].params.factors, { kind: 'range', min: 8, max: 128, log: true, integer: true });
});

test('YAML syntax errors give the file and line', () => {
  const message = errorOf(() => parseExperimentConfig('name: x\nmodels: [a, b\nseed: 1\n', 'broken.yaml'));
  assert.match(message, /^broken\.yaml:\d+: /);
});

test('a missing file is a ConfigError naming it', async () => {
  await assert.rejects(
    loadExperimentConfig('/no/such/experiment.yaml'),
    (err: Error) => err instanceof ConfigError && err.message.startsWith('/no/such/experiment.yaml: cannot read'),
  );
});

test('loadExperimentConfig reads a file and remembers where it came from', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tastebud-config-'));
  const file = join(dir, 'e.yaml');
  await writeFile(file, FILE);
  const cfg = await loadExperimentConfig(file);
  assert.equal(cfg.source, file);
});

test('against the model defaults: unknown names are caught, and a flat list for a list-valued parameter is one value', () => {
  const cfg = validateExperimentConfig(rawExperiment({ models: [{ name: 'n', type: 'ncf', params: { layers: [64, 32], embedding: [8, 16], factor: 3, loss: 1 } }] }), {
    file: 'e.yaml',
  });
  const defaults = { layers: [32, 16], embedding: 16, factors: 8, loss: 'bce' };
  const { params, problems } = resolveRunParams(cfg.models[0], defaults);
  assert.deepEqual(params.layers, { kind: 'fixed', value: [64, 32] });
  assert.deepEqual(params.embedding, { kind: 'choice', values: [8, 16] });
  assert.deepEqual(problems, [
    { path: ['models', 0, 'params', 'factor'], message: 'ncf has no hyperparameter "factor" (did you mean "factors"?); it has layers, embedding, factors, loss' },
    { path: ['models', 0, 'params', 'loss'], message: 'expected a string, got 1' },
  ]);
  const grid = validateExperimentConfig(
    rawExperiment({
      models: [
        {
          type: 'ncf',
          params: {
            layers: [
              [64, 32],
              [128, 64],
            ],
          },
        },
      ],
    }),
  );
  assert.deepEqual(resolveRunParams(grid.models[0], defaults).params.layers, {
    kind: 'choice',
    values: [
      [64, 32],
      [128, 64],
    ],
  });
});

test('a data file section and per-run fit settings (features, binarize) are checked', () => {
  const cfg = validateExperimentConfig(
    rawExperiment({
      data: { file: 'book-crossing/ratings.dat', columns: { user: 'user', item: 'item', rating: 2 }, encoding: 'latin1' },
      models: [{ type: 'bpr', fit: { features: 'items', binarize: 8 } }],
    }),
  );
  assert.deepEqual(cfg.data, { file: 'book-crossing/ratings.dat', name: null, columns: { user: 'user', item: 'item', rating: 2 }, encoding: 'latin1' });
  assert.deepEqual(cfg.models[0].fit, { features: 'items', binarize: 8 });
  const raw = rawExperiment({
    dataset: 'ml-100k',
    data: { file: 'x.csv', columns: { user: 'u', item: -1 }, encoding: 'ascii' },
    models: [{ type: 'bpr', fit: { features: 'all', binarize: 'yes' } }],
  });
  const lines = errorOf(() => validateExperimentConfig(raw, { file: 'e.yaml' })).split('\n');
  assert.deepEqual(lines, [
    'e.yaml: data.columns.item: expected a column name or 0-based position, got -1',
    'e.yaml: data.encoding: expected utf8 or latin1, got "ascii"',
    'e.yaml: data: give either dataset (a built-in dataset) or data (a file), not both',
    'e.yaml: models[0].fit.features: expected one of both, users, items, none, got "all"',
    `e.yaml: models[0].fit.binarize: expected true (the protocol's label threshold) or a threshold number, got "yes"`,
  ]);
});

test('a misspelt metric name is caught with the file, line and a did-you-mean, before any data is read', () => {
  const text = FILE.replace('metric: auc', 'metric: aucc').replace('fit: { earlyStopping: { patience: 3 }, threads: 2 }', 'fit: { metric: ndcg@1O }');
  const lines = errorOf(() => parseExperimentConfig(text, 'x.yaml')).split('\n');
  assert.deepEqual(lines, [
    'x.yaml:5: search.metric: unknown validation metric "aucc"; use one of auc, precision@k, recall@k, map@k, ndcg@k, mrr@k, hit@k, rmse, mae, logloss, accuracy, f1 (did you mean "auc"?)',
    'x.yaml:10: models[0].fit.metric: metric "ndcg@1O": k must be a positive whole number (did you mean "ndcg@10"?)',
  ]);
  // Baselines' fit settings too; every name the fit loop measures passes, whatever its case of k.
  const baseline = errorOf(() => validateExperimentConfig(rawExperiment({ baselines: [{ type: 'ease', fit: { metric: 'ndgc@10' } }] }), { file: 'e.yaml' }));
  assert.match(baseline, /^e\.yaml: baselines\[0\]\.fit\.metric: unknown validation metric "ndgc@10"; .* \(did you mean "ndcg@10"\?\)$/);
  assert.match(
    errorOf(() => validateExperimentConfig(rawExperiment({ search: { metric: 'recall' } }))),
    /search\.metric: metric "recall" needs a cut-off, e.g\. recall@10$/,
  );
  for (const metric of ['auc', 'ndcg@5', 'precision@10', 'rmse', 'f1', 'logloss', 'pointwise_auc']) {
    assert.equal(validateExperimentConfig(rawExperiment({ search: { metric }, models: [{ type: 'bpr', fit: { metric } }] })).search.metric, metric);
  }
});

test('a bad cut-off in a list of protocol.k is named by its position and line', () => {
  const text = FILE.replace('protocol: lightfm-ua', 'protocol: { name: full-ranking, k: [5, 0] }');
  assert.equal(
    errorOf(() => parseExperimentConfig(text, 'x.yaml')),
    'x.yaml:2: protocol.k[1]: expected a positive whole number, got 0',
  );
  assert.match(
    errorOf(() => validateExperimentConfig(rawExperiment({ protocol: { name: 'full-ranking', k: 'ten' } }))),
    /protocol\.k: expected a positive whole number or a list of them, got "ten"$/,
  );
  assert.deepEqual(validateExperimentConfig(rawExperiment({ protocol: { name: 'full-ranking', k: 5 } })).protocol.options.k, [5]);
});

test("a protocol that needs a built-in dataset's own split is refused with a data: file, up front and with the line", () => {
  const withData = (protocol: string): string => FILE.replace('protocol: lightfm-ua', `protocol: ${protocol}\ndata: { file: good.csv }`);
  assert.equal(
    errorOf(() => parseExperimentConfig(withData('lightfm-ua'), 'x.yaml')),
    "x.yaml:2: protocol: lightfm-ua evaluates on ML-100K's own ua.base/ua.test split, which a data: file does not have; with a data: file use a protocol that takes any data (full-ranking, msr-stratified, recbole-ml1m, pointwise), or use the built-in dataset instead of data:",
  );
  assert.match(
    errorOf(() => parseExperimentConfig(withData('{ name: lightfm-ua }'), 'x.yaml')),
    /^x\.yaml:2: protocol\.name: lightfm-ua evaluates on /,
  );
  assert.equal(
    errorOf(() => parseExperimentConfig(withData('{ name: full-ranking, split: ua }'), 'x.yaml')),
    `x.yaml:2: protocol.split: "ua" is a built-in dataset's predefined split, and a data: file has none; remove split (the protocol then splits the file's interactions itself)`,
  );
  for (const protocol of ['full-ranking', 'msr-stratified', '{ name: pointwise, threshold: 4 }'])
    assert.equal(parseExperimentConfig(withData(protocol), 'x.yaml').data!.file, 'good.csv');
  // Without data: the built-in dataset has the split.
  assert.equal(parseExperimentConfig(FILE.replace('protocol: lightfm-ua', 'protocol: { name: full-ranking, split: ua }'), 'x.yaml').protocol.options.split, 'ua');
});

test('a pointwise validation metric under a ranking protocol is refused at its line, before any data is read', () => {
  const text = `name: m
protocol: lightfm-ua
search:
  metric: rmse
models:
  - type: warp
    fit:
      metric: f1
`;
  const message = errorOf(() => parseExperimentConfig(text, 'x.yaml'));
  assert.match(message, /x\.yaml:4: search\.metric: rmse is a pointwise metric, and lightfm-ua is a ranking protocol .*use a ranking metric such as auc/);
  assert.match(message, /x\.yaml:8: models\[0\]\.fit\.metric: f1 is a pointwise metric/);
  // Under a pointwise protocol the same names are what it judges by.
  assert.equal(parseExperimentConfig(text.replace('lightfm-ua', 'pointwise'), 'x.yaml').search.metric, 'rmse');
});

test('a protocol option the protocol does not read is refused, naming the protocols that read it', () => {
  const text = `name: m
protocol:
  name: lightfm-ua
  k: [5, 20]
  threshold: 5
models:
  - type: warp
`;
  const message = errorOf(() => parseExperimentConfig(text, 'x.yaml'));
  assert.match(message, /x\.yaml:4: protocol\.k: lightfm-ua does not read k: its split, label threshold and cut-offs are fixed; k is read by full-ranking/);
  assert.match(message, /x\.yaml:5: protocol\.threshold: lightfm-ua does not read threshold: .*; threshold is read by full-ranking, pointwise/);
  assert.deepEqual(parseExperimentConfig(text.replace('lightfm-ua', 'full-ranking'), 'x.yaml').protocol.options, { k: [5, 20], threshold: 5 });
});

test("seed or threads among a run's params (tastebud models lists them) say where an experiment takes them", () => {
  const cfg = validateExperimentConfig(rawExperiment({ models: [{ name: 'e', type: 'ease', params: { seed: 3, threads: 2, lambda: 200 } }] }), { file: 'e.yaml' });
  const { problems } = resolveRunParams(cfg.models[0], { lambda: 500, epochs: 1 });
  assert.deepEqual(
    problems.map((p) => p.message),
    [
      'seed is not set per model in an experiment: the experiment has one seed for every run (a top-level `seed:`)',
      "threads is not set per model in an experiment: give it once at the top level (`threads:`) or in the run's `fit: { threads }`",
    ],
  );
});
