/**
 * Retraining while serving: a job trains a candidate in a worker thread (retrain-worker.ts) on
 * the store's events, with the serving model's type and config; the candidate replaces the
 * serving model only when it is not worse on a held-out slice (each user's most recent item,
 * NDCG@10; see retrain-eval.ts). Versions are directories `versionsDir/<n>` (0 is the model
 * directory the service was started with and is never deleted); `keepVersions` of the newer
 * ones are kept, and rollback serves the version before the current one. `versions.json` in
 * `versionsDir` records the versions, the one being served and the history, so a restart
 * serves what was served before it.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { Cron } from 'croner';
import { ConfigError, TastebudError } from '../contracts/errors.ts';
import { startWorker } from '../core/pool.ts';
import { loadModel } from '../models/load.ts';
import { RETRAIN_METRIC } from './retrain-eval.ts';
import type { ServingSlot } from './serving.ts';
import { modelVersionOf } from './version.ts';

/** A request the admin routes refuse in the current state (answered 409). */
export class ConflictError extends TastebudError {}

export interface RetrainOptions {
  /** The model directory the service was started with (version 0). */
  modelDir: string;
  /** Where versions live (default `modelDir/versions`). */
  versionsDir?: string;
  /** The event store's SQLite file; the worker opens it read-only (so not `:memory:`). */
  dbPath: string;
  /** Event type → weight used for training (`rating`: the value given). */
  weights: Readonly<Record<string, number>>;
  /** Retrained versions kept on disk besides version 0 (default 3). */
  keepVersions?: number;
  /** A cron expression (e.g. `0 3 * * *`): retrain on this schedule; none: only on request. */
  schedule?: string;
  /** Users with at least this many items take part in the holdout (default 3). */
  minItems?: number;
  /** Fewer held-out users than this: no verdict, no swap (default 5). */
  minEvalUsers?: number;
  /** Held-out users, sampled when there are more (default 2,000). */
  maxEvalUsers?: number;
  seed?: number;
  /** Lines for the operator. */
  say?: (line: string) => void;
}

/** What the worker is given. */
export interface RetrainWorkerInit {
  servingDir: string;
  /** Version 0 (the model directory the service started with), whose manifest names the original training data. */
  originalDir: string;
  dbPath: string;
  outDir: string;
  weights: Record<string, number>;
  minItems: number;
  minEvalUsers: number;
  maxEvalUsers: number;
  seed: number;
}

export interface RetrainResult {
  metric: string;
  /** Serving and candidate metric on the holdout (null: too few users to judge). */
  before: number | null;
  after: number | null;
  swap: boolean;
  reason: string;
  events: number;
  pairs: number;
  /** What was trained on besides the store's events, or why nothing. */
  originalData?: string;
  evalUsers: number;
}

export type RetrainMessage = { kind: 'progress'; phase: string; fraction?: number } | { kind: 'done'; result: RetrainResult } | { kind: 'failed'; message: string };

export interface RetrainJob {
  id: string;
  state: 'running' | 'swapped' | 'kept' | 'failed';
  trigger: 'request' | 'schedule';
  startedAt: string;
  finishedAt: string | null;
  phase: string;
  /** Of the current phase, when it reports one. */
  fraction: number | null;
  result: RetrainResult | null;
  /** The version served after the job (its own when swapped). */
  version: string | null;
  error: string | null;
}

interface VersionRecord {
  n: number;
  dir: string;
  version: string;
  createdAt: string;
  /** The candidate's metric when it was swapped in (null for version 0). */
  metric: number | null;
}

interface VersionsFile {
  current: number;
  next: number;
  versions: VersionRecord[];
  history: HistoryRecord[];
}

/** One line of the retraining history (also rollbacks). */
interface HistoryRecord {
  time: string;
  job: string | null;
  action: 'retrain' | 'rollback';
  metric: string;
  before: number | null;
  after: number | null;
  swapped: boolean;
  reason: string;
  version: string;
}

const HISTORY_KEPT = 50;
const JOBS_KEPT = 20;

export class Retrainer {
  private readonly options: Required<Omit<RetrainOptions, 'schedule' | 'say'>> & Pick<RetrainOptions, 'schedule' | 'say'>;
  private readonly file: string;
  private state: VersionsFile;
  private readonly jobs = new Map<string, RetrainJob>();
  private running: { job: RetrainJob; worker: Worker } | null = null;
  private slot: ServingSlot | null = null;
  private cron: Cron | null = null;

  private constructor(options: RetrainOptions, state: VersionsFile) {
    this.options = {
      ...options,
      versionsDir: options.versionsDir ?? join(options.modelDir, 'versions'),
      keepVersions: options.keepVersions ?? 3,
      minItems: options.minItems ?? 3,
      minEvalUsers: options.minEvalUsers ?? 5,
      maxEvalUsers: options.maxEvalUsers ?? 2000,
      seed: options.seed ?? 1,
    };
    this.file = join(this.options.versionsDir, 'versions.json');
    this.state = state;
  }

  /**
   * Reads `versions.json` (or starts one with version 0 = `modelDir`) and checks the options;
   * `servingDir` is then the directory to load and serve.
   */
  static async open(options: RetrainOptions): Promise<Retrainer> {
    if (options.dbPath === ':memory:') throw new ConfigError('retraining reads the event store from a second thread, so --db must be a file, not :memory:');
    const keep = options.keepVersions ?? 3;
    if (!Number.isInteger(keep) || keep < 1) throw new ConfigError(`--keep-versions must be a whole number ≥ 1, got ${keep}`);
    const versionsDir = options.versionsDir ?? join(options.modelDir, 'versions');
    const file = join(versionsDir, 'versions.json');
    let state: VersionsFile;
    if (existsSync(file)) {
      try {
        state = JSON.parse(readFileSync(file, 'utf8')) as VersionsFile;
      } catch (error) {
        throw new ConfigError(`${file} is not valid JSON (${(error as Error).message}); move it away to start from ${options.modelDir} again`);
      }
      if (!state.versions.some((v) => v.n === state.current)) throw new ConfigError(`${file} names version ${state.current} as current, but it has no such version`);
    } else {
      let type: string;
      try {
        type = (JSON.parse(readFileSync(join(options.modelDir, 'manifest.json'), 'utf8')) as { type?: string }).type ?? 'model';
      } catch (error) {
        throw new ConfigError(`cannot serve ${options.modelDir}: its manifest.json cannot be read (${(error as Error).message})`);
      }
      state = {
        current: 0,
        next: 1,
        versions: [{ n: 0, dir: resolve(options.modelDir), version: await modelVersionOf(options.modelDir, type), createdAt: new Date().toISOString(), metric: null }],
        history: [],
      };
    }
    const retrainer = new Retrainer(options, state);
    if (options.schedule !== undefined) {
      try {
        // Validate now (a typo should stop the start, not fail silently at 3 am); started by attach().
        new Cron(options.schedule, { paused: true }).stop();
      } catch (error) {
        throw new ConfigError(`--retrain "${options.schedule}" is not a cron expression (${(error as Error).message}); e.g. "0 3 * * *" is every day at 03:00`);
      }
    }
    return retrainer;
  }

  /** The directory of the version to serve. */
  get servingDir(): string {
    return this.currentRecord.dir;
  }

  /** The version string of the version to serve. */
  get servingVersion(): string {
    return this.currentRecord.version;
  }

  /** Connects to the service's model slot and starts the schedule, if any. */
  attach(slot: ServingSlot): void {
    this.slot = slot;
    if (this.options.schedule !== undefined && !this.cron) {
      this.cron = new Cron(this.options.schedule, { protect: true }, () => {
        if (this.running) return this.say('tastebud: scheduled retraining skipped: a retraining job is still running');
        this.start('schedule');
      });
    }
  }

  /** Starts a retraining job (409 while one runs). */
  start(trigger: RetrainJob['trigger'] = 'request'): RetrainJob {
    if (this.running) throw new ConflictError(`retraining job ${this.running.job.id} is still running; see GET /v1/admin/retrain/${this.running.job.id}`);
    if (!this.slot) throw new ConfigError('the retrainer is not attached to a service');
    const n = this.state.next++;
    const outDir = join(this.options.versionsDir, String(n));
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(this.options.versionsDir, { recursive: true });
    const job: RetrainJob = {
      id: randomUUID(),
      state: 'running',
      trigger,
      startedAt: new Date().toISOString(),
      finishedAt: null,
      phase: 'starting',
      fraction: null,
      result: null,
      version: null,
      error: null,
    };
    const init: RetrainWorkerInit = {
      servingDir: this.servingDir,
      originalDir: this.state.versions.find((v) => v.n === 0)!.dir,
      dbPath: this.options.dbPath,
      outDir,
      weights: { ...this.options.weights },
      minItems: this.options.minItems,
      minEvalUsers: this.options.minEvalUsers,
      maxEvalUsers: this.options.maxEvalUsers,
      seed: this.options.seed,
    };
    const worker = startWorker(new URL('./retrain-worker.ts', import.meta.url), init);
    this.running = { job, worker };
    this.remember(job);
    let settled = false;
    const finish = (error: string | null, result: RetrainResult | null): void => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      this.complete(job, n, outDir, error, result).catch((e: unknown) => this.fail(job, outDir, e instanceof Error ? e.message : String(e)));
    };
    worker.on('message', (m: RetrainMessage) => {
      if (m.kind === 'progress') {
        job.phase = m.phase;
        job.fraction = m.fraction ?? null;
      } else if (m.kind === 'done') finish(null, m.result);
      else finish(m.message, null);
    });
    worker.on('error', (e) => finish(e.message, null));
    worker.on('exit', (code) => finish(`the training thread exited (code ${code}) before it finished`, null));
    this.say(`tastebud: retraining job ${job.id} started (${trigger})`);
    return job;
  }

  /** A job by id (the last 20 are kept). */
  job(id: string): RetrainJob | undefined {
    return this.jobs.get(id);
  }

  /** Serves the version before the current one (409 when there is none). */
  async rollback(): Promise<{ from: string; to: string }> {
    if (!this.slot) throw new ConfigError('the retrainer is not attached to a service');
    const earlier = this.state.versions.filter((v) => v.n < this.state.current);
    const target = earlier[earlier.length - 1];
    if (!target) throw new ConflictError(`version ${this.currentRecord.version} is the oldest kept; there is nothing to roll back to`);
    const from = this.currentRecord.version;
    const model = await loadModel(target.dir);
    this.slot.swap(model, target.version);
    this.state.current = target.n;
    this.record({ job: null, action: 'rollback', metric: RETRAIN_METRIC, before: null, after: null, swapped: true, reason: `rolled back from ${from}`, version: target.version });
    this.say(`tastebud: rolled back from ${from} to ${target.version}`);
    return { from, to: target.version };
  }

  /** For /v1/status: versions, the running job, the schedule, the history (newest first). */
  status(): object {
    return {
      metric: RETRAIN_METRIC,
      schedule: this.options.schedule ?? null,
      nextRun: this.cron?.nextRun()?.toISOString() ?? null,
      running: this.running ? { id: this.running.job.id, phase: this.running.job.phase, fraction: this.running.job.fraction } : null,
      keepVersions: this.options.keepVersions,
      versions: this.state.versions.map((v) => ({ ...v, serving: v.n === this.state.current })),
      history: [...this.state.history].reverse(),
    };
  }

  /** Stops the schedule and any running job (its half-written version is removed). */
  async close(): Promise<void> {
    this.cron?.stop();
    this.cron = null;
    const running = this.running;
    if (running) {
      running.worker.removeAllListeners();
      await running.worker.terminate();
      this.running = null;
      running.job.state = 'failed';
      running.job.error = 'the service closed while it ran';
    }
  }

  private get currentRecord(): VersionRecord {
    return this.state.versions.find((v) => v.n === this.state.current)!;
  }

  private async complete(job: RetrainJob, n: number, outDir: string, error: string | null, result: RetrainResult | null): Promise<void> {
    if (error !== null || !result) return this.fail(job, outDir, error ?? 'no result');
    job.result = result;
    if (result.swap) {
      const model = await loadModel(outDir);
      const version = `${await modelVersionOf(outDir, model.type)}+v${n}`;
      this.slot!.swap(model, version);
      this.state.versions.push({ n, dir: resolve(outDir), version, createdAt: new Date().toISOString(), metric: result.after });
      this.state.current = n;
      this.prune();
      job.state = 'swapped';
      job.version = version;
    } else {
      rmSync(outDir, { recursive: true, force: true });
      job.state = 'kept';
      job.version = this.servingVersion;
    }
    job.phase = 'finished';
    job.fraction = null;
    job.finishedAt = new Date().toISOString();
    this.running = null;
    this.record({
      job: job.id,
      action: 'retrain',
      metric: result.metric,
      before: result.before,
      after: result.after,
      swapped: result.swap,
      reason: result.reason,
      version: job.version,
    });
    this.say(`tastebud: retraining job ${job.id}: ${result.swap ? `now serving ${job.version}` : 'kept the serving model'}: ${result.reason}`);
  }

  private fail(job: RetrainJob, outDir: string, message: string): void {
    rmSync(outDir, { recursive: true, force: true });
    job.state = 'failed';
    job.error = message;
    job.phase = 'failed';
    job.finishedAt = new Date().toISOString();
    if (this.running?.job === job) this.running = null;
    this.record({ job: job.id, action: 'retrain', metric: RETRAIN_METRIC, before: null, after: null, swapped: false, reason: `failed: ${message}`, version: this.servingVersion });
    this.say(`tastebud: retraining job ${job.id} failed: ${message}`);
  }

  /** Deletes the oldest retrained versions beyond keepVersions (never version 0 or the one served). */
  private prune(): void {
    const retrained = this.state.versions.filter((v) => v.n !== 0);
    const excess = retrained.length - this.options.keepVersions;
    const drop = new Set(
      retrained
        .filter((v) => v.n !== this.state.current)
        .slice(0, Math.max(0, excess))
        .map((v) => v.n),
    );
    for (const v of this.state.versions) if (drop.has(v.n)) rmSync(v.dir, { recursive: true, force: true });
    this.state.versions = this.state.versions.filter((v) => !drop.has(v.n));
  }

  private remember(job: RetrainJob): void {
    this.jobs.set(job.id, job);
    while (this.jobs.size > JOBS_KEPT) this.jobs.delete(this.jobs.keys().next().value!);
  }

  private record(line: Omit<HistoryRecord, 'time'>): void {
    this.state.history.push({ time: new Date().toISOString(), ...line });
    if (this.state.history.length > HISTORY_KEPT) this.state.history.splice(0, this.state.history.length - HISTORY_KEPT);
    this.save();
  }

  /** Writes versions.json atomically (a temporary file renamed over it). */
  private save(): void {
    mkdirSync(this.options.versionsDir, { recursive: true });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(this.state, null, 2)}\n`);
    renameSync(tmp, this.file);
  }

  private say(line: string): void {
    (this.options.say ?? ((l: string) => process.stderr.write(`${l}\n`)))(line);
  }
}
