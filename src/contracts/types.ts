/**
 * The types every layer shares. This module is a leaf: it imports nothing, so any layer may
 * use it (the layer test in test/architecture.test.ts keeps it that way).
 */

/** A tensor as stored in a model file: row-major data and its shape. */
export type TensorData = Float32Array | Float64Array | Int32Array;

export interface Tensor {
  shape: number[];
  data: TensorData;
}

/** Everything a model file needs to rebuild a model. */
export interface ModelState {
  tensors: Record<string, Tensor>;
  /** Small JSON-able extra state (e.g. a global mean). */
  extra?: Record<string, unknown>;
}

/** What evaluation needs of a model: scores for every item, for one user or a batch of users. */
export interface Scorer {
  readonly numItems: number;
  scoreItems(user: number, out: Float32Array): void;
  scoreUsers?(users: Int32Array, out: Float32Array): void;
}

export interface RecommendOptions {
  /** How many items (default 10). */
  k?: number;
  /** Leave out items the user interacted with in training (default true). */
  excludeSeen?: boolean;
  /** Keep only items for which this returns true (by item index). */
  filter?: (item: number) => boolean;
}

export interface Recommendation {
  /** External item id. */
  item: string;
  /** Dense item index. */
  index: number;
  score: number;
  /**
   * Where the score came from (set by `recommend`): `model` (the trained user, or a folded-in
   * history), `fallback` (a history with no known item: popularity among the kept training
   * interactions).
   */
  source?: RecommendationSource;
}

export type RecommendationSource = 'model' | 'fallback';

/** One item of a user's history, by external id; `weight` defaults to 1 (a rating for rating models). */
export interface HistoryItem {
  item: string;
  weight?: number;
}

/** A user given by what they interacted with rather than by id (fold-in: no retraining). */
export interface UserHistory {
  history: readonly (HistoryItem | string)[];
}

/** Who to recommend for: a training user (external id or index) or a history. */
export type UserRef = string | number | UserHistory;

/** A history resolved to item indices (duplicates merged, weights summed, sorted by index). */
export interface HistoryEntry {
  index: number;
  weight: number;
}

/** How an explanation's contributions were computed. */
/**
 * `exact`: the contributions decompose the score; `similarity`: weight × cosine of item vectors;
 * `gradient`: weight × ∂score/∂weight at the history; `leave-one-out`: the score's drop when the
 * item is taken out of the history (one fold-in per history item).
 */
export type ExplanationMethod = 'exact' | 'similarity' | 'gradient' | 'leave-one-out';

export interface Explanation {
  item: string;
  index: number;
  /** The item's score for this user (the folded-in score when the user was given by history). */
  score: number;
  /**
   * The history items that contributed most, largest |weight| first. With method `exact` the
   * contributions of all history items (not only the k shown) plus `base` sum to `score`;
   * otherwise they are an attribution, not a decomposition.
   */
  contributions: { item: string; index: number; weight: number }[];
  /** With method `exact`: the part of the score no history item contributes (biases, a global mean); 0 otherwise. */
  base: number;
  method: ExplanationMethod;
}

/** Whether a model predicts ratings (pointwise) or ranks items (implicit feedback). */
export type Task = 'rating' | 'ranking';

/** Which metadata features a model is given: both sides', users', items' or none. */
export type FeatureUse = 'both' | 'users' | 'items' | 'none';
export const FEATURE_USES: readonly FeatureUse[] = ['both', 'users', 'items', 'none'];

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

export interface EarlyStopping {
  /** Epochs without improvement before stopping. */
  patience: number;
  /** Smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** Put back the parameters of the best epoch when training ends (default true). */
  restoreBest?: boolean;
}

export interface EpochRecord {
  epoch: number;
  loss: number;
  seconds: number;
  /** Validation metric value, when a validation split was given. */
  validation?: number;
}

export interface TrainingHistory {
  epochs: EpochRecord[];
  /** Name of the validation metric (e.g. `auc`, `precision@10`, `rmse`), if any. */
  metric: string | null;
  /** Epoch (1-based) whose parameters the model holds at the end. */
  bestEpoch: number;
  stoppedEarly: boolean;
  warnings: string[];
  seconds: number;
}

export interface TrainingCallbacks {
  /** Return `false` to stop training after this epoch. */
  onEpochEnd?(record: EpochRecord): void | boolean;
  onWarning?(message: string): void;
}
