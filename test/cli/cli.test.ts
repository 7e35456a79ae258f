import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Rng } from '../../src/core/rng.ts';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const dataDir = process.env.TASTEBUD_DATA_DIR ?? resolve(root, '../shared/data');

/** Runs the real command; resolves with stdout/stderr and the exit code (never throws on exit ≠ 0). */
async function tastebud(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(root, 'bin/tastebud.js'), ...args], { env: { ...process.env, TASTEBUD_DATA_DIR: dataDir } });
    return { stdout, stderr, code: 0 };
  } catch (e) {
    const err = e as { stdout: string; stderr: string; code: number };
    return { stdout: err.stdout, stderr: err.stderr, code: err.code };
  }
}

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
  const trained = await tastebud('train', '--train', file, '--header', '--columns', 'user,item,rating', '--model', 'bpr', '--factors', '8', '--epochs', '30', '--threads', '1', '--seed', '1', '--out', out, '--quiet');
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

test('data split writes train and test files that partition the data', async () => {
  const file = await plantedFile();
  const out = await mkdtemp(join(tmpdir(), 'tastebud-split-'));
  const { stdout, code } = await tastebud('data', 'split', file, '--header', '--columns', 'user,item,rating', '--method', 'per-user', '--test-ratio', '0.25', '--out', out, '--json');
  assert.equal(code, 0);
  const { sizes } = JSON.parse(stdout);
  const train = (await readFile(join(out, 'train.tsv'), 'utf8')).trim().split('\n').length - 1;
  const testLines = (await readFile(join(out, 'test.tsv'), 'utf8')).trim().split('\n').length - 1;
  assert.equal(train, sizes.train);
  assert.equal(testLines, sizes.test);
  assert.equal(train + testLines, 480);
  assert.equal(testLines, 120, '25 % of each user’s 8 interactions');
});

test('data info ml-100k prints the MovieLens numbers', { skip: existsSync(join(dataDir, 'ml-100k/u.data')) ? false : `no ML-100K in ${dataDir}` }, async () => {
  const info = JSON.parse((await tastebud('data', 'info', 'ml-100k', '--json')).stdout);
  assert.deepEqual([info.interactions, info.users, info.items], [100000, 943, 1682]);
});
