import type { Command } from 'commander';
import { ConfigError } from '../../contracts/errors.ts';
import { readInteractionsFile } from '../../data/readers/index.ts';
import { listProtocols } from '../../eval/protocols.ts';
import { evaluateSaved } from '../../experiment/pipeline.ts';
import { addFileFlags, fileReadOptions, parseNumber } from '../options.ts';
import { formatEvaluation } from '../output.ts';

export function registerEvaluate(program: Command): void {
  const cmd = program
    .command('evaluate <model>')
    .description('measure a saved model under a named protocol (see `tastebud protocols`) or on a test file, beside the popularity baseline')
    .option('--protocol <name>', 'lightfm-ua, full-ranking, msr-stratified, recbole-ml1m, pointwise, bookcrossing-f1')
    .option('--seed <n>', 'seed of the protocol split, where it has one')
    .option('--test <file>', 'instead of a protocol: held-out interactions (CSV, TSV, Parquet)')
    .option('--train <file>', 'with --test: the training interactions, to fit the popularity baseline on (default: the training pairs kept in the model file)')
    .option('--allow-leakage', "measure even when test interactions were in the model's training data (the numbers will flatter the model)")
    .option('--allow-other-data', 'measure under a protocol whose training data the model was not trained on')
    .option('--json', 'print JSON');
  addFileFlags(cmd, '--test/--train');
  cmd.action(async (dir: string, o) => {
    if (!o.protocol && !o.test) throw new ConfigError('give a protocol (--protocol lightfm-ua) or a test file (--test test.tsv)');
    if (o.protocol && o.test) throw new ConfigError('give either --protocol or --test, not both');
    const seed = o.seed !== undefined ? parseNumber('--seed', o.seed, { integer: true }) : undefined;
    const read = async (file: string) => (await readInteractionsFile(file, fileReadOptions(o))).interactions;
    const target = o.protocol ? String(o.protocol) : { test: await read(o.test), train: o.train ? await read(o.train) : undefined, description: o.test };
    const result = await evaluateSaved(dir, target, {
      seed,
      dataDir: process.env.TASTEBUD_DATA_DIR,
      allowLeakage: Boolean(o.allowLeakage),
      allowOtherData: Boolean(o.allowOtherData),
    });
    if (o.json) {
      const { model: _loaded, type, ...evaluation } = result;
      process.stdout.write(JSON.stringify({ model: dir, type, ...evaluation }, null, 2) + '\n');
    } else {
      process.stdout.write(formatEvaluation(result, result.type));
      for (const n of result.warnings) process.stdout.write(`note: ${n}\n`);
    }
  });

  program
    .command('protocols')
    .description('the named evaluation protocols')
    .action(() => {
      for (const p of listProtocols()) process.stdout.write(`${p.name}\t${p.description}\n`);
    });
}
