/**
 * A table of user mistakes fed to the real CLI: each must end in one plain line on stderr and a
 * non-zero exit code. A stack frame (`    at ...`) in any output means a bug surfaced as a crash.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SOURCE_ARGS, tastebud } from '../helpers/cli.ts';

let dir = '';
let model = '';
const f = (name: string) => join(dir, name);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tastebud-mistakes-'));
  const lines = ['user\titem\trating'];
  for (let u = 0; u < 40; u++) for (let i = 0; i < 6; i++) lines.push(`u${u}\tm${(u * 7 + i * 3) % 30}\t${1 + ((u + i) % 5)}`);
  await writeFile(f('ratings.tsv'), lines.join('\n') + '\n');
  await writeFile(f('headerless.tsv'), '196\t242\t3\n186\t302\t3\n');
  await writeFile(f('huge.csv'), 'user,item,rating\n1,10,5\n2,10,1e308\n');
  await writeFile(f('nan.csv'), 'user,item,rating\n1,10,NaN\n');
  await writeFile(f('latin1.csv'), Buffer.from('user,item,rating\n1,caf\xe9,5\n', 'latin1'));
  await writeFile(f('unclosed.csv'), 'user,item,rating\n1,"10,5\n');
  await writeFile(f('empty.csv'), '');
  await writeFile(f('binary.csv'), Buffer.from([0x00, 0xff, 0xfe, 0x01, 0x80, 0x0a, 0x7f]));
  await writeFile(f('not-parquet.parquet'), 'user,item\n1,2\n');
  model = f('model');
  const trained = await tastebud(
    'train',
    '--train',
    f('ratings.tsv'),
    '--header',
    '--columns',
    'user,item,rating',
    '--model',
    'bpr',
    '--factors',
    '4',
    '--epochs',
    '1',
    '--threads',
    '1',
    '--out',
    model,
    '--quiet',
  );
  assert.equal(trained.code, 0, trained.stderr);
  const manifest = await readFile(join(model, 'manifest.json'), 'utf8');
  const weights = await readFile(join(model, 'weights.safetensors'));
  const damaged = async (name: string, files: { manifest?: string | null; weights?: Buffer | null }) => {
    await mkdir(f(name));
    if (files.manifest !== null) await writeFile(join(f(name), 'manifest.json'), files.manifest ?? manifest);
    if (files.weights !== null) await writeFile(join(f(name), 'weights.safetensors'), files.weights ?? weights);
  };
  await damaged('manifest-not-json', { manifest: '{"format": "tastebud-model", ' });
  await damaged('no-weights', { weights: null });
  await damaged('no-manifest', { manifest: null });
  await damaged('truncated-weights', { weights: weights.subarray(0, weights.length - 100) });
  await damaged('wrong-schema', { manifest: manifest.replace('"userIds"', '"userIdz"') });
  await damaged('garbage-weights', { weights: Buffer.from('not a safetensors file at all, just text') });
  // A seen item index past the catalogue, the rest of the file intact.
  const headerLength = Number(weights.readBigUInt64LE(0));
  const [start] = JSON.parse(weights.subarray(8, 8 + headerLength).toString('utf8'))['_seen.indices'].data_offsets;
  const outside = Buffer.from(weights);
  outside.writeInt32LE(100_000, 8 + headerLength + start);
  await damaged('seen-outside', { weights: outside });
  await writeFile(f('a-file'), 'hello');
});

/** [what, args, the stderr line expected (exactly, after `tastebud: `) or a pattern]. */
const MISTAKES: [string, () => string[], (() => string) | RegExp][] = [
  ['data info: missing file', () => ['data', 'info', f('nope.csv')], () => `${f('nope.csv')}: no such file`],
  ['data split: missing file', () => ['data', 'split', f('nope.tsv'), '--out', f('out1')], () => `${f('nope.tsv')}: no such file`],
  ['data info: a directory', () => ['data', 'info', dir], () => `${dir}: is a directory, not a file`],
  [
    'data info: mistyped dataset',
    () => ['data', 'info', 'ml-10m'],
    () => '"ml-10m" is neither a built-in dataset nor a file (did you mean "ml-1m"?); built-in datasets: ml-100k, ml-1m, book-crossing, food-com',
  ],
  [
    'data split: unknown dataset',
    () => ['data', 'split', 'netflix', '--out', f('out2')],
    () => '"netflix" is neither a built-in dataset nor a file; built-in datasets: ml-100k, ml-1m, book-crossing, food-com',
  ],
  [
    'data info: TSV read with --sep ,',
    () => ['data', 'info', f('ratings.tsv'), '--sep', ','],
    () => `${f('ratings.tsv')}, line 1, field "user": the user column "user" is not in the header (columns: user\titem\trating); the header looks tab-separated: try --sep '\\t'`,
  ],
  [
    'data info: headerless file with the default --columns',
    () => ['data', 'info', f('headerless.tsv')],
    () =>
      `${f('headerless.tsv')}, line 1, field "user": the user column "user" is not in the header (columns: 196, 242, 3); this file seems to have no header: use --columns 0,1,2`,
  ],
  [
    'data info: latin-1 file',
    () => ['data', 'info', f('latin1.csv')],
    () => `${f('latin1.csv')}, line 2: the text is not valid UTF-8; if the file is latin-1, pass --encoding latin1`,
  ],
  [
    'data info: rating beyond float32',
    () => ['data', 'info', f('huge.csv')],
    () => `${f('huge.csv')}, line 3, field "rating": rating 1e308 is too large: values are 32-bit floats (at most ±3.4e38)`,
  ],
  ['data info: NaN rating', () => ['data', 'info', f('nan.csv')], () => `${f('nan.csv')}, line 2, field "rating": rating "NaN" is not a finite number`],
  ['data info: unclosed quote', () => ['data', 'info', f('unclosed.csv')], () => `${f('unclosed.csv')}, line 2: quoted field is not closed before the end of the file`],
  ['data info: empty file', () => ['data', 'info', f('empty.csv'), '--columns', '0,1'], () => `${f('empty.csv')}: file is empty`],
  ['data info: binary file', () => ['data', 'info', f('binary.csv'), '--columns', '0,1'], /binary\.csv.*not valid UTF-8/],
  ['data info: not Parquet', () => ['data', 'info', f('not-parquet.parquet')], /not-parquet\.parquet: not a readable Parquet file/],
  [
    'data info: bad --columns',
    () => ['data', 'info', f('ratings.tsv'), '--columns', 'user'],
    () => '--columns takes 2 to 4 comma-separated names or positions in the order user,item[,rating[,time]] (got "user")',
  ],
  ['data info: bad --encoding', () => ['data', 'info', f('ratings.tsv'), '--encoding', 'utf16'], () => 'encoding must be "utf8" or "latin1" (got "utf16")'],
  ['data info: bad --on-error', () => ['data', 'info', f('ratings.tsv'), '--on-error', 'ignore'], () => '--on-error must be "throw" or "skip" (got "ignore")'],
  ['data info: bad --duplicates', () => ['data', 'info', f('ratings.tsv'), '--duplicates', 'first'], () => 'unknown duplicates policy "first" (keep, last, max, sum or error)'],
  ['data info: empty --sep', () => ['data', 'info', f('ratings.tsv'), '--sep', ''], () => 'separator "" cannot be empty or hold a line break'],
  [
    'data split: bad --method',
    () => ['data', 'split', f('ratings.tsv'), '--out', f('out3'), '--method', 'stratified'],
    () => 'unknown --method "stratified": use predefined, random, per-user, leave-k-out, temporal or temporal-last-k',
  ],
  ['data split: bad --test-ratio', () => ['data', 'split', f('ratings.tsv'), '--out', f('out4'), '--test-ratio', 'half'], () => '--test-ratio must be a number (got "half")'],
  ['data: unknown flag', () => ['data', 'info', f('ratings.tsv'), '--colums', '0,1'], /unknown option '--colums'/],
  ['recommend: missing model directory', () => ['recommend', f('nomodel'), '--user', 'u1'], () => `${f('nomodel')}: no such model directory`],
  ['similar: missing model directory', () => ['similar', f('nomodel'), '--item', 'm1'], () => `${f('nomodel')}: no such model directory`],
  [
    'recommend: a file, not a model',
    () => ['recommend', f('a-file'), '--user', 'u1'],
    () => `${f('a-file')} is a file; a model is a directory with manifest.json and weights.safetensors`,
  ],
  [
    'recommend: manifest not JSON',
    () => ['recommend', f('manifest-not-json'), '--user', 'u1'],
    /manifest-not-json\/manifest\.json is not valid JSON .*; the model file is damaged$/,
  ],
  [
    'recommend: no weights',
    () => ['recommend', f('no-weights'), '--user', 'u1'],
    () => `${f('no-weights')}: weights.safetensors is missing (the manifest is there, the weights are not)`,
  ],
  [
    'similar: no manifest',
    () => ['similar', f('no-manifest'), '--item', 'm1'],
    () => `${f('no-manifest')} is not a tastebud model directory: ${join(f('no-manifest'), 'manifest.json')} is missing`,
  ],
  [
    'recommend: truncated weights',
    () => ['recommend', f('truncated-weights'), '--user', 'u1'],
    /truncated-weights: weights\.safetensors is damaged: .*outside the file|runs past the end/,
  ],
  ['recommend: garbage weights', () => ['recommend', f('garbage-weights'), '--user', 'u1'], /garbage-weights: weights\.safetensors is damaged/],
  [
    'recommend: a seen item outside the catalogue',
    () => ['recommend', f('seen-outside'), '--user', 'u1'],
    /^weights: _seen\.indices\[0\] is 100000, outside 0\.\.29; the model file is damaged$/,
  ],
  ['recommend: manifest off the schema', () => ['recommend', f('wrong-schema'), '--user', 'u1'], /wrong-schema\/manifest\.json does not match the model file schema: /],
  ['recommend: unknown user', () => ['recommend', model, '--user', 'nobody'], () => 'unknown user "nobody": the model was trained on 40 users'],
  ['similar: unknown item', () => ['similar', model, '--item', 'nothing'], /unknown item "nothing"/],
  ['recommend: bad -k', () => ['recommend', model, '--user', 'u1', '-k', '0'], () => '-k must be a whole number ≥ 1 (got "0")'],
  ['recommend: neither --user nor --all-users', () => ['recommend', model], () => 'give --user <id> (or --all-users --out FILE)'],
  [
    'recommend: missing --exclude file',
    () => ['recommend', model, '--all-users', '--header', '--exclude', f('ratings.tsv'), f('nope.tsv'), '--out', f('recs.tsv')],
    () => `${f('nope.tsv')}: no such file`,
  ],
  [
    'recommend: --out into a missing folder',
    () => ['recommend', model, '--all-users', '--out', f('no/such/dir/recs.tsv')],
    () => `cannot write ${f('no/such/dir/recs.tsv')}: its folder does not exist`,
  ],
  ['recommend: --user beside --all-users', () => ['recommend', model, '--user', 'u1', '--all-users'], () => 'give either --user <id> or --all-users, not both'],
  [
    'train: a hyperparameter set by its flag and by --param, differently',
    () => ['train', '--train', f('ratings.tsv'), '--header', '--factors', '8', '--param', 'factors=16', '--out', f('m-twice')],
    () => 'factors is set twice, by its flag and by --param, to different values: give it once',
  ],
  [
    'doctor data: a metric it cannot read',
    () => ['doctor', 'data', f('ratings.tsv'), '--header', '--metric', 'f11'],
    /^--metric f11: unknown validation metric "f11"; .* \(did you mean "f1"\?\)$/,
  ],
  [
    'doctor train: a dataset and a file',
    () => ['doctor', 'train', '--model', 'bpr', '--dataset', 'ml-100k', '--train', f('ratings.tsv')],
    () => 'doctor train: give either --dataset or --train, not both',
  ],
  ['recommend: --out a folder', () => ['recommend', model, '--all-users', '--out', dir], () => `cannot write ${dir}: it is a folder; --out takes a file path`],
  [
    "train: another library's name for a hyperparameter",
    () => ['train', '--train', f('ratings.tsv'), '--header', '--param', 'lr=0.1', '--out', f('m-lr')],
    /^bpr: unknown hyperparameter "lr" \(did you mean "learningRate"\?\)/,
  ],
  [
    'train: a rating model on a file whose rating column was not read',
    () => ['train', '--train', f('ratings.tsv'), '--header', '--columns', 'user,item', '--split', 'random', '--model', 'mf', '--quiet', '--out', f('m-mf')],
    /^mf predicts ratings, but every training value in .* is 1: map a rating column/,
  ],
  [
    'train: a positive threshold above every value',
    () => ['train', '--train', f('ratings.tsv'), '--header', '--split', 'random', '--positive-threshold', '9', '--quiet', '--out', f('m-t')],
    /^--positive-threshold 9 keeps none of the 192 training interactions: their values run from 1 to 5$/,
  ],
  [
    'train: a test share outside (0, 1), named by its flag',
    () => ['train', '--train', f('ratings.tsv'), '--header', '--split', 'random', '--test-ratio', '1.5', '--quiet', '--out', f('m-r')],
    /^--test-ratio must be a number > 0 and < 1 \(got "1\.5"\)$/,
  ],
];

describe('mistakes end in one plain line and a non-zero exit', { concurrency: 6 }, () => {
  for (const [what, args, expected] of MISTAKES) {
    test(what, async () => {
      const { stdout, stderr, code } = await tastebud(...args());
      const output = stdout + stderr;
      assert.doesNotMatch(output, /^\s+at /m, `a stack trace:\n${output}`);
      assert.doesNotMatch(output, /unexpected error/);
      assert.notEqual(code, 0, `exit code 0:\n${output}`);
      const lines = stderr.trim().split('\n');
      const first = lines[0].replace(/^tastebud: /, '').replace(/^error: /, '');
      if (expected instanceof RegExp) assert.match(first, expected);
      else assert.equal(first, expected());
      if (!(expected instanceof RegExp) || !/unknown option/.test(expected.source)) assert.equal(lines.length, 1, `one line:\n${stderr}`);
    });
  }
});

test('the --exclude flag takes several files after it as well as repeated', async () => {
  const one = f('ex1.tsv');
  const two = f('ex2.tsv');
  await writeFile(one, 'u0\tm0\n');
  await writeFile(two, 'u1\tm1\n');
  const a = await tastebud('recommend', model, '--all-users', '-k', '30', '--exclude', one, two, '--out', f('recs-a.tsv'));
  assert.equal(a.code, 0, a.stderr);
  const b = await tastebud('recommend', model, '--all-users', '-k', '30', '--exclude', one, '--exclude', two, '--out', f('recs-b.tsv'));
  assert.equal(b.code, 0, b.stderr);
  const recs = await readFile(f('recs-a.tsv'), 'utf8');
  assert.equal(recs, await readFile(f('recs-b.tsv'), 'utf8'));
  const byUser = new Map(
    recs
      .trim()
      .split('\n')
      .map((l) => l.split('\t') as [string, string]),
  );
  assert.ok(!byUser.get('u0')!.split(',').includes('m0'));
  assert.ok(!byUser.get('u1')!.split(',').includes('m1'));
  assert.doesNotMatch(a.stderr, /\r/, 'no progress line when stderr is not a terminal');
  assert.equal(a.stderr, `wrote 40 users' top-30 to ${f('recs-a.tsv')}\n`);
  // Pairs the model cannot know (another dataset's ids, a wrong --columns) exclude nothing: said.
  const strange = f('ex3.tsv');
  await writeFile(strange, 'a\tb\nu0\tm0\n');
  const c = await tastebud('recommend', model, '--all-users', '-k', '3', '--exclude', strange, '--out', f('recs-c.tsv'));
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stderr, new RegExp(`note: ${strange}: 1 of 2 pairs name a user or item the model does not know, so they exclude nothing`));
  assert.deepEqual(
    (await readdir(dir)).filter((n) => n.includes('.tmp-')),
    [],
    'no temporary file left',
  );
});

test('recommend --all-users interrupted leaves the earlier output as it was and no partial file', async () => {
  // A model big enough that recommending for every user takes a while.
  const big = f('big.tsv');
  const lines: string[] = [];
  for (let u = 0; u < 40_000; u++) for (let i = 0; i < 3; i++) lines.push(`${u}\t${(u * 13 + i * 101) % 3000}`);
  await writeFile(big, lines.join('\n') + '\n');
  const bigModel = f('big-model');
  const trained = await tastebud('train', '--train', big, '--columns', '0,1', '--model', 'popularity', '--out', bigModel, '--quiet');
  assert.equal(trained.code, 0, trained.stderr);
  const target = f('recs-big.tsv');
  await writeFile(target, 'OLD\n');
  const child = spawn(process.execPath, [...SOURCE_ARGS, 'recommend', bigModel, '--all-users', '-k', '50', '--threads', '1', '--out', target], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const temp = `.recs-big.tsv.tmp-${child.pid}`;
  const deadline = Date.now() + 30_000;
  while (!existsSync(f(temp)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert.ok(existsSync(f(temp)), 'the output goes to a temporary file first');
  child.kill('SIGINT');
  const code = await exited;
  assert.equal(code, 130, stderr);
  assert.match(stderr, new RegExp(`tastebud: interrupted; ${target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} was not written`));
  assert.equal(await readFile(target, 'utf8'), 'OLD\n');
  assert.ok(!existsSync(f(temp)), 'the temporary file is removed');
  await rm(big);
});
