/**
 * Hogwild training of the deep models over worker threads (Recht et al. 2011, "Hogwild!: a
 * lock-free approach to parallelizing stochastic gradient descent"). Every parameter and its
 * Adam moments live in SharedArrayBuffers; each thread, the main one included, runs the usual
 * mini-batch loop (pointwise rows with sampled negatives, or triplets) with its own negative
 * sampler and its own copy of the network's batch buffers, and writes its optimizer steps
 * straight into the shared tables without locks. Embedding rows of two threads' batches rarely
 * collide; the small dense layers do, which costs a little staleness, not correctness.
 *
 * The epoch's shuffled positives are not split in halves up front: every thread claims the next
 * chunk of a few batches from a shared cursor (one Atomics.add per chunk) until none is left, so a
 * thread that runs slower (another job on its core, a colder cache) takes fewer chunks instead of
 * keeping the others waiting at the end of the epoch.
 * With one thread none of this runs: training stays on the main thread and is reproducible.
 */
import type { Param } from '../../core/params.ts';
import { hogwildEpoch, sharedCopy, trainClaimed, WorkerPool } from '../../core/pool.ts';
import type { Rng } from '../../core/rng.ts';
import type { FeatureMatrix } from '../../contracts/types.ts';
import type { Interactions } from '../../data/interactions.ts';
import type { NegativeSamplerKind } from '../../sampling/negatives.ts';
import type { EpochContext } from '../../train/types.ts';
import { stripFeatures } from '../bilinear/tables.ts';
import { ConcatTower, type ConcatTowerOptions } from './concat-tower.ts';
import { DeepFmTower, type DeepFmTowerOptions } from './deepfm-tower.ts';
import { FieldLayout } from './fields.ts';
import { NeuMFTower } from './neumf-tower.ts';
import { NeuralRatingTower, type NeuralRatingTowerOptions } from './neural-rating-tower.ts';
import type { PointwiseLoss } from './pointwise.ts';
import type { ShardTrainer, Tower } from './tower.ts';
import type { TripletLoss } from './triplets.ts';

/** DeepFM's tower options with the field layout as the plain values it is built from. */
export type DeepFmRecipeOptions = Omit<DeepFmTowerOptions, 'layout'> & {
  numUsers: number;
  numItems: number;
  userFeatures: FeatureMatrix | null;
  itemFeatures: FeatureMatrix | null;
};

/** Which tower a worker builds, from plain (structured-clone) options. */
export type TowerRecipe =
  | { kind: 'concat'; options: ConcatTowerOptions }
  | { kind: 'neumf'; options: ConcatTowerOptions & { gmfFactors: number } }
  | { kind: 'deepfm'; options: DeepFmRecipeOptions }
  | { kind: 'neural-rating'; options: NeuralRatingTowerOptions };

/** The negative sampler a worker builds (its own, with its own seed). */
export interface SamplerRecipe {
  kind: NegativeSamplerKind;
  alpha?: number;
  excludePositives?: boolean;
}

/** ncf / neumf's plan (kept as it was): a tower and pointwise batch settings. */
export interface PointwisePlan {
  tower: TowerRecipe;
  /** Negative sampling (null: the values are the labels). */
  sampler: SamplerRecipe | null;
  negatives: number;
  batchSize: number;
  loss: PointwiseLoss;
  /** Softmax only: shift each sampled negative's logit by −log(k·Q) (pointwise.ts). */
  logQ?: boolean;
}

/** Triplet batches: `batchSize` (u, i⁺, i⁻) triplets per batch with a margin or BPR loss. */
export interface TripletPlan {
  tower: TowerRecipe;
  sampler: SamplerRecipe;
  batchSize: number;
  loss: TripletLoss;
  margin: number;
}

/** Everything a model tells the Hogwild trainer: its tower and its batch loop. */
export type HogwildPlan = ({ trainer: 'pointwise' } & PointwisePlan) | ({ trainer: 'triplet' } & TripletPlan);

/** The tower a recipe describes (its initial weights are overwritten by the shared ones in a worker). */
export function buildTower(recipe: TowerRecipe, rng: Rng): Tower {
  switch (recipe.kind) {
    case 'neumf':
      return new NeuMFTower(rng, recipe.options);
    case 'deepfm': {
      const { numUsers, numItems, userFeatures, itemFeatures, ...rest } = recipe.options;
      return new DeepFmTower(rng, { ...rest, layout: new FieldLayout(numUsers, numItems, userFeatures, itemFeatures) });
    }
    case 'neural-rating':
      return new NeuralRatingTower(rng, recipe.options);
    case 'concat':
      return new ConcatTower(rng, recipe.options);
  }
}

/**
 * Positives per batch of a plan: what PointwiseBatches and TripletTrainer take per batch, so that
 * a chunk of whole batches ends on a batch boundary.
 */
export function positivesPerBatch(plan: HogwildPlan): number {
  if (plan.trainer === 'triplet') return Math.max(1, plan.batchSize);
  const negatives = plan.sampler ? plan.negatives : 0;
  return Math.max(1, Math.floor(plan.batchSize / (1 + negatives)));
}

/** Batches per claimed chunk: small enough to balance the threads, large enough that claiming is free. */
export const BATCHES_PER_CHUNK = 8;

export interface SharedParamBuffers {
  name: string;
  buffers: ReturnType<Param['buffers']>;
}

/** What a deep worker gets once. */
export interface DeepWorkerInit {
  plan: HogwildPlan;
  params: SharedParamBuffers[];
  users: Int32Array;
  items: Int32Array;
  values: Float32Array;
  numItems: number;
  seenIndptr: Int32Array;
  seenIndices: Int32Array;
  itemCounts: Int32Array | null;
  order: Int32Array;
  /** [0]: the next unclaimed position of `order` in the current epoch. */
  cursor: Int32Array;
  /** Positions per claimed chunk (whole batches). */
  chunk: number;
  /** [0]: optimizer steps taken so far by every thread (a weight average on the main thread follows them). */
  steps: Int32Array;
  seeds: number[];
}

/** What a deep worker gets every epoch: the epoch and each parameter's learning rate for it. */
export interface DeepEpochMessage {
  epoch: number;
  learningRates: number[];
}

/** Positives below which threads are not worth starting (a worker loads its modules first). */
export const MIN_PARALLEL_POSITIVES = 20_000;

/** One thread's share of an epoch: the summed loss, the rows (or triplets) it came from, and the positives it trained. */
export interface ShardResult {
  loss: number;
  rows: number;
  positives: number;
}

/**
 * Claims chunks of `order` from `cursor` until the epoch is used up and trains each; what the
 * main thread and every worker run per epoch.
 */
export function trainClaimedChunks(
  trainer: ShardTrainer,
  tower: Tower,
  order: Int32Array,
  cursor: Int32Array,
  chunk: number,
  rng: Rng,
  progress: (done: number) => void = () => {},
): ShardResult {
  return trainClaimed(order.length, cursor, chunk, (start, end) => trainer.shard(tower, order, start, end, rng), progress);
}

/** The recipe with its feature matrices trimmed for the structured clone. */
function forWorkers(recipe: TowerRecipe): TowerRecipe {
  const o = recipe.options;
  return { ...recipe, options: { ...o, userFeatures: stripFeatures(o.userFeatures), itemFeatures: stripFeatures(o.itemFeatures) } } as TowerRecipe;
}

/** The main thread's side: the pool, the shared order and cursor, one epoch over every thread. */
export class Hogwild {
  private readonly pool: WorkerPool;
  private readonly order: Int32Array;
  private readonly cursor: Int32Array;
  private readonly chunk: number;
  /** [0]: the optimizer steps every thread has taken (the workers count theirs; the main thread's trainer may count its own). */
  readonly steps: Int32Array;

  private constructor(pool: WorkerPool, order: Int32Array, cursor: Int32Array, chunk: number, steps: Int32Array) {
    this.pool = pool;
    this.order = order;
    this.cursor = cursor;
    this.chunk = chunk;
    this.steps = steps;
  }

  /**
   * Moves `tower`'s parameters into shared memory and starts `threads − 1` workers training the
   * same tower over them. `rng` draws the workers' seeds.
   */
  static async start(plan: HogwildPlan, tower: Tower, train: Interactions, threads: number, rng: Rng): Promise<Hogwild> {
    const params = tower.params().map((p) => ({ name: p.name, buffers: p.shareBuffers() }));
    const seen = train.byUser();
    const order = new Int32Array(new SharedArrayBuffer(train.length * 4));
    const cursor = new Int32Array(new SharedArrayBuffer(4));
    const steps = new Int32Array(new SharedArrayBuffer(4));
    const chunk = positivesPerBatch(plan) * BATCHES_PER_CHUNK;
    const popularity = plan.sampler?.kind === 'popularity';
    const init: DeepWorkerInit = {
      plan: { ...plan, tower: forWorkers(plan.tower) },
      params,
      users: sharedCopy(train.users),
      items: sharedCopy(train.items),
      values: sharedCopy(train.values),
      numItems: train.numItems,
      seenIndptr: sharedCopy(seen.indptr),
      seenIndices: sharedCopy(seen.indices),
      itemCounts: popularity ? train.itemCounts() : null,
      order,
      cursor,
      chunk,
      steps,
      seeds: Array.from({ length: threads - 1 }, () => rng.nextUint32()),
    };
    const pool = await WorkerPool.start(new URL('./worker.ts', import.meta.url), threads - 1, init);
    return new Hogwild(pool, order, cursor, chunk, steps);
  }

  get threads(): number {
    return this.pool.size + 1;
  }

  /** One epoch: a fresh shuffle, then every thread (this one too) claims chunks until none is left; the mean loss. */
  async epoch(trainer: ShardTrainer, tower: Tower, ctx: EpochContext): Promise<number> {
    this.order.set(ctx.rng.permutation(this.order.length));
    // The epoch's learning rates (a schedule sets them on this thread's parameters) go to every worker.
    const message: DeepEpochMessage = { epoch: ctx.epoch, learningRates: tower.params().map((p) => p.learningRate) };
    const messages = Array.from({ length: this.pool.size }, () => message);
    const claim = { n: this.order.length, cursor: this.cursor, chunk: this.chunk };
    return hogwildEpoch(this.pool, messages, claim, (start, end) => trainer.shard(tower, this.order, start, end, ctx.rng), ctx.progress);
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
