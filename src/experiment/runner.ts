/**
 * Runs an experiment end to end: prepare the protocol once, search and fit every baseline and
 * model (selection on validation only), evaluate each chosen model on test once, save the
 * models, and write results.json, report.md and report.html. Same seed and threads: 1 → the
 * same numbers.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { Rng } from '../core/rng.ts';
import { ConfigError } from '../contracts/errors.ts';
import type { Dataset } from '../data/types.ts';
import type { Interactions } from '../data/interactions.ts';
import { binarize } from '../data/labels.ts';
import { perUserSplit, splitSizes } from '../data/splits.ts';
import { kCoreOfTraining } from '../data/filters.ts';
import type { Protocol, PreparedProtocol, ProtocolResult } from '../eval/protocols/types.ts';
import { getProtocol } from '../eval/protocols.ts';
import { consoleSummary } from './report/common.ts';
import { htmlReport } from './report/html.ts';
import { markdownReport } from './report/markdown.ts';
import { createModel } from '../models/registry.ts';
import { parseMetric } from '../train/validation.ts';
import { REFERENCE_BASELINE, loadExperimentConfig, problemAt, protocolNamePath, type DataFileSettings, type ExperimentConfig, type RunSpec } from './config.ts';
import { pathOf } from './config-sections.ts';
import { loadDataFile } from './data.ts';
import { compareWithReference, lowerIsBetterFor, prepareProtocol, saveEvaluated } from './pipeline.ts';
import { checkData } from '../doctor/data.ts';
import { resolveRunParams } from './params.ts';
import type { EnvironmentInfo, ExperimentResults, RunResult } from './results.ts';
import { runSeed, searchPoints, searchRun, searchedKeys, type HoldOut, type SearchContext, type SearchOutcome } from './search.ts';
import { popularityFloor } from './search-fit.ts';
import { checkHalving } from './search-halving.ts';

export interface RunExperimentOptions {
  /** Folder of the built-in datasets (default: $TASTEBUD_DATA_DIR, else the datasets module's default). */
  dataDir?: string;
  /** Results go to `<outDir>/<experiment name>/` (default `runs`). */
  outDir?: string;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
  /** Where the final comparison table goes (default: `log`); the CLI prints it to stdout, the result beside the progress on stderr. */
  summary?: (table: string) => void;
  /** Threads for every fit, overriding the file (1 keeps runs reproducible bit for bit). */
  threads?: number;
  /** A protocol object to use instead of looking `config.protocol.name` up (custom protocols, tests). */
  protocol?: Protocol;
  /** An already loaded dataset for the protocol. */
  data?: Dataset;
  /** Write each final model under `models/<name>/` (default true). */
  saveModels?: boolean;
  /** How to reproduce this run, shown in the reports (default: `tastebud experiment <file>`). */
  command?: string;
  /**
   * Replace the results of an earlier run in `<outDir>/<name>/` (default false: refused, so no
   * report is lost). Either way the folder's `models/` is cleared first, so no model is left there
   * that the new report does not describe.
   */
  overwrite?: boolean;
}

/** Runs the experiment in `config` (a file path or a validated config) and returns its results. */
export async function runExperiment(config: string | ExperimentConfig, options: RunExperimentOptions = {}): Promise<ExperimentResults> {
  const started = performance.now();
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const cfg = typeof config === 'string' ? await loadExperimentConfig(config) : config;
  const threads = options.threads ?? cfg.threads;

  // Everything that can be checked without data is checked before any data is read, and every
  // problem is reported at once.
  const { runs, protocol } = checkBeforeData(cfg, options.protocol);
  const outDir = join(options.outDir ?? 'runs', cfg.name);
  if (!options.overwrite && existsSync(join(outDir, 'results.json'))) {
    throw new ConfigError(`${outDir} holds the results of an earlier run of "${cfg.name}": replace them with --force (overwrite: true), or write elsewhere with --out`);
  }
  await rm(join(outDir, 'models'), { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });

  const dataDir = options.dataDir ?? process.env.TASTEBUD_DATA_DIR;
  const data = options.data ?? (cfg.data ? await loadDataFile(cfg.data, dataDir, cfg.source) : undefined);
  log(`${cfg.name}: preparing protocol ${protocol.name}${data ? ` on ${data.name}` : cfg.dataset ? ` on ${cfg.dataset}` : ''}`);
  const { prepared, coreNote } = withKCore(
    await prepareProtocol(
      protocol,
      {
        dataDir,
        seed: cfg.protocol.seed ?? undefined,
        data,
        ...(cfg.dataset ? { dataset: cfg.dataset } : {}),
        ...cfg.protocol.options,
      },
      log,
    ),
    cfg.data,
    log,
  );

  // The doctor's data checks run before any model: what is wrong with the split is said first.
  const dataChecks = await checkData({ train: prepared.train, test: prepared.test, metric: protocol.mainMetric });
  for (const f of dataChecks) if (f.level === 'warn' || f.level === 'error') log(`  data check: ${f.message}${f.fix ? ` (${f.fix})` : ''}`);

  const { train, validation, refitOn, source, moreHoldOuts } = validationSplit(prepared, cfg, protocol.name);
  const metric = validationMetricFor(cfg.search.metric ?? defaultValidationMetric(protocol), protocol);
  const threshold = thresholdFor(prepared, source, train);
  const mainMetric = protocol.mainMetric;
  const lowerIsBetter = lowerIsBetterFor(mainMetric);
  const ctxBase: Omit<SearchContext, 'search'> = {
    train,
    validation,
    refitOn,
    moreHoldOuts,
    metric,
    validationThreshold: threshold,
    seed: cfg.seed,
    threads,
    userFeatures: prepared.userFeatures,
    itemFeatures: prepared.itemFeatures,
    log,
  };

  const results: RunResult[] = [];
  let referenceResult: ProtocolResult | null = null;
  for (const run of runs) {
    log(`${run.name} (${run.type})`);
    const { strategy, trials, eta, minEpochs, maxEpochs } = cfg.search;
    const ctx = labelled(run, { ...ctxBase, search: { strategy, trials, eta, minEpochs, maxEpochs } }, prepared, cfg);
    const result = await runOne(run, ctx, protocol, prepared, outDir, options.saveModels ?? true);
    if (result.run.reference) referenceResult = result.protocolResult;
    else if (referenceResult && result.protocolResult) result.run.vsReference = compareWithReference(result.protocolResult, referenceResult, mainMetric, lowerIsBetter);
    results.push(result.run);
    log(result.run.error ? `  failed: ${result.run.error}` : `  test ${mainMetric} ${fmt(result.run.metrics[mainMetric])}`);
  }

  const referenceRun = results.find((r) => r.reference)!;
  const commonNotes = sharedNotes(results);
  const experiment: ExperimentResults = {
    name: cfg.name,
    description: cfg.description,
    source: cfg.source,
    config: cfg,
    protocol: {
      name: protocol.name,
      description: protocol.description,
      dataset: prepared.dataset,
      task: protocol.task,
      mainMetric,
      reportMetrics: protocol.reportMetrics ?? [],
      lowerIsBetter,
      seed: prepared.seed,
      sizes: prepared.sizes,
      labelRule: prepared.labelRule,
      notes: coreNote ? [coreNote, ...commonNotes] : commonNotes,
    },
    seed: cfg.seed,
    threads,
    validation: { source, ratio: source === 'carved' ? cfg.search.validation : null, repeats: 1 + moreHoldOuts.length, interactions: validation.length, metric },
    runs: results,
    dataChecks,
    reference: referenceRun.name,
    environment: await environment(),
    command: options.command ?? (cfg.source ? `tastebud experiment ${cfg.source}` : `runExperiment(config) with seed ${cfg.seed}`),
    seconds: (performance.now() - started) / 1000,
    outDir,
  };
  await writeFile(join(outDir, 'results.json'), JSON.stringify(experiment, null, 2) + '\n');
  await writeFile(join(outDir, 'report.md'), markdownReport(experiment));
  await writeFile(join(outDir, 'report.html'), htmlReport(experiment));
  log('');
  (options.summary ?? log)(consoleSummary(experiment));
  log(`wrote ${join(outDir, 'results.json')}, report.md, report.html`);
  return experiment;
}

async function runOne(
  run: RunSpec,
  ctx: SearchContext,
  protocol: Protocol,
  prepared: PreparedProtocol,
  outDir: string,
  save: boolean,
): Promise<{ run: RunResult; protocolResult: ProtocolResult | null }> {
  const record: RunResult = {
    name: run.name,
    type: run.type,
    baseline: run.baseline,
    reference: run.baseline && run.type === REFERENCE_BASELINE,
    params: {},
    config: {},
    metrics: {},
    validation: null,
    history: null,
    selectionHistory: null,
    search: null,
    vsReference: null,
    modelDir: null,
    seconds: { search: 0, evaluate: 0 },
    notes: [],
  };
  try {
    const outcome = await searchRun(run, ctx);
    record.params = outcome.params;
    record.config = outcome.model.config;
    record.history = outcome.history;
    record.selectionHistory = outcome.selectionHistory;
    record.validation = outcome.selectionHistory ? { metric: outcome.metric, value: outcome.validation } : null;
    record.search = {
      strategy: ctx.search.strategy,
      keys: searchedKeys(run.params),
      trials: outcome.trials,
      bestTrial: outcome.bestTrial,
      metric: outcome.metric,
      lowerIsBetter: outcome.lowerIsBetter,
      refit: outcome.refit,
      epochsSpent: outcome.epochsSpent,
      ...(outcome.rungs ? { rungs: outcome.rungs } : {}),
    };
    record.seconds.search = outcome.seconds;
    const failed = outcome.trials.filter((t) => t.error).length;
    if (failed) record.notes.push(`${failed} of ${outcome.trials.length} trials failed (see the search table).`);
    const floor = await learnedLessThanPopularity(run, outcome, ctx);
    if (floor) {
      record.notes.push(floor);
      ctx.log(`  ${run.name}: ${floor}`);
    }

    const t0 = performance.now();
    const result = await protocol.evaluate(outcome.model, prepared);
    record.seconds.evaluate = (performance.now() - t0) / 1000;
    record.metrics = result.metrics;
    record.notes.push(...result.notes);
    if (save) {
      const dir = join(outDir, 'models', run.name);
      await saveEvaluated(outcome.model, dir, protocol.name, result.metrics, { overwrite: true }); // the experiment owns its output folder
      record.modelDir = relative(outDir, dir);
    }
    return { run: record, protocolResult: result };
  } catch (err) {
    if (err instanceof ConfigError && record.reference) throw err;
    record.error = (err as Error).message;
    return { run: record, protocolResult: null };
  }
}

/**
 * A model run whose chosen setting does not beat popularity on validation: the search picked among
 * settings that learned less than counting interactions, which the test table alone would show
 * only after the fact. Null when it does beat it, or there was no search with validation.
 */
async function learnedLessThanPopularity(run: RunSpec, outcome: SearchOutcome, ctx: SearchContext): Promise<string | null> {
  if (run.baseline || outcome.validation === null || outcome.lowerIsBetter) return null;
  const floor = await popularityFloor(run, ctx, outcome.metric);
  if (!(outcome.validation <= floor)) return null;
  const trials = outcome.trials.length;
  const chosen = trials === 1 ? 'its one setting' : `the best of its ${trials} settings`;
  return `on validation, ${chosen} reaches ${outcome.metric} ${fmt(outcome.validation)}, not above popularity's ${fmt(floor)}: it learned less than counting interactions (tastebud doctor train finds out why)`;
}

/**
 * The `data:` section's k-core, taken of the protocol's training part (decided on it alone); the
 * held-out parts lose the rows of removed users and items, and the sizes say so. What each user
 * saw in training still leaves their rankings (`exclude` is the protocol's).
 */
function withKCore(prepared: PreparedProtocol, settings: DataFileSettings | null, log: (line: string) => void): { prepared: PreparedProtocol; coreNote: string | null } {
  if (!settings || (settings.minUserInteractions === undefined && settings.minItemInteractions === undefined)) return { prepared, coreNote: null };
  const core = kCoreOfTraining(prepared, { minUserInteractions: settings.minUserInteractions, minItemInteractions: settings.minItemInteractions });
  log(`  ${core.note}`);
  const parts = { train: core.train, test: core.test!, ...(core.validation ? { validation: core.validation } : {}) };
  return { prepared: { ...prepared, ...parts, sizes: { ...prepared.sizes, ...splitSizes(parts) } }, coreNote: core.note };
}

/** The protocol's notes every run shares go to the protocol; each run keeps only its own. */
function sharedNotes(runs: RunResult[]): string[] {
  const evaluated = runs.filter((r) => !r.error && Object.keys(r.metrics).length > 0);
  if (evaluated.length === 0) return [];
  const common = evaluated[0].notes.filter((n) => evaluated.every((r) => r.notes.includes(n)));
  for (const r of evaluated) r.notes = r.notes.filter((n) => !common.includes(n));
  return common;
}

/**
 * What can be checked without data: every run's type is registered, its params resolve against
 * the model's defaults, and every trial's model can be built. Returns the runs with resolved
 * params; throws one ConfigError listing every problem.
 */
export function checkExperiment(cfg: ExperimentConfig): RunSpec[] {
  const problems: string[] = [];
  // The same `file:line: path: message` as the problems found while parsing the file.
  const fail = (path: (string | number)[], message: string): void => void problems.push(problemAt(cfg, path, message));
  const resolved: RunSpec[] = [];
  for (const run of [...cfg.baselines, ...cfg.models]) {
    let defaults: Record<string, unknown>;
    try {
      defaults = createModel(run.type, {}).config;
    } catch (err) {
      fail(pathOf(run.path, 'type'), (err as Error).message);
      continue;
    }
    const { params, problems: found } = resolveRunParams(run, defaults);
    for (const p of found) fail(p.path, p.message);
    if (found.length) continue;
    const spec = { ...run, params };
    try {
      if (cfg.search.strategy === 'successive-halving' && searchedKeys(params).length > 0) checkHalving(run.type, params, cfg.search, 'search');
      for (const point of searchPoints(params, cfg.search, new Rng(runSeed(cfg.seed, run.name)))) {
        try {
          createModel(run.type, point);
        } catch (err) {
          fail(pathOf(run.path, 'params'), `${(err as Error).message} (with ${JSON.stringify(point)})`);
          break;
        }
      }
    } catch (err) {
      fail(pathOf(run.path, 'params'), (err as Error).message);
    }
    resolved.push(spec);
  }
  if (problems.length) throw new ConfigError(problems.join('\n'));
  return resolved;
}

/** The reference baseline first (others are compared with it as they finish), then the file's order. */
function orderRuns(runs: RunSpec[]): RunSpec[] {
  const ref = runs.findIndex((r) => r.baseline && r.type === REFERENCE_BASELINE);
  return ref <= 0 ? runs : [runs[ref], ...runs.slice(0, ref), ...runs.slice(ref + 1)];
}

/** The protocol (`given`, else the registered one of the file's name) and the checked runs, in order; one ConfigError listing every problem. */
function checkBeforeData(cfg: ExperimentConfig, given: Protocol | undefined): { runs: RunSpec[]; protocol: Protocol } {
  const problems: string[] = [];
  let protocol = given;
  if (!protocol) {
    try {
      protocol = getProtocol(cfg.protocol.name);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(problemAt(cfg, protocolNamePath(cfg), err.message));
    }
  }
  let runs: RunSpec[] = [];
  try {
    runs = orderRuns(checkExperiment(cfg));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(err.message);
  }
  if (problems.length > 0 || !protocol) throw new ConfigError(problems.join('\n'));
  return { runs, protocol };
}

/**
 * The protocol's validation part when it has one; otherwise a per-user share of train, held out
 * with the experiment seed, with the chosen params retrained on all of train (unless refit: false).
 * `search.repeats` > 1 carves that many different validation parts (seeds seed, seed + 1, …).
 */
function validationSplit(
  prepared: PreparedProtocol,
  cfg: ExperimentConfig,
  protocolName: string,
): { train: Interactions; validation: Interactions; refitOn: Interactions | null; source: 'protocol' | 'carved'; moreHoldOuts: HoldOut[] } {
  if (prepared.validation && prepared.validation.length > 0) {
    if (cfg.search.repeats > 1) {
      throw new ConfigError(problemAt(cfg, ['search', 'repeats'], `protocol ${protocolName} has its own validation split, so there is nothing to repeat; remove repeats`));
    }
    const refitOn = cfg.search.refit === true ? prepared.train.concat(prepared.validation) : null;
    return { train: prepared.train, validation: prepared.validation, refitOn, source: 'protocol', moreHoldOuts: [] };
  }
  const carve = (seed: number): HoldOut => {
    const split = perUserSplit(prepared.train, { testRatio: cfg.search.validation, seed });
    return { train: split.train, validation: split.test };
  };
  const first = carve(cfg.seed);
  const moreHoldOuts = Array.from({ length: cfg.search.repeats - 1 }, (_, r) => carve(cfg.seed + r + 1));
  return { ...first, refitOn: cfg.search.refit === false ? null : prepared.train, source: 'carved', moreHoldOuts };
}

/** With `fit.binarize`, the run trains on 0/1 labels (validation stays raw: its metric applies the threshold). */
function labelled(run: RunSpec, ctx: SearchContext, prepared: PreparedProtocol, cfg: ExperimentConfig): SearchContext {
  if (run.fit.binarize === undefined) return ctx;
  const threshold = run.fit.binarize === true ? (prepared.labelThreshold ?? prepared.relevanceThreshold) : run.fit.binarize;
  if (threshold === undefined) throw new ConfigError(problemAt(cfg, pathOf(run.path, 'fit', 'binarize'), 'the protocol has no label threshold; give a number'));
  return {
    ...ctx,
    train: binarize(ctx.train, threshold),
    refitOn: ctx.refitOn && binarize(ctx.refitOn, threshold),
    moreHoldOuts: ctx.moreHoldOuts?.map((h) => ({ ...h, train: binarize(h.train, threshold) })),
  };
}

/** Under a pointwise protocol "auc" means the AUC over all test pairs, not the per-user ranking AUC. */
function validationMetricFor(metric: string, protocol: Protocol): string {
  return protocol.task !== 'ranking' && metric === 'auc' ? 'pointwise_auc' : metric;
}

/** The protocol's main metric when the fit loop can measure it on validation, else auc / rmse by task. */
function defaultValidationMetric(protocol: Protocol): string {
  try {
    parseMetric(protocol.mainMetric);
    return protocol.mainMetric;
  } catch {
    return protocol.task === 'rating' ? 'rmse' : 'auc';
  }
}

/**
 * The relevance/label threshold for validation. A validation part carved from a positives-only
 * training set (values all 1) has no values at the test threshold: then every held-out item counts.
 */
function thresholdFor(prepared: PreparedProtocol, source: 'protocol' | 'carved', train: Interactions): number | undefined {
  const threshold = prepared.relevanceThreshold ?? prepared.labelThreshold;
  if (threshold === undefined || source === 'protocol') return threshold;
  for (let p = 0; p < train.values.length; p++) if (train.values[p] >= threshold) return threshold;
  return undefined;
}

async function environment(): Promise<EnvironmentInfo> {
  let version = 'unknown';
  try {
    version = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')).version;
  } catch {
    // Running from a bundle without package.json: the version is only informative.
  }
  const cpuList = cpus();
  return {
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    cpus: availableParallelism(),
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    memoryGB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    date: new Date().toISOString(),
    tastebud: version,
  };
}

function fmt(x: number | undefined): string {
  return x === undefined ? '—' : x.toFixed(4);
}
