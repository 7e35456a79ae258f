import { readModelFile, type WriteOptions } from '../modelfile/model-file.ts';
import { fromModelFile } from './persist.ts';
import type { Recommender } from './recommender.ts';
import { createModel } from './registry.ts';

/** Reads a model directory written by `model.save(dir)` (or `saveModel`) back into a model. */
export async function loadModel(dir: string): Promise<Recommender> {
  return fromModelFile(await readModelFile(dir), createModel);
}

/** Writes `model` into directory `dir` (manifest.json + weights.safetensors). */
export async function saveModel(model: Recommender, dir: string, options: WriteOptions = {}): Promise<void> {
  await model.save(dir, options);
}
