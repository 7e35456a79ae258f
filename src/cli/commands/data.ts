import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, DatasetNotFoundError } from '../../contracts/errors.ts';
import { datasets, suggestDataset } from '../../data/datasets/index.ts';
import { readInteractionsFile } from '../../data/readers/index.ts';
import { describe, formatNumber, formatStats, loadNotes } from '../../data/stats.ts';
import { leaveKOut, perUserSplit, randomSplit, splitSizes, temporalPerUserLastK, temporalSplit } from '../../data/splits.ts';
import type { Interactions } from '../../data/interactions.ts';
import type { Dataset, LoadReport, Split } from '../../data/types.ts';
import { writeInteractionsTsv } from '../../data/writer.ts';
import { addFileFlags, fileReadOptions, givenOptions, parseNumber, parseRatio, type FileFlags } from '../options.ts';
import { formatTable, printNotes } from '../output.ts';

const METHODS = ['predefined', 'random', 'per-user', 'leave-k-out', 'temporal', 'temporal-last-k'];

/** The split methods that work on a file (all but predefined). */
const FILE_METHODS = METHODS.filter((m) => m !== 'predefined');

/**
 * The built-in datasets' own splits, for messages and help (each dataset's loader finds them among
 * its files: `Dataset.splits`, known only once the dataset is loaded).
 */
const PREDEFINED_SPLITS = 'ml-100k: ua, ub, u1..u5; food-com: official';

/** The split flags (by option name) and the methods that read them: a typed flag its method ignores is refused. */
const METHOD_FLAGS: { key: string; flag: string; methods: string[] }[] = [
  { key: 'name', flag: '--name', methods: ['predefined'] },
  { key: 'testRatio', flag: '--test-ratio', methods: ['random', 'per-user', 'temporal'] },
  { key: 'validationRatio', flag: '--validation-ratio', methods: ['random', 'per-user'] },
  { key: 'k', flag: '-k', methods: ['leave-k-out', 'temporal-last-k'] },
  { key: 'seed', flag: '--seed', methods: ['random', 'per-user', 'leave-k-out'] },
];

/** A built-in dataset name or a path to a file. */
export async function loadSource(source: string, o: FileFlags): Promise<{ interactions: Interactions; report: LoadReport; dataset?: Dataset }> {
  const names = datasets.list().map((d) => d.name);
  if (names.includes(source)) {
    const dataset = await datasets.load(source, { dataDir: process.env.TASTEBUD_DATA_DIR });
    return { interactions: dataset.interactions, report: dataset.report, dataset };
  }
  // A near miss of a dataset name, or a bare word that is no file, is most likely a dataset name.
  const hint = suggestDataset(source);
  if (!existsSync(source) && (hint || !/[./\\]/.test(source))) {
    throw new DatasetNotFoundError(`"${source}" is neither a built-in dataset nor a file${hint}; built-in datasets: ${names.join(', ')}`);
  }
  return readInteractionsFile(source, fileReadOptions(o));
}

function sourceOptions(cmd: Command): Command {
  return addFileFlags(cmd, 'for files').option('--json', 'print JSON (for machines) instead of text');
}

export function registerData(program: Command): void {
  const data = program.command('data').description('inspect and split datasets and interaction files');

  sourceOptions(
    data.command('info <source>').description(`users, items, interactions, density, rating histogram, count quantiles; <source> is a built-in dataset or a file`),
  ).action(async (source: string, o) => {
    const { interactions, report } = await loadSource(source, o);
    const info = describe(interactions, report);
    if (o.json) {
      process.stdout.write(JSON.stringify({ source, ...info, report }, null, 2) + '\n');
      return;
    }
    const lines = formatStats(source, info);
    for (const example of report.skippedExamples) lines.push(`  skipped: ${example}`);
    process.stdout.write(lines.join('\n') + '\n');
  });

  sourceOptions(
    data
      .command('split <source>')
      .description('split a dataset or file and write train/test(/validation) TSV files')
      .requiredOption('--out <dir>', 'output directory')
      .option('--method <m>', 'predefined NAME, random, per-user, leave-k-out, temporal, temporal-last-k', 'per-user')
      .option('--name <split>', `with --method predefined: the split (${PREDEFINED_SPLITS})`)
      .option('--test-ratio <r>', 'test share (random, per-user, temporal)', '0.2')
      .option('--validation-ratio <r>', 'validation share (random, per-user)')
      .option('-k <n>', 'held-out interactions per user (leave-k-out, temporal-last-k)', '1')
      .option('--seed <n>', 'random seed', '42'),
  ).action((source: string, o, cmd: Command) => split(source, o, cmd));

  data
    .command('list')
    .description('the built-in datasets')
    .option('--json', 'print JSON (for machines) instead of text')
    .action((o) => {
      const list = datasets.list();
      if (o.json) {
        process.stdout.write(JSON.stringify(list, null, 2) + '\n');
        return;
      }
      process.stdout.write(
        formatTable(
          list.map((d) => [d.name, d.description]),
          [],
          '',
        ).join('\n') + '\n',
      );
    });
}

/** `a`, `a and b`, `a, b and c` (or with `or`). */
function listOf(words: string[], last = 'and'): string {
  return words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} ${last} ${words[words.length - 1]}`;
}

/** Refuses an unknown --method, and any split flag typed on the command line that the method does not read. */
function checkMethodFlags(method: string, cmd: Command): void {
  if (!METHODS.includes(method)) throw new ConfigError(`unknown --method "${method}": use ${listOf(METHODS, 'or')}`);
  const typed = givenOptions(cmd);
  const unused = METHOD_FLAGS.filter((f) => typed[f.key] !== undefined && !f.methods.includes(method));
  if (unused.length === 0) return;
  const own = METHOD_FLAGS.filter((f) => f.methods.includes(method)).map((f) => f.flag);
  throw new ConfigError(
    `--method ${method} does not use ${unused.map((f) => `${f.flag} (${listOf(f.methods)} ${f.methods.length > 1 ? 'do' : 'does'})`).join(' or ')}: ${method} takes ${listOf(own)}`,
  );
}

async function split(source: string, o: FileFlags & Record<string, any>, cmd: Command): Promise<void> {
  // The flags are checked before the data is read: a large file or dataset takes a while to load.
  checkMethodFlags(o.method, cmd);
  const seed = parseNumber('--seed', o.seed, { integer: true, min: 0 });
  const testRatio = parseRatio('--test-ratio', o.testRatio);
  const validationRatio = o.validationRatio !== undefined ? parseRatio('--validation-ratio', o.validationRatio, true) : undefined;
  if (validationRatio !== undefined && testRatio + validationRatio >= 1) {
    throw new ConfigError(`--test-ratio ${o.testRatio} and --validation-ratio ${o.validationRatio} leave nothing for training: together they must be < 1`);
  }
  const k = parseNumber('-k', o.k, { integer: true, min: 1 });
  const isDataset = datasets.list().some((d) => d.name === source);
  if (o.method === 'predefined' && !isDataset && existsSync(source)) {
    throw new ConfigError(
      `--method predefined: ${source} is a file, and predefined splits belong to built-in datasets (${PREDEFINED_SPLITS}); split a file with --method ${listOf(FILE_METHODS, 'or')}`,
    );
  }
  const loaded = await loadSource(source, o);
  let split: Split;
  switch (o.method) {
    case 'predefined': {
      const known = Object.keys(loaded.dataset?.splits ?? {});
      if (known.length === 0)
        throw new ConfigError(
          `--method predefined: ${source} has no predefined splits (built-in datasets that have them: ${PREDEFINED_SPLITS}); use --method ${listOf(FILE_METHODS, 'or')}`,
        );
      const make = loaded.dataset?.splits?.[o.name];
      if (!make) throw new ConfigError(`--method predefined needs --name with one of: ${known.join(', ')}${o.name !== undefined ? ` (got "${o.name}")` : ''}`);
      split = await make();
      break;
    }
    case 'random':
      split = randomSplit(loaded.interactions, { testRatio, validationRatio, seed });
      break;
    case 'per-user':
      split = perUserSplit(loaded.interactions, { testRatio, validationRatio, seed });
      break;
    case 'leave-k-out':
      split = leaveKOut(loaded.interactions, { k, seed });
      break;
    case 'temporal':
      split = temporalSplit(loaded.interactions, { testRatio });
      break;
    default:
      split = temporalPerUserLastK(loaded.interactions, { k });
  }
  if (split.test.length === 0)
    throw new ConfigError(
      `the ${o.method} split leaves the test part empty (${['leave-k-out', 'temporal-last-k'].includes(o.method) ? `-k ${k} is not below any user's interaction count` : 'too few interactions'}): nothing written`,
    );
  try {
    await mkdir(o.out, { recursive: true });
    await writeInteractionsTsv(join(o.out, 'train.tsv'), split.train);
    await writeInteractionsTsv(join(o.out, 'test.tsv'), split.test);
    if (split.validation) await writeInteractionsTsv(join(o.out, 'validation.tsv'), split.validation);
    // A validation part from an earlier split into this folder would pair with the new train part.
    else await rm(join(o.out, 'validation.tsv'), { force: true });
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code === undefined) throw error;
    throw new ConfigError(`cannot write the split to ${o.out}: ${e.code === 'EEXIST' || e.code === 'ENOTDIR' ? 'it is a file, not a folder' : e.message}`);
  }
  const sizes = splitSizes(split);
  const files = { train: join(o.out, 'train.tsv'), test: join(o.out, 'test.tsv'), ...(split.validation ? { validation: join(o.out, 'validation.tsv') } : {}) };
  if (o.json) {
    process.stdout.write(JSON.stringify({ out: o.out, method: o.method, seed, sizes, files, report: loaded.report }, null, 2) + '\n');
    return;
  }
  printNotes(loadNotes(loaded.report));
  const rows = [
    ['train', formatNumber(sizes.train), 'interactions', formatNumber(sizes.trainUsers), 'users', files.train],
    ...(sizes.validation !== undefined
      ? [['validation', formatNumber(sizes.validation), 'interactions', formatNumber(sizes.validationUsers ?? 0), 'users', files.validation!]]
      : []),
    ['test', formatNumber(sizes.test), 'interactions', formatNumber(sizes.testUsers), 'users', files.test],
  ];
  const lines = [`${o.method} split of ${source} (seed ${seed})`, ...formatTable(rows, [false, true, false, true])];
  lines.push(`  test users not in train: ${formatNumber(sizes.coldTestUsers)}, test items not in train: ${formatNumber(sizes.coldTestItems)}`);
  process.stdout.write(lines.join('\n') + '\n');
}
