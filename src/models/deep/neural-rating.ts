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
import { Dense } from '../../core/dense.ts';
import { Mlp } from '../../core/mlp.ts';
import { matmul } from '../../core/matmul.ts';
import type { Param } from '../../core/params.ts';
import type { Rng } from '../../core/rng.ts';
import { ConfigError } from '../../contracts/errors.ts';
import type { Interactions } from '../../data/interactions.ts';
import type { FitOptions } from '../../train/types.ts';
import { deepConfig, type DeepConfig } from './config.ts';
import { EmbeddingInput } from './embedding-input.ts';
import { EmbeddingMlpModel } from './embedding-mlp-model.ts';
import { checkBinaryLabels, checkLoss, pointwiseLoss, PointwiseBatches } from './pointwise.ts';
import { addParts, itemPartOf, SCORE_CHUNK, userPartOf } from './scoring.ts';
import { registerModel } from '../recommender.ts';

export type NeuralRatingConfig = DeepConfig & {
  combine: 'dot' | 'concat';
  skip: 'none' | 'dot' | 'embeddings';
  loss: 'mse' | 'mae' | 'bce';
  /** Learned user and item biases added to the output (default true). */
  biases: boolean;
  /** 'rating' for mse/mae (validated by RMSE), 'ranking' for bce. */
  task: 'rating' | 'ranking';
};

type NeuralRatingCache = { vectors: Float32Array; part: Float32Array | null };

export class NeuralRating extends EmbeddingMlpModel<NeuralRatingCache> {
  readonly type = 'neural-rating';
  readonly config: NeuralRatingConfig;
  private userBias: EmbeddingInput | null = null;
  private itemBias: EmbeddingInput | null = null;
  private skipLayer: Dense | null = null;
  private u = new Float32Array(0);
  private v = new Float32Array(0);
  private x = new Float32Array(0);
  private z = new Float32Array(0);
  private g = new Float32Array(0);
  private dz = new Float32Array(0);
  private bu = new Float32Array(0);
  private bi = new Float32Array(0);

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

  protected build(rng: Rng): void {
    const c = this.config;
    const { opt, userFeatures: uf, itemFeatures: itf } = this.buildEmbeddings(rng);
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
  protected fillRows(users: Int32Array, items: Int32Array | null, n: number): void {
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
  protected forwardRows(n: number, rng: Rng | null): Float32Array {
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

  protected step(users: Int32Array, items: Int32Array, labels: Float32Array, n: number, rng: Rng): number {
    const c = this.config;
    const f = c.factors;
    const w = this.inputDim;
    this.fillRows(users, items, n);
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

  /** Cold start: fills the rows (user, new item) from item-feature indices (and weights). */
  protected coldItemRows(featureIndices: ArrayLike<number>, featureWeights: ArrayLike<number> | null): (users: Int32Array, n: number) => void {
    const q = this.coldItemVector(featureIndices, featureWeights);
    const f = this.config.factors;
    const qb = new Float32Array(1);
    if (this.itemBias) this.itemBias.fromFeatures(featureIndices, featureWeights, qb);
    return (users, n) => {
      this.fillRows(users, null, n);
      for (let r = 0; r < n; r++) {
        this.v.set(q, r * f);
        this.bi[r] = qb[0];
      }
    };
  }

  protected params(): Param[] {
    const ps = [...this.users!.params(), ...this.items!.params(), ...this.mlp!.params()];
    if (this.skipLayer) ps.push(...this.skipLayer.params());
    if (this.userBias) ps.push(...this.userBias.params(), ...this.itemBias!.params());
    return ps;
  }
}

registerModel('neural-rating', 'Neural rating model: user/item embeddings combined by dot (elementwise product) or concat → dense layers with dropout → rating (mse/mae) or logit (bce), optional dot/embedding skip connection and biases', (c) => new NeuralRating(c));
