import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/core/rng.ts';
import { dataDir, skipUnlessData } from '../helpers/data-dir.ts';
import { SOURCE_ARGS, tastebud } from '../helpers/cli.ts';
import { spawn } from 'node:child_process';
import { once } from 'node:events';

/** A TSV of user, item, rating with two planted taste groups: even users like items 0–19, odd users 20–39. */
async function plantedFile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tastebud-cli-'));
  const rng = new Rng(3);
  const lines = ['user\titem\trating'];
  for (let u = 0; u < 60; u++) {
    const base = u % 2 === 0 ? 0 : 20;
    const items = new Set<number>();
    while (items.size < 8) items.add(base + rng.int(20));
    for (const i of items) lines.push(`u${u}\tm${i}\t${4 + rng.int(2)}`);
  }
  const path = join(dir, 'ratings.tsv');
  await writeFile(path, lines.join('\n') + '\n');
  return path;
}

test('--help lists the commands', async () => {
  const { stdout, code } = await tastebud('--help');
  assert.equal(code, 0);
  for (const command of ['data', 'train', 'recommend', 'similar', 'evaluate', 'experiment', 'demo', 'models']) assert.match(stdout, new RegExp(`\\b${command}\\b`));
});

test('a reader that closes the pipe (| head -1) ends the command quietly, with no EPIPE trace', async () => {
  const child = spawn(process.execPath, [...SOURCE_ARGS, 'models'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  child.stdout.destroy(); // closed before the first line: every write the command makes meets EPIPE
  const [code] = await once(child, 'close');
  assert.equal(stderr, '');
  assert.equal(code, 0);
});

test('data info on a file prints counts as JSON', async () => {
  const file = await plantedFile();
  const { stdout, code } = await tastebud('data', 'info', file, '--header', '--columns', 'user,item,rating', '--json');
  assert.equal(code, 0);
  const info = JSON.parse(stdout);
  assert.equal(info.users, 60);
  assert.equal(info.items, 40);
  assert.equal(info.interactions, 480);
});

test('a malformed file fails with file, line and field, and exit code 1', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tastebud-cli-'));
  const file = join(dir, 'bad.csv');
  await writeFile(file, 'user,item,rating\na,b,5\nc,d,five\n');
  const { stderr, code } = await tastebud('data', 'info', file, '--header', '--columns', 'user,item,rating');
  assert.equal(code, 1);
  assert.match(stderr, /bad\.csv.*line 3.*rating/);
  assert.doesNotMatch(stderr, /at .*\.ts:\d+/, 'a user error prints no stack trace');
});

test('train → recommend → similar → batch recommendations on a file', async () => {
  const file = await plantedFile();
  const out = join(await mkdtemp(join(tmpdir(), 'tastebud-cli-')), 'model');
  const trained = await tastebud(
    'train',
    '--train',
    file,
    '--header',
    '--columns',
    'user,item,rating',
    '--model',
    'bpr',
    '--factors',
    '8',
    '--epochs',
    '30',
    '--threads',
    '1',
    '--seed',
    '1',
    '--out',
    out,
    '--quiet',
  );
  assert.equal(trained.code, 0, trained.stderr);
  assert.ok(existsSync(join(out, 'manifest.json')) && existsSync(join(out, 'weights.safetensors')));

  const recs = JSON.parse((await tastebud('recommend', out, '--user', 'u0', '-k', '5', '--json')).stdout);
  assert.equal(recs.recommendations.length, 5);
  const inGroup = recs.recommendations.filter((r: { item: string }) => Number(r.item.slice(1)) < 20).length;
  assert.ok(inGroup >= 4, `an even user gets items of the even group (${inGroup}/5)`);

  const similar = JSON.parse((await tastebud('similar', out, '--item', 'm25', '-k', '3', '--json')).stdout);
  assert.equal(similar.similar.length, 3);

  const recsFile = join(out, 'recs.tsv');
  const batch = await tastebud('recommend', out, '--all-users', '-k', '3', '--exclude', file, '--header', '--columns', 'user,item', '--out', recsFile);
  assert.equal(batch.code, 0, batch.stderr);
  const lines = (await readFile(recsFile, 'utf8')).trim().split('\n');
  assert.equal(lines.length, 60);
  assert.match(lines[0], /^u0\tm\d+,m\d+,m\d+$/);
});

test('unknown models, misspelt hyperparameters and unknown users get clear errors', async () => {
  const file = await plantedFile();
  const unknown = await tastebud('train', '--train', file, '--header', '--model', 'deepestfm');
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /unknown model "deepestfm" \(did you mean "deepfm"\?\); known models: .*bpr/);
  const typo = await tastebud('train', '--train', file, '--header', '--model', 'bpr', '--param', 'factorz=8');
  assert.match(typo.stderr, /factorz/);
  const bad = await tastebud('train', '--train', file, '--header', '--model', 'bpr', '--factors', 'many');
  assert.match(bad.stderr, /--factors must be a number/);
});

test('train --min-item-interactions trains on the k-core and says what it removed; an empty core, or one beside a protocol, is refused', async () => {
  const file = await plantedFile();
  const out = join(await mkdtemp(join(tmpdir(), 'tastebud-cli-')), 'model');
  const args = ['train', '--train', file, '--header', '--split', 'per-user', '--model', 'bpr', '--epochs', '2', '--out', out, '--quiet'];
  const kept = await tastebud(...args, '--min-item-interactions', '10');
  assert.equal(kept.code, 0, kept.stderr);
  assert.match(
    kept.stdout,
    /note: k-core of the training data \(users ≥ 1, items ≥ 10 interactions\): \d+ of \d+ rows removed \(\d+ users, \d+ items, \d+ rounds?\); rows of removed users or items dropped: \d+ test/,
  );
  const clash = await tastebud('train', '--protocol', 'lightfm-ua', '--positive-threshold', '3', '--min-item-interactions', '5', '--model', 'bpr');
  assert.equal(clash.code, 1);
  assert.match(clash.stderr, /--protocol lightfm-ua fixes the dataset, split and labels, so --positive-threshold, --min-item-interactions would be ignored/);
  const empty = await tastebud(...args, '--force', '--min-item-interactions', '1000');
  assert.equal(empty.code, 1);
  assert.match(empty.stderr, /k-core of the \d+ training interactions \(users ≥ 1, items ≥ 1000\) is empty: lower the minimums/);
});

test('data split writes train and test files that partition the data', async () => {
  const file = await plantedFile();
  const out = await mkdtemp(join(tmpdir(), 'tastebud-split-'));
  const { stdout, code } = await tastebud(
    'data',
    'split',
    file,
    '--header',
    '--columns',
    'user,item,rating',
    '--method',
    'per-user',
    '--test-ratio',
    '0.25',
    '--out',
    out,
    '--json',
  );
  assert.equal(code, 0);
  const { sizes } = JSON.parse(stdout);
  const train = (await readFile(join(out, 'train.tsv'), 'utf8')).trim().split('\n').length - 1;
  const testLines = (await readFile(join(out, 'test.tsv'), 'utf8')).trim().split('\n').length - 1;
  assert.equal(train, sizes.train);
  assert.equal(testLines, sizes.test);
  assert.equal(train + testLines, 480);
  assert.equal(testLines, 120, '25 % of each user’s 8 interactions');

  // A validation file from an earlier split into the same folder does not outlive it.
  const args = ['data', 'split', file, '--header', '--columns', 'user,item,rating', '--out', out];
  assert.equal((await tastebud(...args, '--method', 'random', '--validation-ratio', '0.1')).code, 0);
  assert.ok(existsSync(join(out, 'validation.tsv')));
  assert.equal((await tastebud(...args, '--method', 'random', '--seed', '7')).code, 0);
  assert.ok(!existsSync(join(out, 'validation.tsv')), 'the stale validation part is gone');
  // A split that leaves no test part, or a folder that is a file, is a plain error.
  const empty = await tastebud(...args, '--method', 'leave-k-out', '-k', '8');
  assert.match(empty.stderr, /^tastebud: the leave-k-out split leaves the test part empty/);
  const intoFile = await tastebud('data', 'split', file, '--header', '--columns', 'user,item,rating', '--out', join(out, 'train.tsv'));
  assert.equal(intoFile.stderr, `tastebud: cannot write the split to ${join(out, 'train.tsv')}: it is a file, not a folder\n`);
});

test('data info ml-100k prints the MovieLens numbers', { skip: skipUnlessData('ml-100k/u.data') }, async () => {
  const info = JSON.parse((await tastebud('data', 'info', 'ml-100k', '--json')).stdout);
  assert.deepEqual([info.interactions, info.users, info.items], [100000, 943, 1682]);
});

/** plantedFile split per user into train.tsv and test.tsv (with a header). */
async function plantedSplit(): Promise<{ train: string; test: string }> {
  const file = await plantedFile();
  const out = await mkdtemp(join(tmpdir(), 'tastebud-cli-split-'));
  const split = await tastebud('data', 'split', file, '--header', '--columns', 'user,item,rating', '--method', 'per-user', '--test-ratio', '0.25', '--seed', '2', '--out', out);
  assert.equal(split.code, 0, split.stderr);
  return { train: join(out, 'train.tsv'), test: join(out, 'test.tsv') };
}

test('train prints the popularity baseline beside the model, in text and in --json', async () => {
  const { train, test: testFile } = await plantedSplit();
  const common = [
    'train',
    '--train',
    train,
    '--test',
    testFile,
    '--header',
    '--columns',
    'user,item,rating',
    '--model',
    'bpr',
    '--factors',
    '8',
    '--epochs',
    '20',
    '--threads',
    '1',
    '--seed',
    '1',
    '--quiet',
  ];
  const out = join(await mkdtemp(join(tmpdir(), 'tastebud-cli-')), 'model');
  const text = await tastebud(...common, '--out', out);
  assert.equal(text.code, 0, text.stderr);
  // The test rows are named by the file they came from.
  assert.match(text.stdout, /held-out test part of .*train\.tsv \+ .*test\.tsv.*seed 1/);
  assert.match(text.stdout, /sizes: train 360, test 120/);
  assert.match(text.stdout, /popularity fitted on the same training data as the model \(360 interactions\)/);
  assert.match(text.stdout, /test metrics\s+bpr\s+popularity\n/);
  assert.match(text.stdout, /ndcg@10\s+\d\.\d{4}\s+\d\.\d{4} \*/);
  assert.match(text.stdout, /bpr (beats|does not beat) popularity on ndcg@10/);
  assert.match(text.stdout, new RegExp(`saved bpr to ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));

  const json = JSON.parse((await tastebud(...common, '--out', out, '--force', '--json')).stdout);
  for (const key of ['model', 'config', 'data', 'history', 'metrics', 'saved', 'protocol', 'sizes', 'seed', 'baseline', 'vsBaseline']) assert.ok(key in json, `--json has ${key}`);
  assert.equal(json.model, 'bpr');
  assert.equal(json.protocol, null);
  assert.equal(json.seed, 1);
  assert.equal(json.baseline.name, 'popularity');
  assert.deepEqual(Object.keys(json.baseline.metrics), Object.keys(json.metrics));
  assert.equal(json.vsBaseline.metric, 'ndcg@10');
  assert.equal(typeof json.vsBaseline.beats, 'boolean');
});

test('evaluate on a test file prints popularity beside the saved model', async () => {
  const { train, test: testFile } = await plantedSplit();
  const out = join(await mkdtemp(join(tmpdir(), 'tastebud-cli-')), 'model');
  const trained = JSON.parse(
    (
      await tastebud(
        'train',
        '--train',
        train,
        '--test',
        testFile,
        '--header',
        '--model',
        'bpr',
        '--factors',
        '8',
        '--epochs',
        '20',
        '--threads',
        '1',
        '--seed',
        '1',
        '--quiet',
        '--out',
        out,
        '--json',
      )
    ).stdout,
  );
  const evaluated = await tastebud('evaluate', out, '--test', testFile, '--train', train, '--header');
  assert.equal(evaluated.code, 0, evaluated.stderr);
  assert.match(evaluated.stdout, /test metrics\s+bpr\s+popularity\n/);
  assert.match(evaluated.stdout, /popularity fitted on the given training data \(360 interactions\)/);
  const json = JSON.parse((await tastebud('evaluate', out, '--test', testFile, '--header', '--json')).stdout);
  assert.equal(json.type, 'bpr');
  assert.match(json.baseline.fittedOn, /model's own training interactions/);
  for (const [m, v] of Object.entries(trained.metrics as Record<string, number>)) assert.ok(Math.abs(json.metrics[m] - v) < 1e-9, `${m} as when trained`);
  for (const [m, v] of Object.entries(trained.baseline.metrics as Record<string, number>))
    assert.ok(Math.abs(json.baseline.metrics[m] - v) < 1e-9, `popularity ${m} as when trained`);
  const neither = await tastebud('evaluate', out);
  assert.equal(neither.code, 1);
  assert.match(neither.stderr, /--protocol .* or a test file/);
});

test('train --protocol and evaluate --protocol print popularity under the protocol', {
  skip: existsSync(join(dataDir, 'ml-100k/u.data')) ? false : `no ML-100K in ${dataDir}`,
}, async () => {
  const out = join(await mkdtemp(join(tmpdir(), 'tastebud-cli-')), 'model');
  const trained = await tastebud('train', '--protocol', 'lightfm-ua', '--model', 'item-knn', '--threads', '1', '--quiet', '--out', out);
  assert.equal(trained.code, 0, trained.stderr);
  assert.match(trained.stdout, /protocol lightfm-ua on ml-100k, seed 42/);
  assert.match(trained.stdout, /sizes: train \d+, test \d+/);
  assert.match(trained.stdout, /test metrics\s+item-knn\s+popularity\n/);
  assert.match(trained.stdout, /precision@10\s+\d\.\d{4}\s+0\.0668 \*/);
  const evaluated = await tastebud('evaluate', out, '--protocol', 'lightfm-ua');
  assert.equal(evaluated.code, 0, evaluated.stderr);
  assert.match(evaluated.stdout, /popularity fitted on the protocol's train part/);
  assert.match(evaluated.stdout, /precision@10\s+\d\.\d{4}\s+0\.0668 \*/);
  const precision = (s: string) => /precision@10\s+(\d\.\d{4})/.exec(s)![1];
  assert.equal(precision(evaluated.stdout), precision(trained.stdout), 'the saved model measures the same under the same protocol');
  const json = JSON.parse((await tastebud('evaluate', out, '--protocol', 'lightfm-ua', '--json')).stdout);
  assert.equal(json.protocol, 'lightfm-ua');
  assert.equal(json.seed, 42);
  assert.ok(json.sizes.train > 0 && json.sizes.test > 0);
  assert.equal(json.baseline.name, 'popularity');
  assert.ok(Math.abs(json.baseline.metrics['precision@10'] - 0.0668) < 5e-5);
  assert.match(json.vsBaseline.test, /Wilcoxon/);
});

test('train refuses to replace a saved model without --force, before it trains', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tastebud-cli-force-'));
  const file = join(dir, 'r.csv');
  await writeFile(file, 'user,item,rating\nu1,a,5\nu1,b,4\nu2,a,3\nu2,c,5\nu3,b,4\nu3,c,2\n');
  const out = join(dir, 'model');
  const args = ['train', '--train', file, '--header', '--model', 'popularity', '--quiet', '--out', out];
  assert.equal((await tastebud(...args)).code, 0);
  const again = await tastebud(...args);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already holds a model; pass --force/);
  assert.doesNotMatch(again.stderr, /\n\s+at /);
  assert.equal((await tastebud(...args, '--force')).code, 0);
  await writeFile(join(dir, 'afile'), 'x');
  const intoFile = await tastebud('train', '--train', file, '--header', '--model', 'popularity', '--quiet', '--out', join(dir, 'afile'));
  assert.match(intoFile.stderr, /is a file, not a directory/);
});

test('train --config: the file wins over defaults nobody typed, a flag wins over the file, a misspelt key is refused with its line', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tastebud-cli-config-'));
  const file = join(dir, 'r.csv');
  await writeFile(file, 'customer,product,stars\nu1,a,5\nu1,b,4\nu1,d,4\nu2,a,3\nu2,c,5\nu2,d,5\nu3,b,4\nu3,c,2\nu3,d,3\n');
  const config = join(dir, 'train.yaml');
  const lines = [
    `train: ${file}`,
    'columns: { user: customer, item: product, rating: stars }',
    'split: per-user',
    'model: warp',
    'seed: 7',
    'epochs: 3',
    'learningRate: 0.02',
    'threads: 1',
  ];
  await writeFile(config, lines.join('\n') + '\n');
  const manifest = async (out: string) => JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
  const fromFile = await tastebud('train', '--config', config, '--quiet', '--out', join(dir, 'a'));
  assert.equal(fromFile.code, 0, fromFile.stderr);
  assert.match(fromFile.stdout, /seed 7/);
  const a = await manifest(join(dir, 'a'));
  assert.equal(a.type, 'warp');
  // --epochs is the saved recipe's epochs too, so the service's retraining trains as many.
  assert.equal(a.config.epochs, 3);
  assert.equal(a.config.learningRate, 0.02);
  const flagged = await tastebud('train', '--config', config, '--model', 'bpr', '--seed', '42', '--quiet', '--out', join(dir, 'b'));
  assert.equal(flagged.code, 0, flagged.stderr);
  assert.match(flagged.stdout, /seed 42/);
  assert.equal((await manifest(join(dir, 'b'))).type, 'bpr');
  await writeFile(config, [...lines, 'epocs: 2'].join('\n') + '\n');
  const typo = await tastebud('train', '--config', config, '--quiet', '--out', join(dir, 'c'));
  assert.equal(typo.code, 1);
  assert.match(typo.stderr, /train\.yaml:9: unknown key "epocs" \(did you mean "epochs"\?\)/);
  assert.ok(!existsSync(join(dir, 'c')), 'nothing trained');
});

test('train on a file applies --split or refuses it, and says what loading did', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tastebud-cli-split-'));
  const file = join(dir, 'r.csv');
  const rows = ['user,item,rating'];
  for (let u = 0; u < 30; u++) for (let i = 0; i < 8; i++) rows.push(`u${u},i${(u * 3 + i * 5) % 23},${1 + ((u + i) % 5)}`);
  rows.push('u0,i0,2', 'u0,i0,3'); // a repeated pair
  await writeFile(file, rows.join('\n') + '\n');
  const base = ['train', '--train', file, '--header', '--model', 'popularity', '--quiet', '--force'];

  const nonsense = await tastebud(...base, '--split', 'nonsense', '--out', join(dir, 'a'));
  assert.equal(nonsense.code, 1);
  assert.match(nonsense.stderr, /--split nonsense: a file has no predefined splits; use random or per-user/);

  const ratioAlone = await tastebud(...base, '--test-ratio', '0.3', '--out', join(dir, 'a'));
  assert.match(ratioAlone.stderr, /--test-ratio needs --split random or --split per-user/);

  const patience = await tastebud(...base, '--patience', '2', '--out', join(dir, 'a'));
  assert.match(patience.stderr, /patience \(early stopping\) needs validation data/);

  const split = await tastebud(...base, '--split', 'per-user', '--test-ratio', '0.25', '--out', join(dir, 'b'));
  assert.equal(split.code, 0, split.stderr);
  assert.match(split.stdout, /per-user split, test ratio 0.25/);
  assert.match(split.stdout, /ndcg@10/);
  assert.match(split.stdout, /2 repeated \(user, item\) rows resolved by "last"/);
  assert.match(split.stdout, /no positive threshold: popularity ranks items, so every interaction counts as a positive/);

  const thresholded = await tastebud(...base, '--split', 'per-user', '--positive-threshold', '4', '--out', join(dir, 'c'));
  assert.doesNotMatch(thresholded.stdout, /no positive threshold/);

  const untrained = await tastebud('train', '--train', file, '--header', '--split', 'per-user', '--model', 'bpr', '--epochs', '0', '--quiet', '--out', join(dir, 'd'));
  assert.equal(untrained.code, 0, untrained.stderr);
  assert.match(untrained.stdout, /no epoch ran \(epochs 0\): the model is untrained/);
  assert.equal(JSON.parse(await readFile(join(dir, 'd', 'manifest.json'), 'utf8')).status, 'untrained');
  const asked = await tastebud('recommend', join(dir, 'd'), '--user', 'u1', '-k', '2');
  assert.match(asked.stderr, /was saved untrained \(no epoch ran\)/);
  // An untrained model's lead over popularity is chance: it is not claimed, in train or evaluate.
  assert.match(untrained.stdout, /WARNING: bpr never trained \(no epoch ran\): no comparison with popularity/);
  assert.doesNotMatch(untrained.stdout, /beats popularity/);
  const measured = await tastebud('evaluate', join(dir, 'd'), '--test', file, '--header', '--allow-leakage');
  assert.equal(measured.code, 0, measured.stderr);
  assert.match(measured.stdout, /no comparison with popularity/);
  assert.match(measured.stdout, /note: bpr was saved untrained \(no epoch ran\): its recommendations are its initial guesses/);

  const diverged = await tastebud('train', '--train', file, '--header', '--model', 'mf', '--lr', '1000', '--epochs', '5', '--quiet', '--out', join(dir, 'e'));
  assert.equal(diverged.code, 0, diverged.stderr);
  assert.match(diverged.stdout, /training diverged/);
  assert.doesNotMatch(diverged.stdout, /no positive threshold/, 'a rating model learns the ratings themselves');
  const fromDiverged = await tastebud('recommend', join(dir, 'e'), '--user', 'u1');
  assert.equal(fromDiverged.code, 1, 'a diverged model loads, but recommend refuses its NaN scores');
  assert.match(fromDiverged.stderr, /cannot recommend for user "u1": its scores are not finite numbers.*diverged in training/);
});

test('evaluate refuses a model trained on the test interactions, and says how to proceed', {
  skip: existsSync(join(dataDir, 'ml-100k/u.data')) ? false : `no ML-100K in ${dataDir}`,
}, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tastebud-cli-leak-'));
  const out = join(dir, 'pop-all');
  assert.equal((await tastebud('train', '--dataset', 'ml-100k', '--model', 'popularity', '--quiet', '--out', out)).code, 0);
  const refused = await tastebud('evaluate', out, '--protocol', 'full-ranking');
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /20000 of the 20000 test interactions \(100\.0%\) are in the model's training data.*--allow-leakage/);
  const forced = await tastebud('evaluate', out, '--protocol', 'full-ranking', '--allow-leakage');
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stdout, /were in the model's training data \(measured anyway, as asked\)/);
});

test('train --memory refuses a model estimated to need more, before fitting', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tastebud-cli-memory-'));
  const file = join(dir, 'r.csv');
  await writeFile(file, 'user,item,rating\nu1,a,5\nu1,b,4\nu2,a,3\nu2,c,5\n');
  const refused = await tastebud('train', '--train', file, '--header', '--model', 'ease', '--memory', '100', '--quiet', '--out', join(dir, 'm'));
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /ease needs about [\d.]+ [KMG]?B for 2 users × 3 items .* more than the 100 B allowed by the memory budget/);
  const bad = await tastebud('train', '--train', file, '--header', '--model', 'ease', '--memory', 'lots', '--quiet', '--out', join(dir, 'm'));
  assert.match(bad.stderr, /--memory takes a size such as 8G/);
});

test('tastebud models TYPE lists each hyperparameter with its default, what it accepts and what it means', async () => {
  const { stdout, code } = await tastebud('models', 'warp');
  assert.equal(code, 0);
  assert.match(stdout, /^warp: /);
  assert.match(stdout, /optimizer\s+"adagrad-rowwise"\s+sgd \| adagrad \| adagrad-rowwise \| adam\s+\S/);
  assert.match(stdout, /margin\s+1\s+number ≥ 0 or null/);
  const typo = await tastebud('models', 'warpp');
  assert.equal(typo.code, 1);
  assert.match(typo.stderr, /unknown model "warpp" \(did you mean "warp"\?\)/);
  const json = JSON.parse((await tastebud('models', '--json')).stdout);
  assert.ok(
    json.every((m: { schema: object; defaults: object }) => Object.keys(m.defaults).every((k) => k in m.schema)),
    'every default has a schema entry',
  );
});

test('doctor data names what is wrong with a file and its test part, in text and JSON', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tastebud-cli-doctor-'));
  const train = join(dir, 'train.csv');
  const test = join(dir, 'test.csv');
  const rows = ['user,item,rating'];
  for (let u = 0; u < 20; u++) for (let i = 0; i < 6; i++) rows.push(`u${u},i${(u + i) % 15},${i < 5 ? 9 : 2}`);
  await writeFile(train, rows.join('\n') + '\n');
  await writeFile(test, 'user,item,rating\nu0,i0,9\nu1,i14,9\n');
  const { stdout, code } = await tastebud('doctor', 'data', train, '--header', '--test', test, '--positive-threshold', '8', '--metric', 'f1');
  assert.equal(code, 1, 'an error found (✖) is a failing exit, for a CI job to gate on');
  assert.match(stdout, /✖ 50.0% of the test interactions \(1\) are also in train/);
  assert.match(stdout, /⚠ 83.3% of the labels are positive/);
  assert.match(stdout, /popularity scores per-user AUC/);
  const json = JSON.parse((await tastebud('doctor', 'data', train, '--header', '--positive-threshold', '8', '--json')).stdout);
  assert.ok(json.findings.some((f: { code: string }) => f.code === 'base-rate'));
});
