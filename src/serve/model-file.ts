import { mkdir, readFile, writeFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../data/errors.ts';
import { IdMap } from '../data/idmap.ts';
import type { FeatureMatrix } from '../data/types.ts';
import { createModel, type Recommender, type ModelState } from '../models/recommender.ts';
import { readSafetensors, writeSafetensors, type Tensor } from './safetensors.ts';

export const MODEL_FORMAT = 'tastebud-model';
export const MODEL_FORMAT_VERSION = 1;

/**
 * A model file is a directory: `manifest.json` (format version, model type, hyperparameters,
 * id maps, feature vocabularies, training history and metrics) and `weights.safetensors`
 * (parameters, plus the training interactions by user and the feature matrices, so that
 * `recommend` can exclude seen items and cold-start scoring works after loading).
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

interface FeatureMeta {
  vocabulary: string[];
  fields: string[];
}

export async function saveModel(model: Recommender, dir: string): Promise<void> {
  const state = model.getState();
  const tensors: Record<string, Tensor> = { ...state.tensors };
  if (model.seen) {
    tensors['_seen.indptr'] = { shape: [model.seen.indptr.length], data: model.seen.indptr };
    tensors['_seen.indices'] = { shape: [model.seen.indices.length], data: model.seen.indices };
  }
  addFeatureTensors(tensors, '_userFeatures', model.userFeatures);
  addFeatureTensors(tensors, '_itemFeatures', model.itemFeatures);
  const manifest: Manifest = {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    type: model.type,
    config: model.config,
    createdAt: new Date().toISOString(),
    userIds: model.userIds.toArray(),
    itemIds: model.itemIds.toArray(),
    userFeatures: model.userFeatures ? { vocabulary: model.userFeatures.vocabulary, fields: model.userFeatures.fields } : null,
    itemFeatures: model.itemFeatures ? { vocabulary: model.itemFeatures.vocabulary, fields: model.itemFeatures.fields } : null,
    tensors: Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, t.shape])),
    extra: state.extra,
    history: model.history,
    metrics: model.metrics,
  };
  await mkdir(dir, { recursive: true });
  await writeSafetensors(join(dir, 'weights.safetensors'), tensors, { format: MODEL_FORMAT, type: model.type });
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
}

export async function loadModel(dir: string): Promise<Recommender> {
  await import('../models/index.ts'); // fills the model registry
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
  const model = createModel(manifest.type, manifest.config);
  model.userIds = IdMap.fromJSON(manifest.userIds);
  model.itemIds = IdMap.fromJSON(manifest.itemIds);
  if (tensors['_seen.indptr']) {
    const indptr = tensors['_seen.indptr'].data as Int32Array;
    const indices = tensors['_seen.indices'].data as Int32Array;
    model.seen = { rows: indptr.length - 1, cols: model.itemIds.size, indptr, indices, values: new Float32Array(indices.length).fill(1), order: new Int32Array(0) };
  }
  model.userFeatures = readFeatureTensors(tensors, '_userFeatures', manifest.userFeatures, model.userIds.size);
  model.itemFeatures = readFeatureTensors(tensors, '_itemFeatures', manifest.itemFeatures, model.itemIds.size);
  const state: ModelState = { tensors: {}, extra: manifest.extra };
  for (const [name, t] of Object.entries(tensors)) if (!name.startsWith('_')) state.tensors[name] = t;
  model.setState(state);
  model.history = manifest.history as Recommender['history'];
  model.metrics = manifest.metrics ?? {};
  return model;
}

function addFeatureTensors(tensors: Record<string, Tensor>, prefix: string, f: FeatureMatrix | null): void {
  if (!f) return;
  tensors[`${prefix}.indptr`] = { shape: [f.indptr.length], data: f.indptr };
  tensors[`${prefix}.indices`] = { shape: [f.indices.length], data: f.indices };
  tensors[`${prefix}.weights`] = { shape: [f.weights.length], data: f.weights };
  tensors[`${prefix}.fieldOf`] = { shape: [f.fieldOf.length], data: f.fieldOf };
}

function readFeatureTensors(tensors: Record<string, Tensor>, prefix: string, meta: FeatureMeta | null, rows: number): FeatureMatrix | null {
  if (!meta || !tensors[`${prefix}.indptr`]) return null;
  const indptr = tensors[`${prefix}.indptr`].data as Int32Array;
  return {
    rows: indptr.length - 1 || rows,
    numFeatures: meta.vocabulary.length,
    indptr,
    indices: tensors[`${prefix}.indices`].data as Int32Array,
    weights: tensors[`${prefix}.weights`].data as Float32Array,
    vocabulary: meta.vocabulary,
    fieldOf: tensors[`${prefix}.fieldOf`].data as Int32Array,
    fields: meta.fields,
  };
}
