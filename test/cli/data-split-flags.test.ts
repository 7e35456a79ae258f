/**
 * `tastebud data split` refuses what it would otherwise ignore or misname: a flag its --method does
 * not read, a negative or fractional --seed, ratios named as the library's options, and
 * --method predefined on a file or on a dataset without splits. Generated data only (always runs).
 */
import { after, before, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProgram } from '../../src/cli/main.ts';
import { TastebudError } from '../../src/contracts/errors.ts';

let dir = '';
let file = '';
let outs = 0;
const dataDirBefore = process.env.TASTEBUD_DATA_DIR;

interface SplitResult {
  stdout: string;
  /** The message of the error the command ended with (the CLI prints it after `tastebud: `). */
  error?: string;
}

/** `tastebud data split <source> --out DIR ...args` in this process (a fresh DIR each run): fast, and the error is the CLI's. */
async function split(source: string, args: string[]): Promise<SplitResult> {
  const out: string[] = [];
  // The command writes strings; the test runner (in this process too) writes its own events as bytes.
  const original = process.stdout.write.bind(process.stdout) as (chunk: unknown) => boolean;
  const write = mock.method(process.stdout, 'write', (chunk: unknown) => (typeof chunk === 'string' ? out.push(chunk) > 0 : original(chunk)));
  try {
    await buildProgram().parseAsync(['node', 'tastebud', 'data', 'split', source, '--out', join(dir, `out${outs++}`), ...args]);
    return { stdout: out.join('') };
  } catch (e) {
    if (e instanceof TastebudError) return { stdout: out.join(''), error: e.message };
    throw e;
  } finally {
    write.mock.restore();
  }
}

/** The message a refused command ends with. */
function refusal(result: SplitResult): string {
  assert.ok(result.error !== undefined, `expected a refusal, got:\n${result.stdout}`);
  assert.equal(result.stdout, '');
  return result.error;
}

/** Runs the commands one after another (they share process.stdout). */
async function each<T>(items: T[], fn: (item: T) => Promise<SplitResult>): Promise<SplitResult[]> {
  const results: SplitResult[] = [];
  for (const item of items) results.push(await fn(item));
  return results;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tastebud-split-flags-'));
  file = join(dir, 'ratings.tsv');
  const lines = ['user\titem\trating'];
  for (let u = 0; u < 20; u++) for (let i = 0; i < 6; i++) lines.push(`u${u}\tm${(u * 7 + i * 3) % 30}\t${1 + ((u + i) % 5)}`);
  await writeFile(file, lines.join('\n') + '\n');
  // A built-in dataset without predefined splits: food-com is never downloaded, and its split files are absent.
  await mkdir(join(dir, 'data', 'food-com'), { recursive: true });
  const raw = ['user_id,recipe_id,date,rating,review'];
  for (let u = 0; u < 10; u++) for (let i = 0; i < 4; i++) raw.push(`${u + 1},${100 + ((u + i) % 12)},2010/1/${1 + i},5,good`);
  await writeFile(join(dir, 'data', 'food-com', 'RAW_interactions.csv'), raw.join('\n') + '\n');
  process.env.TASTEBUD_DATA_DIR = join(dir, 'data');
});

after(async () => {
  if (dataDirBefore === undefined) delete process.env.TASTEBUD_DATA_DIR;
  else process.env.TASTEBUD_DATA_DIR = dataDirBefore;
  await rm(dir, { recursive: true, force: true });
});

test('data split refuses a typed flag its --method does not use, naming the flag and the methods that use it', async () => {
  const cases: [string[], string][] = [
    [['--method', 'leave-k-out', '--test-ratio', '0.3'], '--method leave-k-out does not use --test-ratio (random, per-user and temporal do): leave-k-out takes -k and --seed'],
    [['--method', 'random', '-k', '3'], '--method random does not use -k (leave-k-out and temporal-last-k do): random takes --test-ratio, --validation-ratio and --seed'],
    [['--method', 'temporal', '--validation-ratio', '0.1'], '--method temporal does not use --validation-ratio (random and per-user do): temporal takes --test-ratio'],
    [['--method', 'per-user', '--name', 'ua'], '--method per-user does not use --name (predefined does): per-user takes --test-ratio, --validation-ratio and --seed'],
    [['--method', 'temporal-last-k', '--seed', '7'], '--method temporal-last-k does not use --seed (random, per-user and leave-k-out do): temporal-last-k takes -k'],
    [
      ['--method', 'leave-k-out', '--test-ratio=0.3', '--validation-ratio', '0.1'],
      '--method leave-k-out does not use --test-ratio (random, per-user and temporal do) or --validation-ratio (random and per-user do): leave-k-out takes -k and --seed',
    ],
  ];
  const results = await each(cases, ([args]) => split(file, args));
  results.forEach((result, c) => assert.equal(refusal(result), cases[c][1], cases[c][0].join(' ')));
  // The defaults of flags a method does not use are no mistake; flags it does use still work.
  const fine = [await split(file, ['--method', 'leave-k-out', '-k', '2', '--seed', '3']), await split(file, ['--method', 'random', '--test-ratio', '0.25'])];
  for (const result of fine) assert.equal(result.error, undefined);
  assert.match(fine[0].stdout, /^leave-k-out split of .* \(seed 3\)/);
});

test('data split takes --seed as a whole number ≥ 0', async () => {
  const [negative, joined, fraction, zero] = await each([['--seed', '-1'], ['--seed=-5'], ['--seed', '1.5'], ['--seed', '0']], (args) => split(file, args));
  assert.equal(refusal(negative), '--seed must be a whole number ≥ 0 (got "-1")');
  assert.equal(refusal(joined), '--seed must be a whole number ≥ 0 (got "-5")');
  assert.equal(refusal(fraction), '--seed must be a whole number ≥ 0 (got "1.5")');
  assert.equal(zero.error, undefined);
  assert.match(zero.stdout, /\(seed 0\)/);
});

test('data split names the ratio flags as typed (--test-ratio, not testRatio) and what they accept', async () => {
  const results = await each(
    [
      ['--test-ratio', '1.5'],
      ['--method', 'temporal', '--test-ratio', '0'],
      ['--validation-ratio', '-0.1'],
      ['--method', 'random', '--test-ratio', '0.3', '--validation-ratio', '0.7'],
    ],
    (args) => split(file, args),
  );
  assert.deepEqual(results.map(refusal), [
    '--test-ratio must be a number > 0 and < 1 (got "1.5")',
    '--test-ratio must be a number > 0 and < 1 (got "0")',
    '--validation-ratio must be a number ≥ 0 and < 1 (got "-0.1")',
    '--test-ratio 0.3 and --validation-ratio 0.7 leave nothing for training: together they must be < 1',
  ]);
});

test('data split --method predefined: a file has none (say whose they are and what works on a file); so has a dataset without split files', async () => {
  const onFile = await split(file, ['--method', 'predefined', '--name', 'ua']);
  const onDataset = await split('food-com', ['--method', 'predefined']);
  assert.equal(
    refusal(onFile),
    `--method predefined: ${file} is a file, and predefined splits belong to built-in datasets (ml-100k: ua, ub, u1..u5; food-com: official); split a file with --method random, per-user, leave-k-out, temporal or temporal-last-k`,
  );
  assert.equal(
    refusal(onDataset),
    '--method predefined: food-com has no predefined splits (built-in datasets that have them: ml-100k: ua, ub, u1..u5; food-com: official); use --method random, per-user, leave-k-out, temporal or temporal-last-k',
  );
});
