import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { datasets } from '../data/datasets/index.ts';
import { validateExperimentConfig } from './config.ts';
import { runExperiment } from './runner.ts';

export interface ExploreDemo {
  /** The model to explore (iALS) and the one beside it (EASE). */
  modelDir: string;
  compareDir: string;
  /** The experiment folder: results.json, report.html. */
  outDir: string;
}

const NAME = 'explore-demo';

/**
 * The models `tastebud explore --demo` shows: iALS and EASE on ML-100K under the lightfm-ua
 * protocol beside popularity, trained once (about ten seconds) and then reused from
 * `<runs>/explore-demo/`. ML-100K must be on disk or downloadable.
 */
export async function prepareExploreDemo(options: { runsDir?: string; dataDir?: string; log?: (line: string) => void } = {}): Promise<ExploreDemo> {
  const runsDir = options.runsDir ?? 'runs';
  const outDir = join(runsDir, NAME);
  const demo = { modelDir: join(outDir, 'models', 'ials'), compareDir: join(outDir, 'models', 'ease'), outDir };
  if (existsSync(join(demo.modelDir, 'manifest.json')) && existsSync(join(demo.compareDir, 'manifest.json'))) return demo;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const data = await datasets.load('ml-100k', { dataDir: options.dataDir });
  const config = validateExperimentConfig({
    name: NAME,
    protocol: 'lightfm-ua',
    seed: 1,
    threads: 2,
    baselines: ['popularity'],
    models: [
      { name: 'ials', type: 'ials', params: { factors: 64, epochs: 10 } },
      { name: 'ease', type: 'ease', params: {} },
    ],
  });
  await runExperiment(config, { dataDir: options.dataDir, outDir: runsDir, log, data, command: 'tastebud explore --demo', overwrite: true });
  return demo;
}
