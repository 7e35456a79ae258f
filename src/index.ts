/** tastebud's public API: the library is the product; the CLI and server are thin shells over it. */
export * from './data/index.ts';
export { Rng } from './core/rng.ts';
export { Param, type OptimizerConfig, type OptimizerName, type InitScheme } from './core/params.ts';
export { topK } from './core/topk.ts';
export {
  Recommender,
  createModel,
  listModels,
  registerModel,
  type RecommendOptions,
  type Recommendation,
  type Scorer,
  type ModelState,
  type EpochContext,
} from './models/recommender.ts';
export type { FitOptions, TrainingHistory, EpochRecord, EarlyStopping } from './train/types.ts';
export { loadTrainingData, type DataSpec, type TrainingData } from './train/sources.ts';
export { evaluateRanking } from './eval/ranking.ts';
export { evaluatePointwise } from './eval/pointwise.ts';
export { evaluateHeldOut } from './eval/held-out.ts';
export { getProtocol, listProtocols } from './eval/protocols.ts';
export { saveModel, loadModel, MODEL_FORMAT_VERSION } from './serve/model-file.ts';
export { recommendBatch } from './serve/batch.ts';
export { alignToModel } from './serve/align.ts';
export { readSafetensors, writeSafetensors } from './serve/safetensors.ts';
export { runExperiment } from './experiment/index.ts';
import './models/index.ts';
