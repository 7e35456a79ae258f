/**
 * Mult-VAE and Mult-DAE (Liang, Krishnan, Hoffman & Jebara 2018, "Variational Autoencoders for
 * Collaborative Filtering"): an autoencoder of each user's whole binary interaction row with a
 * multinomial likelihood over items. The network and its backward pass are in
 * src/models/multvae/network.ts.
 *
 * Training follows the paper's reference code: users shuffled each epoch into batches of
 * `batchSize`; the input row L2-normalised then dropped out (`dropout`, default 0.5); loss the
 * batch mean of −Σ_i x_ui log softmax_i + β·KL; Adam at 1e-3. β grows linearly from 0 to
 * `annealCap` over `annealSteps` **gradient steps (mini-batches)**, β = min(cap, step/annealSteps)
 * with step counted from 0 at the start of a fit across all epochs, which is exactly the
 * reference code's `update_count` (the paper's 200,000 steps on ML-20M with 500-user batches is
 * about 860 epochs, so β reaches the 0.2 cap after ~170 of its 200 epochs). On a small dataset
 * there are only a few steps per epoch (ML-100K: 2 at batch 500), so set annealSteps to the
 * steps over which the KL weight should ramp up (0 = β = annealCap from the start).
 * `variational: false` is Mult-DAE: no sampling, no KL, tanh on the code, everything else equal.
 *
 * Scoring runs the user's training row (`seen`) through the encoder, takes z = μ and returns the
 * decoder's logits, so any row of items can be scored (`foldInItems`, and `foldIn` / `recommend({ history })` through
 * `scoreHistory`) without retraining.
 * Training is deterministic for a seed. `threads: 2` runs the dense products (the layers over the
 * catalogue) on two threads, bit for bit the one-thread model (product-threads.ts).
 *
 * `sampledSoftmax: k` (default null: the paper's exact softmax) trains the likelihood with a
 * sampled softmax instead (Jean et al. 2015; the log-Q correction as in Yi et al. 2019;
 * sampled-softmax.ts): per mini-batch k distinct items drawn uniformly and shared by the batch,
 * each user's log-sum-exp over its positives and the sample (logits corrected by −log(k/items),
 * accidental hits masked), so a training step's cost does not grow with the catalogue. Scoring,
 * fold-in and the model file are the exact model's (every item's logit). k ≥ items is the exact
 * model, bit for bit.
 *
 * `emaDecay` > 0 scores with an exponential moving average of the weights (weight-average.ts,
 * TensorFlow's warm-up schedule, as RecVAE's option): training is unchanged, the average only
 * reads the trained weights after each step, and it is what scores, early-stops and is saved.
 * It walks every weight each step, which a sampled softmax exists to avoid, so the two exclude
 * each other.
 */
import { Rng } from '../../core/rng.ts';
import { ConfigError } from '../../contracts/errors.ts';
import type { Interactions } from '../../data/interactions.ts';
import type { FitOptions } from '../../train/types.ts';
import { MultVaeNet } from './network.ts';
import { WeightAverage } from './weight-average.ts';
import { ProductThreads } from './product-threads.ts';
import { Recommender } from '../recommender.ts';
import { activeUsers, binaryRow, emptyRows, scoreRowsInChunks } from './user-rows.ts';
import { defineModel, resolveConfig } from '../spec.ts';
import { INPUT_NORM_EXPONENT_SCHEMA } from './sparse-input.ts';
import type { DataShape, MemoryEstimate, ValidationCost } from '../../train/types.ts';
import { multVaeMemory, multVaeCost } from './cost.ts';
import type { EpochContext } from '../../train/types.ts';
import type { HistoryEntry, ModelState } from '../../contracts/types.ts';

export type MultVaeConfig = {
  /**
   * Encoder hidden sizes, tanh; the decoder mirrors them (paper: [600]). [] (no hidden layer) with
   * batchSize 100 and annealSteps 2000 did better on all three datasets measured (validation:
   * Book-Crossing +40 % NDCG@10, ML-100K msr +0.009 NDCG@10, lightfm-ua +8 % P@10); it needs
   * ~80–130 epochs, so early-stop with patience ≥ 20 (docs/deep-models.md).
   */
  layers: number[];
  /** Latent size (paper: 200). */
  latent: number;
  /** true: Mult-VAE; false: Mult-DAE. */
  variational: boolean;
  /** Input dropout rate while training (paper: 0.5). */
  dropout: number;
  /** Largest KL weight β (paper's Mult-VAE^PR: 0.2). */
  annealCap: number;
  /** Gradient steps (mini-batches) over which β rises linearly from 0 to annealCap; 0 = β = annealCap throughout. */
  annealSteps: number;
  /** Users per mini-batch (paper: 500). */
  batchSize: number;
  optimizer: 'adam' | 'sgd' | 'adagrad';
  learningRate: number;
  /**
   * Weight decay: adds l2·w to every weight's gradient of the batch-mean loss, i.e. (l2/2)‖W‖²
   * in the loss (the reference code's `lam` is l2 = 2·lam). The first layer's rows decay when a
   * batch touches them (lazily); biases never.
   */
  l2: number;
  /**
   * Items in a sampled softmax per mini-batch while training (TensorFlow's `num_sampled`); null:
   * the exact softmax over every item (the paper's model). k ≥ the catalogue is the exact model.
   */
  sampledSoftmax: number | null;
  /**
   * The optimizer of the sampled output layer (with `sampledSoftmax` < the catalogue); null: the
   * model's `optimizer`. Adam's per-coordinate normalisation turns a rarely sampled row's small
   * gradient into a full-size step; Adagrad and SGD keep the gradient's size. Measured on
   * Book-Crossing, neither beat Adam at both k tried (docs/deep-models.md), so none is
   * recommended. Ignored by the exact softmax.
   */
  sampledOptimizer: 'adam' | 'sgd' | 'adagrad' | null;
  /** The sampled output layer's step size; null: `learningRate`. Ignored by the exact softmax. */
  sampledLearningRate: number | null;
  /** Score with an exponential moving average of the weights, this decay per step (0: the last step's weights). */
  emaDecay: number;
  /** Each of a user's n input items enters the encoder as 1/n^e (0.5: unit L2 norm, the paper's). */
  inputNormExponent: number;
  epochs: number;
  seed: number;
  /** Threads for the dense products (at most 2); the model is the same bit for bit at 1 or 2. */
  threads: number;
  task: 'ranking';
};

export class MultVae extends Recommender {
  readonly type = 'multvae';
  readonly config: MultVaeConfig;
  private net: MultVaeNet | null = null;
  /** With emaDecay > 0: the averaged weights that score, and their running average. */
  private averagedNet: MultVaeNet | null = null;
  private average: WeightAverage | null = null;
  /** Users with at least one training interaction (the ones trained on). */
  private order = new Int32Array(0);
  private batch = new Int32Array(0);
  private noise = new Float32Array(0);
  /** Gradient steps taken in this fit (drives the β schedule). */
  private steps = 0;
  private readonly products: ProductThreads;

  constructor(config: Partial<MultVaeConfig> = {}) {
    super();
    const c = resolveConfig(multVaeSpec, config);
    // Our own copy: the caller's list must not change this model's shape later.
    c.layers = c.layers.slice();
    if (c.emaDecay > 0 && c.sampledSoftmax !== null) {
      throw new ConfigError('multvae: emaDecay averages every weight after each step, which sampledSoftmax exists to avoid; use one of them');
    }
    this.config = c;
    this.products = new ProductThreads(c.threads);
  }

  /** The network (null before fit / load), for tests and diagnostics. */
  get network(): MultVaeNet | null {
    return this.net;
  }

  /** The KL weight β at gradient step `step` (0-based): min(annealCap, step / annealSteps). */
  beta(step = this.steps): number {
    const { annealCap, annealSteps } = this.config;
    return annealSteps === 0 ? annealCap : Math.min(annealCap, step / annealSteps);
  }

  private build(rng: Rng): MultVaeNet {
    const c = this.config;
    if (this.numItems === 0) throw new ConfigError('multvae: no items to model');
    const shape = {
      numItems: this.numItems,
      layers: c.layers,
      latent: c.latent,
      variational: c.variational,
      sampledSoftmax: c.sampledSoftmax,
      inputNormExponent: c.inputNormExponent,
    };
    this.net = new MultVaeNet(shape, { name: c.optimizer, learningRate: c.learningRate }, rng, {
      name: c.sampledOptimizer ?? c.optimizer,
      learningRate: c.sampledLearningRate ?? c.learningRate,
    });
    if (c.emaDecay > 0) {
      // Its own Rng: the initial values are overwritten, and the training stream stays that of emaDecay 0.
      this.averagedNet = new MultVaeNet(shape, { name: 'sgd', learningRate: 1 }, new Rng(0));
      this.average = new WeightAverage(this.net.params(), this.averagedNet.params(), c.emaDecay);
    }
    return this.net;
  }

  prepare(train: Interactions, rng: Rng, _options: FitOptions): void {
    this.build(rng);
    this.order = activeUsers(train.byUser());
    this.batch = new Int32Array(Math.min(this.config.batchSize, Math.max(1, this.order.length)));
    this.noise = new Float32Array(this.batch.length * this.config.latent);
    this.steps = 0;
  }

  /**
   * The paper's β schedule (annealSteps 200,000 at batch 500) is ML-20M's: on a few thousand
   * users it leaves β near 0 for the whole fit, which is then a Mult-DAE with sampling noise.
   * Said before training when β would end below a quarter of annealCap in the epochs planned.
   */
  fitWarnings({ epochs }: { epochs: number }): string[] {
    const c = this.config;
    if (!c.variational || c.annealSteps === 0 || c.annealCap === 0) return [];
    const stepsPerEpoch = Math.ceil(this.order.length / c.batchSize);
    // Called right after prepare (multvae does not resume), so the ramp starts at step 0.
    const last = epochs * stepsPerEpoch;
    const beta = this.beta(last);
    if (beta >= c.annealCap / 4) return [];
    return [
      `multvae: the KL weight β would reach only ${beta < 0.001 ? beta.toExponential(1) : beta.toFixed(3)} of annealCap ${c.annealCap} in this fit (${epochs} epoch${epochs === 1 ? '' : 's'} × ${stepsPerEpoch} steps = ${last} steps, annealSteps ${c.annealSteps}), so the model trains almost without its KL term; set annealSteps to about the steps planned (e.g. ${Math.max(1, Math.round(last / 2))}), or 0 for β = annealCap throughout`,
    ];
  }

  /** Peak memory of a fit: the items-wide layers with gradients and optimizer state, and a batch's logits (cost.ts). */
  estimateMemory(shape: DataShape, threads = 1): MemoryEstimate {
    return multVaeMemory(shape, threads, this.config);
  }

  /** An epoch's work against one validation score, for validationUsers 'auto' (cost.ts). */
  validationCost(shape: DataShape): ValidationCost {
    return multVaeCost(shape, this.config);
  }

  trainEpoch(ctx: EpochContext): Promise<number> {
    return this.products.epoch(ctx.threads, () => this.trainBatches(ctx));
  }

  private trainBatches(ctx: EpochContext): number {
    const net = this.net;
    const rows = this.seen;
    if (!net || !rows) throw new ConfigError('multvae: prepare() must run before trainEpoch()');
    const c = this.config;
    const order = this.order;
    ctx.rng.shuffle(order);
    let total = 0;
    for (let s = 0; s < order.length; s += c.batchSize) {
      const n = Math.min(c.batchSize, order.length - s);
      const users = this.batch;
      users.set(order.subarray(s, s + n));
      net.setBatch(rows, users, n, c.dropout, ctx.rng);
      let noise: Float32Array | null = null;
      if (c.variational) {
        noise = this.noise;
        for (let k = 0; k < n * c.latent; k++) noise[k] = ctx.rng.normal();
      }
      net.drawSample(ctx.rng);
      const beta = this.beta();
      net.forward(n, noise, false);
      total += net.loss(n, beta, true) * n;
      net.backward(n, beta);
      net.update(c.l2);
      this.average?.update();
      this.steps++;
      ctx.progress(Math.min(1, (s + n) / order.length));
    }
    return order.length > 0 ? total / order.length : 0;
  }

  scoreItems(user: number, out: Float32Array): void {
    this.scoreUsers(Int32Array.of(user), out);
  }

  /** Logits of every item for each user (users × items), from their training rows; z = μ. */
  override scoreUsers(users: Int32Array, out: Float32Array): void {
    this.products.run(() => scoreRowsInChunks(this.scoringNet(), this.seen ?? emptyRows(this.numItems), users, this.numItems, out));
  }

  /**
   * Fold-in: scores of every item (written into `out`) for a user who interacted with `items`
   * (item indices), whether or not that user was in training.
   */
  foldInItems(items: ArrayLike<number>, out: Float32Array): void {
    const net = this.scoringNet();
    for (const i of Array.from(items))
      if (!(Number.isInteger(i) && i >= 0 && i < this.numItems)) throw new ConfigError(`multvae: item index ${i} is out of range (0..${this.numItems - 1})`);
    scoreRowsInChunks(net, binaryRow(items, this.numItems), Int32Array.of(0), this.numItems, out);
  }

  /** Fold-in: the history's items as a binary row (as training rows are), encoded; weights are ignored. */
  protected override scoreHistory(history: HistoryEntry[], out: Float32Array): void {
    this.foldInItems(
      history.map((h) => h.index),
      out,
    );
  }

  /** The weights that score: the average when emaDecay > 0, else the trained ones. */
  private scoringNet(): MultVaeNet {
    const net = this.requireNet();
    return this.averagedNet ?? net;
  }

  private requireNet(): MultVaeNet {
    if (!this.net) throw new ConfigError('multvae: the model has not been trained or loaded');
    return this.net;
  }

  getState(): ModelState {
    return { tensors: this.scoringNet().tensors() };
  }

  setState(state: ModelState): void {
    if (!this.net) this.build(new Rng(this.config.seed));
    this.requireNet().loadState(state);
    // A loaded state is the weights that scored (the average, when one is on): the average restarts from them.
    this.average?.reset();
  }
}

export const multVaeSpec = defineModel({
  type: 'multvae',
  description: "Mult-VAE (Liang et al. 2018): variational autoencoder of the user's item row, multinomial likelihood, KL annealing; variational: false = Mult-DAE",
  task: 'ranking',
  defaults: {
    layers: [600],
    latent: 200,
    variational: true,
    dropout: 0.5,
    annealCap: 0.2,
    annealSteps: 200000,
    batchSize: 500,
    optimizer: 'adam',
    learningRate: 0.001,
    l2: 0,
    sampledSoftmax: null,
    sampledOptimizer: null,
    sampledLearningRate: null,
    emaDecay: 0,
    inputNormExponent: 0.5,
    epochs: 200,
    seed: 42,
    threads: 1,
    task: 'ranking',
  } as MultVaeConfig,
  schema: {
    layers: { kind: 'sizes', help: 'encoder hidden sizes (tanh); the decoder mirrors them' },
    latent: { kind: 'int', min: 1, help: 'latent size' },
    variational: { kind: 'boolean', help: 'true: Mult-VAE; false: Mult-DAE' },
    dropout: { kind: 'number', min: 0, max: 1, exclusiveMax: true, help: 'input dropout rate while training' },
    annealCap: { kind: 'number', min: 0, help: 'largest KL weight β' },
    annealSteps: { kind: 'int', min: 0, help: 'mini-batches over which β rises to annealCap; 0: annealCap throughout' },
    batchSize: { kind: 'int', min: 1, help: 'users per mini-batch' },
    optimizer: { kind: 'enum', values: ['adam', 'sgd', 'adagrad'], help: 'optimizer of every weight' },
    learningRate: { kind: 'number', min: 0, exclusiveMin: true, help: 'step size' },
    l2: { kind: 'number', min: 0, help: "weight decay (the reference code's lam is l2/2)" },
    sampledSoftmax: {
      kind: 'int',
      min: 1,
      nullable: true,
      help: "while training, a sampled softmax over each user's positives and this many items per mini-batch (uniform, log-Q corrected); null: every item. Scoring uses every item",
    },
    sampledOptimizer: {
      kind: 'enum',
      values: ['adam', 'sgd', 'adagrad'],
      nullable: true,
      help: "optimizer of the sampled softmax's output layer (with sampledSoftmax); null: optimizer. Ignored by the exact softmax",
    },
    sampledLearningRate: {
      kind: 'number',
      min: 0,
      exclusiveMin: true,
      nullable: true,
      help: "step size of the sampled softmax's output layer (with sampledSoftmax); null: learningRate. Ignored by the exact softmax",
    },
    emaDecay: { kind: 'number', min: 0, max: 1, exclusiveMax: true, help: "score with a moving average of the weights, this decay per step; 0: the last step's weights" },
    inputNormExponent: INPUT_NORM_EXPONENT_SCHEMA,
    epochs: { kind: 'int', min: 0, help: 'passes over the users' },
    seed: { kind: 'int', min: 0, help: 'random seed; training is reproducible at any thread count' },
    threads: { kind: 'int', min: 1, help: 'threads for the dense products (at most 2); the same model bit for bit at 1 or 2' },
    task: { kind: 'enum', values: ['ranking'], help: 'implicit feedback: ranking only' },
  },
  create: (config) => new MultVae(config),
});
