import type { Command } from 'commander';
import { runExperiment } from '../../experiment/index.ts';
import { runDemo } from '../../experiment/demo.ts';

export function registerExperiment(program: Command): void {
  program
    .command('experiment <config>')
    .description('run an experiment file (YAML/JSON): a protocol, baselines, models, search; writes results.json, report.md, report.html')
    .option('--out <dir>', 'where runs and reports go', 'runs')
    .option('--json', 'print results.json to stdout')
    .action(async (config: string, o) => {
      const results = await runExperiment(config, { dataDir: process.env.TASTEBUD_DATA_DIR, outDir: o.out, log: (line: string) => process.stderr.write(line + '\n') });
      if (o.json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
    });

  program
    .command('demo')
    .description('the main job: ML-100K under lightfm-ua, a few models beside the baselines, a comparison table, recommendations and an HTML report')
    .option('--out <dir>', 'where runs and the report go', 'runs')
    .action(async (o) => {
      await runDemo({ dataDir: process.env.TASTEBUD_DATA_DIR, outDir: o.out, log: (line: string) => process.stderr.write(line + '\n') });
    });
}
