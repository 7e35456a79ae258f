import type { Interactions } from '../data/interactions.ts';
import type { FeatureMatrix } from '../contracts/types.ts';
import type { Csr } from '../data/interactions.ts';
import type { IdMap } from '../data/idmap.ts';
import type { Rng } from '../core/rng.ts';
import type { TrainingData } from '../modelfile/manifest.ts';
import type { EarlyStopping, ModelState, Scorer, TrainingCallbacks, TrainingHistory } from '../contracts/types.ts';

export interface FitOptions {
  /** Passes over the data (default: the model's `epochs` hyperparameter). */
  epochs?: number;
  /** Worker threads for models that train in parallel (default: number of cores). */
  threads?: number;
  /** With `threads: 1`, a seed makes training bit-for-bit reproducible (default 42). */
  seed?: number;
  /** Held-out interactions to measure after each epoch. */
  validation?: Interactions;
  /** `auc`, `precision@k`, `recall@k`, `ndcg@k`, `map@k`, `mrr@k`, `hit@k`, `rmse`, `mae`, `logloss`, `f1` (default: `auc` for ranking models, `rmse` for rating models). */
  validationMetric?: string;
  /** Validation interactions with value ≥ this are the relevant ones for ranking metrics (default: any value). */
  validationThreshold?: number;
  /**
   * Measure validation on a seeded sample of at most this many users (the same users every
   * epoch), so that ranking every item for every user does not cost more than the epoch itself
   * on a large catalogue; the value is then an estimate, and the log says so. `'all'`: every
   * user. Default `'auto'`: as many as keep a ranking metric's pass under 20 % of an epoch's
   * cost by the model's cost model (`validationCost`), and never fewer than every user whose
   * scores fit in 2 M (user, item) pairs or 100 users (src/train/validation-users.ts).
   */
  validationUsers?: ValidationUsers;
  earlyStopping?: EarlyStopping | false;
  callbacks?: TrainingCallbacks;
  /** Progress bar on a TTY, plain lines otherwise; `false` is silent (default `false` in the library, the CLI turns it on). */
  progress?: boolean;
  /** Where progress and warnings go (default stderr). */
  log?: (line: string) => void;
  userFeatures?: FeatureMatrix;
  itemFeatures?: FeatureMatrix;
  /** Bytes the fit may use; a model whose estimate exceeds it is refused before it starts (default: the machine's available memory). */
  memoryBudget?: number;
  /**
   * Continue training from the model's current parameters instead of starting over: `prepare` is
   * not called, and the new epochs are numbered after the ones the model's parameters already
   * have (its history's best epoch, the state restore-best left). Only for a model that says it
   * is `resumable`, on the data it was fit on (successive-halving search uses this).
   */
  resume?: boolean;
  /** Where the training data came from, recorded in the model file beside its fingerprint. */
  provenance?: { source?: string | null; split?: string | null; positiveThreshold?: number | null };
}

/** Per-epoch work handed to a model by the fit loop (src/train/fit.ts). */
export interface EpochContext {
  epoch: number;
  rng: Rng;
  threads: number;
  options: FitOptions;
  /** Called by a model as work progresses, fraction in [0, 1]. */
  progress(fraction: number): void;
}

/**
 * What the fit loop needs of a model. `Recommender` (src/models) implements it; the loop
 * knows nothing else of models, so training sits below them in the layers.
 */
export interface Trainable extends Scorer {
  readonly type: string;
  readonly config: Record<string, unknown>;
  userIds: IdMap;
  itemIds: IdMap;
  seen: Csr | null;
  userFeatures: FeatureMatrix | null;
  itemFeatures: FeatureMatrix | null;
  history: TrainingHistory | null;
  trainingData: TrainingData | null;
  prepare(train: Interactions, rng: Rng, options: FitOptions): void | Promise<void>;
  /** The peak memory a fit on data of this shape needs, in bytes, where the model can say (null: no estimate). */
  estimateMemory?(shape: DataShape, threads: number): MemoryEstimate | null;
  /**
   * What an epoch on data of this shape and one validation score cost, for `validationUsers:
   * 'auto'` (default: 10 per training row, one row per interaction and sampled negative, 1 per score).
   */
  validationCost?(shape: DataShape): ValidationCost;
  trainEpoch(ctx: EpochContext): number | Promise<number>;
  /**
   * Warnings about this fit's settings against the data the model was just prepared on (a
   * schedule that will not engage in the epochs planned, say); the fit loop asks once, before
   * the first epoch, and warns as it does for its own checks.
   */
  fitWarnings?(plan: { epochs: number }): string[];
  /**
   * True when `trainEpoch` may be called again after a fit in this process (and after
   * `setState`), continuing from the current parameters: the fit loop's `resume` option needs it.
   * (A model loaded from a file has not been prepared, so it cannot resume.)
   */
  readonly resumable?: boolean;
  getState(): ModelState;
  setState(state: ModelState): void;
  score(users: Int32Array, items: Int32Array): Float32Array;
}

/** `'auto'`: the cost model's choice; `'all'`: every user; a number: at most that many users. */
export type ValidationUsers = number | 'all' | 'auto';

/** What one training epoch and one scored (user, item) pair cost, in one unit of the model's choosing (e.g. multiply-adds). */
export interface ValidationCost {
  epoch: number;
  perScore: number;
}

export interface DataShape {
  users: number;
  items: number;
  interactions: number;
}

export interface MemoryEstimate {
  bytes: number;
  /** What takes the memory, e.g. `an items × items float64 Gram matrix and its inverse`. */
  what: string;
  /** What to do when it does not fit. */
  advice: string;
}
