import type { Command } from 'commander';
import { createModel, listModels } from '../../models/registry.ts';

export function registerModels(program: Command): void {
  program
    .command('models')
    .description('the model types and their hyperparameters with defaults')
    .option('--json', 'print JSON')
    .action((o) => {
      const rows = listModels().map(({ type, description }) => ({ type, description, defaults: createModel(type).config }));
      if (o.json) {
        process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
        return;
      }
      for (const r of rows) {
        process.stdout.write(`${r.type.padEnd(20)} ${r.description}\n`);
        process.stdout.write(`${''.padEnd(20)} ${Object.entries(r.defaults).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')}\n`);
      }
    });
}
