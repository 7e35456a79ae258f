import type { Interactions } from '../../data/interactions.ts';
import type { FeatureMatrix } from '../../contracts/types.ts';
import type { Rng } from '../../core/rng.ts';
import { Param, type OptimizerName } from '../../core/params.ts';
import { bceWithLogits, bceWithLogitsGrad } from '../../core/losses.ts';
import { NegativeSampler } from '../../sampling/negatives.ts';
import { ConfigError } from '../../contracts/errors.ts';
import { Recommender, requireTensor } from '../recommender.ts';
import { defineModel, resolveConfig } from '../spec.ts';
import type { EpochContext } from '../../train/types.ts';
import type { HistoryEntry, ModelState } from '../../contracts/types.ts';
import type { HistoryAttribution } from '../recommender.ts';

export type LogisticRegressionConfig = {
  /** 'implicit': every interaction is a positive, with `negatives` sampled non-interactions each; 'explicit': the values are the labels, in [0, 1] (binarize ratings first). */
  feedback: 'implicit' | 'explicit';
  /** Sampled negatives per positive (implicit feedback). */
  negatives: number;
  optimizer: OptimizerName;
  learningRate: number;
  /** L2 weight decay on every weight a step touches. */
  l2: number;
  epochs: number;
  task: 'ranking';
};

/**
 * Logistic regression on one-hot user and item ids plus the users' and items' metadata
 * features (when the fit has them): logit(u, i) = b + w_u + w_i + Σ_f x_uf·v_f + Σ_g x_ig·z_g,
 * trained by per-example SGD/Adagrad/Adam on binary cross-entropy. With no user–item
 * interaction term it ranks the same items first for everyone (popularity learned through the
 * item and feature weights), which is what makes it the baseline for the factorization models
 * that add that term. Scores are logits.
 */
export class LogisticRegression extends Recommender {
  readonly type = 'logistic-regression';
  readonly config: LogisticRegressionConfig;
  private bias: Param | null = null;
  private userW: Param | null = null;
  private itemW: Param | null = null;
  private userFeatureW: Param | null = null;
  private itemFeatureW: Param | null = null;
  private train: Interactions | null = null;
  private sampler: NegativeSampler | null = null;
  private readonly grad = new Float32Array(1);

  constructor(config: Partial<LogisticRegressionConfig> = {}) {
    super();
    const c = resolveConfig(logisticRegressionSpec, config);
    // Implicit feedback has no negative examples but the sampled ones.
    if (c.feedback === 'implicit' && c.negatives < 1) {
      throw new ConfigError(`logistic-regression: negatives must be a whole number ≥ 1 with feedback 'implicit' (0 is allowed only for 'explicit'), got ${c.negatives}`);
    }
    this.config = c;
  }

  prepare(train: Interactions, rng: Rng): void {
    if (this.config.feedback === 'explicit') {
      for (let k = 0; k < train.length; k++) {
        const v = train.values[k];
        if (!(v >= 0 && v <= 1))
          throw new ConfigError(`logistic-regression: explicit labels must be in [0, 1], found ${v} (binarize ratings first, e.g. labels.binarize(data, 4))`);
      }
    }
    this.allocate(train.numUsers, train.numItems);
    this.train = train;
    this.sampler = this.config.feedback === 'implicit' ? new NegativeSampler(train, { kind: 'exclude-positives', rng: rng.fork() }) : null;
  }

  private allocate(users: number, items: number): void {
    const opt = { name: this.config.optimizer, learningRate: this.config.learningRate };
    this.bias = new Param('bias', 1, 1, opt);
    this.userW = new Param('user_weights', users, 1, opt);
    this.itemW = new Param('item_weights', items, 1, opt);
    this.userFeatureW = this.userFeatures ? new Param('user_feature_weights', this.userFeatures.numFeatures, 1, opt) : null;
    this.itemFeatureW = this.itemFeatures ? new Param('item_feature_weights', this.itemFeatures.numFeatures, 1, opt) : null;
  }

  trainEpoch(ctx: EpochContext): number {
    const train = this.train;
    if (!train) throw new Error('logistic-regression: prepare was not called');
    const order = ctx.rng.permutation(train.length);
    const negatives = this.config.feedback === 'implicit' ? this.config.negatives : 0;
    let loss = 0;
    let examples = 0;
    const report = Math.max(1, Math.floor(order.length / 20));
    for (let n = 0; n < order.length; n++) {
      const k = order[n];
      const u = train.users[k];
      const label = this.sampler ? 1 : train.values[k];
      loss += this.step(u, train.items[k], label);
      for (let j = 0; j < negatives; j++) loss += this.step(u, this.sampler!.sample(u), 0);
      examples += 1 + negatives;
      if (n % report === 0) ctx.progress(n / order.length);
    }
    return examples > 0 ? loss / examples : 0;
  }

  /** One BCE step on (u, i, label); returns the loss before the step. */
  private step(u: number, i: number, label: number): number {
    const z = this.logit(u, i);
    const g = bceWithLogitsGrad(z, label);
    const l2 = this.config.l2;
    const grad = this.grad;
    grad[0] = g;
    this.bias!.updateRow(0, grad, 0, 0);
    this.userW!.updateRow(u, grad, 0, l2);
    this.itemW!.updateRow(i, grad, 0, l2);
    if (this.userFeatureW) updateFeatures(this.userFeatureW, this.userFeatures!, u, g, grad, l2);
    if (this.itemFeatureW) updateFeatures(this.itemFeatureW, this.itemFeatures!, i, g, grad, l2);
    return bceWithLogits(z, label);
  }

  private logit(u: number, i: number): number {
    return this.userTerm(u) + this.itemTerm(i);
  }

  /** b + w_u + Σ_f x_uf·v_f. */
  private userTerm(u: number): number {
    let s = this.bias!.data[0];
    if (u < this.userW!.rows) s += this.userW!.data[u];
    if (this.userFeatureW) s += featureSum(this.userFeatureW.data, this.userFeatures!, u);
    return s;
  }

  /** w_i + Σ_g x_ig·z_g. */
  private itemTerm(i: number): number {
    let s = i < this.itemW!.rows ? this.itemW!.data[i] : 0;
    if (this.itemFeatureW) s += featureSum(this.itemFeatureW.data, this.itemFeatures!, i);
    return s;
  }

  scoreItems(user: number, out: Float32Array): void {
    if (!this.bias) throw new Error('logistic-regression: the model is not fitted (call fit first)');
    const base = this.userTerm(user);
    for (let i = 0; i < out.length; i++) out[i] = base + this.itemTerm(i);
  }

  /**
   * A new user has no id weight and no features, so the logit is b + the item term: the model
   * has no user–item interaction term, and its ranking is the same for every user anyway.
   */
  protected override scoreHistory(_history: HistoryEntry[], out: Float32Array): void {
    if (!this.bias) throw new Error('logistic-regression: the model is not fitted (call fit first)');
    const base = this.bias.data[0];
    for (let i = 0; i < out.length; i++) out[i] = base + this.itemTerm(i);
  }

  /** Exact: with no user–item term, no history item contributes. */
  protected override explainHistory(history: HistoryEntry[], item: number): HistoryAttribution {
    const out = new Float32Array(this.numItems);
    this.scoreHistory(history, out);
    return { score: out[item], contributions: new Float64Array(history.length), base: out[item], method: 'exact' };
  }

  protected override scorePairs(users: Int32Array, items: Int32Array): Float32Array {
    if (!this.bias) throw new Error('logistic-regression: the model is not fitted (call fit first)');
    const out = new Float32Array(users.length);
    for (let k = 0; k < out.length; k++) out[k] = this.logit(users[k], items[k]);
    return out;
  }

  getState(): ModelState {
    const tensors: ModelState['tensors'] = {};
    for (const p of [this.bias, this.userW, this.itemW, this.userFeatureW, this.itemFeatureW]) {
      if (p) tensors[p.name] = { shape: [p.rows], data: p.data };
    }
    return { tensors };
  }

  setState(state: ModelState): void {
    if (!this.bias) this.allocate(this.numUsers, this.numItems);
    this.bias!.data.set(requireTensor(state, 'bias', [1], Float32Array));
    this.userW!.data.set(requireTensor(state, 'user_weights', [this.userW!.rows], Float32Array));
    this.itemW!.data.set(requireTensor(state, 'item_weights', [this.itemW!.rows], Float32Array));
    if (this.userFeatureW) this.userFeatureW.data.set(requireTensor(state, 'user_feature_weights', [this.userFeatureW.rows], Float32Array));
    if (this.itemFeatureW) this.itemFeatureW.data.set(requireTensor(state, 'item_feature_weights', [this.itemFeatureW.rows], Float32Array));
  }
}

/** Σ over row r's features of weight × feature value (0 for rows past the matrix). */
function featureSum(w: Float32Array, m: FeatureMatrix, r: number): number {
  if (r >= m.rows) return 0;
  let s = 0;
  for (let p = m.indptr[r]; p < m.indptr[r + 1]; p++) s += w[m.indices[p]] * m.weights[p];
  return s;
}

function updateFeatures(param: Param, m: FeatureMatrix, r: number, g: number, grad: Float32Array, l2: number): void {
  if (r >= m.rows) return;
  for (let p = m.indptr[r]; p < m.indptr[r + 1]; p++) {
    grad[0] = g * m.weights[p];
    param.updateRow(m.indices[p], grad, 0, l2);
  }
  grad[0] = g;
}

export const logisticRegressionSpec = defineModel({
  type: 'logistic-regression',
  description: 'logistic regression on one-hot user and item ids plus metadata features',
  task: 'ranking',
  defaults: { feedback: 'implicit', negatives: 4, optimizer: 'adagrad', learningRate: 0.05, l2: 1e-6, epochs: 10, task: 'ranking' } as LogisticRegressionConfig,
  schema: {
    feedback: { kind: 'enum', values: ['implicit', 'explicit'], help: 'interactions are positives with sampled negatives, or values are labels in [0, 1]' },
    negatives: { kind: 'int', min: 0, help: 'sampled negatives per positive (≥ 1 for implicit feedback)' },
    optimizer: { kind: 'enum', values: ['sgd', 'adagrad', 'adam'], help: 'per-example update rule' },
    learningRate: { kind: 'number', min: 0, exclusiveMin: true, help: 'step size' },
    l2: { kind: 'number', min: 0, help: 'weight decay on every weight a step touches' },
    epochs: { kind: 'int', min: 0, help: 'passes over the training data' },
    task: { kind: 'enum', values: ['ranking'], help: 'ranking only' },
  },
  create: (config) => new LogisticRegression(config),
});
