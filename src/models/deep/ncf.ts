/**
 * Neural Collaborative Filtering (He et al. 2017, "Neural Collaborative Filtering").
 * - `ncf` (their "MLP"): [p_u, q_i] → ReLU MLP → one logit (a ConcatTower).
 * - `neumf`: a GMF branch p'_u ∘ q'_i (its own embeddings) fused with the MLP branch's last
 *   hidden layer by one linear output layer (a NeuMFTower).
 * Pointwise training: each positive with `negatives` sampled unseen items labelled 0, loss BCE
 * on the logit (the paper's log loss) or MSE on the raw output. With metadata features the
 * embeddings are hybrid (id + Σ feature vectors), which also scores cold-start items.
 */
import type { Rng } from '../../core/rng.ts';
import { ConfigError } from '../../contracts/errors.ts';
import type { Interactions } from '../../data/interactions.ts';
import { NegativeSampler, type NegativeSamplerKind } from '../../sampling/negatives.ts';
import { defineModel, resolveConfig, type ConfigSchema } from '../spec.ts';
import { ConcatTower, type ConcatTowerOptions } from './concat-tower.ts';
import { DEEP_DEFAULTS, DEEP_SCHEMA, NEGATIVES_SCHEMA, RANKING_TASK_SCHEMA, requireHiddenLayer, SAMPLER_SCHEMA, type DeepConfig } from './config.ts';
import { DeepModel } from './model.ts';
import { NeuMFTower } from './neumf-tower.ts';
import type { PointwisePlan, TowerRecipe } from './parallel.ts';
import { PointwiseBatches, PointwiseTrainer } from './pointwise.ts';
import type { Trainer } from './tower.ts';

export type NcfConfig = DeepConfig & {
  loss: 'bce' | 'mse';
  /** Sampled negatives per positive (the paper uses 4); 0 = train on the values as labels. */
  negatives: number;
  sampler: NegativeSamplerKind;
  /** NeuMF's GMF embedding size; null = factors. */
  gmfFactors: number | null;
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
    this.config = { ...c, gmfFactors: c.gmfFactors ?? c.factors };
  }

  protected createTower(rng: Rng): ConcatTower | NeuMFTower {
    const c = this.config;
    const o: ConcatTowerOptions = { ...this.towerBase(c), userFactors: c.factors, itemFactors: c.factors };
    return this.type === 'neumf' ? new NeuMFTower(rng, { ...o, gmfFactors: c.gmfFactors }) : new ConcatTower(rng, o);
  }

  protected createTrainer(train: Interactions, rng: Rng): Trainer {
    const c = this.config;
    // Forked even when unused (negatives 0), so the seed's random stream does not depend on `negatives`.
    const sampler = new NegativeSampler(train, { kind: c.sampler, rng: rng.fork() });
    if (c.negatives === 0) {
      // Without sampled negatives the labels are the interaction values themselves.
      const v = train.values;
      for (let p = 0; p < v.length; p++)
        if (!(v[p] >= 0 && v[p] <= 1)) throw new ConfigError(`${this.type}: with negatives 0 the labels are the values and must be in [0, 1]; value ${v[p]} at interaction ${p}`);
    }
    return new PointwiseTrainer(new PointwiseBatches(train, c.batchSize, c.negatives, c.negatives > 0 ? sampler : null), c.loss);
  }

  /** Hogwild over threads (parallel.ts): the same tower, sampler and batches in every worker. */
  protected override pointwisePlan(): PointwisePlan {
    const c = this.config;
    const o: ConcatTowerOptions = { ...this.towerBase(c), userFactors: c.factors, itemFactors: c.factors };
    const tower: TowerRecipe = this.type === 'neumf' ? { kind: 'neumf', options: { ...o, gmfFactors: c.gmfFactors } } : { kind: 'concat', options: o };
    return { tower, sampler: c.negatives > 0 ? { kind: c.sampler } : null, negatives: c.negatives, batchSize: c.batchSize, loss: c.loss };
  }
}

const NCF_DEFAULTS: NcfConfig = { ...DEEP_DEFAULTS, loss: 'bce', negatives: 4, sampler: 'exclude-positives', gmfFactors: null, task: 'ranking' };

const NCF_SCHEMA: ConfigSchema<NcfConfig> = {
  ...DEEP_SCHEMA,
  layers: { kind: 'sizes', help: 'hidden layer sizes of the MLP (at least one), e.g. [64, 32]' },
  loss: { kind: 'enum', values: ['bce', 'mse'], help: "'bce' on the logit (the paper's log loss) or 'mse' on the raw output" },
  negatives: NEGATIVES_SCHEMA,
  sampler: SAMPLER_SCHEMA,
  gmfFactors: { kind: 'int', min: 1, nullable: true, help: 'neumf: GMF embedding size (null: factors)' },
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
