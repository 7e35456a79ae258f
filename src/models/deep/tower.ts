/**
 * The two parts a deep model is composed of. A `Tower` is the network: it fills input rows for
 * (user, item) pairs, runs them forward and backward and steps its own optimizers; it knows
 * nothing of batches or losses. A `Trainer` is the batch loop (pointwise rows with sampled
 * negatives, or triplets): it draws rows, computes the loss and its gradient, and drives a tower.
 */
import type { Activation } from '../../core/activations.ts';
import type { OptimizerConfig, Param } from '../../core/params.ts';
import type { Rng } from '../../core/rng.ts';
import type { FeatureMatrix } from '../../contracts/types.ts';
import type { EpochContext } from '../../train/types.ts';

/** What every embedding + MLP tower is built from (DeepModel.towerBase fills it from the config). */
export interface EmbeddingTowerOptions {
  numUsers: number;
  numItems: number;
  layers: number[];
  activation: Activation;
  dropout: number;
  optimizer: OptimizerConfig;
  initStd: number;
  userFeatures: FeatureMatrix | null;
  itemFeatures: FeatureMatrix | null;
  /** L2 on the embedding rows a batch touches, and on the dense weights. */
  l2: number;
  denseL2: number;
}

/** Full-catalogue scoring for one user at a time, with the per-item work done up front. */
export interface CatalogueScorer {
  /** Prepares the user-side terms every item's score shares. */
  user(user: number): void;
  /** Scores of items [i0, i0 + n) (n ≤ SCORE_CHUNK) for the prepared user into out[o ..]. */
  items(i0: number, n: number, out: Float32Array, o: number): void;
}

/** Fills the rows (users[r], one new item) for r < n. */
export type ColdRows = (users: Int32Array, n: number) => void;

export interface Tower {
  /** Fills the input rows (users[r], items[r]) for r < n. */
  fill(users: Int32Array, items: Int32Array, n: number): void;
  /** Outputs of the n filled rows; a training pass (dropout on, inputs kept) when rng is given. */
  forward(n: number, rng: Rng | null): Float32Array;
  /**
   * Backward from dL/doutput of the last training pass (`dz`, which may be overwritten) into
   * every parameter the rows (users[r], items[r]) touched.
   */
  backward(dz: Float32Array, n: number, users: Int32Array, items: Int32Array): void;
  /** One optimizer step (with the tower's L2) on everything the last backward touched. */
  update(): void;
  /**
   * A filler of rows for a new item described only by item-feature indices (and weights), or
   * null when the tower has no item features.
   */
  coldItem(featureIndices: ArrayLike<number>, featureWeights: ArrayLike<number> | null): ColdRows | null;
  /** A scorer of every item with the per-item precomputation done for the current parameters. */
  catalogue(numItems: number): CatalogueScorer;
  /** Item vectors for similarItems. */
  itemVectors(): { data: Float32Array; dim: number };
  /** Every trainable Param, in the order the model file stores them. */
  params(): Param[];
}

export interface Trainer {
  /** One pass over the training data through `tower`; returns the mean loss. */
  epoch(tower: Tower, ctx: EpochContext): number;
  /**
   * What changes from one epoch to the next (a learning-rate schedule), set on `tower` before any
   * thread trains the epoch; `epoch` applies it itself, the Hogwild path calls it first.
   */
  startEpoch?(tower: Tower, ctx: EpochContext): void;
}

/**
 * A trainer that can also train one slice of an epoch's shuffled positives (a Hogwild thread's
 * chunk, parallel.ts): `order[start .. end)` through `tower`, returning the summed loss and the
 * rows it is averaged over (the same unit `epoch`'s mean uses).
 */
export interface ShardTrainer extends Trainer {
  shard(tower: Tower, order: Int32Array, start: number, end: number, rng: Rng, progress?: (done: number) => void): { loss: number; rows: number };
}

/** Whether `t` can train slices of an epoch (and so train over threads). */
export function isShardTrainer(t: Trainer): t is ShardTrainer {
  return typeof (t as Partial<ShardTrainer>).shard === 'function';
}
