import { ModelFileError } from '../contracts/errors.ts';
import type { FeatureMatrix, ModelState, Tensor } from '../contracts/types.ts';
import { IdMap } from '../data/idmap.ts';
import { MODEL_FORMAT, MODEL_FORMAT_VERSION, type FeatureMeta, type ModelFile } from '../modelfile/model-file.ts';
import type { ModelStatus } from '../modelfile/manifest.ts';
import type { TrainingHistory } from '../contracts/types.ts';
import type { Recommender } from './recommender.ts';

/**
 * A model ↔ its model file. Beside the model's own state, the file keeps the training
 * interactions by user (`_seen.*`, for excludeSeen) and the feature matrices (`_userFeatures.*`,
 * `_itemFeatures.*`, for hybrid and cold-start scoring); names starting with `_` are ours.
 */
export function toModelFile(model: Recommender): ModelFile {
  const state = model.getState();
  const tensors: Record<string, Tensor> = { ...state.tensors };
  if (model.seen) {
    tensors['_seen.indptr'] = { shape: [model.seen.indptr.length], data: model.seen.indptr };
    tensors['_seen.indices'] = { shape: [model.seen.indices.length], data: model.seen.indices };
  }
  addFeatureTensors(tensors, '_userFeatures', model.userFeatures);
  addFeatureTensors(tensors, '_itemFeatures', model.itemFeatures);
  return {
    tensors,
    manifest: {
      format: MODEL_FORMAT,
      formatVersion: MODEL_FORMAT_VERSION,
      type: model.type,
      config: model.config,
      createdAt: new Date().toISOString(),
      status: statusOf(model.history),
      userIds: model.userIds.toArray(),
      itemIds: model.itemIds.toArray(),
      userFeatures: model.userFeatures ? { vocabulary: model.userFeatures.vocabulary, fields: model.userFeatures.fields } : null,
      itemFeatures: model.itemFeatures ? { vocabulary: model.itemFeatures.vocabulary, fields: model.itemFeatures.fields } : null,
      trainingData: model.trainingData,
      tensors: Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, t.shape])),
      extra: state.extra,
      history: historyAsJson(model.history),
      metrics: model.metrics,
    },
  };
}

/** Rebuilds a model from its file; `create` makes an untrained model of the manifest's type and config. */
export function fromModelFile({ manifest, tensors }: ModelFile, create: (type: string, config: Record<string, unknown>) => Recommender): Recommender {
  const model = create(manifest.type, manifest.config);
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
  // After the model's own tensors: a shape that disagrees with the ids is the clearer message.
  if (model.seen) checkRows('_seen', model.seen.indptr, model.seen.indices, model.itemIds.size);
  model.history = historyFromFile(manifest.history);
  model.metrics = manifest.metrics ?? {};
  model.trainingData = manifest.trainingData ?? null;
  return model;
}

/**
 * The history as JSON can hold it. JSON has no NaN or ±∞: written as they are, a diverged epoch's
 * loss would come back null, which the history's type says is a number. Written as the strings
 * "NaN", "Infinity", "-Infinity" (in the model file, and in explore's /v1/model).
 */
export function historyAsJson(history: TrainingHistory | null): unknown {
  if (!history) return history;
  const value = (v: number): number | string => (Number.isFinite(v) ? v : String(v));
  return { ...history, epochs: history.epochs.map((e) => ({ ...e, loss: value(e.loss), ...(e.validation !== undefined ? { validation: value(e.validation) } : {}) })) };
}

/** The history as saved, its non-finite values numbers again (null, from files written before they were kept: NaN). */
function historyFromFile(saved: unknown): TrainingHistory | null {
  const history = saved as TrainingHistory | null;
  if (!history || !Array.isArray(history.epochs)) return history ?? null;
  const value = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : Number.NaN);
  return { ...history, epochs: history.epochs.map((e) => ({ ...e, loss: value(e.loss), ...(e.validation !== undefined ? { validation: value(e.validation) } : {}) })) };
}

/** How training ended, from its history: no epoch ran, a loss went non-finite, or it trained. */
export function statusOf(history: TrainingHistory | null): ModelStatus {
  if (!history || history.epochs.length === 0) return 'untrained';
  return history.epochs.some((e) => !Number.isFinite(e.loss)) ? 'diverged' : 'trained';
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
  checkRows(prefix, indptr, tensors[`${prefix}.indices`].data as Int32Array, meta.vocabulary.length);
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

/**
 * A compressed-rows tensor pair read from a file: offsets that start at 0, never fall and end at
 * the indices' length, and indices inside [0, columns). A damaged file would otherwise load and
 * answer with items that do not exist.
 */
function checkRows(prefix: string, indptr: Int32Array, indices: Int32Array, columns: number): void {
  const fail = (what: string) => {
    throw new ModelFileError(`weights: ${prefix}.${what}; the model file is damaged`);
  };
  if (indptr.length === 0 || indptr[0] !== 0 || indptr[indptr.length - 1] !== indices.length) fail(`indptr does not span its ${indices.length} indices`);
  for (let r = 1; r < indptr.length; r++) if (indptr[r] < indptr[r - 1]) fail(`indptr falls at row ${r - 1}`);
  for (let k = 0; k < indices.length; k++) if (indices[k] < 0 || indices[k] >= columns) fail(`indices[${k}] is ${indices[k]}, outside 0..${columns - 1}`);
}
