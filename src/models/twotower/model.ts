/**
 * A two-tower retrieval model (Yi et al. 2019, "Sampling-Bias-Corrected Neural Modeling for
 * Large Corpus Item Recommendations"; Covington et al. 2016, "Deep Neural Networks for YouTube
 * Recommendations"): a user tower over the user's id, metadata features and mean history item
 * vector, an item tower over the item's id and metadata features, unit-length outputs compared
 * by dot product / temperature, trained with a sampled softmax over the batch's own items
 * (+ `negatives` extra uniformly or popularity-sampled items per batch) with the log-Q correction,
 * Adam. The network and loss are in network.ts.
 *
 * Retrieval: the user and item vectors are plain factor tables (`userFactors`, `itemFactors`),
 * so scoring a block of users is one GEMM (and any exact or approximate nearest-neighbour index
 * over inner products serves it). Cold start: an item with features but no interactions gets its
 * vector from its features (`itemVectorFromFeatures`), a user known only by features or a
 * history from those (`scoreItemsFromFeatures`, `recommend({ history })`).
 *
 * Log-Q: `popularity` uses the known training frequency (Q_j = B·count_j / total for in-batch
 * candidates, M·count_j / total for popularity-sampled extras, M / items for uniform ones);
 * `streaming` the paper's streaming estimate for in-batch candidates (frequency.ts); `none` none.
 * `softmax: full` trains the exact softmax over every item instead (no sampling, so no log Q):
 * for catalogues of a few thousand items it costs about as much as the towers themselves.
 * With `threads` > 1 (and at least 20,000 positives) training runs Hogwild over worker threads
 * (parallel.ts: shared weights, each thread its own batches, so each in-batch softmax is a batch of
 * one thread); with one thread it is deterministic for a seed.
 *
 * `historyLimit: H` bounds the history the user tower averages while training, as YouTube's
 * model caps the watch history (Covington et al. 2016): a user whose history is longer than H
 * gets a fresh seeded uniform sample of H of it in each batch (history-sample.ts: not "the most
 * recent H", since timestamps are optional), so the work and the history rows a batch steps stay
 * bounded as histories grow. Scoring and fold-in use the whole history, the expectation of the
 * sample's mean. With H at least every training history nothing is sampled and the fit is the
 * unlimited one, bit for bit.
 */
import { availableParallelism } from 'node:os';
import { ConfigError } from '../../contracts/errors.ts';
import type { HistoryEntry, ModelState } from '../../contracts/types.ts';
import { ACTIVATIONS, type Activation } from '../../core/activations.ts';
import { matmulTransB } from '../../core/matmul.ts';
import type { OptimizerConfig } from '../../core/params.ts';
import { Rng } from '../../core/rng.ts';
import type { Csr, Interactions } from '../../data/interactions.ts';
import type { DataShape, EpochContext, FitOptions, MemoryEstimate, ValidationCost } from '../../train/types.ts';
import { twoTowerCost, twoTowerMemory } from './cost.ts';
import { loadParams, paramTensors } from '../deep/state.ts';
import { Recommender } from '../recommender.ts';
import { defineModel, resolveConfig } from '../spec.ts';
import { HistorySampler } from './history-sample.ts';
import { TwoTowerBatches, type TwoTowerBatchOptions, type TwoTowerTrainData } from './batches.ts';
import { TwoTowerNet, type TwoTowerShape } from './network.ts';
import { TwoTowerHogwild } from './parallel.ts';
import { MIN_PARALLEL_POSITIVES } from '../deep/parallel.ts';

export type TwoTowerConfig = {
  /** Size of the user and item vectors the towers output. */
  factors: number;
  /** Width of the id, feature and history embeddings (the towers' inputs). */
  embeddingDim: number;
  /** Hidden layers of each tower; [] = a linear map. */
  layers: number[];
  /** Activation of the hidden layers. */
  activation: Activation;
  /** Softmax temperature τ: score = ⟨u, v⟩ / τ between unit vectors. */
  temperature: number;
  /** `in-batch`: the batch's items (+ extra negatives) with log-Q; `full`: every item, exact. */
  softmax: 'in-batch' | 'full';
  /** Extra sampled negatives per batch, shared by its rows (beside the in-batch ones). */
  negatives: number;
  negativeSampler: 'uniform' | 'popularity';
  logQ: 'popularity' | 'streaming' | 'none';
  /** Moving-average rate of the streaming frequency estimate. */
  streamingAlpha: number;
  /** Put the mean of the user's history item vectors in the user tower. */
  history: boolean;
  /** While training, average at most this many history items per user and batch (a seeded sample); null: all. */
  historyLimit: number | null;
  /** Give each user its own id vector. */
  userIdentity: boolean;
  /** Give each item its own id vector. */
  itemIdentity: boolean;
  /** Standard deviation of the embeddings' normal init. */
  embeddingStd: number;
  batchSize: number;
  optimizer: 'adam' | 'sgd' | 'adagrad';
  learningRate: number;
  l2: number;
  epochs: number;
  seed: number;
  threads: number;
  task: 'ranking';
};

export class TwoTower extends Recommender {
  readonly type = 'two-tower';
  readonly config: TwoTowerConfig;
  private net: TwoTowerNet | null = null;
  private order: Int32Array = new Int32Array(0);
  /** The batch loop of this thread (between prepare and the end of training). */
  private batches: TwoTowerBatches | null = null;
  /** Worker threads of a multi-threaded fit (between prepare and the end of fit). */
  private hogwild: TwoTowerHogwild | null = null;
  private users: Float32Array | null = null;
  private items: Float32Array | null = null;

  constructor(config: Partial<TwoTowerConfig> = {}) {
    super();
    const c = resolveConfig(twoTowerSpec, config);
    c.layers = c.layers.slice();
    this.config = c;
  }

  get network(): TwoTowerNet | null {
    return this.net;
  }

  /** The network's shape for the current users, items and features. */
  private shape(): TwoTowerShape {
    const c = this.config;
    return {
      numUsers: this.numUsers,
      numItems: this.numItems,
      embeddingDim: c.embeddingDim,
      factors: c.factors,
      layers: c.layers,
      activation: c.activation,
      userIdentity: c.userIdentity,
      itemIdentity: c.itemIdentity,
      history: c.history,
      userFeatures: this.userFeatures,
      itemFeatures: this.itemFeatures,
    };
  }

  private optimizer(): OptimizerConfig {
    return { name: this.config.optimizer, learningRate: this.config.learningRate };
  }

  /** `shared`: in shared memory from the start, when Hogwild workers will train it. */
  private build(rng: Rng, shared = false): TwoTowerNet {
    if (this.numItems === 0) throw new ConfigError('two-tower: no items to model');
    this.net = new TwoTowerNet(this.shape(), this.optimizer(), rng, this.config.embeddingStd, shared);
    this.invalidate();
    return this.net;
  }

  /** Synchronous on one thread (its errors throw at once); a promise when worker threads start. */
  prepare(train: Interactions, rng: Rng, options: FitOptions): void | Promise<void> {
    const c = this.config;
    if (train.length === 0) throw new ConfigError('two-tower: no training interactions');
    if (c.softmax === 'full' && c.negatives > 0) throw new ConfigError('two-tower: softmax "full" already scores every item; set negatives to 0');
    const workers = this.workers(options.threads ?? c.threads, train.length);
    const net = this.build(rng, workers > 0);
    // Shared with the workers when there are any: every thread claims chunks of the one shuffle.
    this.order = new Int32Array(workers > 0 ? new SharedArrayBuffer(train.length * 4) : new ArrayBuffer(train.length * 4));
    for (let k = 0; k < train.length; k++) this.order[k] = k;
    const counts = train.itemCounts();
    const data: TwoTowerTrainData = {
      posUsers: train.users,
      posItems: train.items,
      rows: train.byUser(),
      logPopularity: Float32Array.from(counts, (n) => Math.log(Math.max(n, 1) / train.length)),
      numItems: this.numItems,
    };
    const batchOptions: TwoTowerBatchOptions = {
      batchSize: c.batchSize,
      softmax: c.softmax,
      negatives: c.negatives,
      negativeSampler: c.negativeSampler,
      logQ: c.logQ,
      streamingAlpha: c.streamingAlpha,
      temperature: c.temperature,
      l2: c.l2,
    };
    this.batches = new TwoTowerBatches(data, batchOptions);
    const previous = this.stopThreads();
    if (workers === 0) return previous;
    // Forked only when used, so a one-thread fit draws exactly what it always did.
    const fork = rng.fork();
    return previous.then(async () => {
      this.hogwild = await TwoTowerHogwild.start(net, this.shape(), this.optimizer(), data, this.order, batchOptions, workers + 1, fork);
    });
  }

  /** Peak memory of a fit: the embedding tables with gradients and optimizer state dominate (cost.ts). */
  estimateMemory(shape: DataShape, threads = 1): MemoryEstimate {
    return twoTowerMemory(shape, this.config, this.featureCounts(), this.workers(threads, shape.interactions));
  }

  /** The Hogwild worker threads a fit on `threads` threads over `positives` starts (0: one thread). */
  private workers(threads: number, positives: number): number {
    const n = Math.min(threads, availableParallelism());
    return n > 1 && positives >= MIN_PARALLEL_POSITIVES ? n - 1 : 0;
  }

  /** An epoch's work against one validation score (a dot product), for validationUsers 'auto' (cost.ts). */
  validationCost(shape: DataShape): ValidationCost {
    return twoTowerCost(shape, this.config, this.featureCounts());
  }

  private featureCounts(): { user: number; item: number } {
    return { user: this.userFeatures?.numFeatures ?? 0, item: this.itemFeatures?.numFeatures ?? 0 };
  }

  async trainEpoch(ctx: EpochContext): Promise<number> {
    const net = this.requireNet();
    const rows = this.seen;
    const batches = this.batches;
    if (!rows || !batches) throw new ConfigError('two-tower: prepare() must run before trainEpoch()');
    const c = this.config;
    const order = this.order;
    ctx.rng.shuffle(order);
    // Only a limit some history exceeds draws anything, so a limit above every history is the unlimited fit exactly.
    const limit = c.history && c.historyLimit !== null && c.historyLimit < longestRow(rows) - 1 ? c.historyLimit : null;
    net.sampleHistory(limit !== null ? new HistorySampler(limit, new Rng(ctx.rng.nextUint32())) : null);
    const loss = this.hogwild ? await this.hogwild.epoch(batches, net, limit, ctx) : this.oneThread(batches, net, order, ctx);
    this.invalidate();
    return loss;
  }

  /** The epoch on this thread alone: the mean loss. */
  private oneThread(batches: TwoTowerBatches, net: TwoTowerNet, order: Int32Array, ctx: EpochContext): number {
    const r = batches.shard(net, order, 0, order.length, ctx.rng, ctx.progress);
    return r.loss / order.length;
  }

  protected override async stopThreads(): Promise<void> {
    const h = this.hogwild;
    this.hogwild = null;
    if (h) await h.close();
  }

  private invalidate(): void {
    this.users = null;
    this.items = null;
  }

  /** The user vectors of every training user (numUsers × factors, unit length), from their training histories. */
  userFactors(): { data: Float32Array; dim: number } {
    this.users ??= this.requireNet().userVectors(this.seen);
    return { data: this.users, dim: this.config.factors };
  }

  /** The item vectors of every item (numItems × factors, unit length). */
  itemFactors(): { data: Float32Array; dim: number } {
    this.items ??= this.requireNet().itemVectors();
    return { data: this.items, dim: this.config.factors };
  }

  override itemVectors(): { data: Float32Array; dim: number } {
    return this.itemFactors();
  }

  scoreItems(user: number, out: Float32Array): void {
    this.scoreUsers(Int32Array.of(user), out);
  }

  /** ⟨u, v⟩ / τ for a block of users against every item: one GEMM. */
  override scoreUsers(users: Int32Array, out: Float32Array): void {
    const D = this.config.factors;
    const U = this.userFactors().data;
    const block = new Float32Array(users.length * D);
    for (let r = 0; r < users.length; r++) block.set(U.subarray(users[r] * D, (users[r] + 1) * D), r * D);
    this.scoreVectors(block, users.length, out);
  }

  private scoreVectors(block: Float32Array, n: number, out: Float32Array): void {
    const N = this.numItems;
    matmulTransB(block, this.itemFactors().data, out, n, this.config.factors, N);
    const inv = 1 / this.config.temperature;
    for (let k = 0; k < n * N; k++) out[k] *= inv;
  }

  /** Scores of every item for a user known only by metadata features (cold-start user), optionally with a history. */
  scoreItemsFromFeatures(featureIndices: ArrayLike<number>, weights: ArrayLike<number> | null, out: Float32Array, history: ArrayLike<number> = []): void {
    this.scoreVectors(this.requireNet().coldUserVector(featureIndices, weights, history), 1, out);
  }

  /** The vector of a new item known only by metadata features (cold-start item), comparable with `itemFactors`. */
  itemVectorFromFeatures(featureIndices: ArrayLike<number>, weights: ArrayLike<number> | null = null): Float32Array {
    return this.requireNet().coldItemVector(featureIndices, weights);
  }

  /** Score of user index `user` for a new item known only by metadata features. */
  scoreNewItem(user: number, featureIndices: ArrayLike<number>, weights: ArrayLike<number> | null = null): number {
    const v = this.itemVectorFromFeatures(featureIndices, weights);
    const D = this.config.factors;
    const U = this.userFactors().data;
    let s = 0;
    for (let d = 0; d < D; d++) s += U[user * D + d] * v[d];
    return s / this.config.temperature;
  }

  /** Fold-in (exact): the user tower over the history's items (weights ignored), no id or features. */
  protected override scoreHistory(history: HistoryEntry[], out: Float32Array): void {
    this.scoreItemsFromFeatures(
      [],
      null,
      out,
      history.map((h) => h.index),
    );
  }

  private requireNet(): TwoTowerNet {
    if (!this.net) throw new ConfigError('two-tower: the model has not been trained or loaded');
    return this.net;
  }

  getState(): ModelState {
    return { tensors: paramTensors(this.requireNet().params()) };
  }

  setState(state: ModelState): void {
    if (!this.net) this.build(new Rng(this.config.seed));
    loadParams(state, this.requireNet().params());
    this.invalidate();
  }
}

/** The most items of any row. */
function longestRow(rows: Csr): number {
  let longest = 0;
  for (let r = 0; r < rows.rows; r++) longest = Math.max(longest, rows.indptr[r + 1] - rows.indptr[r]);
  return longest;
}

export const twoTowerSpec = defineModel({
  type: 'two-tower',
  description:
    'two-tower retrieval (Yi et al. 2019): user tower over id + features + history, item tower over id + features, in-batch sampled softmax with log-Q correction; cold-start vectors from features',
  task: 'ranking',
  defaults: {
    factors: 64,
    embeddingDim: 64,
    layers: [128],
    activation: 'relu',
    temperature: 0.2,
    softmax: 'in-batch',
    negatives: 0,
    negativeSampler: 'uniform',
    logQ: 'popularity',
    streamingAlpha: 0.01,
    history: true,
    historyLimit: null,
    userIdentity: true,
    itemIdentity: true,
    embeddingStd: 0.05,
    batchSize: 256,
    optimizer: 'adam',
    learningRate: 0.001,
    l2: 0,
    epochs: 20,
    seed: 42,
    threads: 1,
    task: 'ranking',
  } as TwoTowerConfig,
  schema: {
    factors: { kind: 'int', min: 1, help: 'size of the user and item vectors (the retrieval space)' },
    embeddingDim: { kind: 'int', min: 1, help: 'width of the id, feature and history embeddings fed to the towers' },
    layers: { kind: 'sizes', help: 'hidden layers of each tower; [] = linear' },
    activation: { kind: 'enum', values: ACTIVATIONS, help: 'activation of the hidden layers' },
    temperature: { kind: 'number', min: 0, exclusiveMin: true, help: 'softmax temperature τ: score = cosine / τ' },
    softmax: { kind: 'enum', values: ['in-batch', 'full'], help: 'in-batch: the batch items (+ negatives) with log-Q; full: every item (exact; negatives and logQ unused)' },
    negatives: { kind: 'int', min: 0, help: 'extra sampled negatives per batch, beside the in-batch ones' },
    negativeSampler: { kind: 'enum', values: ['uniform', 'popularity'], help: 'how the extra negatives are drawn' },
    logQ: { kind: 'enum', values: ['popularity', 'streaming', 'none'], help: 'log-Q correction: known training frequency, the streaming estimate, or none' },
    streamingAlpha: { kind: 'number', min: 0, max: 1, exclusiveMin: true, help: 'moving-average rate of the streaming frequency estimate (logQ: streaming)' },
    history: { kind: 'boolean', help: "put the mean of the user's history item vectors in the user tower" },
    historyLimit: {
      kind: 'int',
      min: 1,
      nullable: true,
      help: "while training, average at most this many of a user's history items per batch (a seeded uniform sample); null: all. Scoring uses all",
    },
    userIdentity: { kind: 'boolean', help: 'give each user its own id vector (off: features and history only)' },
    itemIdentity: { kind: 'boolean', help: 'give each item its own id vector (off: features only)' },
    embeddingStd: { kind: 'number', min: 0, help: "standard deviation of the embeddings' normal init" },
    batchSize: { kind: 'int', min: 1, help: 'positive pairs per batch (and in-batch candidates)' },
    optimizer: { kind: 'enum', values: ['adam', 'sgd', 'adagrad'], help: 'optimizer of every weight' },
    learningRate: { kind: 'number', min: 0, exclusiveMin: true, help: 'step size' },
    l2: { kind: 'number', min: 0, help: 'weight decay on the rows and weights a batch updates' },
    epochs: { kind: 'int', min: 0, help: 'passes over the training interactions' },
    seed: { kind: 'int', min: 0, help: 'random seed; one-thread training is reproducible' },
    threads: { kind: 'int', min: 1, help: 'train Hogwild over this many threads (1 = reproducible)' },
    task: { kind: 'enum', values: ['ranking'], help: 'implicit feedback: ranking only' },
  },
  create: (config) => new TwoTower(config),
});
