import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelFileError } from '../../src/contracts/errors.ts';
import { checkModelDestination, readModelFile, writeModelFile, type ModelFile } from '../../src/modelfile/model-file.ts';
import { MODEL_FORMAT, MODEL_FORMAT_VERSION } from '../../src/modelfile/manifest.ts';

function file(version: number): ModelFile {
  return {
    manifest: {
      format: MODEL_FORMAT,
      formatVersion: MODEL_FORMAT_VERSION,
      type: 'toy',
      config: { version },
      createdAt: '2026-12-01T00:00:00Z',
      userIds: ['u'],
      itemIds: ['a', 'b'],
      userFeatures: null,
      itemFeatures: null,
      tensors: { w: [2] },
      history: null,
      metrics: {},
    },
    tensors: { w: { shape: [2], data: Float32Array.of(version, version) } },
  };
}

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'tastebud-modelfile-'));
}

async function edited(edit: (manifest: Record<string, unknown>) => void): Promise<string> {
  const dir = join(await tempDir(), 'model');
  await writeModelFile(dir, file(1));
  const path = join(dir, 'manifest.json');
  const manifest = JSON.parse(await readFile(path, 'utf8'));
  edit(manifest);
  await writeFile(path, JSON.stringify(manifest));
  return dir;
}

test('a damaged or edited manifest is refused, naming what is wrong', async () => {
  const cases: [string, (m: Record<string, unknown>) => void, RegExp][] = [
    ['formatVersion 0', (m) => (m.formatVersion = 0), /formatVersion/],
    ['formatVersion "1"', (m) => (m.formatVersion = '1'), /formatVersion/],
    ['formatVersion missing', (m) => delete m.formatVersion, /formatVersion/],
    ['config deleted', (m) => delete m.config, /config/],
    ['userFeatures deleted', (m) => delete m.userFeatures, /userFeatures/],
    ['itemFeatures deleted', (m) => delete m.itemFeatures, /itemFeatures/],
    ['tensors deleted', (m) => delete m.tensors, /tensors/],
    ['an unknown field', (m) => (m.colour = 'blue'), /colour/],
    ['item ids that are not text', (m) => (m.itemIds = [1, 2]), /itemIds/],
    ['features claimed without tensors', (m) => (m.itemFeatures = { vocabulary: ['g=x'], fields: ['g'] }), /itemFeatures is set but/],
    ['another format', (m) => (m.format = 'onnx'), /not a tastebud model file/],
    ['a newer version', (m) => (m.formatVersion = 99), /version 99 is newer/],
  ];
  for (const [what, edit, message] of cases) {
    const dir = await edited(edit);
    await assert.rejects(readModelFile(dir), (e: Error) => e instanceof ModelFileError && message.test(e.message), what);
  }
});

test('a manifest that is not JSON, missing weights and damaged weights get one clear line each', async () => {
  const dir = join(await tempDir(), 'model');
  await writeModelFile(dir, file(1));
  await writeFile(join(dir, 'manifest.json'), '{"format": "tastebud-model", ');
  await assert.rejects(readModelFile(dir), (e: Error) => e instanceof ModelFileError && /not valid JSON/.test(e.message));

  const dir2 = join(await tempDir(), 'model');
  await writeModelFile(dir2, file(1));
  await rm(join(dir2, 'weights.safetensors'));
  await assert.rejects(readModelFile(dir2), (e: Error) => e instanceof ModelFileError && /weights.safetensors is missing/.test(e.message));

  await writeModelFile(dir2, file(1), { overwrite: true });
  const weights = await readFile(join(dir2, 'weights.safetensors'));
  await writeFile(join(dir2, 'weights.safetensors'), weights.subarray(0, weights.length - 3));
  await assert.rejects(readModelFile(dir2), (e: Error) => e instanceof ModelFileError && /damaged/.test(e.message));

  await assert.rejects(readModelFile(join(dir2, 'nope')), (e: Error) => e instanceof ModelFileError && /no such model directory/.test(e.message));
});

test('saving refuses to replace a model unless asked, and never writes into a file or a foreign folder', async () => {
  const root = await tempDir();
  const dir = join(root, 'model');
  await writeModelFile(dir, file(1));
  await assert.rejects(writeModelFile(dir, file(2)), (e: Error) => e instanceof ModelFileError && /already holds a model; pass --force/.test(e.message));
  assert.equal((await readModelFile(dir)).manifest.config.version, 1);
  await writeModelFile(dir, file(2), { overwrite: true });
  assert.equal((await readModelFile(dir)).manifest.config.version, 2);
  assert.deepEqual((await readdir(root)).sort(), ['model'], 'no temporary copies are left behind');

  await writeFile(join(root, 'afile'), 'x');
  await assert.rejects(checkModelDestination(join(root, 'afile')), /is a file/);
  await mkdir(join(root, 'photos'));
  await writeFile(join(root, 'photos', 'cat.jpg'), 'x');
  await assert.rejects(checkModelDestination(join(root, 'photos'), { overwrite: true }), /not a tastebud model directory/);
  await mkdir(join(root, 'empty'));
  await checkModelDestination(join(root, 'empty'));
});

test('a save killed at any moment leaves the old model or the new one, never neither', { timeout: 120_000 }, async () => {
  const dir = join(await tempDir(), 'model');
  const loop = fileURLToPath(new URL('./save-loop.ts', import.meta.url));
  let lastSeen = 0;
  for (let round = 0; round < 10; round++) {
    const signal = round % 2 === 0 ? 'SIGKILL' : 'SIGINT';
    const child = spawn(process.execPath, ['--import', 'tsx', loop, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let printed = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line) printed = Number(line);
    });
    const started = new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    await Promise.race([started, exited]);
    await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 150));
    child.kill(signal);
    await exited;
    const { manifest, tensors } = await readModelFile(dir);
    const version = manifest.config.version as number;
    assert.ok(version >= Math.max(printed, 1), `round ${round}: version ${version} on disk, ${printed} was reported saved`);
    assert.ok(version <= printed + 1, `round ${round}: version ${version} is newer than any save begun`);
    assert.equal(tensors.w.data[0], version, 'the weights belong to the manifest beside them');
    lastSeen = version;
  }
  assert.ok(lastSeen >= 1);
});
