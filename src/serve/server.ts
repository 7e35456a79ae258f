import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ConfigError, TastebudError } from '../contracts/errors.ts';
import { loadModel } from '../models/load.ts';
import { buildApp, type ServiceLimits } from './app.ts';
import { EventStore } from './store.ts';
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
  /** Lines for the operator (default stderr). */
  say?: (line: string) => void;
  /** The explore page's extras (tastebud explore). */
  explore?: ExploreOptions | ((model: Recommender) => Promise<ExploreOptions>);
}

export interface RunningServer {
  app: FastifyInstance;
  store: EventStore;
  url: string;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** `type@` + the first 12 hex digits of the SHA-256 of the model's manifest.json. */
export async function modelVersionOf(dir: string, type: string): Promise<string> {
  const manifest = await readFile(join(dir, 'manifest.json'));
  return `${type}@${createHash('sha256').update(manifest).digest('hex').slice(0, 12)}`;
}

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
  const token = options.tokenFile === undefined ? undefined : await readTokenFile(options.tokenFile);
  if (token === undefined && !LOOPBACK.has(options.host)) {
    throw new ConfigError(
      `refusing to listen on ${options.host} without a token: anyone who can reach it could write events and items. Give --token-file FILE, or --host 127.0.0.1`,
    );
  }
  if (!existsSync(options.modelDir) || !statSync(options.modelDir).isDirectory()) throw new ConfigError(`cannot serve ${options.modelDir}: no such model directory`);
  let model: Awaited<ReturnType<typeof loadModel>>;
  try {
    model = await loadModel(options.modelDir);
  } catch (error) {
    if (error instanceof TastebudError) throw new ConfigError(`cannot serve ${options.modelDir}: ${error.message}`);
    throw error;
  }
  const modelVersion = await modelVersionOf(options.modelDir, model.type);
  const store = EventStore.open(options.db);
  let app: FastifyInstance;
  try {
    const explore = typeof options.explore === 'function' ? await options.explore(model) : options.explore;
    app = await buildApp({ model, store, modelVersion, token, protectReads: options.protectReads, limits: options.limits, logger: { level: 'warn' }, explore });
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
  say(`tastebud: serving ${modelVersion} (${model.numUsers} users, ${model.numItems} items) from ${options.modelDir}`);
  say(`tastebud: event store ${options.db} (${counts.events} events, ${counts.items} items, ${counts.users} users)`);
  if (token === undefined) say(`tastebud: no --token-file: listening on ${options.host} only; anyone on this machine can write events`);
  say(`tastebud: listening on ${url} (API document at ${url}/docs)`);
  return {
    app,
    store,
    url,
    async close() {
      await app.close();
      store.close();
    },
  };
}
