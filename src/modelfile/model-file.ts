import { mkdir, readFile, writeFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../contracts/errors.ts';
import type { Tensor } from '../contracts/types.ts';
import { readSafetensors, writeSafetensors } from './safetensors.ts';

export const MODEL_FORMAT = 'tastebud-model';
export const MODEL_FORMAT_VERSION = 1;

/**
 * A model file is a directory: `manifest.json` (format version, model type, hyperparameters,
 * id maps, feature vocabularies, training history and metrics) and `weights.safetensors`
 * (parameters, plus the training interactions by user and the feature matrices, so that
 * `recommend` can exclude seen items and cold-start scoring works after loading).
 * This module only reads and writes the two files; turning a model into them and back is
 * src/models/persist.ts.
 */
export interface Manifest {
  format: typeof MODEL_FORMAT;
  formatVersion: number;
  type: string;
  config: Record<string, unknown>;
  createdAt: string;
  userIds: string[];
  itemIds: string[];
  userFeatures: FeatureMeta | null;
  itemFeatures: FeatureMeta | null;
  tensors: Record<string, number[]>;
  extra?: Record<string, unknown>;
  history: unknown;
  metrics: Record<string, unknown>;
}

export interface FeatureMeta {
  vocabulary: string[];
  fields: string[];
}

export interface ModelFile {
  manifest: Manifest;
  tensors: Record<string, Tensor>;
}

export async function writeModelFile(dir: string, { manifest, tensors }: ModelFile): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeSafetensors(join(dir, 'weights.safetensors'), tensors, { format: MODEL_FORMAT, type: manifest.type });
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
}

/** Reads a model directory, checking the format, its version and every tensor's shape against the manifest. */
export async function readModelFile(dir: string): Promise<ModelFile> {
  const manifestPath = join(dir, 'manifest.json');
  try {
    await stat(manifestPath);
  } catch {
    throw new ConfigError(`${dir} is not a tastebud model directory: ${manifestPath} is missing`);
  }
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Manifest;
  if (manifest.format !== MODEL_FORMAT) throw new ConfigError(`${manifestPath}: not a tastebud model file (format "${manifest.format}")`);
  if (manifest.formatVersion > MODEL_FORMAT_VERSION) {
    throw new ConfigError(`${manifestPath}: model file format version ${manifest.formatVersion} is newer than this tastebud reads (${MODEL_FORMAT_VERSION}); upgrade tastebud`);
  }
  const { tensors } = await readSafetensors(join(dir, 'weights.safetensors'));
  for (const [name, shape] of Object.entries(manifest.tensors)) {
    const t = tensors[name];
    if (!t) throw new ConfigError(`${dir}: weights.safetensors lacks tensor "${name}" listed in the manifest`);
    if (t.shape.join('x') !== shape.join('x')) throw new ConfigError(`${dir}: tensor "${name}" has shape [${t.shape}], the manifest says [${shape}]`);
  }
  return { manifest, tensors };
}
