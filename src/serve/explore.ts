import { ConfigError, TastebudError } from '../contracts/errors.ts';
import { loadModel } from '../models/load.ts';
import type { Recommender } from '../models/recommender.ts';
import { loadCatalogue } from './explore-catalogue.ts';
import type { ExploreOptions } from './explore-routes.ts';
import { modelVersionOf, startServer, type RunningServer } from './server.ts';

export interface ExploreServerOptions {
  modelDir: string;
  /** A second model directory, shown beside the first. */
  compareDir?: string;
  port: number;
  host?: string;
  /** The event store (default in memory: exploring writes nothing to disk). */
  db?: string;
  /** Where the built-in datasets are, for titles and ratings (default $TASTEBUD_DATA_DIR). */
  dataDir?: string;
  say?: (line: string) => void;
}

/**
 * The service for a model directory with the explore page's extras: titles and item properties
 * from the dataset the model was trained on (when it is a built-in one and its files are here),
 * the model folder (for its report), and a second model to compare.
 */
export async function startExplore(options: ExploreServerOptions): Promise<RunningServer> {
  const say = options.say ?? ((line: string) => process.stderr.write(`${line}\n`));
  const compare = options.compareDir === undefined ? undefined : await loadCompare(options.compareDir);
  return startServer({
    modelDir: options.modelDir,
    db: options.db ?? ':memory:',
    port: options.port,
    host: options.host ?? '127.0.0.1',
    say,
    explore: async (model: Recommender): Promise<ExploreOptions> => {
      const catalogue = await loadCatalogue(model, { dataDir: options.dataDir ?? process.env.TASTEBUD_DATA_DIR, modelDir: options.modelDir });
      if (catalogue) say(`tastebud: titles and item properties from ${catalogue.source}`);
      else say('tastebud: no built-in dataset behind this model (or its files are absent): items are shown by id, with the properties in the event store');
      if (compare && compare.model.itemIds.size !== model.itemIds.size)
        say(`tastebud: note: ${compare.version} has ${compare.model.numItems} items, ${model.type} ${model.numItems}`);
      return { catalogue, modelDir: options.modelDir, compare };
    },
  });
}

async function loadCompare(dir: string): Promise<{ model: Recommender; version: string; dir: string }> {
  try {
    const model = await loadModel(dir);
    return { model, version: await modelVersionOf(dir, model.type), dir };
  } catch (error) {
    if (error instanceof TastebudError) throw new ConfigError(`cannot compare with ${dir}: ${error.message}`);
    throw error;
  }
}
