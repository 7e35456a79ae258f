import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { ConfigError, DataFormatError, DatasetNotFoundError } from '../../src/contracts/errors.ts';
import { datasets, dataRoot, downloadInto, ZipArchive, type DatasetSource } from '../../src/data/datasets/index.ts';
import { pythonList } from '../../src/data/datasets/foodcom.ts';
import { featuresOf, rowFeatures } from '../../src/data/features.ts';
import { overlappingPairs } from '../../src/data/splits.ts';
import type { Dataset } from '../../src/data/types.ts';
import { dataDir as shared, dataPath, skipUnlessData } from '../helpers/data-dir.ts';

const BX_SLICE = 'book-crossing/raw-slice/BX-Book-Ratings.slice_users_43842-55178.csv';
const FOOD_SUBSET = 'food-com/RAW_interactions.subset_13247.csv';
const bxSlice = dataPath(BX_SLICE);
const foodSubset = dataPath(FOOD_SUBSET);
const noMl100k = skipUnlessData('ml-100k/u.data');
// Loaded once for the tests that only read it.
let ml100kLoad: Promise<Dataset> | null = null;
const loadMl100k = (): Promise<Dataset> => (ml100kLoad ??= datasets.load('ml-100k', { dataDir: shared, download: false }));

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tastebud-datasets-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('ml-100k: 100,000 ratings by 943 users on 1,682 movies, 1–5', { skip: noMl100k }, async () => {
  const data = await loadMl100k();
  assert.equal(data.interactions.length, 100_000);
  assert.equal(data.interactions.numUsers, 943);
  assert.equal(data.interactions.numItems, 1682);
  assert.deepEqual(data.ratingScale, { min: 1, max: 5 });
  assert.equal(data.report.rowsSkipped, 0);
  assert.ok(data.interactions.values.every((v) => v >= 1 && v <= 5 && Number.isInteger(v)));
  assert.ok(
    data.interactions.times!.every((t) => t > 8.7e8 && t < 8.95e8),
    'timestamps from 1997–1998',
  );
  assert.equal(data.itemNames![data.interactions.itemIds.get('1')!], 'Toy Story (1995)');
});

test('ml-100k splits use the full id maps: ua holds out 10 ratings per user, u1–u5 are 80k/20k', { skip: noMl100k }, async () => {
  const data = await loadMl100k();
  assert.deepEqual(Object.keys(data.splits!).sort(), ['u1', 'u2', 'u3', 'u4', 'u5', 'ua', 'ub']);
  const ua = await data.splits!.ua();
  assert.equal(ua.test.length, 9430);
  assert.equal(ua.train.length, 90_570);
  assert.ok(ua.test.userCounts().every((c) => c === 10));
  assert.equal(ua.train.userIds, data.interactions.userIds);
  assert.equal(ua.test.itemIds, data.interactions.itemIds);
  assert.equal(overlappingPairs(ua.train, ua.test), 0);
  // Same indexing: a ua.test rating is the same (user, item, rating) in the full data.
  const full = data.interactions.byUser();
  const [u, i] = [ua.test.users[0], ua.test.items[0]];
  const at = Array.from(full.indices.subarray(full.indptr[u], full.indptr[u + 1])).indexOf(i);
  assert.equal(full.values[full.indptr[u] + at], ua.test.values[0]);
  for (const name of ['u1', 'u2', 'u3', 'u4', 'u5']) {
    const split = await data.splits![name]();
    assert.equal(split.train.length, 80_000, name);
    assert.equal(split.test.length, 20_000, name);
    assert.equal(overlappingPairs(split.train, split.test), 0, name);
  }
});

test('ml-100k features: every movie has a genre, every user age, gender and occupation', { skip: noMl100k }, async () => {
  const data = await loadMl100k();
  const items = data.itemFeatures!;
  const users = data.userFeatures!;
  assert.equal(items.rows, 1682);
  assert.equal(users.rows, 943);
  for (let i = 0; i < items.rows; i++)
    assert.ok(
      rowFeatures(items, i).some((f) => f.field === 'genre'),
      `item ${data.interactions.itemIds.id(i)}`,
    );
  for (let u = 0; u < users.rows; u++) {
    const fields = new Set(rowFeatures(users, u).map((f) => f.field));
    for (const field of ['age', 'gender', 'occupation']) assert.ok(fields.has(field), `user ${data.interactions.userIds.id(u)} lacks ${field}`);
  }
  const toyStory = featuresOf(items, data.interactions.itemIds, '1')!
    .map((f) => f.name)
    .sort();
  assert.deepEqual(toyStory, ['decade=1990-1999', 'genre=Animation', "genre=Children's", 'genre=Comedy']);
  const user1 = featuresOf(users, data.interactions.userIds, '1')!
    .map((f) => f.name)
    .sort();
  assert.deepEqual(user1, ['age=18-24', 'gender=M', 'occupation=technician', 'zip=8']);
  assert.ok(items.vocabulary.includes('genre=Film-Noir'), 'genre names come from u.genre');
});

test('ml-100k: a file that differs from the official one fails its checksum with a clear error', { skip: noMl100k }, async (t) => {
  const dir = await tempDir(t);
  await mkdir(path.join(dir, 'ml-100k'));
  const original = await readFile(path.join(shared, 'ml-100k/u.data'), 'latin1');
  await writeFile(path.join(dir, 'ml-100k/u.data'), original.replace('196\t242\t3', '196\t242\t4'), 'latin1');
  await assert.rejects(datasets.load('ml-100k', { dataDir: dir, download: false }), (e: Error) => {
    assert.ok(e instanceof DataFormatError);
    assert.match(e.message, /u\.data: sha256 is [0-9a-f]{64}, expected 06416e59/);
    assert.match(e.message, /verify: false/);
    return true;
  });
  const anyway = await datasets.load('ml-100k', { dataDir: dir, download: false, verify: false });
  assert.equal(anyway.interactions.length, 100_000);
  assert.equal(anyway.itemFeatures, undefined, 'u.item is optional');
  assert.deepEqual(anyway.splits, {});
});

test('a missing dataset names the files, the URL and the folder in one message', async (t) => {
  const dir = await tempDir(t);
  for (const [name, files, url] of [
    ['ml-100k', 'u.data', 'https://files.grouplens.org/datasets/movielens/ml-100k.zip'],
    ['ml-1m', 'ratings.dat', 'https://files.grouplens.org/datasets/movielens/ml-1m.zip'],
    ['book-crossing', 'BX-Book-Ratings.csv', 'BX-CSV-Dump.zip'],
    ['food-com', 'RAW_interactions.csv', 'kaggle.com/datasets/shuyangli94/food-com-recipes-and-user-interactions'],
  ]) {
    await assert.rejects(datasets.load(name, { dataDir: dir, download: false }), (e: Error) => {
      assert.ok(e instanceof DatasetNotFoundError, name);
      assert.ok(e.message.includes(`missing ${files}`), e.message);
      assert.ok(e.message.includes(url), e.message);
      assert.ok(e.message.includes(path.join(dir, name)), e.message);
      assert.match(e.message, /TASTEBUD_DATA_DIR/);
      return true;
    });
  }
});

test('food-com is never downloaded: it needs a Kaggle account', async (t) => {
  const dir = await tempDir(t);
  await assert.rejects(datasets.load('food-com', { dataDir: dir }), /Kaggle needs a \(free\) account/);
});

test('the data folder: option, then TASTEBUD_DATA_DIR, then the user cache', () => {
  assert.equal(dataRoot({ dataDir: '/x/y' }, { TASTEBUD_DATA_DIR: '/env' }), '/x/y');
  assert.equal(dataRoot({}, { TASTEBUD_DATA_DIR: '/env' }), '/env');
  assert.equal(dataRoot({}, { XDG_CACHE_HOME: '/cache' }), '/cache/tastebud');
  assert.match(dataRoot({}, {}), /\.cache[/\\]tastebud$/);
  assert.equal(datasets.dir('ml-1m', { dataDir: '/d' }), '/d/ml-1m');
});

test('datasets.list names each dataset with its source and files; unknown names are ConfigErrors', async () => {
  const list = datasets.list();
  assert.deepEqual(
    list.map((d) => d.name),
    ['ml-100k', 'ml-1m', 'book-crossing', 'food-com'],
  );
  const ml = list[0];
  assert.deepEqual(ml.files, ['u.data']);
  assert.ok(ml.optionalFiles.includes('ua.test'));
  assert.equal(list[3].downloadable, false);
  await assert.rejects(
    datasets.load('netflix'),
    (e: Error) => e instanceof ConfigError && e.message === 'unknown dataset "netflix"; built-in datasets: ml-100k, ml-1m, book-crossing, food-com',
  );
  await assert.rejects(
    datasets.load('ml-10m'),
    (e: Error) => e instanceof ConfigError && e.message === 'unknown dataset "ml-10m" (did you mean "ml-1m"?); built-in datasets: ml-100k, ml-1m, book-crossing, food-com',
  );
});

test('ml-1m reads ::-separated latin-1 files with genres, age groups and occupations', async (t) => {
  const dir = await tempDir(t);
  await mkdir(path.join(dir, 'ml-1m'));
  const write = (name: string, text: string) => writeFile(path.join(dir, 'ml-1m', name), text, 'latin1');
  await write('ratings.dat', '1::1193::5::978300760\n1::661::3::978302109\n2::1193::4::978298413\n2::3408::1::978300000\n');
  await write(
    'movies.dat',
    "1193::One Flew Over the Cuckoo's Nest (1975)::Drama\n661::James and the Giant Peach (1996)::Animation|Children's|Musical\n3408::Amélie (2001)::Comedy|Romance\n9999::Never Rated (1950)::Drama\n",
  );
  await write('users.dat', '1::F::1::10::48067\n2::M::56::16::70072\n');
  const data = await datasets.load('ml-1m', { dataDir: dir, download: false });
  assert.equal(data.interactions.length, 4);
  assert.equal(data.interactions.numItems, 3, 'movies without ratings get no index');
  assert.deepEqual(Array.from(data.interactions.values), [5, 3, 4, 1]);
  assert.equal(data.interactions.times![0], 978300760);
  const ids = data.interactions.itemIds;
  assert.equal(data.itemNames![ids.get('3408')!], 'Amélie (2001)');
  assert.deepEqual(
    featuresOf(data.itemFeatures!, ids, '661')!
      .map((f) => f.name)
      .sort(),
    ['decade=1990-1999', 'genre=Animation', "genre=Children's", 'genre=Musical'],
  );
  const users = data.interactions.userIds;
  assert.deepEqual(
    featuresOf(data.userFeatures!, users, '1')!
      .map((f) => f.name)
      .sort(),
    ['age=<18', 'gender=F', 'occupation=K-12 student', 'zip=4'],
  );
  assert.deepEqual(
    featuresOf(data.userFeatures!, users, '2')!
      .map((f) => f.name)
      .sort(),
    ['age=56+', 'gender=M', 'occupation=self-employed', 'zip=7'],
  );
});

test('book-crossing reads the original ratings slice (no header), keeping implicit 0 apart from 1–10', { skip: skipUnlessData(BX_SLICE) }, async (t) => {
  const dir = await tempDir(t);
  await mkdir(path.join(dir, 'book-crossing'));
  await symlink(bxSlice, path.join(dir, 'book-crossing/BX-Book-Ratings.csv'));
  const data = await datasets.load('book-crossing', { dataDir: dir, download: false });
  assert.equal(data.report.rowsRead, 39_268);
  const values = data.interactions.values;
  assert.equal(data.interactions.length, 39_268, 'no repeated (user, ISBN) pairs in the slice');
  assert.equal(values.filter((v) => v > 0).length, 15_111);
  assert.ok(values.every((v) => Number.isInteger(v) && v >= 0 && v <= 10));
  const userIds = data.interactions.userIds.toArray().map(Number);
  assert.ok(Math.min(...userIds) >= 43842 && Math.max(...userIds) <= 55178);
  assert.equal(data.interactions.userIds.id(0), '43842');
  assert.equal(data.userFeatures, undefined);
});

test('book-crossing with the header and the optional users and books files', async (t) => {
  const dir = await tempDir(t);
  const bx = path.join(dir, 'book-crossing');
  await mkdir(bx);
  const write = (name: string, text: string) => writeFile(path.join(bx, name), text.replace(/\n/g, '\r\n'), 'latin1');
  await write(
    'BX-Book-Ratings.csv',
    '"User-ID";"ISBN";"Book-Rating"\n"276725";"034545104X";"0"\n"276726";"0155061224";"5"\n"276727";"0446520802";"0"\n"276726";"034545104X";"9"\n',
  );
  await write('BX-Users.csv', '"User-ID";"Location";"Age"\n"276725";"tyler, texas, usa";NULL\n"276726";"seafield, west lothian, united kingdom";"34"\n');
  await write(
    'BX-Books.csv',
    '"ISBN";"Book-Title";"Book-Author";"Year-Of-Publication";"Publisher";"Image-URL-S";"Image-URL-M";"Image-URL-L"\n' +
      '"034545104X";"Flesh Tones: A Novel";"M. J. Rose";"2002";"Ballantine Books";"s";"m";"l"\n' +
      '"0155061224";"Rites of Passage";"Judith Rae";"2001";"Heinle";"s";"m";"l"\n' +
      '"9999999999";"Unrated Book";"Nobody";"1999";"Nowhere";"s";"m";"l"\n',
  );
  const data = await datasets.load('book-crossing', { dataDir: dir, download: false });
  assert.equal(data.interactions.length, 4);
  assert.deepEqual(Array.from(data.interactions.values), [0, 5, 0, 9]);
  const { userIds, itemIds } = data.interactions;
  assert.deepEqual(
    featuresOf(data.userFeatures!, userIds, '276725')!.map((f) => f.name),
    ['country=usa'],
  );
  assert.deepEqual(
    featuresOf(data.userFeatures!, userIds, '276726')!
      .map((f) => f.name)
      .sort(),
    ['age=25-34', 'country=united kingdom'],
  );
  assert.deepEqual(
    featuresOf(data.itemFeatures!, itemIds, '034545104X')!
      .map((f) => f.name)
      .sort(),
    ['author=M. J. Rose', 'decade=2000-2009', 'publisher=Ballantine Books'],
  );
  assert.deepEqual(featuresOf(data.itemFeatures!, itemIds, '0446520802'), [], 'a rated book missing from BX-Books has no features');
  assert.equal(data.itemNames![itemIds.get('0155061224')!], 'Rites of Passage');
  assert.equal(data.itemFeatures!.vocabulary.includes('author=Nobody'), false);
});

test('food-com reads RAW_interactions with quoted multi-line reviews and dates as times', { skip: skipUnlessData(FOOD_SUBSET) }, async (t) => {
  const dir = await tempDir(t);
  await mkdir(path.join(dir, 'food-com'));
  await symlink(foodSubset, path.join(dir, 'food-com/RAW_interactions.csv'));
  const data = await datasets.load('food-com', { dataDir: dir, download: false });
  assert.equal(data.interactions.length, 13_247);
  assert.equal(data.interactions.numUsers, 6303);
  assert.equal(data.interactions.numItems, 5395);
  assert.equal(data.interactions.values.filter((v) => v === 0).length, 1356, 'reviews without a rating stay 0');
  const times = data.interactions.times!;
  assert.equal(Math.min(...times), Date.UTC(2013, 0, 4) / 1000);
  assert.equal(Math.max(...times), Date.UTC(2018, 11, 19) / 1000);
  assert.deepEqual(data.splits, {}, 'no official split files here');
});

test('food-com: the official split and recipe tags when their files are present', async (t) => {
  const dir = await tempDir(t);
  const fc = path.join(dir, 'food-com');
  await mkdir(fc);
  const write = (name: string, text: string) => writeFile(path.join(fc, name), text);
  await write(
    'RAW_interactions.csv',
    'user_id,recipe_id,date,rating,review\n1,10,2010-01-02,5,"Great,\nreally"\n1,11,2010-01-03,4,ok\n2,10,2011-05-06,0,no rating\n2,12,2011-05-07,3,meh\n',
  );
  await write('interactions_train.csv', 'user_id,recipe_id,date,rating,u,i\n1,10,2010-01-02,5,0,0\n2,10,2011-05-06,0,1,0\n');
  await write('interactions_validation.csv', 'user_id,recipe_id,date,rating,u,i\n2,12,2011-05-07,3,1,2\n');
  await write('interactions_test.csv', 'user_id,recipe_id,date,rating,u,i\n1,11,2010-01-03,4,0,1\n');
  await write(
    'RAW_recipes.csv',
    `name,id,minutes,contributor_id,submitted,tags,nutrition,n_steps,steps,description,ingredients,n_ingredients\nquick soup,10,20,7,2005-01-01,"['soups', '30-minutes-or-less']","[1.0]",3,"['boil']",good,"['water']",4\n`,
  );
  const data = await datasets.load('food-com', { dataDir: dir, download: false });
  const official = await data.splits!.official();
  assert.equal(official.train.length, 2);
  assert.equal(official.validation!.length, 1);
  assert.equal(official.test.length, 1);
  assert.equal(official.test.itemIds, data.interactions.itemIds);
  assert.equal(official.test.items[0], data.interactions.itemIds.get('11'));
  const recipe = featuresOf(data.itemFeatures!, data.interactions.itemIds, '10')!
    .map((f) => f.name)
    .sort();
  assert.deepEqual(recipe, ['ingredients=<5', 'minutes=15-29', 'tag=30-minutes-or-less', 'tag=soups']);
  assert.equal(data.itemNames![data.interactions.itemIds.get('10')!], 'quick soup');
  assert.deepEqual(pythonList(`['a', "b's", 'c\\'d']`), ['a', "b's", "c'd"]);
});

/** A zip archive built by hand: one stored and one deflated entry inside a folder. */
function makeZip(files: Record<string, string>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  Object.entries(files).forEach(([name, text], k) => {
    const data = Buffer.from(text);
    const method = k % 2 === 0 ? 0 : 8;
    const body = method === 8 ? deflateRawSync(data) : data;
    const nameBytes = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc32(data), 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc32(data), 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, body);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + body.length;
  });
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(Object.keys(files).length, 8);
  eocd.writeUInt16LE(Object.keys(files).length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}

test('the zip reader finds entries inside a folder and inflates stored and deflated ones', () => {
  const text = 'x\ty\n'.repeat(1000);
  const zip = new ZipArchive(makeZip({ 'toy/a.txt': 'hello', 'toy/b.tsv': text }));
  assert.deepEqual(
    zip.entries.map((e) => e.name),
    ['toy/a.txt', 'toy/b.tsv'],
  );
  assert.equal(new TextDecoder().decode(zip.extract(zip.find('a.txt')!)), 'hello');
  assert.equal(new TextDecoder().decode(zip.extract(zip.find('b.tsv')!)), text);
  assert.ok(zip.find('b.tsv')!.compressedSize < text.length);
  assert.throws(() => new ZipArchive(Buffer.from('not a zip at all, just some text')), /not a zip file/);
  const damaged = makeZip({ 'toy/a.txt': 'hello' });
  damaged[30 + 'toy/a.txt'.length] ^= 1;
  assert.throws(() => new ZipArchive(damaged).extract(new ZipArchive(damaged).entries[0]), /CRC/);
});

test('downloadInto checks the archive md5 and writes the needed files (with a stand-in fetch)', async (t) => {
  const dir = await tempDir(t);
  const archive = makeZip({ 'toy/ratings.tsv': '1\t2\t5\n', 'toy/README': 'hi', 'toy/extra.tsv': '' });
  const source: DatasetSource = {
    name: 'toy',
    url: 'https://example.invalid/toy.zip',
    downloadable: true,
    files: [{ name: 'ratings.tsv' }, { name: 'README', optional: true }, { name: 'missing.txt', optional: true }],
  };
  const fakeFetch = (async () => new Response(new Uint8Array(archive))) as typeof fetch;
  const written = await downloadInto(source, path.join(dir, 'toy'), fakeFetch);
  assert.deepEqual(written, ['ratings.tsv', 'README']);
  assert.equal(await readFile(path.join(dir, 'toy/ratings.tsv'), 'utf8'), '1\t2\t5\n');
  await assert.rejects(downloadInto({ ...source, archiveMd5: '0'.repeat(32) }, dir, fakeFetch), /md5 is [0-9a-f]{32}, expected 0{32}/);
  const notFound = (async () => new Response('gone', { status: 404, statusText: 'Not Found' })) as typeof fetch;
  await assert.rejects(downloadInto(source, dir, notFound), /HTTP 404/);
});

test('subsets kept under other names load as their dataset (the shared test copies)', async (t) => {
  const root = shared;
  const missing = skipUnlessData('book-crossing/raw-slice', 'food-com');
  if (missing) return t.skip(missing);
  const bx = await datasets.load('book-crossing', { dataDir: root, download: false });
  assert.equal(bx.interactions.length, 39268);
  const food = await datasets.load('food-com', { dataDir: root, download: false });
  assert.equal(food.interactions.length, 13247);
});
