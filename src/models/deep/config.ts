/**
 * Hyperparameters shared by the deep models: their defaults and schema entries, which each
 * model's spec spreads into its own, so a shared key is declared (and checked) once.
 */
import { ACTIVATIONS, type Activation } from '../../core/activations.ts';
import type { OptimizerConfig, OptimizerName } from '../../core/params.ts';
import { ConfigError } from '../../contracts/errors.ts';
import type { NegativeSamplerKind } from '../../sampling/negatives.ts';
import type { ConfigSchema, ParamSchema } from '../spec.ts';

export type DeepConfig = {
  /** Embedding size. */
  factors: number;
  /** Hidden layer sizes of the MLP. */
  layers: number[];
  activation: Activation;
  /** Dropout rate after each hidden layer while training. */
  dropout: number;
  optimizer: OptimizerName;
  learningRate: number;
  /** L2 on the embedding rows a batch touches. */
  l2: number;
  /** L2 on dense weights. */
  denseL2: number;
  /** Rows per mini-batch (positives and their sampled negatives together). */
  batchSize: number;
  epochs: number;
  seed: number;
  /** Worker threads: the deep models train Hogwild over them (deep/parallel.ts), except with a custom loss. */
  threads: number;
  /** Standard deviation of the normal embedding init. */
  initStd: number;
  /** Use user/item metadata features when given (hybrid embeddings / DeepFM fields). */
  useFeatures: boolean;
};

export const DEEP_DEFAULTS: DeepConfig = {
  factors: 32,
  layers: [64, 32],
  activation: 'relu',
  dropout: 0,
  optimizer: 'adam',
  learningRate: 0.001,
  l2: 0,
  denseL2: 0,
  batchSize: 256,
  epochs: 20,
  seed: 42,
  threads: 1,
  initStd: 0.05,
  useFeatures: true,
};

export const DEEP_SCHEMA: ConfigSchema<DeepConfig> = {
  factors: { kind: 'int', min: 1, help: 'embedding size' },
  layers: { kind: 'sizes', help: 'hidden layer sizes of the MLP, e.g. [64, 32]' },
  activation: { kind: 'enum', values: ACTIVATIONS, help: 'hidden layer activation' },
  dropout: { kind: 'number', min: 0, max: 1, exclusiveMax: true, help: 'dropout rate after each hidden layer while training' },
  optimizer: { kind: 'enum', values: ['sgd', 'adagrad', 'adam'], help: 'optimizer of every parameter (embeddings get row-sparse updates)' },
  learningRate: { kind: 'number', min: 0, exclusiveMin: true, help: 'optimizer step size' },
  l2: { kind: 'number', min: 0, help: 'L2 on the embedding rows a batch touches' },
  denseL2: { kind: 'number', min: 0, help: 'L2 on dense weights' },
  batchSize: { kind: 'int', min: 1, help: 'rows per mini-batch (positives and their sampled negatives together)' },
  epochs: { kind: 'int', min: 0, help: 'passes over the training data' },
  seed: { kind: 'int', help: 'random seed (with threads 1, training is reproducible)' },
  threads: { kind: 'int', min: 1, help: 'train Hogwild over this many threads (1 = reproducible); a custom loss uses one' },
  initStd: { kind: 'number', min: 0, exclusiveMin: true, help: 'standard deviation of the normal embedding init' },
  useFeatures: { kind: 'boolean', help: 'use user/item metadata features when given (hybrid embeddings)' },
};

/** Sampled negatives per positive. */
export const NEGATIVES_SCHEMA: ParamSchema = { kind: 'int', min: 0, help: 'sampled negatives per positive; 0 = train on the values as labels in [0, 1]' };
export const SAMPLER_SCHEMA: ParamSchema = {
  kind: 'enum',
  values: ['uniform', 'exclude-positives', 'popularity'] satisfies NegativeSamplerKind[],
  help: "how negatives are drawn: 'uniform' (positives included), 'exclude-positives' (uniform over unseen items), 'popularity' (unseen item i with p ∝ train count^samplerAlpha, as word2vec)",
};
export const LR_DECAY_SCHEMA: ParamSchema = {
  kind: 'number',
  min: 0,
  max: 1,
  exclusiveMin: true,
  help: 'learning rate × lrDecay after every epoch (epoch e trains at learningRate · lrDecay^(e−1)); 1 = constant',
};
export const SAMPLER_ALPHA_SCHEMA: ParamSchema = {
  kind: 'number',
  min: 0,
  help: "sampler 'popularity': weight = train count^samplerAlpha (0.75 as word2vec; 0 = uniform over unseen items)",
};
/** The deep ranking models only rank; the key is kept so model files and experiments see the task. */
export const RANKING_TASK_SCHEMA: ParamSchema = { kind: 'enum', values: ['ranking'], help: 'always ranking (validated by AUC)' };

export function optimizerOf(c: DeepConfig): OptimizerConfig {
  return { name: c.optimizer, learningRate: c.learningRate };
}

/** The MLP-based towers need a first hidden layer (full-catalogue scoring splits it). */
export function requireHiddenLayer(model: string, layers: number[]): void {
  if (layers.length === 0) throw new ConfigError(`${model}: the MLP needs at least one hidden layer (layers: [64, 32])`);
}

/** ncf: how the embedding tables' optimizer steps (deep/embedding-input.ts). */
export const EMBEDDING_OPTIMIZER_SCHEMA: ParamSchema = {
  kind: 'enum',
  values: ['lazy', 'dense'],
  help: "'lazy': only the rows a batch touched step (per-row Adam step counts); 'dense': every row steps every batch, untouched rows with a zero gradient (moments decay, momentum keeps moving them), as PyTorch's Adam on an ordinary embedding; id-only embeddings",
};
