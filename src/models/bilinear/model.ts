import { availableParallelism } from 'node:os';
import { ConfigError } from '../../contracts/errors.ts';
import type { Interactions } from '../../data/interactions.ts';
import type { OptimizerConfig, OptimizerName } from '../../core/params.ts';
import { WorkerPool } from '../../core/pool.ts';
import type { Rng } from '../../core/rng.ts';
import { NegativeSampler, type NegativeSamplerKind } from '../../sampling/negatives.ts';
import type { FitOptions } from '../../train/types.ts';
import type { TrainingHistory } from '../../contracts/types.ts';
import { BilinearKernel, type BilinearLoss, type KernelSpec, type SimilarityKind } from './kernel.ts';
import { BilinearScorer } from './scoring.ts';
import { createTables, shareTables, stripFeatures, tableParams, type BilinearTables, type TableLayout } from './tables.ts';
import type { BilinearShard, BilinearWorkerInit } from './worker.ts';
import { Recommender, registerModel, requireTensor } from '../recommender.ts';
import { type EpochContext } from '../../train/types.ts';
import { type ModelState } from '../../contracts/types.ts';

/**
 * Hyperparameters of the bilinear implicit-feedback model (defaults after LightFM where it has
 * them: 64 factors, Adagrad at 0.05 with accumulators starting at 1, WARP with maxSampled 10
 * and the loss clipped at 10, embeddings uniform in ±0.5/factors, biases at zero). The default
 * Adagrad is row-wise (one accumulator per row): on ML-100K it matches LightFM's per-entry
 * Adagrad (`optimizer: 'adagrad'`) in quality at about twice the speed.
 */
export interface BilinearConfig {
  loss: BilinearLoss;
  /** Score = similarity(user, item) + biases; `cosine` suits the margin (triplet) loss. */
  similarity: SimilarityKind;
  factors: number;
  epochs: number;
  /**
   * `adagrad-rowwise`: one Adagrad accumulator per embedding row instead of per entry, about
   * twice as fast in the fused kernel at similar quality (see HybridEmbedding).
   */
  optimizer: OptimizerName | 'adagrad-rowwise';
  learningRate: number;
  /** Adagrad's starting accumulator (LightFM: 1). */
  initialAccumulator: number;
  /** L2 on user rows, item rows and biases, applied to the rows each step touches. */
  userL2: number;
  itemL2: number;
  biasL2: number;
  /** Shorthand that sets userL2 and itemL2 together (either given on its own wins); null = unused. */
  l2: number | null;
  /** User and item biases (hybrid: id bias + feature biases). */
  biases: boolean;
  margin: number;
  /** Negatives per positive for `logistic` and `adaptive-hinge`. */
  negatives: number;
  maxSampled: number;
  maxWarpWeight: number;
  sampler: NegativeSamplerKind;
  /** Popularity sampler exponent. */
  samplerAlpha: number;
  /** With metadata features: also give each user/item its own id vector (LightFM's identity features). */
  identityFeatures: boolean;
  /** Train interactions with value ≥ this are the positives (null: every interaction). */
  positiveThreshold: number | null;
  /** Embeddings start uniform in ±initScale (default 0.5/factors, LightFM's). */
  initScale: number;
  /** Below this many positives training stays on the main thread (worker start-up dominates). */
  minParallelPositives: number;
  task: 'ranking';
}

const COMMON: Omit<BilinearConfig, 'loss' | 'initScale' | 'margin'> = {
  similarity: 'dot',
  factors: 64,
  epochs: 30,
  optimizer: 'adagrad-rowwise',
  learningRate: 0.05,
  initialAccumulator: 1,
  userL2: 0,
  itemL2: 0,
  biasL2: 0,
  l2: null,
  biases: true,
  negatives: 5,
  maxSampled: 10,
  maxWarpWeight: 10,
  sampler: 'exclude-positives',
  samplerAlpha: 0.75,
  identityFeatures: true,
  positiveThreshold: null,
  minParallelPositives: 20_000,
  task: 'ranking',
};

/** Defaults per registered type: the same class, a different loss (and what suits it). */
const TYPE_DEFAULTS: Record<string, Partial<BilinearConfig>> = {
  bilinear: { loss: 'warp' },
  warp: { loss: 'warp' },
  bpr: { loss: 'bpr' },
  logistic: { loss: 'logistic' },
  triplet: { loss: 'margin', similarity: 'cosine', biases: false },
};

/**
 * Defaults per loss, tuned on ML-100K `lightfm-ua` with 64 factors (bench/quality-bilinear.ts):
 * WARP peaks early and then overfits; BPR and the margin loss converge slowly.
 */
const LOSS_DEFAULTS: Record<BilinearLoss, Partial<BilinearConfig>> = {
  warp: { epochs: 15 },
  bpr: { epochs: 50 },
  logistic: { epochs: 30, negatives: 4 },
  margin: { epochs: 50 },
  'adaptive-hinge': { epochs: 15, negatives: 5 },
};

const EPSILON = 1e-7;

/**
 * One bilinear model for implicit feedback, score(u, i) = sim(p_u, q_i) + b_i (+ b_u), trained
 * on sampled negatives with a choice of loss: pointwise `logistic`, `bpr`, `warp`, `margin`
 * (the triplet loss, dot or cosine) or `adaptive-hinge`. Given metadata features, p_u and q_i
 * are LightFM-style hybrid sums, so users and items without interactions still get vectors.
 * With `threads > 1` epochs run Hogwild over worker threads sharing the parameter buffers.
 */
export class BilinearModel extends Recommender {
  readonly type: string;
  readonly config: BilinearConfig & Record<string, unknown>;
  tables: BilinearTables | null = null;
  private kernel: BilinearKernel | null = null;
  private pool: WorkerPool | null = null;
  private posUsers: Int32Array = new Int32Array(0);
  private posItems: Int32Array = new Int32Array(0);
  private order: Int32Array = new Int32Array(0);
  private readonly scorer = new BilinearScorer();

  constructor(type = 'bilinear', config: Record<string, unknown> = {}) {
    super();
    this.type = type;
    const typeDefaults = TYPE_DEFAULTS[type] ?? TYPE_DEFAULTS.bilinear;
    const loss = (config.loss as BilinearLoss | undefined) ?? typeDefaults.loss!;
    const defaults = { ...COMMON, ...LOSS_DEFAULTS[loss], ...typeDefaults } as Omit<BilinearConfig, 'initScale'>;
    const merged = { ...defaults, ...config } as BilinearConfig & Record<string, unknown>;
    // Cosine lives in [−1, 1], so a margin of 1 would be half its range.
    merged.margin = (config.margin as number | undefined) ?? (merged.similarity === 'cosine' ? 0.5 : 1);
    merged.initScale = (config.initScale as number | undefined) ?? 0.5 / merged.factors;
    if (typeof merged.l2 === 'number') {
      merged.userL2 = (config.userL2 as number | undefined) ?? merged.l2;
      merged.itemL2 = (config.itemL2 as number | undefined) ?? merged.l2;
    }
    this.config = merged;
    validate(this.config);
  }

  /** Fit, then stop any worker threads this fit started. */
  override async fit(train: Interactions, options: FitOptions = {}): Promise<TrainingHistory> {
    try {
      return await super.fit(train, options);
    } finally {
      await this.closePool();
    }
  }

  async prepare(train: Interactions, rng: Rng, options: FitOptions): Promise<void> {
    await this.closePool();
    const c = this.config;
    const threads = options.threads ?? (c.threads as number | undefined) ?? availableParallelism();
    const { users, items } = positives(train, c.positiveThreshold);
    if (users.length === 0) throw new ConfigError(`no training positives (positiveThreshold ${c.positiveThreshold})`);
    const parallel = threads > 1 && users.length >= c.minParallelPositives;
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
    this.scorer.invalidate();
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
    this.pool = await WorkerPool.start(new URL('./worker.ts', import.meta.url), threads - 1, init);
  }

  async trainEpoch(ctx: EpochContext): Promise<number> {
    const kernel = this.kernel;
    if (!kernel) throw new ConfigError('trainEpoch before prepare');
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
    for (let s = 0; s < end; s += chunk) {
      loss += kernel.run(this.posUsers, this.posItems, order, s, Math.min(end, s + chunk));
      ctx.progress(Math.min(end, s + chunk) / end);
    }
    if (others) for (const l of await others) loss += l;
    this.scorer.invalidate();
    return loss / n;
  }

  scoreItems(user: number, out: Float32Array): void {
    this.scorer.scoreItems(this.requireTables(), this.config.similarity, user, out);
  }

  /** Scores of every item for a user known only by metadata features (cold-start user). */
  scoreItemsFromFeatures(featureIndices: ArrayLike<number>, weights: ArrayLike<number> | null, out: Float32Array): void {
    this.scorer.scoreItemsForFeatures(this.requireTables(), this.config.similarity, featureIndices, weights, out);
  }

  /** Score of user index `user` for a new item known only by metadata features (cold-start item). */
  scoreNewItem(user: number, featureIndices: ArrayLike<number>, weights: ArrayLike<number> | null = null): number {
    return this.scorer.scoreNewItem(this.requireTables(), this.config.similarity, user, featureIndices, weights);
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

  setState(state: ModelState): void {
    this.tables ??= createTables(this.layout(), false);
    for (const p of tableParams(this.tables)) p.data.set(requireTensor(state, p.name, [p.rows, p.cols]));
    this.scorer.invalidate();
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

  private async closePool(): Promise<void> {
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

function validate(c: BilinearConfig): void {
  const losses: BilinearLoss[] = ['logistic', 'bpr', 'warp', 'margin', 'adaptive-hinge'];
  if (!losses.includes(c.loss)) throw new ConfigError(`unknown loss "${c.loss}" (expected ${losses.join(', ')})`);
  if (c.similarity !== 'dot' && c.similarity !== 'cosine') throw new ConfigError(`similarity must be "dot" or "cosine", got "${c.similarity}"`);
  if (!Number.isInteger(c.factors) || c.factors < 1) throw new ConfigError(`factors must be a whole number ≥ 1, got ${c.factors}`);
  const optimizers = ['sgd', 'adagrad', 'adagrad-rowwise', 'adam'];
  if (!optimizers.includes(c.optimizer)) throw new ConfigError(`unknown optimizer "${c.optimizer}" (expected ${optimizers.join(', ')})`);
  if (!(c.learningRate > 0)) throw new ConfigError(`learningRate must be > 0, got ${c.learningRate}`);
  if (!Number.isInteger(c.negatives) || c.negatives < 1) throw new ConfigError(`negatives must be a whole number ≥ 1, got ${c.negatives}`);
  if (!Number.isInteger(c.maxSampled) || c.maxSampled < 1) throw new ConfigError(`maxSampled must be a whole number ≥ 1, got ${c.maxSampled}`);
  if (c.l2 !== null && !(c.l2 >= 0)) throw new ConfigError(`l2 must be ≥ 0, got ${c.l2}`);
  for (const k of ['userL2', 'itemL2', 'biasL2', 'margin', 'initScale'] as const) {
    if (!(c[k] >= 0)) throw new ConfigError(`${k} must be ≥ 0, got ${c[k]}`);
  }
}

for (const [type, what] of [
  ['bilinear', 'bilinear (matrix factorization) model for implicit feedback; loss from config (logistic, bpr, warp, margin, adaptive-hinge), optional metadata features'],
  ['warp', 'bilinear model with the WARP loss (LightFM-style), optional metadata features'],
  ['bpr', 'bilinear model with the BPR loss (Rendle et al. 2009), optional metadata features'],
  ['logistic', 'bilinear model with pointwise logistic loss on sampled negatives'],
  ['triplet', 'bilinear triplet model: margin (hinge) loss on cosine similarity'],
] as const) {
  registerModel(type, what, (config) => new BilinearModel(type, config));
}
