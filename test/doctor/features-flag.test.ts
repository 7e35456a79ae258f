/**
 * `tastebud doctor train --features` (or a doctor file's `features:`) asks for metadata features: a
 * training file has none, and a built-in dataset may lack the kind asked for. Either is refused
 * rather than silently giving the model nothing. Generated data only (always runs): a food-com
 * folder is generated, with and without its recipes file (the item features).
 */
import { after, before, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProgram } from '../../src/cli/main.ts';
import { TastebudError } from '../../src/contracts/errors.ts';
import { loadDoctorData } from '../../src/doctor/train-config.ts';

let dir = '';
let file = '';
/** Data folders with food-com: item features only, and no features at all. */
let withRecipes = '';
let bare = '';
const dataDirBefore = process.env.TASTEBUD_DATA_DIR;

/** `tastebud doctor train ...args` in this process with `dataDir` as the data folder: the message of the error it ends with, or '' when it ran. */
async function doctorTrain(args: string[], dataDir = bare): Promise<string> {
  process.env.TASTEBUD_DATA_DIR = dataDir;
  // Should a run get as far as training, its report is not the test runner's business (the runner writes bytes, the command strings).
  const original = process.stdout.write.bind(process.stdout) as (chunk: unknown) => boolean;
  const write = mock.method(process.stdout, 'write', (chunk: unknown) => typeof chunk === 'string' || original(chunk));
  try {
    await buildProgram().parseAsync(['node', 'tastebud', 'doctor', 'train', '--model', 'bpr', '--factors', '4', '--epochs', '1', '--sample', '200', '--quiet', ...args]);
    return '';
  } catch (e) {
    if (e instanceof TastebudError) return e.message;
    throw e;
  } finally {
    write.mock.restore();
  }
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tastebud-features-flag-'));
  file = join(dir, 'train.tsv');
  const rows = ['user\titem\trating'];
  for (let u = 0; u < 30; u++) for (let i = 0; i < 6; i++) rows.push(`u${u}\tm${(u * 7 + i * 3) % 25}\t1`);
  await writeFile(file, rows.join('\n') + '\n');
  withRecipes = join(dir, 'with-recipes');
  bare = join(dir, 'bare');
  const raw = ['user_id,recipe_id,date,rating,review'];
  for (let u = 0; u < 30; u++) for (let i = 0; i < 6; i++) raw.push(`${u + 1},${100 + ((u * 7 + i * 3) % 25)},2010/1/${1 + i},5,good`);
  const recipes = ['name,id,minutes,contributor_id,submitted,tags,nutrition,n_steps,steps,description,ingredients,n_ingredients'];
  for (let r = 0; r < 25; r++) recipes.push(`dish ${r},${100 + r},${10 + r * 5},1,2010-01-01,"['tag${r % 3}', 'easy']",[],3,[],nice,"['salt']",${2 + (r % 9)}`);
  for (const folder of [withRecipes, bare]) {
    await mkdir(join(folder, 'food-com'), { recursive: true });
    await writeFile(join(folder, 'food-com', 'RAW_interactions.csv'), raw.join('\n') + '\n');
  }
  await writeFile(join(withRecipes, 'food-com', 'RAW_recipes.csv'), recipes.join('\n') + '\n');
});

after(async () => {
  if (dataDirBefore === undefined) delete process.env.TASTEBUD_DATA_DIR;
  else process.env.TASTEBUD_DATA_DIR = dataDirBefore;
  await rm(dir, { recursive: true, force: true });
});

const FILE_HAS_NONE =
  'a training file carries no user or item metadata, so there are no features to give the model; features come with the built-in datasets that have them (ml-100k, ml-1m, book-crossing, food-com)';

test('doctor train refuses --features on a training file, and a doctor file features: key with a training file', async () => {
  assert.equal(await doctorTrain(['--train', file, '--features', 'items']), `--features items: ${FILE_HAS_NONE}`);
  assert.equal(await doctorTrain(['--train', file, '--features', 'both']), `--features both: ${FILE_HAS_NONE}`);
  const config = join(dir, 'doctor.yaml');
  await writeFile(config, `model: bpr\ntrain: ${file}\nfeatures: users\n`);
  assert.equal(await doctorTrain(['--config', config]), `${config}: "features: users": ${FILE_HAS_NONE}`);
  // The library says the same, naming its option; `none` asks for nothing and is fine.
  await assert.rejects(loadDoctorData({ model: 'bpr', train: file, features: 'items' }, undefined), { message: `features "items": ${FILE_HAS_NONE}` });
  const plain = await loadDoctorData({ model: 'bpr', train: file, features: 'none' }, undefined);
  assert.equal(plain.train.length, 180);
});

test('doctor train refuses --features asking for a kind the built-in dataset lacks, and takes the kinds it has', async () => {
  assert.equal(
    await doctorTrain(['--dataset', 'food-com', '--features', 'users'], withRecipes),
    '--features users: food-com has item features only, so the model would get no features; use items, both or none',
  );
  assert.equal(
    await doctorTrain(['--dataset', 'food-com', '--features', 'items'], bare),
    '--features items: food-com has no user or item features here, so the model would get none; leave the setting out or use none',
  );
  const config = join(dir, 'doctor-foodcom.yaml');
  await writeFile(config, 'model: bpr\ndataset: food-com\nfeatures: both\n');
  assert.equal(
    await doctorTrain(['--config', config], bare),
    `${config}: "features: both": food-com has no user or item features here, so the model would get none; leave the setting out or use none`,
  );
  // What the dataset has is given; without the setting nothing is asked of it.
  const items = await loadDoctorData({ model: 'bpr', dataset: 'food-com', features: 'items' }, withRecipes);
  assert.ok(items.itemFeatures);
  assert.equal(items.userFeatures, undefined);
  const unset = await loadDoctorData({ model: 'bpr', dataset: 'food-com' }, bare);
  assert.equal(unset.itemFeatures, undefined);
});
