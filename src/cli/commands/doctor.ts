import type { Command } from 'commander';
import { ConfigError } from '../../contracts/errors.ts';
import type { Interactions } from '../../data/interactions.ts';
import { readInteractionsFile } from '../../data/readers/index.ts';
import { checkData } from '../../doctor/data.ts';
import { formatFindings } from '../../doctor/findings.ts';
import { addFileFlags, fileReadOptions, parseNumber, type FileFlags } from '../options.ts';
import { loadSource } from './data.ts';

export function registerDoctor(program: Command): void {
  const doctor = program.command('doctor').description('find out what is wrong with data (and, later, a training run) before it costs you a day');
  const data = doctor
    .command('data <source>')
    .description(
      'checks a dataset or file: duplicates, rating-scale oddities, float-looking ids, thin users, the base rate and what trivial predictors score; with a test part, leakage, cold start, time order and the popularity floor',
    )
    .option('--test <file>', 'held-out interactions of a file source, read like it')
    .option('--split <name>', "a built-in dataset's own split to check (e.g. ml-100k ua)")
    .option('--positive-threshold <t>', 'values ≥ t are the positives (implicit feedback from ratings)')
    .option('--metric <name>', 'the metric models will be judged by (f1, accuracy, auc, ndcg@10, ...): a base rate that makes it useless is then an error to fix')
    .option('--json', 'print the findings as JSON');
  addFileFlags(data, 'files');
  data.action(async (source: string, o) => {
    const positiveThreshold = o.positiveThreshold !== undefined ? parseNumber('--positive-threshold', o.positiveThreshold) : undefined;
    const loaded = await loadSource(source, o as FileFlags);
    let train: Interactions = loaded.interactions;
    let test: Interactions | undefined;
    if (o.split) {
      const make = loaded.dataset?.splits?.[o.split];
      if (!make)
        throw new ConfigError(
          `--split ${o.split}: ${loaded.dataset ? `${source} has the splits ${Object.keys(loaded.dataset.splits ?? {}).join(', ') || 'none'}` : 'a file has no splits; give --test FILE'}`,
        );
      ({ train, test } = await make());
    } else if (o.test) {
      test = (await readInteractionsFile(o.test, { ...fileReadOptions(o as FileFlags), userIds: train.userIds, itemIds: train.itemIds })).interactions;
    }
    const findings = await checkData({ train, test, positiveThreshold, report: loaded.report, metric: o.metric });
    if (o.json) process.stdout.write(JSON.stringify({ source, findings }, null, 2) + '\n');
    else
      process.stdout.write(
        formatFindings(`doctor data ${source}${o.split ? ` (split ${o.split})` : ''}: ${train.length} training interactions${test ? `, ${test.length} test` : ''}`, findings),
      );
  });
}
