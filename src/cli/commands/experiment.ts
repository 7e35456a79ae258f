import { join } from 'node:path';
import type { Command } from 'commander';
import { runExperiment } from '../../experiment/index.ts';
import { runDemo } from '../../experiment/demo.ts';

export function registerExperiment(program: Command): void {
  program
    .command('experiment <config>')
    .description('run an experiment file (YAML/JSON): a protocol, baselines, models, search; writes results.json, report.md, report.html')
    .option('--out <dir>', 'where runs and reports go', 'runs')
    .option('--json', 'print results.json to stdout')
    .option('--force', "replace an earlier run's results in the output folder")
    .action(async (config: string, o) => {
      const progress = (line: string): void => void process.stderr.write(line + '\n');
      // The comparison table is the result (stdout, so `> out.txt` keeps it); with --json stdout is the JSON alone.
      const summary = o.json ? progress : (table: string): void => void process.stdout.write(table + '\n');
      const results = await runExperiment(config, { dataDir: process.env.TASTEBUD_DATA_DIR, outDir: o.out, log: progress, summary, overwrite: o.force === true });
      if (o.json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
      // Every report is written whatever failed; a failed run still makes the command fail.
      const failed = results.runs.filter((r) => r.error !== undefined);
      if (failed.length > 0) {
        const runs = `${failed.length} of ${results.runs.length} run${results.runs.length === 1 ? '' : 's'}`;
        progress(`tastebud: ${runs} failed (${failed.map((r) => r.name).join(', ')}); see ${join(results.outDir, 'report.md')}`);
        process.exitCode = 1;
      }
    });

  program
    .command('demo')
    .description('the main job: ML-100K under lightfm-ua, a few models beside the baselines, a comparison table, recommendations and an HTML report')
    .option('--out <dir>', 'where runs and the report go', 'runs')
    .action(async (o) => {
      await runDemo({ dataDir: process.env.TASTEBUD_DATA_DIR, outDir: o.out, log: (line: string) => process.stderr.write(line + '\n') });
    });
}
