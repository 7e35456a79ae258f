/**
 * Neural Collaborative Filtering (He et al. 2017, "Neural Collaborative Filtering").
 * - `ncf` (their "MLP"): [p_u, q_i] → ReLU MLP → one logit (a ConcatTower).
 * - `neumf`: a GMF branch p'_u ∘ q'_i (its own embeddings) fused with the MLP branch's last
 *   hidden layer by one linear output layer (a NeuMFTower).
 * Pointwise training: each positive with `negatives` sampled unseen items labelled 0, loss BCE
 * on the logit (the paper's log loss) or MSE on the raw output. With metadata features the
 * embeddings are hybrid (id + Σ feature vectors), which also scores cold-start items.
 * NeuMF can start from separately trained GMF and MLP models (`pretrainEpochs`, the paper's
 * §3.4.1; deep/pretrain.ts).
 * ncf options beyond the paper: `logQ` corrects a sampled softmax for the sampler's
 * probabilities (deep/pointwise.ts; with `sampler: popularity` the negatives are drawn
 * ∝ count^samplerAlpha, as word2vec), and `emaDecay` scores with a moving average of the weights
 * (deep/weight-averaged.ts).
 */
import { Rng } from '../../core/rng.ts';
import type { FitOptions } from '../../train/types.ts';
import { ConfigError } from '../../contracts/errors.ts';
import type { Interactions } from '../../data/interactions.ts';
import { NegativeSampler, type NegativeSamplerKind } from '../../sampling/negatives.ts';
import { defineModel, resolveConfig, type ConfigSchema } from '../spec.ts';
import { ConcatTower, type ConcatTowerOptions } from './concat-tower.ts';
import type { EmbeddingOptimizerMode } from './embedding-input.ts';
import {
  DEEP_DEFAULTS,
  DEEP_SCHEMA,
  NEGATIVES_SCHEMA,
  RANKING_TASK_SCHEMA,
  LR_DECAY_SCHEMA,
  EMBEDDING_OPTIMIZER_SCHEMA,
  requireHiddenLayer,
  SAMPLER_ALPHA_SCHEMA,
  SAMPLER_SCHEMA,
  type DeepConfig,
} from './config.ts';
import { DeepModel } from './model.ts';
import { NeuMFTower } from './neumf-tower.ts';
import type { HogwildPlan, TowerRecipe } from './parallel.ts';
import { PointwiseBatches, PointwiseTrainer } from './pointwise.ts';
import { loadPretrained, pretrainBranches } from './pretrain.ts';
import { withDecay } from './schedule.ts';
import { TripletTrainer } from './triplets.ts';
import type { Tower, Trainer } from './tower.ts';
import { AveragedWeights } from './weight-averaged.ts';
import type { ModelState } from '../../contracts/types.ts';
import { paramTensors } from './state.ts';

export type NcfConfig = DeepConfig & {
  /** Pointwise 'bce' / 'mse' over each positive and its negatives, 'softmax' over the group of both, or pairwise 'bpr' over (positive, one negative). */
  loss: 'bce' | 'mse' | 'softmax' | 'bpr';
  /** Learning rate × lrDecay after every epoch; 1 = constant. */
  lrDecay: number;
  /** Dropout rate on the MLP's input, the concatenated user and item embeddings, while training. */
  inputDropout: number;
  /** Sampled negatives per positive (the paper uses 4); 0 = train on the values as labels. */
  negatives: number;
  /** ncf: 'lazy' row-sparse embedding steps, or 'dense' (every row every batch, as PyTorch's Adam). */
  embeddingOptimizer: EmbeddingOptimizerMode;
  sampler: NegativeSamplerKind;
  /** Popularity sampler: weight = train count^samplerAlpha. */
  samplerAlpha: number;
  /** loss 'softmax': shift each sampled negative's logit by −log(negatives · Q(item)), Q the sampler's probability. */
  logQ: boolean;
  /** ncf: score with a moving average of the weights, this decay per step (0: the last step's weights). */
  emaDecay: number;
  /** NeuMF's GMF embedding size; null = factors. */
  gmfFactors: number | null;
  /** NeuMF: epochs of GMF and of the MLP model each before NeuMF starts from their weights (0 = no pre-training). */
  pretrainEpochs: number;
  /** NeuMF pre-training: weight of GMF's output in the fusion layer (the MLP's: 1 − α). */
  pretrainAlpha: number;
  /** NeuMF pre-training: Adam step size of the GMF and MLP models (null: learningRate). */
  pretrainLearningRate: number | null;
  task: 'ranking';
};

export type NcfVariant = 'ncf' | 'neumf';

export class NCF extends DeepModel<ConcatTower | NeuMFTower> {
  readonly type: NcfVariant;
  /** The complete config, with gmfFactors resolved. */
  readonly config: NcfConfig & { gmfFactors: number };

  /** `config` is checked at run time; `createModel('ncf', …)` also checks it at compile time. */
  constructor(config: Record<string, unknown> = {}, variant: NcfVariant = 'ncf') {
    super();
    this.type = variant;
    const c = resolveConfig(variant === 'neumf' ? neumfSpec : ncfSpec, config);
    requireHiddenLayer(variant, c.layers);
    if (variant === 'neumf' && c.embeddingOptimizer !== 'lazy')
      throw new ConfigError("neumf: embeddingOptimizer 'dense' is ncf's only (NeuMF's GMF tables step lazily); use 'lazy'");
    if (variant === 'neumf' && c.emaDecay !== 0) throw new ConfigError("neumf: emaDecay is ncf's only (a pre-trained NeuMF has no averaged copy); use 0");
    if (c.logQ && c.loss !== 'softmax') throw new ConfigError(`${variant}: logQ corrects a sampled softmax; it needs loss 'softmax' (got '${c.loss}')`);
    this.config = { ...c, gmfFactors: c.gmfFactors ?? c.factors };
  }

  /** The concatenating tower's options (the main thread's tower and the Hogwild workers' recipe). */
  private towerOptions(): ConcatTowerOptions {
    const c = this.config;
    return { ...this.towerBase(c), userFactors: c.factors, itemFactors: c.factors, inputDropout: c.inputDropout, embeddingOptimizer: c.embeddingOptimizer };
  }

  /** With emaDecay > 0: the live tower the trainer steps, and the average that scores. */
  private averaged: AveragedWeights | null = null;

  protected createTower(rng: Rng): ConcatTower | NeuMFTower {
    const o = this.towerOptions();
    if (this.type === 'neumf') return new NeuMFTower(rng, { ...o, gmfFactors: this.config.gmfFactors });
    const live = new ConcatTower(rng, o);
    if (this.config.emaDecay === 0) {
      this.averaged = null;
      return live;
    }
    // Its own Rng: the copy's initial values are overwritten, and training draws what it draws with emaDecay 0.
    const copy = new ConcatTower(new Rng(0), { ...o, embeddingOptimizer: 'lazy' });
    this.averaged = new AveragedWeights(live, copy, this.config.emaDecay);
    return copy;
  }

  /**
   * Runs `fn` with the live (last-step) weights in the scoring tower, then puts the average
   * back: for comparing the two on one training run (bench/deep-defaults.ts). Plain `fn()`
   * without emaDecay.
   */
  withLiveWeights<T>(fn: () => T): T {
    const a = this.averaged;
    if (!a) return fn();
    const saved = this.getState();
    super.setState({ tensors: paramTensors(a.live.params()) });
    try {
      return fn();
    } finally {
      super.setState(saved);
    }
  }

  protected override trainingTower(): Tower {
    return this.averaged?.stepping ?? super.trainingTower();
  }

  protected override trainingThreads(sharedSteps: Int32Array | null): void {
    this.averaged?.followSharedSteps(sharedSteps);
  }

  /** A loaded state is the weights that score (the average, with emaDecay): training resumes from them. */
  override setState(state: ModelState): void {
    super.setState(state);
    this.averaged?.restartFromAveraged();
  }

  override async prepare(train: Interactions, rng: Rng, options: FitOptions): Promise<void> {
    await super.prepare(train, rng, options);
    const c = this.config;
    if (this.type !== 'neumf' || c.pretrainEpochs === 0) return;
    // Pre-training draws from its own fork, after the tower and trainer took theirs.
    const prng = rng.fork();
    const towerOptions = { ...this.towerOptions(), gmfFactors: c.gmfFactors };
    // Adam for the branches as in the paper; NeuMF is fine-tuned with the configured optimizer.
    const optimizer = { name: 'adam' as const, learningRate: c.pretrainLearningRate ?? c.learningRate };
    const pretrainOptions = { epochs: c.pretrainEpochs, alpha: c.pretrainAlpha, optimizer };
    const { gmf, mlp } = await pretrainBranches(towerOptions, pretrainOptions, () => this.createTrainer(train, prng), prng, options);
    loadPretrained(this.requireTower() as NeuMFTower, gmf, mlp, c.pretrainAlpha);
  }

  protected createTrainer(train: Interactions, rng: Rng): Trainer {
    const c = this.config;
    // Forked even when unused (negatives 0), so the seed's random stream does not depend on `negatives`.
    const sampler = new NegativeSampler(train, { kind: c.sampler, alpha: c.samplerAlpha, rng: rng.fork() });
    if (c.negatives === 0) {
      // Without sampled negatives the labels are the interaction values themselves.
      const v = train.values;
      for (let p = 0; p < v.length; p++)
        if (!(v[p] >= 0 && v[p] <= 1)) throw new ConfigError(`${this.type}: with negatives 0 the labels are the values and must be in [0, 1]; value ${v[p]} at interaction ${p}`);
    }
    if (c.loss === 'bpr') {
      if (c.negatives === 0) throw new ConfigError(`${this.type}: loss 'bpr' needs sampled negatives (negatives ≥ 1)`);
      // A triplet is two rows, so batches hold as many rows as the pointwise ones.
      return withDecay(new TripletTrainer(train, sampler, Math.max(1, c.batchSize >> 1), 'bpr', 0), c.lrDecay);
    }
    if (c.loss === 'softmax' && c.negatives === 0) throw new ConfigError(`${this.type}: loss 'softmax' needs sampled negatives (negatives ≥ 1)`);
    const batches = new PointwiseBatches(train, c.batchSize, c.negatives, c.negatives > 0 ? sampler : null, c.logQ);
    const trainer = withDecay(new PointwiseTrainer(batches, c.loss), c.lrDecay);
    return this.averaged ? this.averaged.trainer(trainer) : trainer;
  }

  /**
   * Hogwild over threads (parallel.ts): the same tower, sampler and batches (or triplets, for bpr)
   * in every worker. Dense embedding steps sweep whole tables as the MLP's steps do; with logQ the
   * workers' batches carry the same offsets; with emaDecay the threads train the live tower and
   * the main thread's average follows every thread's steps (trainingThreads).
   */
  protected override hogwildPlan(): HogwildPlan | null {
    const c = this.config;
    const o = this.towerOptions();
    const tower: TowerRecipe = this.type === 'neumf' ? { kind: 'neumf', options: { ...o, gmfFactors: c.gmfFactors } } : { kind: 'concat', options: o };
    const sampler = { kind: c.sampler, alpha: c.samplerAlpha };
    // As createTrainer: a triplet is two rows, so batches hold as many rows as the pointwise ones.
    if (c.loss === 'bpr') return { trainer: 'triplet', tower, sampler, batchSize: Math.max(1, c.batchSize >> 1), loss: 'bpr', margin: 0 };
    return { trainer: 'pointwise', tower, sampler: c.negatives > 0 ? sampler : null, negatives: c.negatives, batchSize: c.batchSize, loss: c.loss, logQ: c.logQ };
  }
}

const NCF_DEFAULTS: NcfConfig = {
  ...DEEP_DEFAULTS,
  loss: 'bce',
  lrDecay: 1,
  inputDropout: 0,
  negatives: 4,
  embeddingOptimizer: 'lazy',
  sampler: 'exclude-positives',
  samplerAlpha: 0.75,
  logQ: false,
  emaDecay: 0,
  gmfFactors: null,
  pretrainEpochs: 0,
  pretrainAlpha: 0.5,
  pretrainLearningRate: null,
  task: 'ranking',
};

const NCF_SCHEMA: ConfigSchema<NcfConfig> = {
  ...DEEP_SCHEMA,
  layers: { kind: 'sizes', help: 'hidden layer sizes of the MLP (at least one), e.g. [64, 32]' },
  loss: {
    kind: 'enum',
    values: ['bce', 'mse', 'softmax', 'bpr'],
    help: "'bce' on the logit (the paper's log loss), 'mse' on the raw output, 'softmax': cross-entropy of each positive against its own `negatives` sampled items, or 'bpr' on s⁺ − s⁻ for each positive and one sampled negative (negatives then only needs to be ≥ 1)",
  },
  lrDecay: LR_DECAY_SCHEMA,
  inputDropout: {
    kind: 'number',
    min: 0,
    max: 1,
    exclusiveMax: true,
    help: "dropout rate on the MLP's input (the concatenated user and item embeddings) while training; neumf: its MLP branch",
  },
  negatives: NEGATIVES_SCHEMA,
  embeddingOptimizer: EMBEDDING_OPTIMIZER_SCHEMA,
  sampler: SAMPLER_SCHEMA,
  samplerAlpha: SAMPLER_ALPHA_SCHEMA,
  logQ: {
    kind: 'boolean',
    help: "loss 'softmax': shift each sampled negative's logit by −log(negatives · Q(item)), Q the sampler's probability of drawing it for the user (Bengio & Senécal 2008; the log-Q correction of Yi et al. 2019)",
  },
  emaDecay: {
    kind: 'number',
    min: 0,
    max: 1,
    exclusiveMax: true,
    help: "ncf: score with an exponential moving average of the weights, this decay per step (e.g. 0.999; warm-up min(decay, (1 + t)/(10 + t))); 0: the last step's weights",
  },
  gmfFactors: { kind: 'int', min: 1, nullable: true, help: 'neumf: GMF embedding size (null: factors)' },
  pretrainEpochs: {
    kind: 'int',
    min: 0,
    help: 'neumf: epochs of a GMF and an MLP model each, whose weights NeuMF then starts from (He et al. 2017 §3.4.1); 0 = none; ignored by ncf',
  },
  pretrainAlpha: { kind: 'number', min: 0, max: 1, help: "neumf pre-training: weight of GMF's output in the fusion layer (the MLP's gets 1 − α)" },
  pretrainLearningRate: {
    kind: 'number',
    min: 0,
    exclusiveMin: true,
    nullable: true,
    help: 'neumf pre-training: step size of the GMF and MLP models (null: learningRate); fine-tune NeuMF at a lower learningRate',
  },
  task: RANKING_TASK_SCHEMA,
};

export const ncfSpec = defineModel({
  type: 'ncf',
  description: 'Neural Collaborative Filtering, MLP variant (He et al. 2017): concatenated embeddings → ReLU MLP, BCE with sampled negatives',
  task: 'ranking',
  defaults: NCF_DEFAULTS,
  schema: NCF_SCHEMA,
  create: (config) => new NCF(config, 'ncf'),
});

export const neumfSpec = defineModel({
  type: 'neumf',
  description: 'NeuMF (He et al. 2017): GMF branch (elementwise product) fused with an MLP branch, BCE with sampled negatives',
  task: 'ranking',
  defaults: NCF_DEFAULTS,
  schema: NCF_SCHEMA,
  create: (config) => new NCF(config, 'neumf'),
});
