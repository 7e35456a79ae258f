import type { Command } from 'commander';
import { getProtocol, listProtocols } from '../../eval/protocols.ts';
import { loadModel } from '../../models/load.ts';
import { alignToModel } from '../../serve/align.ts';
import { parseNumber } from '../options.ts';
import { printMetrics } from '../output.ts';

export function registerEvaluate(program: Command): void {
  program
    .command('evaluate <model>')
    .description('measure a saved model under a named protocol (see `tastebud protocols`)')
    .requiredOption('--protocol <name>', 'lightfm-ua, full-ranking, msr-stratified, recbole-ml1m, pointwise, bookcrossing-f1')
    .option('--seed <n>', 'seed of the protocol split, where it has one')
    .option('--json', 'print JSON')
    .action(async (dir: string, o) => {
      const model = await loadModel(dir);
      const protocol = getProtocol(o.protocol);
      const seed = o.seed !== undefined ? parseNumber('--seed', o.seed, { integer: true }) : undefined;
      const prepared = await protocol.prepare({ dataDir: process.env.TASTEBUD_DATA_DIR, seed });
      // The protocol builds its own id maps; the model scores by the ones it was trained with.
      const train = alignToModel(model, prepared.train);
      const test = alignToModel(model, prepared.test);
      const aligned = { ...prepared, train: train.interactions, test: test.interactions, exclude: train.interactions.byUser() };
      const result = protocol.evaluate(model, aligned);
      const notes = test.dropped > 0 ? [`${test.dropped} test interactions name users or items the model never saw and were left out`] : [];
      if (o.json) {
        process.stdout.write(JSON.stringify({ model: dir, type: model.type, protocol: protocol.name, metrics: result.metrics, sizes: result.sizes, seed: result.seed, notes: [...(result.notes ?? []), ...notes] }, null, 2) + '\n');
      } else {
        printMetrics(result.metrics, `${model.type} under ${protocol.name}`);
        for (const n of notes) process.stdout.write(`note: ${n}\n`);
      }
    });

  program
    .command('protocols')
    .description('the named evaluation protocols')
    .action(() => {
      for (const p of listProtocols()) process.stdout.write(`${p.name}\t${p.description}\n`);
    });
}
