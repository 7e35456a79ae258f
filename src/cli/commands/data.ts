import type { Command } from 'commander';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../../contracts/errors.ts';
import { datasets } from '../../data/datasets/index.ts';
import { readInteractionsFile } from '../../data/readers/index.ts';
import { describe } from '../../data/stats.ts';
import { leaveKOut, perUserSplit, randomSplit, splitSizes, temporalPerUserLastK, temporalSplit } from '../../data/splits.ts';
import type { Interactions } from '../../data/interactions.ts';
import type { Dataset, LoadReport, Split } from '../../data/types.ts';
import { writeInteractionsTsv } from '../../data/writer.ts';
import { parseColumns, parseNumber, parseSeparator } from '../options.ts';

interface SourceOptions {
  columns: string;
  sep?: string;
  header?: boolean;
  encoding: 'utf8' | 'latin1';
  onError?: 'throw' | 'skip';
  duplicates?: string;
}

/** A built-in dataset name or a path to a file. */
async function loadSource(source: string, o: SourceOptions): Promise<{ interactions: Interactions; report: LoadReport; dataset?: Dataset }> {
  if (datasets.list().some((d) => d.name === source)) {
    const dataset = await datasets.load(source, { dataDir: process.env.TASTEBUD_DATA_DIR });
    return { interactions: dataset.interactions, report: dataset.report, dataset };
  }
  return readInteractionsFile(source, {
    columns: parseColumns(o.columns),
    separator: parseSeparator(o.sep),
    header: o.header,
    encoding: o.encoding,
    onError: o.onError,
    duplicates: o.duplicates as any,
  });
}

function sourceOptions(cmd: Command): Command {
  return cmd
    .option('--columns <cols>', 'for files: user,item[,rating[,time]] by header name or 0-based position', '0,1,2')
    .option('--sep <sep>', "for files: field separator (default: tab for .tsv/.data, else ',')")
    .option('--header', 'for files: the first line is a header')
    .option('--encoding <enc>', 'for files: utf8 or latin1', 'utf8')
    .option('--on-error <mode>', 'for files: throw (default) or skip malformed rows, counting them')
    .option('--duplicates <policy>', 'for files: repeated (user, item) pairs: keep, last, max, sum or error', 'last');
}

export function registerData(program: Command): void {
  const data = program.command('data').description('inspect and split datasets and interaction files');

  sourceOptions(
    data
      .command('info <source>')
      .description(`users, items, interactions, density, rating histogram, count quantiles; <source> is a built-in dataset or a file`)
      .option('--json', 'print JSON'),
  ).action(async (source: string, o) => {
    const { interactions, report } = await loadSource(source, o);
    const info = describe(interactions, report);
    if (o.json) {
      process.stdout.write(JSON.stringify({ source, ...info }, null, 2) + '\n');
      return;
    }
    process.stdout.write(formatInfo(source, info as unknown as Record<string, unknown>));
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
  ).action(async (source: string, o) => {
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
    await mkdir(o.out, { recursive: true });
    await writeInteractionsTsv(join(o.out, 'train.tsv'), split.train);
    await writeInteractionsTsv(join(o.out, 'test.tsv'), split.test);
    if (split.validation) await writeInteractionsTsv(join(o.out, 'validation.tsv'), split.validation);
    process.stdout.write(JSON.stringify({ out: o.out, method: o.method, seed, sizes: splitSizes(split) }, null, 2) + '\n');
  });

  data
    .command('list')
    .description('the built-in datasets')
    .action(() => {
      for (const d of datasets.list()) process.stdout.write(`${d.name}\t${(d as { description?: string }).description ?? ''}\n`);
    });
}

function formatInfo(source: string, info: Record<string, unknown>): string {
  const lines = [`${source}`];
  for (const [key, value] of Object.entries(info)) {
    lines.push(`  ${key}: ${typeof value === 'object' ? JSON.stringify(value) : value}`);
  }
  return lines.join('\n') + '\n';
}
