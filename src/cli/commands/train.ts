import type { Command } from 'commander';
import { ConfigError } from '../../contracts/errors.ts';
import { createModel, getModelSpec } from '../../models/registry.ts';
import { trainAndEvaluate } from '../../experiment/pipeline.ts';
import { parseValidationUsers } from '../../train/validation-users.ts';
import {
  addFileFlags,
  collectParam,
  PARAM_HELP,
  KCORE_HELP,
  parseKCore,
  DEFAULT_COLUMNS,
  fileReadOptions,
  parseBytes,
  parseNumber,
  parseRatio,
  readConfigFile,
  givenOptions,
  optionKeys,
  type FileFlags,
} from '../options.ts';
import { formatEvaluation } from '../output.ts';
import { addHyperparameterFlags, hyperparameterKeys, readHyperparameterFlags } from '../flags.ts';

/** The data options a protocol decides itself, with their flags. */
const PROTOCOL_FIXES: [string, string][] = [
  ['dataset', '--dataset'],
  ['split', '--split'],
  ['testRatio', '--test-ratio'],
  ['train', '--train'],
  ['valid', '--valid'],
  ['test', '--test'],
  ['positiveThreshold', '--positive-threshold'],
  ['minUserInteractions', '--min-user-interactions'],
  ['minItemInteractions', '--min-item-interactions'],
];

export function registerTrain(program: Command): void {
  const cmd = program
    .command('train')
    .description('train a model on a built-in dataset, a protocol or your own files, evaluate it on the held-out part, save it')
    .option('--config <file>', 'JSON or YAML file with any of these options (flags override it)')
    .option('--protocol <name>', 'a named evaluation protocol fixes dataset, split and labels (e.g. lightfm-ua)')
    .option('--dataset <name>', 'built-in dataset: ml-100k, ml-1m, book-crossing, food-com')
    .option('--split <name>', "the dataset's own split (ml-100k: ua, ub, u1..u5), or random / per-user")
    .option('--test-ratio <r>', 'test share for random and per-user splits (default 0.2)')
    .option('--train <file>', 'training interactions (CSV, TSV, Parquet)')
    .option('--valid <file>', 'validation interactions, same format')
    .option('--test <file>', 'test interactions, same format')
    .option('--positive-threshold <t>', 'implicit feedback: interactions with value ≥ t are positives, the rest dropped')
    .option('--min-user-interactions <n>', KCORE_HELP.users)
    .option('--min-item-interactions <n>', KCORE_HELP.items)
    .option('--model <type>', 'model type (see `tastebud models`)', 'bpr')
    .option('--epochs <n>', "passes over the data (default: the model's own, see `tastebud models`)")
    .option('--threads <n>', 'worker threads (default: all cores)')
    .option('--memory <size>', 'memory the fit may use, e.g. 8G; a model estimated to need more is refused before it starts (default: available memory)')
    .option('--seed <n>', 'random seed; with --threads 1 training is reproducible bit for bit', '42')
    .option('--validation-metric <m>', 'auc, precision@10, ndcg@10, rmse, ... (needs validation data)')
    .option(
      '--validation-users <n|all|auto>',
      'users validated each epoch: auto (default: a sample whose scoring costs ≤ 20 % of an epoch, every user on small data), all, or at most N',
    )
    .option('--patience <n>', 'early stopping: epochs without improvement before stopping (restores the best epoch)')
    .option('--param <name=value>', PARAM_HELP, collectParam, {})
    .option('--out <dir>', 'where to save the model (default runs/<model>)')
    .option('--force', 'replace a model already saved at --out')
    .option('--json', 'print the result as JSON')
    .option('--quiet', 'no progress output');
  addFileFlags(cmd, 'files');
  addHyperparameterFlags(cmd);
  cmd.action(async (opts) => {
    const hyper = hyperparameterKeys();
    const fileConfig = opts.config ? await readConfigFile(opts.config, ...fileKeys(cmd, hyper)) : {};
    const typed = givenOptions(cmd) as Record<string, any>;
    const o = { ...fileConfig, ...typed } as Record<string, any>;
    const modelType = String(o.model ?? 'bpr');
    const params: Record<string, unknown> = { ...(fileConfig.params as Record<string, unknown> | undefined) };
    // A file's top-level hyperparameter under its own name (learningRate); flags then override.
    for (const key of hyper.keys) if (fileConfig[key] !== undefined && !hyper.flagKeys.includes(key)) params[key] = fileConfig[key];
    // Typed twice on the command line, differently: which one was meant is not ours to guess.
    const flagged = readHyperparameterFlags(typed);
    const both = Object.keys(flagged).filter((k) => typed.param?.[k] !== undefined && JSON.stringify(typed.param[k]) !== JSON.stringify(flagged[k]));
    if (both.length > 0) throw new ConfigError(`${both.map((k) => `${k} is set twice, by its flag and by --param, to different values`).join('; ')}: give it once`);
    Object.assign(params, readHyperparameterFlags(o));
    Object.assign(params, o.param);
    const epochs = o.epochs !== undefined ? parseNumber('--epochs', String(o.epochs), { integer: true, min: 0 }) : undefined;
    // The saved recipe says how many epochs were trained (a retrain in the service reads it).
    if (epochs !== undefined && epochs > 0 && 'epochs' in getModelSpec(modelType).defaults) params.epochs = epochs;
    // Built before any data is read, so an unknown model or hyperparameter fails at once.
    const model = createModel(modelType, params);
    if (o.protocol) {
      // A protocol fixes the data, its split and labels: a data option beside it would be ignored.
      const clash = PROTOCOL_FIXES.filter(([key]) => o[key] !== undefined).map(([, flag]) => flag);
      if (clash.length > 0)
        throw new ConfigError(
          `--protocol ${o.protocol} fixes the dataset, split and labels, so ${clash.join(', ')} would be ignored: drop ${clash.length === 1 ? 'it' : 'them'}, or use --dataset/--train without --protocol`,
        );
    }
    const seed = parseNumber('--seed', String(o.seed ?? 42), { integer: true });
    const out = String(o.out ?? `runs/${modelType}`);
    const result = await trainAndEvaluate({
      model,
      protocol: o.protocol ? String(o.protocol) : undefined,
      data: o.protocol
        ? undefined
        : {
            dataset: o.dataset,
            split: o.split,
            testRatio: o.testRatio !== undefined ? parseRatio('--test-ratio', String(o.testRatio)) : undefined,
            train: o.train,
            valid: o.valid,
            test: o.test,
            ...fileReadOptions({ ...o, columns: typeof o.columns === 'string' ? o.columns : DEFAULT_COLUMNS, encoding: o.encoding ?? 'utf8' } as FileFlags),
            // A config file may give the columns as a mapping rather than flag text.
            ...(typeof o.columns === 'object' ? { columns: o.columns } : {}),
            positiveThreshold: o.positiveThreshold !== undefined ? parseNumber('--positive-threshold', String(o.positiveThreshold)) : undefined,
            ...parseKCore(o),
          },
      seed,
      threads: o.threads !== undefined ? parseNumber('--threads', String(o.threads), { integer: true, min: 1 }) : undefined,
      epochs,
      memoryBudget: o.memory !== undefined ? parseBytes('--memory', String(o.memory)) : undefined,
      validationMetric: o.validationMetric,
      validationUsers: o.validationUsers !== undefined ? parseValidationUsers(o.validationUsers, '--validation-users') : undefined,
      patience: o.patience !== undefined ? parseNumber('--patience', String(o.patience), { integer: true, min: 1 }) : undefined,
      dataDir: process.env.TASTEBUD_DATA_DIR,
      out,
      overwrite: Boolean(o.force),
      progress: !o.quiet,
      log: o.quiet ? () => {} : (line: string) => process.stderr.write(line + '\n'),
    });
    if (o.json) {
      const { model: _trained, type, data, ...evaluation } = result;
      process.stdout.write(JSON.stringify({ model: type, data, ...evaluation }, null, 2) + '\n');
    } else {
      if (Object.keys(result.metrics).length > 0) process.stdout.write(formatEvaluation(result, modelType));
      else process.stdout.write(`no test part in ${result.data}: nothing was evaluated\n`);
      for (const n of result.warnings) process.stdout.write(`note: ${n}\n`);
      process.stdout.write(`saved ${modelType} to ${out}\n`);
    }
  });
}

/** The keys a train config file may hold, and those its error lists by name (the hyperparameters in one phrase). */
function fileKeys(cmd: Command, hyper: ReturnType<typeof hyperparameterKeys>): [string[], string[]] {
  const own = optionKeys(cmd).filter((k) => !hyper.flagKeys.includes(k));
  return [
    [...own, 'params', ...hyper.flagKeys, ...hyper.keys],
    [...own, 'params', "a model's hyperparameters (see `tastebud models`)"],
  ];
}
