/**
 * Fuzzing the readers and the model-file loader for a bounded time: random bytes, random
 * delimited text (quotes, separators, CRLF, BOM, huge numbers, empty lines) and mutations of a
 * valid model directory. Every call must succeed or throw a TastebudError — no other error
 * type, no hang. The seed is printed; rerun one with FUZZ_SEED=<seed>.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TastebudError } from '../../src/contracts/errors.ts';
import { readInteractions, readInteractionsFile, detectFormat, type ReadInteractionsOptions } from '../../src/data/readers/index.ts';
import { IdMap } from '../../src/data/idmap.ts';
import { Interactions } from '../../src/data/interactions.ts';
import { readModelFile } from '../../src/modelfile/model-file.ts';
import { decodeSafetensors } from '../../src/modelfile/safetensors.ts';
import { createModel } from '../../src/models/registry.ts';
import { loadModel } from '../../src/models/load.ts';

const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const CALL_LIMIT_MS = 3000;
console.log(`fuzz seed ${SEED} (rerun with FUZZ_SEED=${SEED})`);

const dir = mkdtempSync(join(tmpdir(), 'tastebud-fuzz-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** mulberry32: small, seeded, reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(SEED);
const int = (n: number) => Math.floor(random() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];

/** Runs `call`; fails unless it resolves or rejects with a TastebudError within the time limit. */
async function mustBehave(what: string, input: () => string, call: () => Promise<unknown>): Promise<'ok' | 'error'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CALL_LIMIT_MS} ms`)), CALL_LIMIT_MS);
  });
  try {
    await Promise.race([call(), timeout]);
    return 'ok';
  } catch (error) {
    if (error instanceof TastebudError) return 'error';
    assert.fail(`${what} (seed ${SEED}) threw ${(error as Error)?.stack ?? error}\ninput: ${input()}`);
  } finally {
    clearTimeout(timer);
  }
}

const PIECES = [
  '1',
  '10',
  ' 10',
  '7 ',
  '007',
  'u1',
  'é',
  '"',
  '""',
  '"a,b"',
  '"x\ny"',
  ',',
  '\t',
  ';',
  '::',
  '|',
  '\r\n',
  '\n',
  '\n\n',
  '\r',
  '\uFEFF',
  '1e308',
  '-1e39',
  '1e999',
  'NaN',
  'inf',
  '-Infinity',
  '-1',
  '0',
  '3.5',
  '.5',
  '5.',
  '1e-50',
  '',
  ' ',
  'x',
  '2003-02-19',
  '2003/2/30',
  '881250949',
  '\u0000',
  'user',
  'item',
  'rating',
  'time',
];

function randomText(): string {
  const parts: string[] = [];
  if (random() < 0.2) parts.push('\uFEFF');
  if (random() < 0.5) parts.push(pick(['user,item,rating', 'user\titem\trating\ttime', 'a;b;c', 'user::item::rating']) + pick(['\n', '\r\n']));
  const rows = int(12);
  for (let r = 0; r < rows; r++) {
    const fields = 1 + int(5);
    const sep = random() < 0.8 ? pick([',', '\t', ';', '::']) : pick(PIECES);
    const row: string[] = [];
    for (let k = 0; k < fields; k++) row.push(random() < 0.6 ? String(int(20)) : pick(PIECES) + (random() < 0.3 ? pick(PIECES) : ''));
    parts.push(row.join(sep) + (random() < 0.9 ? pick(['\n', '\r\n', '\n\n']) : ''));
  }
  return parts.join('');
}

function randomOptions(): ReadInteractionsOptions {
  const named = random() < 0.3;
  const columns = named
    ? { user: pick(['user', 'a', 'x']), item: pick(['item', 'b']), ...(random() < 0.7 ? { rating: pick(['rating', 'c']) } : {}), ...(random() < 0.3 ? { time: 'time' } : {}) }
    : { user: int(3), item: int(3), ...(random() < 0.7 ? { rating: int(4) } : {}), ...(random() < 0.3 ? { time: int(5) } : {}) };
  const o: ReadInteractionsOptions = { columns };
  if (random() < 0.6) o.separator = pick([',', '\t', ';', '::', '|']);
  if (random() < 0.3) o.header = random() < 0.5;
  if (random() < 0.5) o.onError = pick(['throw', 'skip'] as const);
  if (random() < 0.3) o.duplicates = pick(['keep', 'last', 'max', 'sum', 'error'] as const);
  if (random() < 0.2) o.encoding = 'latin1';
  if (random() < 0.2) o.keepIdWhitespace = true;
  if (random() < 0.2) o.quote = pick([null, "'"]);
  if (random() < 0.2) o.timeFormat = pick(['auto', 'unix', 'iso'] as const);
  if (random() < 0.1) {
    o.userIds = new IdMap(['1', '10']);
    o.itemIds = new IdMap(['1', '10']);
    o.addUnknownIds = false;
  }
  return o;
}

let fileCount = 0;
async function writeInput(content: string | Buffer, ext: string): Promise<string> {
  const path = join(dir, `f${fileCount++}${ext}`);
  await writeFile(path, content);
  return path;
}

test('readers: random text and random bytes either load or fail with a TastebudError', async () => {
  const until = Date.now() + 4500;
  const counts = { ok: 0, error: 0 };
  while (Date.now() < until) {
    const bytes = random() < 0.25;
    const content = bytes ? Buffer.from(Array.from({ length: int(300) }, () => int(256))) : randomText();
    const path = await writeInput(content, pick(['.csv', '.tsv', '.dat', '.txt', '.parquet']));
    const options = randomOptions();
    const show = () => `${JSON.stringify(typeof content === 'string' ? content : content.toString('base64'))} with ${JSON.stringify(options)} (${path})`;
    counts[await mustBehave('readInteractionsFile', show, () => readInteractionsFile(path, options))]++;
    if (!path.endsWith('.parquet')) {
      counts[await mustBehave('readInteractions', show, () => readInteractions(path, options))]++;
      await mustBehave('detectFormat', show, () => detectFormat(path));
    }
    await rm(path);
  }
  assert.ok(counts.ok > 0 && counts.error > 0, `both outcomes happen (${JSON.stringify(counts)})`);
});

/** A valid model directory (popularity on a small interaction set) to mutate. */
async function validModel(): Promise<{ manifest: string; weights: Buffer }> {
  const pairs = [
    [0, 0],
    [0, 1],
    [1, 1],
    [2, 2],
    [1, 2],
  ];
  const train = new Interactions({
    users: Int32Array.from(pairs, (p) => p[0]),
    items: Int32Array.from(pairs, (p) => p[1]),
    values: new Float32Array(pairs.length).fill(1),
    userIds: new IdMap(['a', 'b', 'c']),
    itemIds: new IdMap(['x', 'y', 'z']),
  });
  const model = createModel('popularity');
  await model.fit(train);
  const path = join(dir, 'valid-model');
  await model.save(path);
  return { manifest: await readFile(join(path, 'manifest.json'), 'utf8'), weights: await readFile(join(path, 'weights.safetensors')) };
}

function mutateBytes(buf: Buffer): Buffer {
  const out = Buffer.from(buf);
  switch (int(5)) {
    case 0: // flip bytes
      for (let k = 0, n = 1 + int(8); k < n && out.length; k++) out[int(out.length)] = int(256);
      return out;
    case 1: // truncate
      return out.subarray(0, int(out.length + 1));
    case 2: // header length field
      if (out.length >= 8) out.writeBigUInt64LE(pick([0n, 1n, 7n, 2n ** 63n, 2n ** 64n - 1n, BigInt(int(out.length * 2))]), 0);
      return out;
    case 3: // append garbage
      return Buffer.concat([out, Buffer.from(Array.from({ length: int(64) }, () => int(256)))]);
    default:
      return Buffer.from(Array.from({ length: int(64) }, () => int(256)));
  }
}

/** The safetensors header edited as JSON: odd dtypes, shapes and offsets. */
function mutateHeader(buf: Buffer): Buffer {
  const length = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + length).toString('utf8')) as Record<string, any>;
  const names = Object.keys(header).filter((n) => n !== '__metadata__');
  const name = pick(names);
  const odd = [null, -1, 1.5, 2 ** 53, 1e308, 'F32', [], {}, [0], [1, 2, 3], [-4, 4], [0, 2 ** 60], true, 'x'.repeat(3)];
  switch (int(5)) {
    case 0:
      header[name].dtype = pick(['F16', 'I64', 'BOOL', 'U8', 'F64', 'I32', 'F32', 7, null]);
      break;
    case 1:
      header[name].shape = pick(odd);
      break;
    case 2:
      header[name].data_offsets = pick(odd);
      break;
    case 3:
      header.__metadata__ = pick(odd);
      break;
    default:
      header[name] = pick(odd);
  }
  const json = Buffer.from(JSON.stringify(header));
  const out = Buffer.alloc(8 + json.length + (buf.length - 8 - length));
  out.writeBigUInt64LE(BigInt(json.length), 0);
  json.copy(out, 8);
  buf.copy(out, 8 + json.length, 8 + length);
  return out;
}

function mutateManifest(text: string): string {
  if (random() < 0.2) {
    const chars = [...text];
    for (let k = 0, n = 1 + int(5); k < n; k++) chars[int(chars.length)] = pick(['{', '}', '"', ',', '0', '-', 'x', '', '\\']);
    return chars.join('');
  }
  let m: Record<string, any>;
  try {
    m = JSON.parse(text);
  } catch {
    return text;
  }
  if (m === null || typeof m !== 'object') return text;
  const keys = Object.keys(m);
  const odd = [null, -1, 0, 1e308, 'x', '', [], {}, [1], ['a', 'a'], [[]], { a: [2] }, true];
  const key = pick(keys);
  switch (int(6)) {
    case 0:
      delete m[key];
      break;
    case 1:
      m[key] = pick(odd);
      break;
    case 2: // a tensor shape
      if (m.tensors === null || typeof m.tensors !== 'object' || Array.isArray(m.tensors)) break; // an earlier mutation replaced it
      for (const t of Object.keys(m.tensors)) if (random() < 0.5) m.tensors[t] = pick([[0], [1], [2 ** 31], [3, 3], [], [1e9, 1e9]]);
      break;
    case 3: // ids
      m[pick(['userIds', 'itemIds'])] = pick([[], ['a'], ['a', 'a', 'b'], Array.from({ length: 50 }, (_, k) => `i${k}`)]);
      break;
    case 4: // config
      m.config = {
        ...(typeof m.config === 'object' ? m.config : {}),
        [pick(Object.keys(typeof m.config === 'object' && m.config !== null ? m.config : { x: 1 }).concat('extra'))]: pick(odd),
      };
      break;
    default:
      m.type = pick(['popularity', 'bpr', 'ease', 'nope', '', 'toString', '__proto__']);
  }
  return JSON.stringify(m);
}

test('model files: mutated manifests and weights either load or fail with a TastebudError', async () => {
  const valid = await validModel();
  const until = Date.now() + 4500;
  const counts = { ok: 0, error: 0 };
  let n = 0;
  while (Date.now() < until) {
    const modelDir = join(dir, `m${n++}`);
    await mkdir(modelDir);
    let manifest: string | null = valid.manifest;
    let weights: Buffer | null = valid.weights;
    const what = int(6);
    if (what === 0) manifest = mutateManifest(valid.manifest);
    else if (what === 1) weights = mutateBytes(valid.weights);
    else if (what === 2) weights = mutateHeader(valid.weights);
    else if (what === 3) {
      manifest = mutateManifest(valid.manifest);
      weights = mutateHeader(valid.weights);
    } else if (what === 4) {
      if (random() < 0.5) manifest = null;
      else weights = null;
    } else manifest = mutateManifest(mutateManifest(valid.manifest));
    if (manifest !== null) await writeFile(join(modelDir, 'manifest.json'), manifest);
    if (weights !== null) await writeFile(join(modelDir, 'weights.safetensors'), weights);
    const show = () => `manifest ${JSON.stringify(manifest)?.slice(0, 2000)}; weights ${weights?.subarray(0, 400).toString('base64')}`;
    if (weights !== null) await mustBehave('decodeSafetensors', show, async () => decodeSafetensors(weights!));
    await mustBehave('readModelFile', show, () => readModelFile(modelDir));
    counts[await mustBehave('loadModel', show, () => loadModel(modelDir))]++;
    await rm(modelDir, { recursive: true, force: true });
  }
  assert.ok(counts.error > 0, `mutations are caught (${JSON.stringify(counts)})`);
});
