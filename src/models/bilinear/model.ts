import { availableParallelism } from 'node:os';
import { ConfigError } from '../../contracts/errors.ts';
import type { Interactions } from '../../data/interactions.ts';
import type { OptimizerConfig } from '../../core/params.ts';
import { WorkerPool } from '../../core/pool.ts';
import type { Rng } from '../../core/rng.ts';
import { NegativeSampler } from '../../sampling/negatives.ts';
import type { FitOptions } from '../../train/types.ts';
import type { TrainingHistory } from '../../contracts/types.ts';
import { BilinearKernel, type KernelSpec } from './kernel.ts';
import { BILINEAR_SCHEMA, BILINEAR_TYPES, bilinearDefaults, deriveBilinearConfig, type BilinearConfig, type BilinearSettings, type BilinearType } from './config.ts';
import { BilinearScorer } from './scoring.ts';
import { createTables, shareTables, stripFeatures, tableParams, type BilinearTables, type TableLayout } from './tables.ts';
import type { BilinearShard, BilinearWorkerInit } from './worker.ts';
import { Recommender, requireTensor } from '../recommender.ts';
import { defineModel, resolveConfig, type ModelSpec } from '../spec.ts';
import type { EpochContext } from '../../train/types.ts';
import type { HistoryEntry, ModelState } from '../../contracts/types.ts';
import { fitUserVector, type FixedItems } from './fold-in.ts';
import { CustomLossTrainer } from './custom-loss.ts';
import type { CustomTripletLoss } from '../deep/custom-loss.ts';

const EPSILON = 1e-7;

/**
 * One bilinear model for implicit feedback, score(u, i) = sim(p_u, q_i) + b_i (+ b_u), trained
 * on sampled negatives with a choice of loss: pointwise `logistic`, `bpr`, `warp`, `margin`
 * (the triplet loss, dot or cosine) or `adaptive-hinge`. Given metadata features, p_u and q_i
 * are LightFM-style hybrid sums, so users and items without interactions still get vectors.
 * With `threads > 1` epochs run Hogwild over worker threads sharing the parameter buffers.
 */
export class BilinearModel extends Recommender {
  readonly type: BilinearType;
  readonly config: BilinearConfig;
  tables: BilinearTables | null = null;
  private kernel: BilinearKernel | null = null;
  private pool: WorkerPool | null = null;
  /** What the last prepare started its worker threads with, so a resumed fit can start them again. */
  private workerInit: { threads: number; init: BilinearWorkerInit } | null = null;
  /**
   * Training can continue after a fit (fit option `resume`, e.g. successive-halving search): the
   * tables, positives and sampler that prepare made stay, and the worker threads start again.
   */
  readonly resumable = true;
  private posUsers: Int32Array = new Int32Array(0);
  private posItems: Int32Array = new Int32Array(0);
  private order: Int32Array = new Int32Array(0);
  private readonly scorer = new BilinearScorer();
  /** A custom triplet loss (library API) replacing config.loss in the next fits; null: the configured one. */
  customLoss: CustomTripletLoss | null = null;
  private customTrainer: CustomLossTrainer | null = null;

  constructor(type: BilinearType = 'bilinear', config: Partial<BilinearSettings> & { threads?: number; seed?: number } = {}) {
    super();
    this.type = type;
    this.config = deriveBilinearConfig(resolveConfig(bilinearSpec(type), config));
  }

  /**
   * Trains with a custom triplet loss from now on (see bilinear/custom-loss.ts; the same loss
   * objects as the deep match model's `useLoss`), on one thread; returns the model.
   */
  useLoss(loss: CustomTripletLoss | null): this {
    this.customLoss = loss;
    return this;
  }

  /** Fit; a resumed fit first restarts the worker threads the last one used (the base fit stops them after). */
  override async fit(train: Interactions, options: FitOptions = {}): Promise<TrainingHistory> {
    if (options.resume && this.kernel && this.workerInit && !this.pool) await this.restartPool();
    return super.fit(train, options);
  }

  async prepare(train: Interactions, rng: Rng, options: FitOptions): Promise<void> {
    await this.stopThreads();
    const c = this.config;
    const custom = this.customLoss;
    const threads = options.threads ?? c.threads ?? availableParallelism();
    const { users, items } = positives(train, c.positiveThreshold);
    if (users.length === 0) throw new ConfigError(`no training positives (positiveThreshold ${c.positiveThreshold})`);
    // User code cannot run in the kernel's worker threads: a custom loss trains on this one.
    if (custom && threads > 1 && options.epochs !== 0) {
      (options.log ?? ((line: string) => process.stderr.write(line + '\n')))(
        `${this.type}: custom loss "${custom.name}" trains on one thread (the multi-threaded kernel runs only the built-in losses)`,
      );
    }
    const parallel = !custom && threads > 1 && users.length >= c.minParallelPositives;
    this.workerInit = null;
    this.posUsers = parallel ? toShared(users) : users;
    this.posItems = parallel ? toShared(items) : items;
    this.order = parallel ? new Int32Array(new SharedArrayBuffer(users.length * 4)) : new Int32Array(users.length);
    const layout = this.layout();
    this.tables = createTables(layout, parallel);
    for (const p of tableParams(this.tables)) {
      if (p.name.startsWith('user.') || p.name.startsWith('item.')) p.init({ kind: 'uniform', scale: c.initScale }, rng);
    }
    const seen = train.byUser();
    const sampler = new NegativeSampler(train, { kind: c.sampler, alpha: c.samplerAlpha, excludePositives: true, rng: rng.fork() });
    this.kernel = new BilinearKernel(this.kernelSpec(), this.tables, sampler, EPSILON);
    this.customTrainer = custom ? new CustomLossTrainer(custom, this.kernelSpec(), this.tables, sampler) : null;
    this.scorer.invalidate();
    this.foldItems = null;
    if (!parallel) return;
    const seenIndptr = toShared(seen.indptr);
    const seenIndices = toShared(seen.indices);
    const { userFeatures: _u, itemFeatures: _i, ...plainLayout } = layout;
    const init: BilinearWorkerInit = {
      spec: this.kernelSpec(),
      layout: plainLayout,
      userFeatures: stripFeatures(layout.userFeatures),
      itemFeatures: stripFeatures(layout.itemFeatures),
      params: shareTables(this.tables),
      epsilon: EPSILON,
      users: this.posUsers,
      items: this.posItems,
      order: this.order,
      seenIndptr,
      seenIndices,
      itemCounts: c.sampler === 'popularity' ? train.itemCounts() : null,
      sampler: c.sampler,
      samplerAlpha: c.samplerAlpha,
      seeds: Array.from({ length: threads - 1 }, () => rng.nextUint32()),
    };
    this.workerInit = { threads, init };
    this.pool = await WorkerPool.start(new URL('./worker.ts', import.meta.url), threads - 1, init);
  }

  /** The worker threads of the last prepare again, over the same shared tables, with new sampling seeds. */
  private async restartPool(): Promise<void> {
    const { threads, init } = this.workerInit!;
    const seeds = init.seeds.map((seed) => (seed + 0x9e3779b1) >>> 0);
    this.workerInit = { threads, init: { ...init, seeds } };
    this.pool = await WorkerPool.start(new URL('./worker.ts', import.meta.url), threads - 1, this.workerInit.init);
  }

  async trainEpoch(ctx: EpochContext): Promise<number> {
    const kernel = this.kernel;
    if (!kernel) throw new ConfigError(`${this.type} has not been prepared for training (a model loaded from a file cannot resume): fit it instead`);
    const n = this.order.length;
    const order = this.order;
    for (let k = 0; k < n; k++) order[k] = k;
    ctx.rng.shuffle(order);
    const shards = 1 + (this.pool?.size ?? 0);
    const bound = (s: number): number => Math.floor((s * n) / shards);
    const others = this.pool ? this.pool.run<number>(Array.from({ length: shards - 1 }, (_, s): BilinearShard => ({ start: bound(s + 1), end: bound(s + 2) }))) : null;
    // The main thread trains shard 0 itself, in chunks so progress can be reported.
    let loss = 0;
    const end = bound(1);
    const chunk = 65_536;
    const custom = this.customTrainer;
    for (let s = 0; s < end; s += chunk) {
      if (custom) loss += custom.run(this.posUsers, this.posItems, order, s, Math.min(end, s + chunk));
      else loss += kernel.run(this.posUsers, this.posItems, order, s, Math.min(end, s + chunk));
      ctx.progress(Math.min(end, s + chunk) / end);
    }
    if (others) for (const l of await others) loss += l;
    this.scorer.invalidate();
    this.foldItems = null;
    return loss / n;
  }

  scoreItems(user: number, out: Float32Array): void {
    this.scorer.scoreItems(this.requireTables(), this.config.similarity, user, out);
  }

  /** Scores for a block of users (users × items): one GEMM against the item table. */
  override scoreUsers(users: Int32Array, out: Float32Array): void {
    this.scorer.scoreUsers(this.requireTables(), this.config.similarity, users, out);
  }

  /** Scores of every item for a user known only by metadata features (cold-start user). */
  scoreItemsFromFeatures(featureIndices: ArrayLike<number>, weights: ArrayLike<number> | null, out: Float32Array): void {
    this.scorer.scoreItemsForFeatures(this.requireTables(), this.config.similarity, featureIndices, weights, out);
  }

  /** Score of user index `user` for a new item known only by metadata features (cold-start item). */
  scoreNewItem(user: number, featureIndices: ArrayLike<number>, weights: ArrayLike<number> | null = null): number {
    return this.scorer.scoreNewItem(this.requireTables(), this.config.similarity, user, featureIndices, weights);
  }

  /**
   * Fold-in (approximate): a user vector fitted to the history with the item side fixed
   * (bilinear/fold-in.ts: a few seeded epochs of this model's loss), then scored like a
   * training user without the user bias (it ranks nothing). Weights are ignored: every
   * history item is a positive. A user known only by features: `scoreItemsFromFeatures`.
   */
  protected override scoreHistory(history: HistoryEntry[], out: Float32Array): void {
    const side = this.fixedItems();
    const p = fitUserVector(history, side, this.config);
    const { items, biases, dim, count } = side;
    let scale = 1;
    if (this.config.similarity === 'cosine') {
      let pp = 0;
      for (let d = 0; d < dim; d++) pp += p[d] * p[d];
      scale = 1 / (Math.sqrt(pp) + 1e-8);
    }
    for (let i = 0; i < count; i++) {
      let s = 0;
      for (let d = 0; d < dim; d++) s += p[d] * items[i * dim + d];
      out[i] = s * scale + (biases ? biases[i] : 0);
    }
  }

  private foldItems: FixedItems | null = null;

  /** The item side for fold-in: materialised rows (unit length for cosine) and biases, until the parameters change. */
  private fixedItems(): FixedItems {
    const t = this.requireTables();
    if (!this.foldItems) {
      const dim = t.item.dim;
      const count = t.item.rows;
      const items = t.item.materialize();
      if (this.config.similarity === 'cosine') {
        for (let i = 0; i < count; i++) {
          let s = 0;
          for (let d = 0; d < dim; d++) s += items[i * dim + d] ** 2;
          const inv = 1 / (Math.sqrt(s) + 1e-8);
          for (let d = 0; d < dim; d++) items[i * dim + d] *= inv;
        }
      }
      const biases = t.itemBias ? Float32Array.from({ length: count }, (_, i) => t.itemBias!.value(i)) : null;
      this.foldItems = { items, biases, dim, count };
    }
    return this.foldItems;
  }

  override itemVectors(): { data: Float32Array; dim: number } | null {
    const t = this.requireTables();
    return { data: t.item.materialize(), dim: t.item.dim };
  }

  getState(): ModelState {
    const tensors: ModelState['tensors'] = {};
    for (const p of tableParams(this.requireTables())) tensors[p.name] = { shape: [p.rows, p.cols], data: p.data.slice() };
    return { tensors };
  }

  /** `getState` without copying: the tables themselves, to read only (the serving layer's factor form). */
  stateView(): ModelState {
    const tensors: ModelState['tensors'] = {};
    for (const p of tableParams(this.requireTables())) tensors[p.name] = { shape: [p.rows, p.cols], data: p.data };
    return { tensors };
  }

  setState(state: ModelState): void {
    this.tables ??= createTables(this.layout(), false);
    for (const p of tableParams(this.tables)) p.data.set(requireTensor(state, p.name, [p.rows, p.cols]));
    this.scorer.invalidate();
    this.foldItems = null;
  }

  private layout(): TableLayout {
    const c = this.config;
    return {
      numUsers: this.numUsers,
      numItems: this.numItems,
      dim: c.factors,
      identityFeatures: c.identityFeatures,
      biases: c.biases,
      optimizer: this.optimizer(),
      rowwise: c.optimizer === 'adagrad-rowwise' ? c.initialAccumulator : null,
      userFeatures: this.userFeatures,
      itemFeatures: this.itemFeatures,
    };
  }

  private optimizer(): OptimizerConfig {
    const c = this.config;
    const name = c.optimizer === 'adagrad-rowwise' ? 'sgd' : c.optimizer;
    return { name, learningRate: c.learningRate, initialAccumulator: c.initialAccumulator, epsilon: EPSILON };
  }

  private kernelSpec(): KernelSpec {
    const c = this.config;
    return {
      loss: c.loss,
      similarity: c.similarity,
      margin: c.margin,
      negatives: c.negatives,
      maxSampled: c.maxSampled,
      maxWarpWeight: c.maxWarpWeight,
      userL2: c.userL2,
      itemL2: c.itemL2,
      biasL2: c.biasL2,
    };
  }

  /** The per-triplet kernel (for gradient tests); null before prepare. */
  get trainingKernel(): BilinearKernel | null {
    return this.kernel;
  }

  private requireTables(): BilinearTables {
    if (!this.tables) throw new ConfigError(`${this.type} model is not trained yet: call fit() or load a model file`);
    return this.tables;
  }

  protected override async stopThreads(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    if (pool) await pool.close();
  }
}

/** Positions of train interactions that count as positives. */
function positives(train: Interactions, threshold: number | null): { users: Int32Array; items: Int32Array } {
  if (threshold === null) return { users: train.users, items: train.items };
  const keep: number[] = [];
  for (let k = 0; k < train.length; k++) if (train.values[k] >= threshold) keep.push(k);
  return { users: Int32Array.from(keep, (k) => train.users[k]), items: Int32Array.from(keep, (k) => train.items[k]) };
}

function toShared(a: Int32Array): Int32Array {
  const s = new Int32Array(new SharedArrayBuffer(a.length * 4));
  s.set(a);
  return s;
}

const specs = new Map<BilinearType, ModelSpec<BilinearSettings, BilinearModel>>();

/** The spec of one registered bilinear type (built once; src/models/bilinear/specs.ts lists them). */
export function bilinearSpec(type: BilinearType): ModelSpec<BilinearSettings, BilinearModel> {
  let spec = specs.get(type);
  if (!spec) {
    spec = defineModel({
      type,
      description: BILINEAR_TYPES[type].description,
      task: 'ranking',
      defaults: bilinearDefaults(type),
      schema: BILINEAR_SCHEMA,
      create: (config) => new BilinearModel(type, config),
    });
    specs.set(type, spec);
  }
  return spec;
}
