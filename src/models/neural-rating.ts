/**
 * A neural rating model (the Keras "embeddings + dense layers" recommender of the Book-Crossing
 * and MovieLens tutorials): user and item embeddings are combined — `concat` ([u, v]) or `dot`
 * (the elementwise product u ∘ v, whose sum is the dot product) — and passed through dense
 * layers with dropout to one output. Optional extras: a skip connection of the dot product
 * u·v (`skip: 'dot'`, making it MF plus a learned correction) or a linear map of the combined
 * embeddings (`skip: 'embeddings'`, wide & deep style) into the output, and user/item biases.
 * Trained pointwise on the interactions' values: 'mse' / 'mae' regress them ('rating' task),
 * 'bce' treats them as labels in [0, 1] and outputs a logit ('ranking' task). Transform raw
 * ratings first with src/data/labels.ts (binarize, rescale, centerPerUser).
 */
import { Dense } from '../core/dense.ts';
import { Mlp } from '../core/mlp.ts';
import { matmul } from '../core/matmul.ts';
import { Rng } from '../core/rng.ts';
import { ConfigError } from '../data/errors.ts';
import type { Interactions } from '../data/interactions.ts';
import type { FitOptions } from '../train/types.ts';
import { deepConfig, optimizerOf, type DeepConfig } from './deep/config.ts';
import { EmbeddingInput } from './deep/embedding-input.ts';
import { checkBinaryLabels, checkLoss, pointwiseLoss, PointwiseBatches } from './deep/pointwise.ts';
import { addParts, itemPartOf, SCORE_CHUNK, userPartOf } from './deep/scoring.ts';
import { loadParams, paramTensors } from './deep/state.ts';
import { Recommender, registerModel, type EpochContext, type ModelState } from './recommender.ts';

export type NeuralRatingConfig = DeepConfig & {
  combine: 'dot' | 'concat';
  skip: 'none' | 'dot' | 'embeddings';
  loss: 'mse' | 'mae' | 'bce';
  /** Learned user and item biases added to the output (default true). */
  biases: boolean;
  /** 'rating' for mse/mae (validated by RMSE), 'ranking' for bce. */
  task: 'rating' | 'ranking';
};

export class NeuralRating extends Recommender {
  readonly type = 'neural-rating';
  readonly config: NeuralRatingConfig;
  private users: EmbeddingInput | null = null;
  private items: EmbeddingInput | null = null;
  private userBias: EmbeddingInput | null = null;
  private itemBias: EmbeddingInput | null = null;
  private mlp: Mlp | null = null;
  private skipLayer: Dense | null = null;
  private batches: PointwiseBatches | null = null;
  private u = new Float32Array(0);
  private v = new Float32Array(0);
  private x = new Float32Array(0);
  private z = new Float32Array(0);
  private g = new Float32Array(0);
  private dz = new Float32Array(0);
  private bu = new Float32Array(0);
  private bi = new Float32Array(0);
  private cache: { vectors: Float32Array; part: Float32Array | null } | null = null;

  constructor(config: Record<string, unknown> = {}) {
    super();
    const loss = (config.loss as string | undefined) ?? 'mse';
    // u ∘ v of two small embeddings starts near 0 and learns slowly: 'dot' starts them larger.
    const initStd = config.combine === 'dot' ? 0.1 : 0.05;
    const c = deepConfig<NeuralRatingConfig>('neural-rating', config, { combine: 'concat', skip: 'none', loss: 'mse', biases: true, initStd, task: loss === 'bce' ? 'ranking' : 'rating' });
    checkLoss('neural-rating', c.loss, ['mse', 'mae', 'bce']);
    if (!['dot', 'concat'].includes(c.combine)) throw new ConfigError(`neural-rating: combine must be "dot" or "concat", got "${c.combine}"`);
    if (!['none', 'dot', 'embeddings'].includes(c.skip)) throw new ConfigError(`neural-rating: skip must be "none", "dot" or "embeddings", got "${c.skip}"`);
    if (c.task !== 'rating' && c.task !== 'ranking') throw new ConfigError(`neural-rating: task must be "rating" or "ranking", got "${c.task}"`);
    this.config = c;
  }

  private get inputDim(): number {
    return this.config.combine === 'concat' ? 2 * this.config.factors : this.config.factors;
  }

  prepare(train: Interactions, rng: Rng, _options: FitOptions): void {
    const c = this.config;
    if (c.loss === 'bce') checkBinaryLabels('neural-rating', train);
    this.build(rng);
    this.batches = new PointwiseBatches(train, c.batchSize, 0, null);
    // Start the output at the mean label (or its logit), so the layers learn deviations.
    let mean = 0;
    for (let p = 0; p < train.length; p++) mean += train.values[p];
    mean /= Math.max(1, train.length);
    if (c.loss === 'bce') mean = Math.log(Math.max(1e-6, mean) / Math.max(1e-6, 1 - mean));
    this.mlp!.output!.bias.data[0] = mean;
  }

  private build(rng: Rng): void {
    const c = this.config;
    const opt = optimizerOf(c);
    const uf = c.useFeatures ? this.userFeatures : null;
    const itf = c.useFeatures ? this.itemFeatures : null;
    this.users = new EmbeddingInput('user', this.numUsers, c.factors, uf, opt, rng, c.initStd);
    this.items = new EmbeddingInput('item', this.numItems, c.factors, itf, opt, rng, c.initStd);
    this.mlp = new Mlp(rng, { inputDim: this.inputDim, layers: c.layers, outputDim: 1, activation: c.activation, dropout: c.dropout, optimizer: opt });
    this.skipLayer = c.skip === 'embeddings' ? new Dense(this.inputDim, 1, rng, { optimizer: opt, init: { kind: 'glorot' }, name: 'skip' }) : null;
    if (c.biases) {
      this.userBias = new EmbeddingInput('user.bias', this.numUsers, 1, uf, opt, rng, 1e-3);
      this.itemBias = new EmbeddingInput('item.bias', this.numItems, 1, itf, opt, rng, 1e-3);
    }
    this.cache = null;
  }

  private ensure(n: number): void {
    if (this.z.length >= n) return;
    const f = this.config.factors;
    this.u = new Float32Array(n * f);
    this.v = new Float32Array(n * f);
    this.x = new Float32Array(n * this.inputDim);
    this.z = new Float32Array(n);
    this.g = new Float32Array(n);
    this.dz = new Float32Array(n);
    this.bu = new Float32Array(n);
    this.bi = new Float32Array(n);
  }

  /** Gathers u, v (and biases) for the rows; items null = the caller fills v and bi. */
  private fill(users: Int32Array, items: Int32Array | null, n: number): void {
    const f = this.config.factors;
    this.ensure(n);
    this.users!.gather(users, n, this.u, f, 0);
    if (items) this.items!.gather(items, n, this.v, f, 0);
    if (this.userBias) {
      this.userBias.gather(users, n, this.bu, 1, 0);
      if (items) this.itemBias!.gather(items, n, this.bi, 1, 0);
    }
  }

  /** Predictions of the filled rows (training when rng is given). */
  private forwardRows(n: number, rng: Rng | null): Float32Array {
    const c = this.config;
    const f = c.factors;
    const { u, v, x, z } = this;
    const w = this.inputDim;
    for (let r = 0; r < n; r++) {
      if (c.combine === 'concat') {
        for (let d = 0; d < f; d++) {
          x[r * w + d] = u[r * f + d];
          x[r * w + f + d] = v[r * f + d];
        }
      } else {
        for (let d = 0; d < f; d++) x[r * w + d] = u[r * f + d] * v[r * f + d];
      }
    }
    const deep = this.mlp!.forwardBatch(x, n, rng);
    const skip = this.skipLayer ? this.skipLayer.forwardBatch(x, n) : null;
    for (let r = 0; r < n; r++) {
      let s = deep[r];
      if (skip) s += skip[r];
      if (c.skip === 'dot') for (let d = 0; d < f; d++) s += u[r * f + d] * v[r * f + d];
      if (this.userBias) s += this.bu[r] + this.bi[r];
      z[r] = s;
    }
    return z;
  }

  private step(users: Int32Array, items: Int32Array, labels: Float32Array, n: number, rng: Rng): number {
    const c = this.config;
    const f = c.factors;
    const w = this.inputDim;
    this.fill(users, items, n);
    const z = this.forwardRows(n, rng);
    const loss = pointwiseLoss(c.loss, z, labels, n, this.g);
    this.dz.set(this.g.subarray(0, n));
    const dx = this.mlp!.backwardBatch(this.dz, n)!;
    if (this.skipLayer) {
      const ds = this.skipLayer.backwardBatch(this.g, n)!;
      for (let i = 0; i < n * w; i++) dx[i] += ds[i];
    }
    // Chain dL/dx (and the dot skip) back to u and v, in place of u and v.
    const { u, v, g } = this;
    for (let r = 0; r < n; r++) {
      for (let d = 0; d < f; d++) {
        const a = u[r * f + d];
        const b = v[r * f + d];
        let gu = c.combine === 'concat' ? dx[r * w + d] : dx[r * w + d] * b;
        let gv = c.combine === 'concat' ? dx[r * w + f + d] : dx[r * w + d] * a;
        if (c.skip === 'dot') {
          gu += g[r] * b;
          gv += g[r] * a;
        }
        u[r * f + d] = gu;
        v[r * f + d] = gv;
      }
    }
    this.users!.accumulate(users, n, u, f, 0);
    this.items!.accumulate(items, n, v, f, 0);
    if (this.userBias) {
      this.userBias.accumulate(users, n, g, 1, 0);
      this.itemBias!.accumulate(items, n, g, 1, 0);
      this.userBias.apply(c.l2);
      this.itemBias!.apply(c.l2);
    }
    this.mlp!.updateAll(c.denseL2);
    this.skipLayer?.updateAll(c.denseL2);
    this.users!.apply(c.l2);
    this.items!.apply(c.l2);
    return loss;
  }

  trainEpoch(ctx: EpochContext): number {
    const b = this.batches;
    if (!b) throw new ConfigError('neural-rating: prepare() must run before trainEpoch()');
    this.cache = null;
    b.start(ctx.rng);
    let total = 0;
    let rows = 0;
    let steps = 0;
    for (let n = b.next(); n > 0; n = b.next()) {
      total += this.step(b.users, b.items, b.labels, n, ctx.rng);
      rows += n;
      if (++steps % 64 === 0) ctx.progress(b.done);
    }
    ctx.progress(1);
    return rows > 0 ? total / rows : 0;
  }

  scoreItems(user: number, out: Float32Array): void {
    this.scoreUsers(Int32Array.of(user), out);
  }

  /**
   * users × all items. The first dense layer is split: for `concat` the item half is precomputed
   * once; for `dot`, (u ∘ v)·W₁ = v·(diag(u)·W₁), one small matmul per user and item chunk.
   */
  scoreUsers(users: Int32Array, out: Float32Array): void {
    this.requireBuilt();
    const c = this.config;
    const f = c.factors;
    const ni = this.numItems;
    const mlp = this.mlp!;
    const first = mlp.hidden[0] ?? null;
    if (!this.cache) {
      const vectors = this.items!.materialize();
      this.cache = { vectors, part: first && c.combine === 'concat' ? itemPartOf(first, vectors, ni, f, f) : null };
    }
    const { vectors, part } = this.cache;
    const itemBias = this.itemBias ? this.itemBias.materialize() : null;
    const h1 = first ? first.outDim : 0;
    const chunk = Math.min(ni, SCORE_CHUNK);
    const uvec = new Float32Array(f);
    const upart = new Float32Array(h1);
    const scaled = new Float32Array(first && c.combine === 'dot' ? f * h1 : 0);
    const z = new Float32Array(chunk * Math.max(h1, this.inputDim));
    const a = new Float32Array(f);
    const ub = new Float32Array(1);
    const skipW = this.skipLayer?.weight.data;
    for (let q = 0; q < users.length; q++) {
      const user = users[q];
      this.users!.table.forward(user, uvec, 0);
      // Output = deep + cu + Σ_d a_d v_d + b_i: fold the skip and bias terms into cu and a.
      if (this.userBias) this.userBias.table.forward(user, ub, 0);
      let cu = this.userBias ? ub[0] : 0;
      for (let d = 0; d < f; d++) a[d] = c.skip === 'dot' ? uvec[d] : 0;
      if (skipW) {
        cu += this.skipLayer!.bias.data[0];
        for (let d = 0; d < f; d++) {
          if (c.combine === 'concat') {
            cu += skipW[d] * uvec[d];
            a[d] += skipW[f + d];
          } else a[d] += skipW[d] * uvec[d];
        }
      }
      if (first && c.combine === 'concat') userPartOf(first, uvec, 0, f, 0, upart);
      if (first && c.combine === 'dot') {
        const w1 = first.weight.data;
        for (let d = 0; d < f; d++) for (let j = 0; j < h1; j++) scaled[d * h1 + j] = uvec[d] * w1[d * h1 + j];
      }
      for (let i0 = 0; i0 < ni; i0 += SCORE_CHUNK) {
        const n = Math.min(SCORE_CHUNK, ni - i0);
        let deep: Float32Array;
        if (first && part) {
          addParts(upart, part, i0, n, h1, z);
          deep = mlp.forwardFromFirst(z, n);
        } else if (first) {
          matmul(vectors.subarray(i0 * f, (i0 + n) * f), scaled, first.bias.data, z, n, f, h1);
          deep = mlp.forwardFromFirst(z, n);
        } else {
          // No hidden layers: the output layer reads the combined vectors directly.
          const w = this.inputDim;
          for (let r = 0; r < n; r++) {
            for (let d = 0; d < f; d++) {
              const vd = vectors[(i0 + r) * f + d];
              if (c.combine === 'concat') {
                z[r * w + d] = uvec[d];
                z[r * w + f + d] = vd;
              } else z[r * w + d] = uvec[d] * vd;
            }
          }
          deep = mlp.forwardBatch(z, n);
        }
        const o = q * ni + i0;
        for (let r = 0; r < n; r++) {
          let s = deep[r] + cu;
          const vo = (i0 + r) * f;
          for (let d = 0; d < f; d++) s += a[d] * vectors[vo + d];
          if (itemBias) s += itemBias[i0 + r];
          out[o + r] = s;
        }
      }
    }
  }

  /** Predictions for (user, item) pairs: ratings for mse/mae, logits for bce. */
  score(users: Int32Array, items: Int32Array): Float32Array {
    if (users.length !== items.length) throw new RangeError(`users (${users.length}) and items (${items.length}) differ in length`);
    this.requireBuilt();
    const out = new Float32Array(users.length);
    for (let s = 0; s < users.length; s += SCORE_CHUNK) {
      const n = Math.min(SCORE_CHUNK, users.length - s);
      this.fill(users.subarray(s, s + n), items.subarray(s, s + n), n);
      out.set(this.forwardRows(n, null).subarray(0, n), s);
    }
    return out;
  }

  /** Cold start: predictions for a new item given only its item-feature indices, for `users` (default all). */
  scoreNewItem(featureIndices: ArrayLike<number>, featureWeights: ArrayLike<number> | null = null, users?: Int32Array): Float32Array {
    this.requireBuilt();
    if (!this.items!.hasFeatures) throw new ConfigError('neural-rating: this model was trained without item features, so it cannot score a new item');
    const us = users ?? Int32Array.from({ length: this.numUsers }, (_, u) => u);
    const f = this.config.factors;
    const q = new Float32Array(f);
    this.items!.fromFeatures(featureIndices, featureWeights, q);
    const qb = new Float32Array(1);
    if (this.itemBias) this.itemBias.fromFeatures(featureIndices, featureWeights, qb);
    const out = new Float32Array(us.length);
    for (let s = 0; s < us.length; s += SCORE_CHUNK) {
      const n = Math.min(SCORE_CHUNK, us.length - s);
      this.fill(us.subarray(s, s + n), null, n);
      for (let r = 0; r < n; r++) {
        this.v.set(q, r * f);
        this.bi[r] = qb[0];
      }
      out.set(this.forwardRows(n, null).subarray(0, n), s);
    }
    return out;
  }

  itemVectors(): { data: Float32Array; dim: number } | null {
    return this.items ? { data: this.items.materialize(), dim: this.config.factors } : null;
  }

  private params() {
    const ps = [...this.users!.params(), ...this.items!.params(), ...this.mlp!.params()];
    if (this.skipLayer) ps.push(...this.skipLayer.params());
    if (this.userBias) ps.push(...this.userBias.params(), ...this.itemBias!.params());
    return ps;
  }

  getState(): ModelState {
    this.requireBuilt();
    return { tensors: paramTensors(this.params()) };
  }

  setState(state: ModelState): void {
    if (!this.mlp) this.build(new Rng(this.config.seed));
    loadParams(state, this.params());
    this.cache = null;
  }

  private requireBuilt(): void {
    if (!this.mlp) throw new ConfigError('neural-rating: the model has not been trained or loaded');
  }
}

registerModel('neural-rating', 'Neural rating model: user/item embeddings combined by dot (elementwise product) or concat → dense layers with dropout → rating (mse/mae) or logit (bce), optional dot/embedding skip connection and biases', (c) => new NeuralRating(c));
