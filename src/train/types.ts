import type { Interactions } from '../data/interactions.ts';
import type { FeatureMatrix } from '../data/types.ts';

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
  earlyStopping?: EarlyStopping | false;
  callbacks?: TrainingCallbacks;
  /** Progress bar on a TTY, plain lines otherwise; `false` is silent (default `false` in the library, the CLI turns it on). */
  progress?: boolean;
  /** Where progress and warnings go (default stderr). */
  log?: (line: string) => void;
  userFeatures?: FeatureMatrix;
  itemFeatures?: FeatureMatrix;
}
