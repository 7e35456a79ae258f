import type { Command } from 'commander';
import { ConfigError } from '../../contracts/errors.ts';
import { FEATURE_USES } from '../../contracts/types.ts';
import type { Interactions } from '../../data/interactions.ts';
import { readInteractionsFile } from '../../data/readers/index.ts';
import { checkData, checkJudgedMetric } from '../../doctor/data.ts';
import { formatFindings, type Finding } from '../../doctor/findings.ts';
import {
  addFileFlags,
  collectParam,
  PARAM_HELP,
  KCORE_HELP,
  parseKCore,
  fileReadOptions,
  parseColumns,
  parseNumber,
  parseSeparator,
  readConfigFile,
  type FileFlags,
} from '../options.ts';
import { addHyperparameterFlags, readHyperparameterFlags } from '../flags.ts';
import { DOCTOR_CONFIG_KEYS, diagnoseConfig, parseDoctorConfig, type DoctorTrainConfig } from '../../doctor/train-config.ts';
import { loadSource } from './data.ts';

export function registerDoctor(program: Command): void {
  const doctor = program.command('doctor').description('find out what is wrong with data or a training setup before it costs you a day');
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
    if (o.metric !== undefined) checkJudgedMetric(o.metric);
    const findings = await checkData({ train, test, positiveThreshold, report: loaded.report, metric: o.metric });
    failOnErrors(findings);
    if (o.json) process.stdout.write(JSON.stringify({ source, findings }, null, 2) + '\n');
    else
      process.stdout.write(
        formatFindings(`doctor data ${source}${o.split ? ` (split ${o.split})` : ''}: ${train.length} training interactions${test ? `, ${test.length} test` : ''}`, findings),
      );
  });
  registerDoctorTrain(doctor);
}

function registerDoctorTrain(doctor: Command): void {
  const cmd = doctor
    .command('train')
    .description(
      'fits the configured model briefly on a sample of the training data (validation carved from it) and checks the loss at initialisation, the regulariser and embedding norms, overfitting a tiny sample, a learning-rate range test, the batch size, collapsed predictions, validation AUC against chance and popularity, and a metric a trivial predictor wins; --fix measures each proposed fix',
    )
    .option('--config <file>', 'YAML or JSON doctor file (examples/doctor-*.yaml); flags override it')
    .option('--model <type>', 'model type (see `tastebud models`)')
    .option('--dataset <name>', 'built-in dataset: ml-100k, ml-1m, book-crossing, food-com')
    .option('--split <name>', "the dataset's own split (its training part is used), e.g. ml-100k ua")
    .option('--train <file>', 'training interactions (CSV, TSV, Parquet)')
    .option('--positive-threshold <t>', 'implicit feedback: interactions with value ≥ t are positives, the rest dropped')
    .option('--binarize <t>', 'train on labels: value ≥ t → 1, else 0 (every row kept)')
    .option('--drop-zeros', 'drop rows whose value is 0 first (Book-Crossing implicit rows)')
    .option('--min-user-interactions <n>', KCORE_HELP.users)
    .option('--min-item-interactions <n>', KCORE_HELP.items)
    .option('--metric <name>', 'the metric the model will be judged by (f1, accuracy, auc, ...)')
    .option('--features <use>', "which of the dataset's metadata features the model gets: both (default), users, items, none")
    .option('--param <name=value>', PARAM_HELP, collectParam, {})
    .option('--sample <n>', 'interactions in the sample, whole users (default 10000)')
    .option('--epochs <n>', "epochs of the doctor's short fits (default: the model's, at most 5, up to 4× that when only the sample is short of steps)")
    .option('--seed <n>', 'random seed of the sample, the split and the fits (default 42)')
    .option('--fix', 'apply each proposed fix in a short fit and print validation before → after')
    .option('--json', 'print the diagnosis as JSON')
    .option('--quiet', 'no progress lines');
  addFileFlags(cmd, 'the training file');
  addHyperparameterFlags(cmd);
  cmd.action(async (o) => {
    const file = o.config ? parseDoctorConfig(await readConfigFile(o.config, DOCTOR_CONFIG_KEYS), o.config) : null;
    if (o.features !== undefined && !FEATURE_USES.includes(o.features)) {
      throw new ConfigError(`doctor train: --features must be one of ${FEATURE_USES.join(', ')}, got ${JSON.stringify(o.features)}`);
    }
    if (o.dataset && o.train) throw new ConfigError('doctor train: give either --dataset or --train, not both');
    const model = o.model ?? file?.model;
    if (!model) throw new ConfigError('doctor train: give --model TYPE (or a --config file with "model")');
    const num = (flag: string, v: unknown, integer = false): number | undefined =>
      v === undefined ? undefined : parseNumber(flag, String(v), { integer, min: integer ? 1 : -Infinity });
    const fileFlags = o as FileFlags;
    const columnsGiven = cmd.getOptionValueSource('columns') === 'cli';
    const core = parseKCore(o);
    const config: DoctorTrainConfig = {
      ...file,
      model,
      params: { ...file?.params, ...readHyperparameterFlags(o), ...o.param },
      ...(o.dataset ? { dataset: o.dataset, train: undefined } : {}),
      ...(o.train ? { train: o.train, dataset: undefined } : {}),
      ...(o.split ? { split: o.split } : {}),
      ...(columnsGiven || (o.train && !file?.columns) ? { columns: parseColumns(fileFlags.columns) } : {}),
      ...(o.sep ? { separator: parseSeparator(o.sep) } : {}),
      positiveThreshold: num('--positive-threshold', o.positiveThreshold) ?? file?.positiveThreshold,
      binarize: num('--binarize', o.binarize) ?? file?.binarize,
      dropZeros: o.dropZeros ?? file?.dropZeros,
      minUserInteractions: core.minUserInteractions ?? file?.minUserInteractions,
      minItemInteractions: core.minItemInteractions ?? file?.minItemInteractions,
      metric: o.metric ?? file?.metric,
      features: o.features ?? file?.features,
      seed: num('--seed', o.seed, true) ?? file?.seed ?? 42,
    };
    if (config.metric !== undefined) checkJudgedMetric(config.metric);
    const log = o.quiet || o.json ? undefined : (line: string) => process.stderr.write(line + '\n');
    const result = await diagnoseConfig(config, {
      dataDir: process.env.TASTEBUD_DATA_DIR,
      fix: Boolean(o.fix),
      log,
      sample: num('--sample', o.sample, true),
      epochs: num('--epochs', o.epochs, true),
      // Errors about the features name the setting where the user gave it.
      featuresSetting: o.features !== undefined ? `--features ${o.features}` : file?.features !== undefined ? `${o.config}: "features: ${file.features}"` : undefined,
    });
    failOnErrors(result.findings);
    if (o.json) {
      process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      return;
    }
    const s = result.sample;
    process.stdout.write(
      formatFindings(
        `doctor train ${result.model} (${result.objective}) on ${result.data}: a sample of ${s.interactions} interactions (${s.fit} fit, ${s.validation} validation), ${s.epochs} epochs, ${result.seconds.toFixed(1)} s`,
        result.findings,
      ),
    );
    if (!o.fix && result.findings.some((f) => f.fix && (f.level === 'warn' || f.level === 'error'))) {
      process.stdout.write('run again with --fix to measure each fix on validation (before → after)\n');
    }
  });
}

/** A doctor that found an error (✖) exits 1 once it has said everything, so a CI job can gate on it. */
function failOnErrors(findings: Finding[]): void {
  if (findings.some((f) => f.level === 'error')) process.exitCode = 1;
}
