/**
 * Neural Collaborative Filtering (He et al. 2017, "Neural Collaborative Filtering").
 * - `ncf` (their "MLP"): [p_u, q_i] → ReLU MLP → one logit.
 * - `neumf`: a GMF branch p'_u ∘ q'_i (its own embeddings) fused with the MLP branch's last
 *   hidden layer by one linear output layer.
 * Pointwise training: each positive with `negatives` sampled unseen items labelled 0, loss BCE
 * on the logit (the paper's log loss) or MSE on the raw output. With metadata features the
 * embeddings are hybrid (id + Σ feature vectors), which also scores cold-start items.
 */
import { Dense } from '../../core/dense.ts';
import { Mlp } from '../../core/mlp.ts';
import type { Rng } from '../../core/rng.ts';
import { ConfigError } from '../../contracts/errors.ts';
import type { Interactions } from '../../data/interactions.ts';
import type { Param } from '../../core/params.ts';
import { NegativeSampler, type NegativeSamplerKind } from '../../sampling/negatives.ts';
import type { FitOptions } from '../../train/types.ts';
import { checkNegatives, deepConfig, type DeepConfig } from './config.ts';
import { EmbeddingInput } from './embedding-input.ts';
import { EmbeddingMlpModel } from './embedding-mlp-model.ts';
import { checkLoss, pointwiseLoss, PointwiseBatches } from './pointwise.ts';
import { addParts, itemPartOf, SCORE_CHUNK, userPartOf } from './scoring.ts';
import { registerModel } from '../recommender.ts';

export type NcfConfig = DeepConfig & {
  loss: 'bce' | 'mse';
  /** Sampled negatives per positive (the paper uses 4). */
  negatives: number;
  sampler: NegativeSamplerKind;
  /** NeuMF's GMF embedding size (default: factors). */
  gmfFactors: number;
  task: 'ranking';
};

type NcfCache = { itemPart: Float32Array; gmf: Float32Array | null };

export class NCF extends EmbeddingMlpModel<NcfCache> {
  readonly type: string;
  readonly config: NcfConfig;
  private readonly neumf: boolean;
  private gmfUsers: EmbeddingInput | null = null;
  private gmfItems: EmbeddingInput | null = null;
  /** NeuMF's output layer over [GMF vector, MLP output]. */
  private fuse: Dense | null = null;
  // Batch buffers, grown on demand.
  private x = new Float32Array(0);
  private gu = new Float32Array(0);
  private gi = new Float32Array(0);
  private fused = new Float32Array(0);
  private dz = new Float32Array(0);
  private dh = new Float32Array(0);
  private capacity = 0;

  constructor(config: Record<string, unknown> = {}, variant: 'ncf' | 'neumf' = 'ncf') {
    super();
    this.type = variant;
    this.neumf = variant === 'neumf';
    const c = deepConfig<NcfConfig>(variant, config, { loss: 'bce', negatives: 4, sampler: 'exclude-positives', gmfFactors: (config.factors as number) ?? 32, task: 'ranking' });
    checkLoss(variant, c.loss, ['bce', 'mse']);
    checkNegatives(variant, c.negatives);
    if (c.layers.length === 0) throw new ConfigError(`${variant}: needs at least one hidden layer (layers: [64, 32])`);
    if (!(Number.isInteger(c.gmfFactors) && c.gmfFactors > 0)) throw new ConfigError(`${variant}: gmfFactors must be a positive whole number`);
    this.config = c;
  }

  prepare(train: Interactions, rng: Rng, _options: FitOptions): void {
    this.build(rng);
    const sampler = new NegativeSampler(train, { kind: this.config.sampler, rng: rng.fork() });
    this.batches = new PointwiseBatches(train, this.config.batchSize, this.config.negatives, this.config.negatives > 0 ? sampler : null);
    if (this.config.negatives === 0) {
      // Without sampled negatives the labels are the interaction values themselves.
      const v = train.values;
      for (let p = 0; p < v.length; p++) if (!(v[p] >= 0 && v[p] <= 1)) throw new ConfigError(`${this.type}: with negatives 0 the labels are the values and must be in [0, 1]; value ${v[p]} at interaction ${p}`);
    }
  }

  protected build(rng: Rng): void {
    const c = this.config;
    const { opt, userFeatures: uf, itemFeatures: itf } = this.buildEmbeddings(rng);
    this.mlp = new Mlp(rng, { inputDim: 2 * c.factors, layers: c.layers, outputDim: this.neumf ? 0 : 1, activation: c.activation, dropout: c.dropout, optimizer: opt });
    if (this.neumf) {
      this.gmfUsers = new EmbeddingInput('gmf.user', this.numUsers, c.gmfFactors, uf, opt, rng, c.initStd);
      this.gmfItems = new EmbeddingInput('gmf.item', this.numItems, c.gmfFactors, itf, opt, rng, c.initStd);
      this.fuse = new Dense(c.gmfFactors + this.mlp.outputDim, 1, rng, { optimizer: opt, init: { kind: 'glorot' }, name: 'fuse' });
    }
    this.cache = null;
  }

  private ensure(n: number): void {
    if (n <= this.capacity) return;
    const c = this.config;
    this.capacity = n;
    this.x = new Float32Array(n * 2 * c.factors);
    this.dz = new Float32Array(n);
    if (this.neumf) {
      const hl = this.mlp!.outputDim;
      this.gu = new Float32Array(n * c.gmfFactors);
      this.gi = new Float32Array(n * c.gmfFactors);
      this.fused = new Float32Array(n * (c.gmfFactors + hl));
      this.dh = new Float32Array(n * hl);
    }
  }

  /** Gathers the batch's user and item representations into the input buffers. */
  protected fillRows(users: Int32Array, items: Int32Array | null, n: number): void {
    const f = this.config.factors;
    this.ensure(n);
    this.users!.gather(users, n, this.x, 2 * f, 0);
    if (items) this.items!.gather(items, n, this.x, 2 * f, f);
    if (this.neumf) {
      const g = this.config.gmfFactors;
      this.gmfUsers!.gather(users, n, this.gu, g, 0);
      if (items) this.gmfItems!.gather(items, n, this.gi, g, 0);
    }
  }

  /** Logits of the n filled rows (training when rng is given). */
  protected forwardRows(n: number, rng: Rng | null): Float32Array {
    const out = this.mlp!.forwardBatch(this.x, n, rng);
    if (!this.neumf) return out;
    const g = this.config.gmfFactors;
    const hl = this.mlp!.outputDim;
    const w = g + hl;
    const { gu, gi, fused } = this;
    for (let r = 0; r < n; r++) {
      for (let d = 0; d < g; d++) fused[r * w + d] = gu[r * g + d] * gi[r * g + d];
      for (let j = 0; j < hl; j++) fused[r * w + g + j] = out[r * hl + j];
    }
    return this.fuse!.forwardBatch(fused, n);
  }

  /** One mini-batch step; returns the summed loss. */
  protected step(users: Int32Array, items: Int32Array, labels: Float32Array, n: number, rng: Rng): number {
    const c = this.config;
    const f = c.factors;
    this.fillRows(users, items, n);
    const z = this.forwardRows(n, rng);
    const loss = pointwiseLoss(c.loss, z, labels, n, this.dz);
    let dx: Float32Array;
    if (this.neumf) {
      const g = c.gmfFactors;
      const hl = this.mlp!.outputDim;
      const w = g + hl;
      const dF = this.fuse!.backwardBatch(this.dz, n)!;
      const { gu, gi, dh } = this;
      for (let r = 0; r < n; r++) {
        for (let j = 0; j < hl; j++) dh[r * hl + j] = dF[r * w + g + j];
        // d(u∘v)/du = v and /dv = u: reuse gu / gi (already consumed by the forward pass).
        for (let d = 0; d < g; d++) {
          const gd = dF[r * w + d];
          const a = gu[r * g + d];
          gu[r * g + d] = gd * gi[r * g + d];
          gi[r * g + d] = gd * a;
        }
      }
      this.gmfUsers!.accumulate(users, n, gu, g, 0);
      this.gmfItems!.accumulate(items, n, gi, g, 0);
      dx = this.mlp!.backwardBatch(dh, n)!;
      this.fuse!.updateAll(c.denseL2);
      this.gmfUsers!.apply(c.l2);
      this.gmfItems!.apply(c.l2);
    } else {
      dx = this.mlp!.backwardBatch(this.dz, n)!;
    }
    this.users!.accumulate(users, n, dx, 2 * f, 0);
    this.items!.accumulate(items, n, dx, 2 * f, f);
    this.mlp!.updateAll(c.denseL2);
    this.users!.apply(c.l2);
    this.items!.apply(c.l2);
    return loss;
  }

  private itemCache(): NcfCache {
    if (!this.cache) {
      const f = this.config.factors;
      const all = this.items!.materialize();
      this.cache = { itemPart: itemPartOf(this.mlp!.hidden[0], all, this.numItems, f, f), gmf: this.neumf ? this.gmfItems!.materialize() : null };
    }
    return this.cache;
  }

  /** users × all items, through the MLP in chunks of items with the first layer precomputed per item. */
  scoreUsers(users: Int32Array, out: Float32Array): void {
    this.requireBuilt();
    const { itemPart, gmf } = this.itemCache();
    const c = this.config;
    const first = this.mlp!.hidden[0];
    const h1 = first.outDim;
    const ni = this.numItems;
    const uvec = new Float32Array(c.factors);
    const upart = new Float32Array(h1);
    const z = new Float32Array(Math.min(ni, SCORE_CHUNK) * h1);
    const g = c.gmfFactors;
    const gvec = new Float32Array(g);
    const hl = this.mlp!.outputDim;
    const fw = this.fuse?.weight.data;
    const fb = this.fuse ? this.fuse.bias.data[0] : 0;
    for (let k = 0; k < users.length; k++) {
      const u = users[k];
      this.users!.table.forward(u, uvec, 0);
      userPartOf(first, uvec, 0, c.factors, 0, upart);
      if (this.neumf) {
        this.gmfUsers!.table.forward(u, gvec, 0);
        for (let d = 0; d < g; d++) gvec[d] *= fw![d];
      }
      for (let i0 = 0; i0 < ni; i0 += SCORE_CHUNK) {
        const n = Math.min(SCORE_CHUNK, ni - i0);
        addParts(upart, itemPart, i0, n, h1, z);
        const h = this.mlp!.forwardFromFirst(z, n);
        const o = k * ni + i0;
        if (!this.neumf) {
          for (let r = 0; r < n; r++) out[o + r] = h[r];
          continue;
        }
        for (let r = 0; r < n; r++) {
          let s = fb;
          const gb = (i0 + r) * g;
          for (let d = 0; d < g; d++) s += gvec[d] * gmf![gb + d];
          for (let j = 0; j < hl; j++) s += fw![g + j] * h[r * hl + j];
          out[o + r] = s;
        }
      }
    }
  }

  /** Cold start: fills the rows (user, new item) from item-feature indices (and weights). */
  protected coldItemRows(featureIndices: ArrayLike<number>, featureWeights: ArrayLike<number> | null): (users: Int32Array, n: number) => void {
    const q = this.coldItemVector(featureIndices, featureWeights);
    const c = this.config;
    const f = c.factors;
    const qg = new Float32Array(c.gmfFactors);
    if (this.neumf) this.gmfItems!.fromFeatures(featureIndices, featureWeights, qg);
    return (users, n) => {
      this.fillRows(users, null, n);
      for (let r = 0; r < n; r++) {
        this.x.set(q, r * 2 * f + f);
        if (this.neumf) this.gi.set(qg, r * c.gmfFactors);
      }
    };
  }

  protected params(): Param[] {
    const ps = [...this.users!.params(), ...this.items!.params(), ...this.mlp!.params()];
    if (this.neumf) ps.push(...this.gmfUsers!.params(), ...this.gmfItems!.params(), ...this.fuse!.params());
    return ps;
  }
}

registerModel('ncf', 'Neural Collaborative Filtering, MLP variant (He et al. 2017): concatenated embeddings → ReLU MLP, BCE with sampled negatives', (c) => new NCF(c, 'ncf'));
registerModel('neumf', 'NeuMF (He et al. 2017): GMF branch (elementwise product) fused with an MLP branch, BCE with sampled negatives', (c) => new NCF(c, 'neumf'));
