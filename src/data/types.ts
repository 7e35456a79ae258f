import type { Interactions } from './interactions.ts';

/**
 * Sparse, weighted metadata features for users or items: row r (a user or item index, aligned
 * with the dataset's id map) has features `indices[indptr[r]..indptr[r+1])` with `weights`.
 * Each feature belongs to a field ("genre", "age", ...), which DeepFM uses as its fields and
 * hybrid models ignore.
 */
export interface FeatureMatrix {
  readonly rows: number;
  readonly numFeatures: number;
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly weights: Float32Array;
  /** Name of each feature, `field=value` (e.g. `genre=Comedy`, `age=25-34`). */
  readonly vocabulary: string[];
  /** Field index of each feature. */
  readonly fieldOf: Int32Array;
  /** Field names. */
  readonly fields: string[];
}

/** A train/test (and optional validation) split of one dataset: all parts share its id maps. */
export interface Split {
  train: Interactions;
  test: Interactions;
  validation?: Interactions;
}

/** What a load did beside the data: counted, never silent. */
export interface LoadReport {
  file?: string;
  rowsRead: number;
  rowsSkipped: number;
  /** The first few skipped rows' errors, for the user to look at. */
  skippedExamples: string[];
  duplicates: number;
  duplicatePolicy?: string;
}

/** A loaded dataset: interactions, optional metadata features and the dataset's own splits. */
export interface Dataset {
  name: string;
  interactions: Interactions;
  userFeatures?: FeatureMatrix;
  itemFeatures?: FeatureMatrix;
  /** Human-readable item names (e.g. movie titles), by item index, where the dataset has them. */
  itemNames?: string[];
  /** Predefined splits by name (e.g. ml-100k `ua`, `u1`; food-com `official`). */
  splits?: Record<string, () => Promise<Split>>;
  /** Whether values are explicit ratings, and their scale. */
  ratingScale?: { min: number; max: number };
  report: LoadReport;
}
