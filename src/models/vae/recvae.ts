/**
 * RecVAE (Shenbin, Alekseev, Tutubalina, Malykh & Nikolenko 2020, "RecVAE: a New Variational
 * Autoencoder for Top-N Recommendations with Implicit Feedback", WSDM '20; reference code
 * github.com/ilya-shenbin/RecVAE). Mult-VAE (multvae.ts) with the paper's changes:
 *
 * - the encoder is deeper: layers of swish + LayerNorm with densely connected residuals
 *   (recvae-encoder.ts), the decoder one linear layer;
 * - the composite prior: a mixture of N(0, I), the posterior of the encoder as it was before the
 *   current encoder phase, and a wide N(0, e^{10} I) (recvae-network.ts);
 * - the KL weight is user-specific, β_u = γ·|x_u| (γ = 0.005), so users with more
 *   interactions are regularised more; `gamma: 0` uses a constant `beta` instead;
 * - alternating training: each epoch runs `encoderEpochs` passes updating only the encoder
 *   (input dropout `dropout`), then refreshes the prior's old encoder, then `decoderEpochs` passes
 *   updating only the decoder without dropout (the reference code's n_enc_epochs = 3,
 *   n_dec_epochs = 1). `alternating: false` updates both every batch (the ablation).
 *
 * Adam at 5e-4, 500 users a batch, as the reference. Scoring runs the user's training row
 * (`seen`) through the encoder with z = μ, so a history folds in exactly (`recommend({history})`).
 *
 * Three options beyond the paper, each off by default (docs/deep-models.md, "msr-stratified: a
 * further pass"): `emaDecay` scores with an exponential moving average of the weights
 * (weight-average.ts) instead of the last step's (`weightAverage` picks TensorFlow's warm-up EMA,
 * a bias-corrected fixed-decay EMA or SWA, "msr-stratified: a third pass"); `learningRateDecay` multiplies the step size by
 * that factor every epoch (exponential decay); `popularityWeight` α adds α·log(1 + the item's
 * training count) to every score, which shifts the ranking toward (α > 0) or away from popular
 * items, as Steck (2011, "Item popularity and recommendation accuracy") trades popularity off.
 * `skip` adds x·S to the logits: an item × item linear shortcut from the user's binary row (zero
 * diagonal, so an item never recommends itself), the wide part of Wide & Deep (Cheng et al. 2016,
 * "Wide & Deep Learning for Recommender Systems") beside the deep autoencoder; it has the form of
 * EASE's B (Steck 2019) but is learned jointly, by the decoder's passes, under the same likelihood.
 * Training is deterministic for a seed. `threads: 2` runs the dense products on two threads, bit for
 * bit the one-thread model (product-threads.ts).
 */
import { ConfigError } from '../../contracts/errors.ts';
import type { HistoryEntry, ModelState } from '../../contracts/types.ts';
import { Rng } from '../../core/rng.ts';
import type { Interactions } from '../../data/interactions.ts';
import type { DataShape, MemoryEstimate, ValidationCost } from '../../train/types.ts';
import { recVaeMemory, recVaeCost } from './cost.ts';
import type { EpochContext, FitOptions } from '../../train/types.ts';
import { loadParams, paramTensors } from '../deep/state.ts';
import { Recommender } from '../recommender.ts';
import { activeUsers, binaryRow, emptyRows, scoreRowsInChunks } from './user-rows.ts';
import { defineModel, resolveConfig } from '../spec.ts';
import { INPUT_NORM_EXPONENT_SCHEMA } from './sparse-input.ts';
import { type GradientPart, RecVaeNet } from './recvae-network.ts';
import { type AverageSchedule, WeightAverage } from './weight-average.ts';
import { ProductThreads } from './product-threads.ts';
import type { Csr } from '../../data/interactions.ts';

export type RecVaeConfig = {
  /** Width of every encoder layer (paper: 600). */
  hidden: number;
  /** Encoder layers (swish + LayerNorm, densely connected; paper: 5). */
  depth: number;
  /** Latent size (paper: 200). */
  latent: number;
  /** User-specific KL weight β_u = gamma·|x_u| (paper: 0.005); 0 = a constant `beta`. */
  gamma: number;
  /** Constant KL weight, used only when gamma is 0. */
  beta: number;
  /** Input dropout rate in encoder passes (paper: 0.5). */
  dropout: number;
  /** Alternate encoder-only and decoder-only passes (paper); false: both every batch. */
  alternating: boolean;
  /** Encoder passes per epoch (paper: 3). */
  encoderEpochs: number;
  /** Decoder passes per epoch (paper: 1). */
  decoderEpochs: number;
  batchSize: number;
  optimizer: 'adam' | 'sgd' | 'adagrad';
  learningRate: number;
  /** Weight decay l2·w on every weight's gradient (first-layer rows lazily); never on biases or norms. */
  l2: number;
  /** Score with an exponential moving average of the weights, this decay per step (0: the last step's weights). */
  emaDecay: number;
  /**
   * How the weights are averaged (weight-average.ts): `ema-warmup` (TensorFlow's warm-up, the
   * default), `ema-debiased` (fixed emaDecay, bias-corrected, from averageStart) or `swa` (equal
   * weights on each epoch's end from averageStart; on even with emaDecay 0).
   */
  weightAverage: AverageSchedule;
  /** `ema-debiased` / `swa`: the first epoch whose weights enter the average. */
  averageStart: number;
  /** The step size is learningRate·learningRateDecay^(epoch − 1) (1: constant). */
  learningRateDecay: number;
  /** α: every score gets α·log(1 + the item's training count) added (0: the network's logits). */
  popularityWeight: number;
  /** An item × item linear shortcut S (zero diagonal) from the binary input row to the logits, trained with the decoder. */
  skip: boolean;
  /** L2 on the shortcut S (weight decay on its gradient). */
  skipL2: number;
  /** The encoder's input in training: unit norm then inverted dropout (`before-dropout`, the paper's), or dropout then the kept items at unit norm. */
  inputNormalization: 'before-dropout' | 'after-dropout';
  /** The share of an encoder pass's rows that enter whole, without input dropout (0: every row dropped out). */
  wholeRowShare: number;
  /** The likelihood's weight on the positives input dropout kept, against 1 on the hidden ones (emphasised denoising; 1: the paper's). */
  keptWeight: number;
  /** Each of a user's n input items enters the encoder as 1/n^e (0.5: unit L2 norm, the paper's). */
  inputNormExponent: number;
  epochs: number;
  seed: number;
  /** Threads for the dense products (at most 2); the model is the same bit for bit at 1 or 2. */
  threads: number;
  task: 'ranking';
};

export class RecVae extends Recommender {
  readonly type = 'recvae';
  readonly config: RecVaeConfig;
  private net: RecVaeNet | null = null;
  /** With emaDecay > 0: the averaged weights that score, and their running average. */
  private averagedNet: RecVaeNet | null = null;
  private average: WeightAverage | null = null;
  /** Further averages of the same run, for benches that compare several on one trajectory (watchAverages). */
  private watched: { decay: number; schedule: AverageSchedule; startEpoch: number }[] = [];
  private watchedAverages: { net: RecVaeNet; average: WeightAverage }[] = [];
  /** popularityWeight·log(1 + count) per item, for the training rows it was computed from. */
  private popularityShift: { rows: Csr; shift: Float32Array } | null = null;
  /** Users with at least one training interaction (the ones trained on). */
  private order = new Int32Array(0);
  private batch = new Int32Array(0);
  private noise = new Float32Array(0);
  private readonly products: ProductThreads;

  constructor(config: Partial<RecVaeConfig> = {}) {
    super();
    this.config = resolveConfig(recVaeSpec, config);
    const c = this.config;
    this.products = new ProductThreads(c.threads);
    if (c.weightAverage === 'ema-debiased' && c.emaDecay === 0) throw new ConfigError('recvae: weightAverage "ema-debiased" needs emaDecay > 0 (its fixed decay)');
    if (c.weightAverage === 'ema-warmup' && c.averageStart !== 1) throw new ConfigError('recvae: averageStart applies to weightAverage "ema-debiased" or "swa", not "ema-warmup"');
  }

  /** Whether a weight average scores (emaDecay > 0, or SWA). */
  private get averaging(): boolean {
    return this.config.emaDecay > 0 || this.config.weightAverage === 'swa';
  }

  /**
   * For benches: further averages of the live weights of the same training run, each in its own
   * network, updated step by step like the model's own (which still alone scores). Call before
   * fit; their networks are `watchedNetworks` after training starts.
   */
  watchAverages(specs: { decay: number; schedule: AverageSchedule; startEpoch?: number }[]): void {
    this.watched = specs.map((s) => ({ decay: s.decay, schedule: s.schedule, startEpoch: s.startEpoch ?? 1 }));
  }

  /** The networks of watchAverages, in its order (empty before training). */
  get watchedNetworks(): RecVaeNet[] {
    return this.watchedAverages.map((w) => w.net);
  }

  /** The network (null before fit / load), for tests and diagnostics. */
  get network(): RecVaeNet | null {
    return this.net;
  }

  private build(rng: Rng): RecVaeNet {
    const c = this.config;
    if (this.numItems === 0) throw new ConfigError('recvae: no items to model');
    const shape = { numItems: this.numItems, hidden: c.hidden, depth: c.depth, latent: c.latent, skip: c.skip, inputNormExponent: c.inputNormExponent };
    this.net = new RecVaeNet(shape, { name: c.optimizer, learningRate: c.learningRate }, rng);
    this.net.skipL2 = c.skipL2;
    this.net.encoder.input.normalizeAfterDropout = c.inputNormalization === 'after-dropout';
    this.net.encoder.input.wholeRowShare = c.wholeRowShare;
    this.net.keptWeight = c.keptWeight;
    const live = this.net.params();
    // Each average has its own Rng: its initial values are overwritten, and the training stream stays that of emaDecay 0.
    const averageOf = (decay: number, schedule: AverageSchedule, startEpoch: number) => {
      const net = new RecVaeNet(shape, { name: 'sgd', learningRate: 1 }, new Rng(0));
      return { net, average: new WeightAverage(live, net.params(), decay, { schedule, startEpoch }) };
    };
    if (this.averaging) {
      const own = averageOf(c.emaDecay, c.weightAverage, c.averageStart);
      this.averagedNet = own.net;
      this.average = own.average;
    }
    this.watchedAverages = this.watched.map((w) => averageOf(w.decay, w.schedule, w.startEpoch));
    return this.net;
  }

  prepare(train: Interactions, rng: Rng, _options: FitOptions): void {
    this.build(rng);
    this.order = activeUsers(train.byUser());
    this.batch = new Int32Array(Math.min(this.config.batchSize, Math.max(1, this.order.length)));
    this.noise = new Float32Array(this.batch.length * this.config.latent);
  }

  /** Peak memory of a fit: the items-wide layers with gradients and optimizer state, and a batch's logits (cost.ts). */
  estimateMemory(shape: DataShape, threads = 1): MemoryEstimate {
    return recVaeMemory(shape, threads, this.config);
  }

  /** An epoch's work against one validation score, for validationUsers 'auto' (cost.ts). */
  validationCost(shape: DataShape): ValidationCost {
    return recVaeCost(shape, this.config);
  }

  trainEpoch(ctx: EpochContext): Promise<number> {
    return this.products.epoch(ctx.threads, () => this.trainPasses(ctx));
  }

  /** One epoch: encoder passes, prior refresh, decoder passes (or joint passes); returns the last pass's mean loss. */
  private trainPasses(ctx: EpochContext): number {
    const c = this.config;
    const net = this.requireNet();
    const total = c.alternating ? c.encoderEpochs + c.decoderEpochs : 1;
    if (c.learningRateDecay !== 1) {
      const lr = c.learningRate * c.learningRateDecay ** (ctx.epoch - 1);
      for (const p of net.params()) p.learningRate = lr;
    }
    let done = 0;
    let loss = 0;
    const run = (part: GradientPart, dropout: number): void => {
      loss = this.pass(ctx, part, dropout, (p) => ctx.progress((done + p) / Math.max(1, total)));
      done++;
    };
    if (!c.alternating) run('both', c.dropout);
    else for (let e = 0; e < c.encoderEpochs; e++) run('encoder', c.dropout);
    // The prior's old encoder follows the encoder once per epoch (the reference's update_prior).
    net.syncPrior();
    if (c.alternating) for (let e = 0; e < c.decoderEpochs; e++) run('decoder', 0);
    this.average?.endEpoch();
    for (const w of this.watchedAverages) w.average.endEpoch();
    return loss;
  }

  /** One pass over the users updating `part`; the mean negative ELBO. */
  private pass(ctx: EpochContext, part: GradientPart, dropout: number, progress: (p: number) => void): number {
    const net = this.requireNet();
    const rows = this.seen;
    if (!rows) throw new ConfigError('recvae: prepare() must run before trainEpoch()');
    const c = this.config;
    const order = this.order;
    ctx.rng.shuffle(order);
    let total = 0;
    for (let s = 0; s < order.length; s += c.batchSize) {
      const n = Math.min(c.batchSize, order.length - s);
      const users = this.batch;
      users.set(order.subarray(s, s + n));
      net.setBatch(rows, users, n, dropout, ctx.rng, c.gamma, c.beta);
      const noise = this.noise;
      for (let k = 0; k < n * c.latent; k++) noise[k] = ctx.rng.normal();
      net.forward(n, noise);
      total += net.loss(n, true) * n;
      net.backward(n, part);
      net.update(part, c.l2);
      this.average?.update();
      for (const w of this.watchedAverages) w.average.update();
      progress(Math.min(1, (s + n) / order.length));
    }
    return order.length > 0 ? total / order.length : 0;
  }

  scoreItems(user: number, out: Float32Array): void {
    this.scoreUsers(Int32Array.of(user), out);
  }

  /** Logits of every item for each user (users × items), from their training rows; z = μ. */
  override scoreUsers(users: Int32Array, out: Float32Array): void {
    this.products.run(() => scoreRowsInChunks(this.scoringNet(), this.seen ?? emptyRows(this.numItems), users, this.numItems, out));
    this.shiftByPopularity(out, users.length);
  }

  /** Fold-in: the history's items as a binary row (as training rows are), encoded; weights are ignored. */
  protected override scoreHistory(history: HistoryEntry[], out: Float32Array): void {
    const row = binaryRow(
      history.map((h) => h.index),
      this.numItems,
    );
    scoreRowsInChunks(this.scoringNet(), row, Int32Array.of(0), this.numItems, out);
    this.shiftByPopularity(out, 1);
  }

  /** The weights that score: the average when one is on (emaDecay > 0 or SWA), else the trained ones. */
  private scoringNet(): RecVaeNet {
    const net = this.requireNet();
    return this.averagedNet ?? net;
  }

  /** Adds popularityWeight·log(1 + training count) to each of `n` score rows. */
  private shiftByPopularity(out: Float32Array, n: number): void {
    const alpha = this.config.popularityWeight;
    const rows = this.seen;
    if (alpha === 0 || !rows) return;
    if (this.popularityShift?.rows !== rows) {
      const shift = new Float32Array(this.numItems);
      for (let q = 0; q < rows.indptr[rows.rows]; q++) shift[rows.indices[q]]++;
      for (let i = 0; i < shift.length; i++) shift[i] = alpha * Math.log1p(shift[i]);
      this.popularityShift = { rows, shift };
    }
    const { shift } = this.popularityShift;
    const N = this.numItems;
    for (let r = 0; r < n; r++) for (let i = 0; i < N; i++) out[r * N + i] += shift[i];
  }

  private requireNet(): RecVaeNet {
    if (!this.net) throw new ConfigError('recvae: the model has not been trained or loaded');
    return this.net;
  }

  getState(): ModelState {
    return { tensors: paramTensors(this.scoringNet().params()) };
  }

  setState(state: ModelState): void {
    if (!this.net) this.build(new Rng(this.config.seed));
    const net = this.requireNet();
    loadParams(state, net.params());
    net.syncPrior();
    // A loaded state is the weights that scored (the average, when one is on): the average restarts from them.
    this.average?.reset();
  }
}

export const recVaeSpec = defineModel({
  type: 'recvae',
  description: 'RecVAE (Shenbin et al. 2020): Mult-VAE with a deeper swish + LayerNorm encoder, a composite prior, user-specific KL weight and alternating encoder/decoder updates',
  task: 'ranking',
  defaults: {
    hidden: 600,
    depth: 5,
    latent: 200,
    gamma: 0.005,
    beta: 0.2,
    dropout: 0.5,
    alternating: true,
    encoderEpochs: 3,
    decoderEpochs: 1,
    batchSize: 500,
    optimizer: 'adam',
    learningRate: 5e-4,
    l2: 0,
    emaDecay: 0,
    weightAverage: 'ema-warmup',
    averageStart: 1,
    learningRateDecay: 1,
    popularityWeight: 0,
    skip: false,
    skipL2: 1,
    inputNormalization: 'before-dropout',
    wholeRowShare: 0,
    keptWeight: 1,
    inputNormExponent: 0.5,
    epochs: 50,
    seed: 42,
    threads: 1,
    task: 'ranking',
  } as RecVaeConfig,
  schema: {
    hidden: { kind: 'int', min: 1, help: 'width of every encoder layer' },
    depth: { kind: 'int', min: 1, help: 'encoder layers (swish + LayerNorm, densely connected residuals)' },
    latent: { kind: 'int', min: 1, help: 'latent size' },
    gamma: { kind: 'number', min: 0, help: "user-specific KL weight: β_u = gamma × the user's interaction count; 0: the constant beta" },
    beta: { kind: 'number', min: 0, help: 'constant KL weight, used only when gamma is 0' },
    dropout: { kind: 'number', min: 0, max: 1, exclusiveMax: true, help: 'input dropout rate in encoder passes' },
    alternating: { kind: 'boolean', help: 'alternate encoder-only and decoder-only passes (paper); false: update both every batch' },
    encoderEpochs: { kind: 'int', min: 0, help: 'encoder-only passes per epoch' },
    decoderEpochs: { kind: 'int', min: 0, help: 'decoder-only passes per epoch (no dropout)' },
    batchSize: { kind: 'int', min: 1, help: 'users per mini-batch' },
    optimizer: { kind: 'enum', values: ['adam', 'sgd', 'adagrad'], help: 'optimizer of every weight' },
    learningRate: { kind: 'number', min: 0, exclusiveMin: true, help: 'step size' },
    l2: { kind: 'number', min: 0, help: 'weight decay on weights (not biases or LayerNorm)' },
    emaDecay: {
      kind: 'number',
      min: 0,
      max: 1,
      exclusiveMax: true,
      help: 'score with an exponential moving average of the weights, this decay per step (e.g. 0.99); 0: the last weights',
    },
    weightAverage: {
      kind: 'enum',
      values: ['ema-warmup', 'ema-debiased', 'swa'],
      help: "how weights are averaged: 'ema-warmup' (TensorFlow's warm-up cap, emaDecay), 'ema-debiased' (fixed emaDecay, bias-corrected, from averageStart), 'swa' (equal weights per epoch end from averageStart)",
    },
    averageStart: { kind: 'int', min: 1, help: "'ema-debiased' / 'swa': the first epoch whose weights enter the average" },
    learningRateDecay: { kind: 'number', min: 0, max: 1, exclusiveMin: true, help: 'step size × this every epoch (exponential decay); 1: constant' },
    popularityWeight: { kind: 'number', help: "add this × log(1 + the item's training count) to every score; 0: off" },
    skip: { kind: 'boolean', help: 'add an item × item linear shortcut (zero diagonal) from the input row to the logits, trained with the decoder (items² weights)' },
    skipL2: { kind: 'number', min: 0, help: 'L2 (weight decay) on the shortcut' },
    inputNormalization: {
      kind: 'enum',
      values: ['before-dropout', 'after-dropout'],
      help: "encoder input in training: 'before-dropout' (unit norm, then inverted dropout: the paper's) or 'after-dropout' (the kept items at unit norm, as rows are scored)",
    },
    wholeRowShare: { kind: 'number', min: 0, max: 1, help: "share of an encoder pass's rows that enter whole, without input dropout" },
    keptWeight: {
      kind: 'number',
      min: 0,
      help: "emphasised denoising: in encoder passes, the likelihood's weight on the positives input dropout kept (those it hid weigh 1); 1: the paper's, 0: learn only from the hidden ones",
    },
    inputNormExponent: INPUT_NORM_EXPONENT_SCHEMA,
    epochs: { kind: 'int', min: 0, help: 'epochs, each encoderEpochs + decoderEpochs passes over the users' },
    seed: { kind: 'int', min: 0, help: 'random seed; training is reproducible at any thread count' },
    threads: { kind: 'int', min: 1, help: 'threads for the dense products (at most 2); the same model bit for bit at 1 or 2' },
    task: { kind: 'enum', values: ['ranking'], help: 'implicit feedback: ranking only' },
  },
  create: (config) => new RecVae(config),
});
