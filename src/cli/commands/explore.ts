import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { closeOnSignal } from '../output.ts';
import { ConfigError } from '../../contracts/errors.ts';
import { prepareExploreDemo } from '../../experiment/explore-demo.ts';
import { startExplore } from '../../serve/explore.ts';
import { parseNumber } from '../options.ts';

export function registerExplore(program: Command): void {
  program
    .command('explore [model]')
    .description('look inside a model in the browser: users, their recommendations and why, items, the model, the service')
    .option('--compare <model>', 'a second model directory, shown beside the first')
    .option('--demo', 'iALS beside EASE on ML-100K (trained once into runs/explore-demo)')
    .option('--port <n>', 'port (0: any free one)', '8080')
    .option('--db <file>', 'the event store, a SQLite file (default: in memory, nothing is written)')
    .option('--no-open', 'print the address without opening a browser')
    .action(async (dir: string | undefined, o) => {
      if (o.demo && dir !== undefined) throw new ConfigError('give a model directory or --demo, not both');
      if (!o.demo && dir === undefined) throw new ConfigError('give a model directory (e.g. runs/warp), or --demo for ML-100K models');
      const port = parseNumber('--port', o.port, { integer: true, min: 0 });
      const demo = o.demo ? await prepareExploreDemo({ dataDir: process.env.TASTEBUD_DATA_DIR }) : null;
      const server = await startExplore({
        modelDir: demo?.modelDir ?? dir!,
        compareDir: demo?.compareDir ?? o.compare,
        port,
        db: o.db,
      });
      process.stdout.write(`${server.url}/\n`);
      if (o.open) openBrowser(`${server.url}/`);
      closeOnSignal(server);
    });
}

/** Opens the page with the desktop's opener; no opener (a server, CI) is fine: the address is printed. */
function openBrowser(url: string): void {
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(command, [url], { stdio: 'ignore', detached: true });
    child.on('error', () => process.stderr.write(`tastebud: could not open a browser (${command}); open ${url} yourself\n`));
    child.unref();
  } catch {
    process.stderr.write(`tastebud: could not open a browser; open ${url} yourself\n`);
  }
}
