import { randomBytes } from 'node:crypto';
import { readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DataFormatError, ModelFileError } from '../contracts/errors.ts';
import type { Tensor } from '../contracts/types.ts';
import { parseManifest, type Manifest } from './manifest.ts';
import { readSafetensors } from './safetensors.ts';
import { writeDirectory } from './write.ts';

export { MODEL_FORMAT, MODEL_FORMAT_VERSION, type Manifest, type FeatureMeta, type TrainingData } from './manifest.ts';

/**
 * A model file is a directory: `manifest.json` (format version, model type, hyperparameters,
 * id maps, feature vocabularies, training data fingerprint, history and metrics) and
 * `weights.safetensors` (parameters, plus the training interactions by user and the feature
 * matrices). This module reads and writes the two files; turning a model into them and back is
 * src/models/persist.ts.
 *
 * Saving never destroys the model already there: the new one is written into a hidden
 * temporary directory beside the target, flushed to disk, then renamed into place. Whatever
 * moment a save is interrupted at, the directory holds either the old model or the new one
 * (`recoverInterruptedSave` finishes the one step a crash can leave undone).
 */
export interface ModelFile {
  manifest: Manifest;
  tensors: Record<string, Tensor>;
}

export interface WriteOptions {
  /** Replace a model already in `dir` (default false: refuse). */
  overwrite?: boolean;
}

const MANIFEST = 'manifest.json';
const WEIGHTS = 'weights.safetensors';

/**
 * Checks before any work is done that `dir` can take a model: it is not a file, and it holds no
 * model (unless `overwrite`) and nothing else. Call it before training so that a bad `--out`
 * fails in a second, not after an hour.
 */
export async function checkModelDestination(dir: string, options: WriteOptions = {}): Promise<void> {
  await recoverInterruptedSave(dir);
  const info = await stat(dir).catch(() => null);
  if (!info) return;
  if (!info.isDirectory()) throw new ModelFileError(`${dir} is a file, not a directory: choose another output path for the model`);
  const entries = (await readdir(dir)).filter((e) => !e.startsWith('.'));
  if (entries.length === 0) return;
  if (!entries.includes(MANIFEST)) {
    throw new ModelFileError(
      `${dir} already exists and is not a tastebud model directory (it holds ${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', …' : ''}); choose an empty or new directory`,
    );
  }
  if (!options.overwrite) throw new ModelFileError(`${dir} already holds a model; pass --force (library: { overwrite: true }) to replace it`);
}

export async function writeModelFile(dir: string, file: ModelFile, options: WriteOptions = {}): Promise<void> {
  await checkModelDestination(dir, options);
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const temp = join(dirname(dir), `.${basename(dir)}.tmp-${tag}`);
  await writeDirectory(temp, file);
  try {
    const existing = await stat(dir).catch(() => null);
    if (!existing) {
      await rename(temp, dir);
      return;
    }
    // rename(2) cannot replace a non-empty directory: move the old one aside first. A crash
    // between the two renames leaves the complete old and new copies beside the target, and
    // recoverInterruptedSave puts the new one in place.
    await checkModelDestination(dir, options); // another writer may have saved meanwhile
    const old = join(dirname(dir), `.${basename(dir)}.old-${tag}`);
    await rename(dir, old);
    await rename(temp, dir).catch(async (error: NodeJS.ErrnoException) => {
      // A reader that found the target missing at this instant finished the swap for us.
      if (error.code !== 'ENOENT' || !(await stat(dir).catch(() => null))) throw error;
    });
    await rm(old, { recursive: true, force: true });
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    if ((error as NodeJS.ErrnoException).code === 'ENOTEMPTY' || (error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new ModelFileError(`${dir}: another save created it at the same time; nothing was replaced`);
    }
    throw error;
  }
}

/**
 * Finishes a save that was interrupted between moving the old model aside and moving the new
 * one in: with `dir` missing, a complete new copy (its manifest is written last) goes in place,
 * else the old copy goes back. Leftover temporary copies of finished saves are removed.
 */
export async function recoverInterruptedSave(dir: string): Promise<void> {
  const parent = dirname(dir);
  const name = basename(dir);
  const siblings = await readdir(parent).catch(() => [] as string[]);
  const temps = siblings.filter((s) => s.startsWith(`.${name}.tmp-`));
  const olds = siblings.filter((s) => s.startsWith(`.${name}.old-`));
  if (temps.length === 0 && olds.length === 0) return;
  const present = await stat(dir).catch(() => null);
  if (!present) {
    const complete: string[] = [];
    for (const t of temps) if (await stat(join(parent, t, MANIFEST)).catch(() => null)) complete.push(t);
    // Only an interrupted swap leaves an `.old-` copy; its partner temp holds the same tag.
    const swap = olds.map((o) => o.slice(`.${name}.old-`.length)).find((tag) => complete.includes(`.${name}.tmp-${tag}`));
    if (swap) await rename(join(parent, `.${name}.tmp-${swap}`), dir);
    else if (olds.length > 0) await rename(join(parent, olds[0]), dir);
    else return; // a first save still being written by someone: leave it alone
  }
  for (const o of olds) await rm(join(parent, o), { recursive: true, force: true });
}

/** Reads a model directory, checking the manifest against its schema and every tensor's shape against the manifest. */
export async function readModelFile(dir: string): Promise<ModelFile> {
  await recoverInterruptedSave(dir);
  const manifestPath = join(dir, MANIFEST);
  const weightsPath = join(dir, WEIGHTS);
  const info = await stat(dir).catch(() => null);
  if (!info) throw new ModelFileError(`${dir}: no such model directory`);
  if (!info.isDirectory()) throw new ModelFileError(`${dir} is a file; a model is a directory with ${MANIFEST} and ${WEIGHTS}`);
  const text = await readFile(manifestPath, 'utf8').catch(() => null);
  if (text === null) throw new ModelFileError(`${dir} is not a tastebud model directory: ${manifestPath} is missing`);
  const manifest = parseManifest(text, manifestPath);
  if (!(await stat(weightsPath).catch(() => null))) throw new ModelFileError(`${dir}: ${WEIGHTS} is missing (the manifest is there, the weights are not)`);
  let tensors: Record<string, Tensor>;
  try {
    ({ tensors } = await readSafetensors(weightsPath));
  } catch (error) {
    if (error instanceof DataFormatError) throw new ModelFileError(`${dir}: ${WEIGHTS} is damaged: ${error.message}`);
    throw error;
  }
  for (const [name, shape] of Object.entries(manifest.tensors)) {
    const t = tensors[name];
    if (!t) throw new ModelFileError(`${dir}: ${WEIGHTS} lacks tensor "${name}" listed in the manifest`);
    if (t.shape.join('x') !== shape.join('x')) throw new ModelFileError(`${dir}: tensor "${name}" has shape [${t.shape}], the manifest says [${shape}]`);
  }
  for (const name of Object.keys(tensors)) {
    if (!(name in manifest.tensors)) throw new ModelFileError(`${dir}: ${WEIGHTS} has tensor "${name}" that the manifest does not list`);
  }
  return { manifest, tensors };
}
