import type { Command } from 'commander';
import { ConfigError } from '../../contracts/errors.ts';
import { startServer } from '../../serve/server.ts';
import { parseNumber } from '../options.ts';

export function registerServe(program: Command): void {
  program
    .command('serve <model>')
    .description('serve recommendations over HTTP, with an event store (see /docs for the API)')
    .option('--db <file>', 'the event store (SQLite)', 'tastebud.db')
    .option('--port <n>', 'port (0: any free one)', '8080')
    .option('--host <address>', 'address to bind; other than loopback needs --token-file', '127.0.0.1')
    .option('--token-file <file>', 'a file holding the bearer token that writes need')
    .option('--protect-reads', 'reads need the token too')
    .option('--ann <mode>', 'approximate retrieval for factor models: auto (an HNSW index from 20,000 items), on or off (exact)', 'auto')
    .action(async (dir: string, o) => {
      const port = parseNumber('--port', o.port, { integer: true, min: 0 });
      if (!['auto', 'on', 'off'].includes(o.ann)) throw new ConfigError(`--ann must be auto, on or off, got "${o.ann}"`);
      const server = await startServer({ modelDir: dir, db: o.db, port, host: o.host, tokenFile: o.tokenFile, protectReads: o.protectReads === true, ann: { mode: o.ann } });
      const stop = (signal: NodeJS.Signals): void => {
        process.stderr.write(`tastebud: ${signal}: closing\n`);
        server.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
