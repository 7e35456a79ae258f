/** Hyperparameters shared by the deep models, with defaults and checks in one place. */
import { checkActivation, type Activation } from '../../core/activations.ts';
import type { OptimizerConfig, OptimizerName } from '../../core/params.ts';
import { ConfigError } from '../../contracts/errors.ts';

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
  /** Training is single-threaded; kept so model files record it. */
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

/** Fills defaults (`defaults` over DEEP_DEFAULTS, then `config`) and checks the shared fields. */
export function deepConfig<T extends DeepConfig>(model: string, config: Record<string, unknown>, defaults: Omit<T, keyof DeepConfig> & Partial<DeepConfig>): T {
  const c = { ...DEEP_DEFAULTS, ...defaults, ...config } as T;
  const positiveInt = (key: string, v: unknown): void => {
    if (!(Number.isInteger(v) && (v as number) > 0)) throw new ConfigError(`${model}: ${key} must be a positive whole number, got ${v}`);
  };
  positiveInt('factors', c.factors);
  positiveInt('batchSize', c.batchSize);
  positiveInt('threads', c.threads);
  if (!(Number.isInteger(c.epochs) && c.epochs >= 0)) throw new ConfigError(`${model}: epochs must be a whole number ≥ 0, got ${c.epochs}`);
  if (!Array.isArray(c.layers)) throw new ConfigError(`${model}: layers must be a list of sizes, e.g. [64, 32]`);
  c.layers.forEach((s) => positiveInt('every layer size', s));
  checkActivation(c.activation);
  if (!(c.dropout >= 0 && c.dropout < 1)) throw new ConfigError(`${model}: dropout must be in [0, 1), got ${c.dropout}`);
  if (!['sgd', 'adagrad', 'adam'].includes(c.optimizer)) throw new ConfigError(`${model}: optimizer must be sgd, adagrad or adam, got "${c.optimizer}"`);
  if (!(c.learningRate > 0)) throw new ConfigError(`${model}: learningRate must be > 0, got ${c.learningRate}`);
  if (!(c.l2 >= 0) || !(c.denseL2 >= 0)) throw new ConfigError(`${model}: l2 and denseL2 must be ≥ 0`);
  if (!(c.initStd > 0)) throw new ConfigError(`${model}: initStd must be > 0, got ${c.initStd}`);
  return c;
}

export function optimizerOf(c: DeepConfig): OptimizerConfig {
  return { name: c.optimizer, learningRate: c.learningRate };
}

/** Negatives per positive: a whole number ≥ 0. */
export function checkNegatives(model: string, negatives: unknown): number {
  if (!(Number.isInteger(negatives) && (negatives as number) >= 0)) throw new ConfigError(`${model}: negatives must be a whole number ≥ 0, got ${negatives}`);
  return negatives as number;
}
