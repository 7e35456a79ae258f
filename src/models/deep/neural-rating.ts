/**
 * A neural rating model (the Keras "embeddings + dense layers" recommender of the Book-Crossing
 * and MovieLens tutorials): user and item embeddings are combined — `concat` ([u, v]) or `dot`
 * (the elementwise product u ∘ v, whose sum is the dot product) — and passed through dense
 * layers with dropout to one output (NeuralRatingTower). Optional extras: a skip connection of
 * the dot product u·v (`skip: 'dot'`, making it MF plus a learned correction) or a linear map
 * of the combined embeddings (`skip: 'embeddings'`, wide & deep style) into the output, and
 * user/item biases. Trained pointwise on the interactions' values: 'mse' / 'mae' regress them
 * ('rating' task), 'bce' treats them as labels in [0, 1] and outputs a logit ('ranking' task).
 * Transform raw ratings first with src/data/labels.ts (binarize, rescale, centerPerUser).
 */
import type { Rng } from '../../core/rng.ts';
import type { Interactions } from '../../data/interactions.ts';
import { defineModel, resolveConfig, type ConfigSchema } from '../spec.ts';
import { DEEP_DEFAULTS, DEEP_SCHEMA, type DeepConfig } from './config.ts';
import { DeepModel } from './model.ts';
import type { HogwildPlan } from './parallel.ts';
import { NeuralRatingTower, type NeuralRatingTowerOptions } from './neural-rating-tower.ts';
import { checkBinaryLabels, PointwiseBatches, PointwiseTrainer } from './pointwise.ts';
import type { Trainer } from './tower.ts';

export type NeuralRatingConfig = Omit<DeepConfig, 'initStd'> & {
  combine: 'dot' | 'concat';
  skip: 'none' | 'dot' | 'embeddings';
  loss: 'mse' | 'mae' | 'bce';
  /** Learned user and item biases added to the output. */
  biases: boolean;
  /** Standard deviation of the normal embedding init; null = 0.1 for `dot`, 0.05 for `concat`. */
  initStd: number | null;
  /** 'rating' (validated by RMSE) or 'ranking' (by AUC); null = 'ranking' for bce, else 'rating'. */
  task: 'rating' | 'ranking' | null;
};

export class NeuralRating extends DeepModel<NeuralRatingTower> {
  readonly type = 'neural-rating';
  /** The complete config, with initStd and task resolved. */
  readonly config: NeuralRatingConfig & { initStd: number; task: 'rating' | 'ranking' };

  /** `config` is checked at run time; `createModel('neural-rating', …)` also checks it at compile time. */
  constructor(config: Record<string, unknown> = {}) {
    super();
    const c = resolveConfig(neuralRatingSpec, config);
    this.config = {
      ...c,
      // u ∘ v of two small embeddings starts near 0 and learns slowly: 'dot' starts them larger.
      initStd: c.initStd ?? (c.combine === 'dot' ? 0.1 : 0.05),
      task: c.task ?? (c.loss === 'bce' ? 'ranking' : 'rating'),
    };
  }

  protected createTower(rng: Rng): NeuralRatingTower {
    return new NeuralRatingTower(rng, this.towerOptions());
  }

  /** The tower's options: built here, and rebuilt by Hogwild workers (parallel.ts). */
  private towerOptions(): NeuralRatingTowerOptions {
    const c = this.config;
    return { ...this.towerBase(c), factors: c.factors, combine: c.combine, skip: c.skip, biases: c.biases };
  }

  protected createTrainer(train: Interactions, _rng: Rng): Trainer {
    const c = this.config;
    if (c.loss === 'bce') checkBinaryLabels('neural-rating', train);
    // Start the output at the mean label (or its logit), so the layers learn deviations.
    let mean = 0;
    for (let p = 0; p < train.length; p++) mean += train.values[p];
    mean /= Math.max(1, train.length);
    if (c.loss === 'bce') mean = Math.log(Math.max(1e-6, mean) / Math.max(1e-6, 1 - mean));
    this.requireTower().startOutputAt(mean);
    return new PointwiseTrainer(new PointwiseBatches(train, c.batchSize, 0, null), c.loss);
  }

  /** Hogwild over threads (parallel.ts): the same tower and batches of labelled rows in every worker. */
  protected override hogwildPlan(): HogwildPlan | null {
    const c = this.config;
    return { trainer: 'pointwise', tower: { kind: 'neural-rating', options: this.towerOptions() }, sampler: null, negatives: 0, batchSize: c.batchSize, loss: c.loss };
  }
}

export const neuralRatingSpec = defineModel({
  type: 'neural-rating',
  description:
    'Neural rating model: user/item embeddings combined by dot (elementwise product) or concat → dense layers with dropout → rating (mse/mae) or logit (bce), optional dot/embedding skip connection and biases',
  task: 'rating', // with loss 'bce' it ranks (its config's task says which)
  defaults: { ...DEEP_DEFAULTS, combine: 'concat', skip: 'none', loss: 'mse', biases: true, initStd: null, task: null } as NeuralRatingConfig,
  schema: {
    ...DEEP_SCHEMA,
    layers: { kind: 'sizes', help: 'hidden layer sizes (may be empty: the output layer then reads the combined embeddings)' },
    combine: { kind: 'enum', values: ['dot', 'concat'], help: "how user and item embeddings meet: 'concat' [u, v] or 'dot' u ∘ v" },
    skip: { kind: 'enum', values: ['none', 'dot', 'embeddings'], help: 'extra path into the output: the dot product u·v, or a linear map of the combined embeddings' },
    loss: { kind: 'enum', values: ['mse', 'mae', 'bce'], help: "'mse' / 'mae' regress the values; 'bce' treats them as labels in [0, 1]" },
    biases: { kind: 'boolean', help: 'learned user and item biases added to the output' },
    initStd: { kind: 'number', min: 0, exclusiveMin: true, nullable: true, help: 'standard deviation of the normal embedding init (null: 0.1 for dot, 0.05 for concat)' },
    task: { kind: 'enum', values: ['rating', 'ranking'], nullable: true, help: "validated by RMSE ('rating') or AUC ('ranking'); null: 'ranking' for bce, else 'rating'" },
  } satisfies ConfigSchema<NeuralRatingConfig>,
  create: (config) => new NeuralRating(config),
});
