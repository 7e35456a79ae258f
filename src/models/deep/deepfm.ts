/**
 * DeepFM (Guo et al. 2017): one embedding per feature shared by an FM part and a deep part
 * (DeepFmTower). Fields are user id, item id and every user/item metadata field (a
 * multi-valued field is the weighted sum of its features' embeddings); BCE against positives
 * and sampled negatives. What makes it learn rather than sit at AUC ≈ 0.5: small normal init
 * of the embeddings (std 0.05 by default, so the FM term starts near 0 rather than saturating
 * the sigmoid), He init in the ReLU layers, and Adam with row-sparse (lazy) updates for the
 * embeddings.
 */
import type { Rng } from '../../core/rng.ts';
import { ConfigError } from '../../contracts/errors.ts';
import type { Interactions } from '../../data/interactions.ts';
import { NegativeSampler, type NegativeSamplerKind } from '../../sampling/negatives.ts';
import { defineModel, resolveConfig, type ConfigSchema } from '../spec.ts';
import {
  DEEP_DEFAULTS,
  DEEP_SCHEMA,
  LR_DECAY_SCHEMA,
  NEGATIVES_SCHEMA,
  optimizerOf,
  RANKING_TASK_SCHEMA,
  requireHiddenLayer,
  SAMPLER_ALPHA_SCHEMA,
  SAMPLER_SCHEMA,
  type DeepConfig,
} from './config.ts';
import type { DeepFmTower } from './deepfm-tower.ts';
import { DeepModel } from './model.ts';
import { buildTower, type HogwildPlan, type TowerRecipe } from './parallel.ts';
import { withDecay } from './schedule.ts';
import { TripletTrainer } from './triplets.ts';
import { checkBinaryLabels, PointwiseBatches, PointwiseTrainer } from './pointwise.ts';
import type { Trainer } from './tower.ts';

export type DeepFmConfig = DeepConfig & {
  /** Sampled negatives per positive; 0 = train on the values as labels (must be in [0, 1]). */
  negatives: number;
  sampler: NegativeSamplerKind;
  /** Popularity sampler: weight = train count^samplerAlpha. */
  samplerAlpha: number;
  /** 'bce' over each positive and its negatives, or 'bpr' over (positive, one negative). */
  loss: 'bce' | 'bpr';
  /** Learning rate × lrDecay after every epoch; 1 = constant. */
  lrDecay: number;
  task: 'ranking';
};

export class DeepFM extends DeepModel<DeepFmTower> {
  readonly type = 'deepfm';
  readonly config: DeepFmConfig;

  /** `config` is checked at run time; `createModel('deepfm', …)` also checks it at compile time. */
  constructor(config: Record<string, unknown> = {}) {
    super();
    this.config = resolveConfig(deepfmSpec, config);
    requireHiddenLayer('deepfm', this.config.layers);
  }

  protected createTower(rng: Rng): DeepFmTower {
    return buildTower(this.towerRecipe(), rng) as DeepFmTower;
  }

  /** The tower as plain options: built here, and rebuilt by Hogwild workers (parallel.ts). */
  private towerRecipe(): TowerRecipe {
    const c = this.config;
    const features = this.features();
    return {
      kind: 'deepfm',
      options: {
        numUsers: this.numUsers,
        numItems: this.numItems,
        userFeatures: features.user,
        itemFeatures: features.item,
        factors: c.factors,
        layers: c.layers,
        activation: c.activation,
        dropout: c.dropout,
        optimizer: optimizerOf(c),
        initStd: c.initStd,
        l2: c.l2,
        denseL2: c.denseL2,
      },
    };
  }

  protected createTrainer(train: Interactions, rng: Rng): Trainer {
    const c = this.config;
    if (c.negatives === 0) checkBinaryLabels('deepfm', train);
    const sampler = c.negatives > 0 ? new NegativeSampler(train, { kind: c.sampler, alpha: c.samplerAlpha, rng: rng.fork() }) : null;
    if (c.loss === 'bpr') {
      if (!sampler) throw new ConfigError("deepfm: loss 'bpr' needs sampled negatives (negatives ≥ 1)");
      // A triplet is two rows, so batches hold as many rows as the pointwise ones.
      return withDecay(new TripletTrainer(train, sampler, Math.max(1, c.batchSize >> 1), 'bpr', 0), c.lrDecay);
    }
    return withDecay(new PointwiseTrainer(new PointwiseBatches(train, c.batchSize, c.negatives, sampler), 'bce'), c.lrDecay);
  }

  /**
   * Hogwild over threads (parallel.ts): the same tower (its field layout rebuilt from the
   * features), sampler and batches in every worker.
   */
  protected override hogwildPlan(): HogwildPlan | null {
    const c = this.config;
    const tower = this.towerRecipe();
    const sampler = { kind: c.sampler, alpha: c.samplerAlpha };
    if (c.loss === 'bpr') return { trainer: 'triplet', tower, sampler, batchSize: Math.max(1, c.batchSize >> 1), loss: 'bpr', margin: 0 };
    return { trainer: 'pointwise', tower, sampler: c.negatives > 0 ? sampler : null, negatives: c.negatives, batchSize: c.batchSize, loss: 'bce' };
  }

  /** Names of the fields in the deep part's input order. */
  fieldNames(): string[] {
    return this.requireTower().layout.names.slice();
  }
}

export const deepfmSpec = defineModel({
  type: 'deepfm',
  description: 'DeepFM (Guo et al. 2017): FM (first order + pairwise field interactions) plus an MLP over user, item and metadata field embeddings, BCE with sampled negatives',
  task: 'ranking',
  defaults: {
    ...DEEP_DEFAULTS,
    factors: 16,
    layers: [64, 32],
    negatives: 4,
    sampler: 'exclude-positives',
    samplerAlpha: 0.75,
    loss: 'bce',
    lrDecay: 1,
    task: 'ranking',
  } as DeepFmConfig,
  schema: {
    ...DEEP_SCHEMA,
    factors: { kind: 'int', min: 1, help: 'embedding size of every feature (shared by the FM and deep parts)' },
    layers: { kind: 'sizes', help: 'hidden layer sizes of the deep part (at least one), e.g. [64, 32]' },
    useFeatures: { kind: 'boolean', help: 'add the user/item metadata fields when given' },
    negatives: NEGATIVES_SCHEMA,
    sampler: SAMPLER_SCHEMA,
    samplerAlpha: SAMPLER_ALPHA_SCHEMA,
    loss: { kind: 'enum', values: ['bce', 'bpr'], help: "'bce' on the logit, or 'bpr' on s⁺ − s⁻ for each positive and one sampled negative" },
    lrDecay: LR_DECAY_SCHEMA,
    task: RANKING_TASK_SCHEMA,
  } satisfies ConfigSchema<DeepFmConfig>,
  create: (config) => new DeepFM(config),
});
