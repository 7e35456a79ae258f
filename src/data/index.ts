/** The data layer's public API: interactions, readers, built-in datasets, splits, labels, features. */
export { Interactions, buildCsr, csrHas, type Csr, type InteractionsInit } from './interactions.ts';
export { IdMap } from './idmap.ts';
export type { Dataset, LoadReport, Split } from './types.ts';
export type { FeatureMatrix } from '../contracts/types.ts';
export { ConfigError, DataFormatError, DatasetNotFoundError, type DataErrorLocation } from '../contracts/errors.ts';

export * from './readers/index.ts';
export { writeInteractionsTsv } from './writer.ts';

export { datasets, dataRoot, datasetDir, ZipArchive, type DatasetInfo, type LoadDatasetOptions } from './datasets/index.ts';

export {
  randomSplit,
  perUserSplit,
  leaveKOut,
  temporalSplit,
  temporalPerUserLastK,
  predefinedSplit,
  splitSizes,
  overlappingPairs,
  type RandomSplitOptions,
  type PerUserSplitOptions,
  type LeaveKOutOptions,
  type TemporalSplitOptions,
  type TemporalLastKOptions,
  type SplitSizes,
} from './splits.ts';

export {
  binarize,
  positivesOnly,
  dropZeros,
  keepValues,
  transformValues,
  adjustedSigmoid,
  rescale,
  centerPerUser,
  valueMoments,
  type AdjustedSigmoidOptions,
} from './labels.ts';

export { kCore, kCoreOfTraining, compactIds, type KCoreOptions, type KCoreResult, type TrainingParts } from './filters.ts';

export {
  FeatureBuilder,
  featureMatrixFromRows,
  identityFeatures,
  rowFeatures,
  featuresOf,
  featureIndex,
  type BucketSpec,
  type FeatureBuilderOptions,
  type FeatureRow,
  type MultiOptions,
  type RowFeature,
} from './features.ts';

export { generateSynthetic, plantedScore, type SyntheticOptions, type SyntheticDataset, type SyntheticTruth } from './synthetic.ts';

export { describe, formatStats, quantiles, type DatasetStats, type Quantiles } from './stats.ts';
