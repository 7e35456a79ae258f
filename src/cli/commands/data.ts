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
import { addFileFlags, fileReadOptions, parseNumber, type FileFlags } from '../options.ts';
import { formatTable, printNotes } from '../output.ts';

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
      .option('--name <split>', 'with --method predefined: the split (ml-100k: ua, ub, u1..u5)')
      .option('--test-ratio <r>', 'test share (random, per-user, temporal)', '0.2')
      .option('--validation-ratio <r>', 'validation share (random, per-user)')
      .option('-k <n>', 'held-out interactions per user (leave-k-out, temporal-last-k)', '1')
      .option('--seed <n>', 'random seed', '42'),
  ).action((source: string, o) => split(source, o));

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

async function split(source: string, o: FileFlags & Record<string, any>): Promise<void> {
  const loaded = await loadSource(source, o);
  const seed = parseNumber('--seed', o.seed, { integer: true });
  const testRatio = parseNumber('--test-ratio', o.testRatio);
  const validationRatio = o.validationRatio !== undefined ? parseNumber('--validation-ratio', o.validationRatio) : undefined;
  const k = parseNumber('-k', o.k, { integer: true, min: 1 });
  let split: Split;
  switch (o.method) {
    case 'predefined': {
      const make = loaded.dataset?.splits?.[o.name];
      if (!make) throw new ConfigError(`--method predefined needs --name with one of: ${Object.keys(loaded.dataset?.splits ?? {}).join(', ') || '(this source has none)'}`);
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
    case 'temporal-last-k':
      split = temporalPerUserLastK(loaded.interactions, { k });
      break;
    default:
      throw new ConfigError(`unknown --method "${o.method}": use predefined, random, per-user, leave-k-out, temporal or temporal-last-k`);
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
