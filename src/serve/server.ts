import { readFile } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { ConfigError, TastebudError } from '../contracts/errors.ts';
import { modelWarning } from '../models/health.ts';
import { loadModel } from '../models/load.ts';
import type { AnnOptions } from './ann.ts';
import { buildApp, type ServiceLimits } from './app.ts';
import type { OverloadOptions, RateLimitOptions } from './limits.ts';
import { Retrainer } from './retrain.ts';
import { modelVersionOf } from './version.ts';
import { DEFAULT_EVENT_WEIGHTS, EventStore } from './store.ts';
import { checkPort } from './serve-config.ts';
import type { ExploreOptions } from './explore-routes.ts';
import type { Recommender } from '../models/recommender.ts';

export interface ServerOptions {
  modelDir: string;
  /** The event store's SQLite file. */
  db: string;
  port: number;
  host: string;
  /** A file holding the bearer token for writes. */
  tokenFile?: string;
  protectReads?: boolean;
  limits?: ServiceLimits;
  /** Approximate retrieval (`--ann auto|on|off`). */
  ann?: AnnOptions;
  /** Event type → weight; replaces the defaults (view 1, cart 3, purchase 5). */
  eventWeights?: Record<string, number>;
  /** Per-client rate limit; undefined: off on a loopback address, 1000/s per client on any other. */
  rateLimit?: RateLimitOptions | null;
  overload?: OverloadOptions;
  /** Retraining: a cron schedule, versions kept (POST /v1/admin/retrain works whenever --db is a file). */
  retrain?: { schedule?: string; keepVersions?: number; versionsDir?: string };
  /** Lines for the operator (default stderr). */
  say?: (line: string) => void;
  /** The explore page's extras (tastebud explore). */
  explore?: ExploreOptions | ((model: Recommender) => Promise<ExploreOptions>);
}

export interface RunningServer {
  app: FastifyInstance;
  store: EventStore;
  retrainer: Retrainer | null;
  url: string;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** The rate limit when listening beyond loopback and none is given. */
export const DEFAULT_RATE_LIMIT: RateLimitOptions = { max: 1000, windowMs: 1000 };

export { modelVersionOf } from './version.ts';

/** Reads the token file: one line, at least 16 characters. */
export async function readTokenFile(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read the token file ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (error as Error).message}`);
  }
  const token = text.trim();
  if (token.length < 16 || /\s/.test(token)) throw new ConfigError(`the token file ${path} must hold one token of at least 16 characters without spaces`);
  return token;
}

/**
 * Loads the model, opens the store and listens. Without a token the service binds to a loopback
 * address only (and says so); binding elsewhere without one is refused.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const say = options.say ?? ((line: string) => process.stderr.write(`${line}\n`));
  checkPort('port', options.port); // before anything is opened or said
  const token = options.tokenFile === undefined ? undefined : await readTokenFile(options.tokenFile);
  if (token === undefined && !LOOPBACK.has(options.host)) {
    throw new ConfigError(
      `refusing to listen on ${options.host} without a token: anyone who can reach it could write events and items. Give --token-file FILE, or --host 127.0.0.1`,
    );
  }
  if (!existsSync(options.modelDir) || !statSync(options.modelDir).isDirectory()) throw new ConfigError(`cannot serve ${options.modelDir}: no such model directory`);
  // With retraining the version to serve is the one served last (versions.json), not always modelDir.
  let retrainer: Retrainer | null = null;
  if (options.db !== ':memory:') {
    retrainer = await Retrainer.open({
      modelDir: options.modelDir,
      versionsDir: options.retrain?.versionsDir,
      dbPath: options.db,
      weights: options.eventWeights ?? DEFAULT_EVENT_WEIGHTS,
      keepVersions: options.retrain?.keepVersions,
      schedule: options.retrain?.schedule,
      say,
    });
  } else if (options.retrain?.schedule !== undefined) throw new ConfigError('--retrain needs --db to be a file: the training thread reads the events from it');
  const servingDir = retrainer?.servingDir ?? options.modelDir;
  let model: Awaited<ReturnType<typeof loadModel>>;
  try {
    model = await loadModel(servingDir);
  } catch (error) {
    if (error instanceof TastebudError) throw new ConfigError(`cannot serve ${options.modelDir}: ${error.message}`);
    throw error;
  }
  const modelVersion = retrainer?.servingVersion ?? (await modelVersionOf(options.modelDir, model.type));
  const store = EventStore.open(options.db, { weights: options.eventWeights });
  const rateLimit = options.rateLimit !== undefined ? options.rateLimit : LOOPBACK.has(options.host) ? null : DEFAULT_RATE_LIMIT;
  let app: FastifyInstance;
  try {
    const explore = typeof options.explore === 'function' ? await options.explore(model) : options.explore;
    app = await buildApp({
      model,
      store,
      modelVersion,
      token,
      protectReads: options.protectReads,
      limits: options.limits,
      rateLimit,
      overload: options.overload,
      retrainer: retrainer ?? undefined,
      // A service answers (exactly) while its index is built.
      ann: { background: true, ...options.ann },
      explore,
      logger: { level: 'warn' },
    });
    await app.listen({ port: options.port, host: options.host });
  } catch (error) {
    store.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new ConfigError(`port ${options.port} on ${options.host} is in use; pick another with --port`);
    if (code === 'EACCES') throw new ConfigError(`no permission to listen on port ${options.port}; pick a port above 1023`);
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  const counts = store.counts();
  say(`tastebud: serving ${modelVersion} (${model.numUsers} users, ${model.numItems} items) from ${servingDir}`);
  const warning = modelWarning(model);
  if (warning !== null) say(`tastebud: warning: ${servingDir} ${warning} (also in /v1/status, model.warning)`);
  say(
    `tastebud: event weights ${Object.entries(store.weights)
      .map(([t, w]) => `${t}=${w}`)
      .join(', ')} (rating: the value given)`,
  );
  say(`tastebud: rate limit ${rateLimit ? `${rateLimit.max} requests per ${rateLimit.windowMs / 1000} s per client` : 'off'}`);
  if (retrainer)
    say(
      `tastebud: retraining ${options.retrain?.schedule ? `on "${options.retrain.schedule}"` : 'on request'} (POST /v1/admin/retrain), versions in ${options.retrain?.versionsDir ?? `${options.modelDir}/versions`}`,
    );
  say(`tastebud: event store ${options.db} (${counts.events} events, ${counts.items} items, ${counts.users} users)`);
  if (token === undefined) say(`tastebud: no --token-file: listening on ${options.host} only; anyone on this machine can write events`);
  say(`tastebud: listening on ${url} (API document at ${url}/docs)`);
  return {
    app,
    store,
    retrainer,
    url,
    async close() {
      await app.close();
      store.close();
    },
  };
}
