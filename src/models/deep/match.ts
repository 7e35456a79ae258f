/**
 * A deep match model (the "deep triplet" recommender of the classic Keras tutorials, after
 * Covington et al. 2016's deep towers): user and item embeddings, whose sizes may differ,
 * concatenated into an MLP that outputs one match score (a ConcatTower). Trained on
 * (user, positive, negative) triplets with a margin (hinge) or BPR loss on s⁺ − s⁻.
 */
import type { Rng } from '../../core/rng.ts';
import type { Interactions } from '../../data/interactions.ts';
import { NegativeSampler, type NegativeSamplerKind } from '../../sampling/negatives.ts';
import { defineModel, resolveConfig, type ConfigSchema } from '../spec.ts';
import { ConcatTower, type ConcatTowerOptions } from './concat-tower.ts';
import { DEEP_DEFAULTS, DEEP_SCHEMA, RANKING_TASK_SCHEMA, requireHiddenLayer, SAMPLER_SCHEMA, type DeepConfig } from './config.ts';
import { DeepModel } from './model.ts';
import type { HogwildPlan } from './parallel.ts';
import type { Trainer } from './tower.ts';
import { TripletTrainer } from './triplets.ts';
import type { CustomTripletLoss } from './custom-loss.ts';

export type MatchConfig = DeepConfig & {
  /** User embedding size; null = factors. */
  userFactors: number | null;
  /** Item embedding size; null = factors. */
  itemFactors: number | null;
  loss: 'margin' | 'bpr';
  /** Hinge margin for loss 'margin'. */
  margin: number;
  sampler: NegativeSamplerKind;
  task: 'ranking';
};

export class MatchModel extends DeepModel<ConcatTower> {
  readonly type = 'match';
  /** The complete config, with the embedding sizes resolved. */
  readonly config: MatchConfig & { userFactors: number; itemFactors: number };

  /** `config` is checked at run time; `createModel('match', …)` also checks it at compile time. */
  constructor(config: Record<string, unknown> = {}) {
    super();
    const c = resolveConfig(matchSpec, config);
    requireHiddenLayer('match', c.layers);
    this.config = { ...c, userFactors: c.userFactors ?? c.factors, itemFactors: c.itemFactors ?? c.factors };
  }

  /** A custom loss (library API) replacing config.loss in the next fits; null: the configured one. */
  customLoss: CustomTripletLoss | null = null;

  /** Trains with a custom triplet loss from now on (see custom-loss.ts); returns the model. */
  useLoss(loss: CustomTripletLoss | null): this {
    this.customLoss = loss;
    return this;
  }

  protected createTower(rng: Rng): ConcatTower {
    return new ConcatTower(rng, this.towerOptions());
  }

  /** The tower's options: built here, and rebuilt by Hogwild workers (parallel.ts). */
  private towerOptions(): ConcatTowerOptions {
    const c = this.config;
    return { ...this.towerBase(c), userFactors: c.userFactors, itemFactors: c.itemFactors };
  }

  protected createTrainer(train: Interactions, rng: Rng): Trainer {
    const c = this.config;
    return new TripletTrainer(train, new NegativeSampler(train, { kind: c.sampler, rng: rng.fork() }), c.batchSize, this.customLoss ?? c.loss, c.margin);
  }

  /** Hogwild over threads (parallel.ts): the same tower, sampler and triplets in every worker; a custom loss (a function) stays on one thread. */
  protected override hogwildPlan(): HogwildPlan | null {
    const c = this.config;
    if (this.customLoss) return null;
    return { trainer: 'triplet', tower: { kind: 'concat', options: this.towerOptions() }, sampler: { kind: c.sampler }, batchSize: c.batchSize, loss: c.loss, margin: c.margin };
  }
}

export const matchSpec = defineModel({
  type: 'match',
  description: 'Deep match model: user/item embeddings (sizes may differ) → concatenation → MLP → score, trained on triplets with a margin or BPR loss',
  task: 'ranking',
  defaults: { ...DEEP_DEFAULTS, userFactors: null, itemFactors: null, loss: 'margin', margin: 1, sampler: 'exclude-positives', task: 'ranking' } as MatchConfig,
  schema: {
    ...DEEP_SCHEMA,
    factors: { kind: 'int', min: 1, help: 'embedding size of users and items unless userFactors / itemFactors say otherwise' },
    layers: { kind: 'sizes', help: 'hidden layer sizes of the MLP (at least one), e.g. [64, 32]' },
    userFactors: { kind: 'int', min: 1, nullable: true, help: 'user embedding size (null: factors)' },
    itemFactors: { kind: 'int', min: 1, nullable: true, help: 'item embedding size (null: factors)' },
    loss: { kind: 'enum', values: ['margin', 'bpr'], help: "'margin': hinge on s⁺ − s⁻; 'bpr': −log σ(s⁺ − s⁻)" },
    margin: { kind: 'number', min: 0, exclusiveMin: true, help: "hinge margin of loss 'margin'" },
    sampler: SAMPLER_SCHEMA,
    task: RANKING_TASK_SCHEMA,
  } satisfies ConfigSchema<MatchConfig>,
  create: (config) => new MatchModel(config),
});
