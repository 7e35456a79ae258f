/**
 * Food.com recipes and interactions (Majumder et al., EMNLP 2019; Kaggle
 * shuyangli94/food-com-recipes-and-user-interactions). Ratings 1–5, with 0 for a review without
 * a rating (kept as 0: `labels.dropZeros` removes them); time from the review date. The authors'
 * own split (`interactions_{train,validation,test}.csv`) is the `official` split when present.
 * Kaggle needs an account, so the files are never downloaded automatically.
 */
import { FeatureBuilder } from '../features.ts';
import type { IdMap } from '../idmap.ts';
import { readDelimitedRows, readInteractions } from '../readers/index.ts';
import type { Dataset } from '../types.ts';
import type { FeatureMatrix } from '../../contracts/types.ts';
import { fileSplits, namesByIndex, optionalFile, type DatasetDefinition } from './common.ts';
import { locateFile, type DatasetFile } from './files.ts';

const COLUMNS = { user: 'user_id', item: 'recipe_id', rating: 'rating', time: 'date' };
/** The interactions file; a subset with the same columns (e.g. `RAW_interactions.subset_13247.csv`) also loads. */
const RAW_FILE: DatasetFile = { name: 'RAW_interactions.csv', alternatives: ['RAW_interactions*.csv'] };

export const foodCom: DatasetDefinition = {
  description: 'Food.com: 1,132,367 recipe reviews (ratings 0–5, 0 = no rating) by 226,570 users on 231,637 recipes, 2000–2018',
  source: {
    name: 'food-com',
    url: 'https://www.kaggle.com/datasets/shuyangli94/food-com-recipes-and-user-interactions',
    downloadable: false,
    files: [
      RAW_FILE,
      { name: 'RAW_recipes.csv', optional: true },
      { name: 'interactions_train.csv', optional: true },
      { name: 'interactions_validation.csv', optional: true },
      { name: 'interactions_test.csv', optional: true },
    ],
    note: 'Kaggle needs a (free) account: download the archive there (or `kaggle datasets download shuyangli94/food-com-recipes-and-user-interactions`) and unzip it.',
  },
  async read(dir) {
    const { interactions, report } = await readInteractions(locateFile(dir, RAW_FILE)!, { columns: COLUMNS });
    const dataset: Dataset = { name: 'food-com', interactions, report, ratingScale: { min: 1, max: 5 } };
    const recipes = optionalFile(dir, 'RAW_recipes.csv');
    if (recipes) {
      const { features, names } = await recipeFeatures(recipes, interactions.itemIds);
      dataset.itemFeatures = features;
      dataset.itemNames = namesByIndex(interactions.itemIds, names);
    }
    dataset.splits = fileSplits(
      dir,
      interactions,
      { official: { train: 'interactions_train.csv', test: 'interactions_test.csv', validation: 'interactions_validation.csv' } },
      { columns: COLUMNS },
    );
    return dataset;
  },
};

/**
 * RAW_recipes.csv: `name,id,minutes,contributor_id,submitted,tags,nutrition,n_steps,steps,
 * description,ingredients,n_ingredients`; tags and ingredients are Python list literals.
 */
async function recipeFeatures(path: string, ids: IdMap): Promise<{ features: FeatureMatrix; names: Map<string, string> }> {
  const builder = new FeatureBuilder(ids, { buckets: { minutes: { edges: [15, 30, 60, 120, 240] }, ingredients: { edges: [5, 8, 11, 15] } } });
  const names = new Map<string, string>();
  let col: Record<string, number> = {};
  await readDelimitedRows(path, { header: true, onHeader: (h) => (col = Object.fromEntries(h.map((name, k) => [name, k]))) }, (f) => {
    const id = f[col.id];
    if (!ids.has(id)) return;
    names.set(id, f[col.name] ?? '');
    builder.multi(id, 'tag', pythonList(f[col.tags] ?? ''));
    builder.numeric(id, 'minutes', Number(f[col.minutes]));
    builder.numeric(id, 'ingredients', Number(f[col.n_ingredients]));
  });
  return { features: builder.build(), names };
}

/** The strings of a Python list literal such as `['a', "b's"]`. */
export function pythonList(text: string): string[] {
  const out: string[] = [];
  const re = /'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push((m[1] ?? m[2]).replace(/\\(.)/g, '$1'));
  return out;
}
