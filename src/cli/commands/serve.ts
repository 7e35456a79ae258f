import type { Command } from 'commander';
import { closeOnSignal } from '../output.ts';
import { ConfigError } from '../../contracts/errors.ts';
import { prepareDemo } from '../../serve/demo.ts';
import { parseRate } from '../../serve/limits.ts';
import { parseEventWeights, parsePort, readServeConfig, type ServeFileConfig } from '../../serve/serve-config.ts';
import { startServer } from '../../serve/server.ts';
import { parseNumber } from '../options.ts';

const HELP_AFTER = `
Settings can also come from a YAML file (--config serve.yaml); a flag given here wins. Keys:
  model, db, port, host, tokenFile, protectReads, eventWeights (a map, e.g. {view: 1, cart: 3}),
  rateLimit, retrain, keepVersions, maxEventLoopDelayMs, cacheSize.

Defaults: no rate limit on a loopback address, 1000/s per client (token, else address) on any
other; 503 with Retry-After when the event loop lags over 1 s or the heap passes 90 % of its
limit. POST /v1/admin/retrain retrains whenever --db is a file; --retrain adds a schedule.`;

export function registerServe(program: Command): void {
  program
    .command('serve [model]')
    .description('serve recommendations over HTTP, with an event store (see /docs for the API)')
    .option('--demo', 'serve an ML-100K model with movie titles, trained on first use (no other set-up)')
    .option('--config <file>', 'settings from a YAML file (keys: see below)')
    .option('--db <file>', 'the event store (SQLite)', 'tastebud.db')
    .option('--port <n>', 'port, 0–65535 (0: any free one)', '8080')
    .option('--host <address>', 'address to bind; other than loopback needs --token-file', '127.0.0.1')
    .option('--token-file <file>', 'a file holding the bearer token that writes need')
    .option('--protect-reads', 'reads need the token too')
    .option('--event-weights <list>', 'event type weights, replacing view=1,cart=3,purchase=5; other types get 400 (rating: its value)')
    .option('--rate-limit <rate>', 'requests per client, e.g. 1000/s, 600/m, or off (default: off on loopback, 1000/s otherwise)')
    .option('--retrain <cron>', 'retrain on the store’s events on this schedule, e.g. "0 3 * * *" (03:00 daily); swaps only when not worse')
    .option('--keep-versions <n>', 'retrained model versions kept on disk for rollback', '3')
    .option('--ann <mode>', 'approximate retrieval for factor models: auto (an HNSW index from 20,000 items), on or off (exact)', 'auto')
    .option('--max-event-loop-delay <ms>', 'answer 503 while the event loop lags more than this (0: never)', '1000')
    .addHelpText('after', HELP_AFTER)
    .action(async (dirArg: string | undefined, o, command: Command) => {
      // A flag typed on the command line wins over the config file, which wins over the default.
      const file: ServeFileConfig = o.config === undefined ? {} : readServeConfig(o.config);
      const given = (name: string): boolean => command.getOptionValueSource(name) === 'cli';
      const pick = <T>(name: string, fromFile: T | undefined, flag: T): T => (given(name) || fromFile === undefined ? flag : fromFile);

      let modelDir = dirArg ?? file.model;
      let db: string = pick('db', file.db, o.db);
      if (o.demo === true) {
        if (modelDir !== undefined) throw new ConfigError('--demo serves its own model; leave out the model directory');
        const demo = await prepareDemo();
        modelDir = demo.modelDir;
        if (!given('db') && file.db === undefined) db = demo.db;
      }
      if (modelDir === undefined) throw new ConfigError('give a model directory (tastebud serve runs/warp), a config file with "model:", or --demo');

      if (!['auto', 'on', 'off'].includes(o.ann)) throw new ConfigError(`--ann must be auto, on or off, got "${o.ann}"`);
      const port = given('port') || file.port === undefined ? parsePort('--port', o.port) : file.port;
      const weightsText: string | undefined = o.eventWeights;
      const eventWeights = weightsText !== undefined ? parseEventWeights(weightsText) : file.eventWeights;
      const rateText: string | undefined = o.rateLimit ?? file.rateLimit;
      const delayText = String(pick('maxEventLoopDelay', file.maxEventLoopDelayMs, o.maxEventLoopDelay));
      const keepText = String(pick('keepVersions', file.keepVersions, o.keepVersions));

      const server = await startServer({
        modelDir,
        db,
        port,
        host: pick('host', file.host, o.host),
        tokenFile: o.tokenFile ?? file.tokenFile,
        protectReads: o.protectReads === true || file.protectReads === true,
        eventWeights,
        rateLimit: rateText === undefined ? undefined : parseRate(rateText),
        overload: { maxEventLoopDelayMs: parseNumber('--max-event-loop-delay', delayText, { integer: true, min: 0 }) },
        retrain: { schedule: o.retrain ?? file.retrain, keepVersions: parseNumber('--keep-versions', keepText, { integer: true, min: 1 }) },
        ann: { mode: o.ann },
        limits: file.cacheSize === undefined ? undefined : { cacheSize: file.cacheSize },
      });
      closeOnSignal(server);
    });
}
