import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MODEL_FORMAT } from './manifest.ts';
import type { ModelFile } from './model-file.ts';
import { encodeSafetensors } from './safetensors.ts';

/** Writes a model's two files into a new directory, weights first, manifest last, each flushed to disk. */
export async function writeDirectory(dir: string, { manifest, tensors }: ModelFile): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeDurably(join(dir, 'weights.safetensors'), encodeSafetensors(tensors, { format: MODEL_FORMAT, type: manifest.type }));
  // The manifest is written last: a directory with a manifest is complete.
  await writeDurably(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
  await fsyncPath(dir);
}

async function writeDurably(path: string, data: string | Uint8Array): Promise<void> {
  await writeFile(path, data);
  await fsyncPath(path);
}

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
