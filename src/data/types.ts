import type { Interactions } from './interactions.ts';
import type { FeatureMatrix } from '../contracts/types.ts';

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
  /** Rows kept with a negative value (negative feedback, or a mistake worth a look). */
  negativeValues?: number;
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
