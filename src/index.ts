/** tastebud's public API: the library is the product; the CLI and server are thin shells over it. */
export * from './data/index.ts';
export { Rng } from './core/rng.ts';
export { Param, type OptimizerConfig, type OptimizerName, type InitScheme } from './core/params.ts';
export { topK } from './core/topk.ts';
export { Recommender, requireTensor } from './models/recommender.ts';
export { createModel, listModels, getModelSpec, registerModel, type ModelType, type ModelConfig, type ModelOf, type ModelOptions, type ModelInfo } from './models/registry.ts';
export { defineModel, resolveConfig, type ModelSpec, type ParamSchema, type ConfigSchema, type CreateContext } from './models/spec.ts';
export * from './contracts/index.ts';
export * from './models/baselines/index.ts';
export * from './models/bilinear/index.ts';
export * from './models/deep/index.ts';
export * from './models/mf/index.ts';
export * from './models/twotower/index.ts';
export * from './models/vae/index.ts';
export * from './models/ensemble/index.ts';
export type { EpochContext, Trainable } from './train/types.ts';
export type { RecommendOptions, Recommendation, Scorer, ModelState } from './contracts/types.ts';
export type { Explanation, ExplanationMethod, HistoryEntry, HistoryItem, RecommendationSource, UserHistory, UserRef } from './contracts/types.ts';
export { isHistory, type FoldIn, type HistoryAttribution } from './models/recommender.ts';
export type { FitOptions } from './train/types.ts';
export type { TrainingHistory, EpochRecord, EarlyStopping } from './contracts/types.ts';
export { loadTrainingData, type DataSpec, type TrainingData } from './train/sources.ts';
export { evaluateRanking } from './eval/ranking.ts';
export { evaluatePointwise } from './eval/pointwise.ts';
export { evaluateHeldOut } from './eval/held-out.ts';
export { getProtocol, listProtocols } from './eval/protocols.ts';
export { saveModel, loadModel } from './models/load.ts';
export { MODEL_FORMAT_VERSION, readModelFile, writeModelFile, type Manifest, type ModelFile } from './modelfile/model-file.ts';
export { recommendBatch } from './serve/batch.ts';
export { alignToModel } from './serve/align.ts';
export { readSafetensors, writeSafetensors } from './modelfile/safetensors.ts';
export { runExperiment } from './experiment/index.ts';
export {
  checkData,
  diagnose,
  diagnoseConfig,
  parseDoctorConfig,
  formatFindings,
  type DoctorTrainConfig,
  type DataCheckInput,
  type Finding,
  type MeasuredFix,
  type TrainCheckInput,
  type TrainDiagnosis,
} from './doctor/index.ts';
export { trainAndEvaluate, evaluateSaved } from './experiment/index.ts';
export type {
  TrainSpec,
  TrainAndEvaluateResult,
  EvaluateSavedOptions,
  EvaluateSavedResult,
  HeldOutData,
  PipelineEvaluation,
  BaselineResult,
  ReferenceComparison,
} from './experiment/index.ts';
