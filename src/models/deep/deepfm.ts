/**
 * DeepFM (Guo et al. 2017): one embedding per feature shared by an FM part and a deep part.
 * Fields are user id, item id and every user/item metadata field (a multi-valued field is the
 * weighted sum of its features' embeddings). logit = w₀ + Σ first-order weights
 * + ½ Σ_d [(Σ_f e_fd)² − Σ_f e_fd²] (the O(k·fields) form of the pairwise interactions)
 * + MLP(concatenated field embeddings); BCE against positives and sampled negatives.
 * What makes it learn rather than sit at AUC ≈ 0.5: small normal init of the embeddings
 * (std 0.05 by default, so the FM term starts near 0 rather than saturating the sigmoid), He
 * init in the ReLU layers, and Adam with row-sparse (lazy) updates for the embeddings.
 */
import { Mlp } from '../../core/mlp.ts';
import { Param } from '../../core/params.ts';
import type { Rng } from '../../core/rng.ts';
import { ConfigError } from '../../contracts/errors.ts';
import type { Interactions } from '../../data/interactions.ts';
import type { FeatureMatrix } from '../../contracts/types.ts';
import { NegativeSampler, type NegativeSamplerKind } from '../../sampling/negatives.ts';
import type { FitOptions } from '../../train/types.ts';
import { PointwiseDeepModel } from './base.ts';
import { checkNegatives, deepConfig, optimizerOf, type DeepConfig } from './config.ts';
import { FieldLayout } from './fields.ts';
import { checkBinaryLabels, pointwiseLoss, PointwiseBatches } from './pointwise.ts';
import { RowGradients } from './row-gradients.ts';
import { addParts, itemPartOf, SCORE_CHUNK, userPartOf } from './scoring.ts';
import { registerModel } from '../recommender.ts';

export type DeepFmConfig = DeepConfig & {
  /** Sampled negatives per positive; 0 = train on the values as labels (must be in [0, 1]). */
  negatives: number;
  sampler: NegativeSamplerKind;
  loss: 'bce';
  task: 'ranking';
};

/** One side's (user or item) embedding rows, for gathering and scattering. */
interface Side {
  idBase: number;
  features: FeatureMatrix | null;
  featureBase: number;
  /** First slot of this side in the concatenated field vector, and its number of slots. */
  slot0: number;
  slots: number;
}

/** Per item: the deep first layer's item half, the item fields' sum and the item-only terms. */
type DeepFmCache = { part: Float32Array; sums: Float32Array; consts: Float32Array };

export class DeepFM extends PointwiseDeepModel<DeepFmCache> {
  readonly type = 'deepfm';
  readonly config: DeepFmConfig;
  private layout: FieldLayout | null = null;
  private users: Side | null = null;
  private items: Side | null = null;
  private emb: Param | null = null;
  private linear: Param | null = null;
  private bias: Param | null = null;
  private mlp: Mlp | null = null;
  private embGrads: RowGradients | null = null;
  private linGrads: RowGradients | null = null;
  private x = new Float32Array(0);
  private sums = new Float32Array(0);
  private first = new Float32Array(0);
  private z = new Float32Array(0);
  private dz = new Float32Array(0);
  private readonly one = new Float32Array(1);

  constructor(config: Record<string, unknown> = {}) {
    super();
    const c = deepConfig<DeepFmConfig>('deepfm', config, { negatives: 4, sampler: 'exclude-positives', loss: 'bce', task: 'ranking', factors: 16, layers: [64, 32] });
    if (c.loss !== 'bce') throw new ConfigError(`deepfm: loss must be "bce", got "${c.loss}"`);
    checkNegatives('deepfm', c.negatives);
    if (c.layers.length === 0) throw new ConfigError('deepfm: the deep part needs at least one hidden layer (layers: [64, 32])');
    this.config = c;
  }

  prepare(train: Interactions, rng: Rng, _options: FitOptions): void {
    this.build(rng);
    const c = this.config;
    if (c.negatives === 0) checkBinaryLabels('deepfm', train);
    const sampler = c.negatives > 0 ? new NegativeSampler(train, { kind: c.sampler, rng: rng.fork() }) : null;
    this.batches = new PointwiseBatches(train, c.batchSize, c.negatives, sampler);
  }

  protected build(rng: Rng): void {
    const c = this.config;
    const opt = optimizerOf(c);
    const L = new FieldLayout(this.numUsers, this.numItems, c.useFeatures ? this.userFeatures : null, c.useFeatures ? this.itemFeatures : null);
    this.layout = L;
    this.users = { idBase: 0, features: L.userFeatures, featureBase: L.userFeatureBase, slot0: 0, slots: L.userFields };
    this.items = { idBase: L.numUsers, features: L.itemFeatures, featureBase: L.itemFeatureBase, slot0: L.userFields, slots: L.itemFields };
    this.emb = new Param('embeddings', L.numFeatures, c.factors, opt).init({ kind: 'normal', std: c.initStd }, rng);
    this.linear = new Param('linear', L.numFeatures, 1, opt);
    this.bias = new Param('bias', 1, 1, opt);
    this.mlp = new Mlp(rng, { inputDim: L.fields * c.factors, layers: c.layers, outputDim: 1, activation: c.activation, dropout: c.dropout, optimizer: opt, name: 'deep' });
    this.embGrads = new RowGradients(L.numFeatures, c.factors);
    this.linGrads = new RowGradients(L.numFeatures, 1);
    this.cache = null;
  }

  private ensure(n: number): void {
    const k = this.config.factors;
    const width = this.layout!.fields * k;
    if (this.x.length >= n * width) return;
    this.x = new Float32Array(n * width);
    this.sums = new Float32Array(n * k);
    this.first = new Float32Array(n);
    this.z = new Float32Array(n);
    this.dz = new Float32Array(n);
  }

  /**
   * Writes one side's field embeddings into x[xo + slot·k ..] (zeroing its slots first) and
   * returns its first-order sum. `id` < 0 means no id feature (a cold-start item), whose
   * features then come from `indices` / `weights`.
   */
  private embedSide(side: Side, id: number, x: Float32Array, xo: number, indices: ArrayLike<number> | null = null, weights: ArrayLike<number> | null = null): number {
    const k = this.config.factors;
    const e = this.emb!.data;
    const w = this.linear!.data;
    const base = xo + side.slot0 * k;
    x.fill(0, base, base + side.slots * k);
    let lin = 0;
    if (id >= 0) {
      const row = side.idBase + id;
      for (let d = 0; d < k; d++) x[base + d] = e[row * k + d];
      lin += w[row];
    }
    const f = side.features;
    if (!f) return lin;
    const own = id >= 0 && id < f.rows;
    const start = own ? f.indptr[id] : 0;
    const end = own ? f.indptr[id + 1] : indices ? indices.length : 0;
    for (let p = start; p < end; p++) {
      const feature = own ? f.indices[p] : indices![p];
      const weight = own ? f.weights[p] : weights ? weights[p] : 1;
      const row = side.featureBase + feature;
      const o = base + (1 + f.fieldOf[feature]) * k;
      for (let d = 0; d < k; d++) x[o + d] += weight * e[row * k + d];
      lin += weight * w[row];
    }
    return lin;
  }

  /** Scatters dL/d(field vectors) of one side (dx at xo) and dL/dlogit into the row gradients. */
  private backSide(side: Side, id: number, dx: Float32Array, xo: number, g: number): void {
    const k = this.config.factors;
    const base = xo + side.slot0 * k;
    const row = side.idBase + id;
    this.embGrads!.add(row, dx, base);
    this.one[0] = g;
    this.linGrads!.add(row, this.one, 0);
    const f = side.features;
    if (!f || id >= f.rows) return;
    for (let p = f.indptr[id]; p < f.indptr[id + 1]; p++) {
      const feature = f.indices[p];
      const r = side.featureBase + feature;
      this.embGrads!.add(r, dx, base + (1 + f.fieldOf[feature]) * k, f.weights[p]);
      this.one[0] = g * f.weights[p];
      this.linGrads!.add(r, this.one, 0);
    }
  }

  /** Fills rows (x, field sums, first-order) for (users[r], items[r]). */
  protected fillRows(users: Int32Array, items: Int32Array, n: number): void {
    this.ensure(n);
    const width = this.layout!.fields * this.config.factors;
    for (let r = 0; r < n; r++) {
      this.first[r] = this.bias!.data[0] + this.embedSide(this.users!, users[r], this.x, r * width) + this.embedSide(this.items!, items[r], this.x, r * width);
    }
  }

  /** Logits of the filled rows: first order + FM pairwise + deep. Leaves field sums in `sums`. */
  protected forwardRows(n: number, rng: Rng | null): Float32Array {
    const k = this.config.factors;
    const F = this.layout!.fields;
    const width = F * k;
    const { x, sums, z } = this;
    const deep = this.mlp!.forwardBatch(x, n, rng);
    for (let r = 0; r < n; r++) z[r] = this.first[r] + selfInteraction(x, r * width, F, k, sums, r * k) + deep[r];
    return z;
  }

  protected step(users: Int32Array, items: Int32Array, labels: Float32Array, n: number, rng: Rng): number {
    const c = this.config;
    const k = c.factors;
    const width = this.layout!.fields * k;
    this.fillRows(users, items, n);
    const z = this.forwardRows(n, rng);
    const loss = pointwiseLoss('bce', z, labels, n, this.dz);
    let gBias = 0;
    for (let r = 0; r < n; r++) gBias += this.dz[r];
    const dzDeep = this.first; // reuse: the deep part's upstream gradient
    dzDeep.set(this.dz.subarray(0, n));
    const dx = this.mlp!.backwardBatch(dzDeep, n)!;
    // FM: d(½Σ(s² − Σv²))/dv_fd = s_d − v_fd.
    const { x, sums, dz } = this;
    for (let r = 0; r < n; r++) {
      const g = dz[r];
      const xo = r * width;
      for (let f = 0, o = xo; f < width / k; f++) for (let d = 0; d < k; d++, o++) dx[o] += g * (sums[r * k + d] - x[o]);
      this.backSide(this.users!, users[r], dx, xo, g);
      this.backSide(this.items!, items[r], dx, xo, g);
    }
    this.mlp!.updateAll(c.denseL2);
    this.one[0] = gBias;
    this.bias!.updateRow(0, this.one, 0);
    const emb = this.emb!;
    const lin = this.linear!;
    this.embGrads!.flush((row, g, o) => emb.updateRow(row, g, o, c.l2));
    this.linGrads!.flush((row, g, o) => lin.updateRow(row, g, o, c.l2));
    return loss;
  }

  private itemCache(): DeepFmCache {
    if (this.cache) return this.cache;
    const k = this.config.factors;
    const L = this.layout!;
    const ni = this.numItems;
    const w = L.itemFields * k;
    const all = new Float32Array(ni * w);
    const consts = new Float32Array(ni);
    const sums = new Float32Array(ni * k);
    const side: Side = { ...this.items!, slot0: 0 }; // the item block on its own
    for (let i = 0; i < ni; i++) consts[i] = this.embedSide(side, i, all, i * w) + selfInteraction(all, i * w, L.itemFields, k, sums, i * k);
    const part = itemPartOf(this.mlp!.hidden[0], all, ni, w, L.userFields * k);
    return (this.cache = { part, sums, consts });
  }

  /** users × all items: user-only terms once per user, item-only terms cached, cross term s_u·s_i. */
  scoreUsers(users: Int32Array, out: Float32Array): void {
    this.requireBuilt();
    const { part, sums, consts } = this.itemCache();
    const k = this.config.factors;
    const L = this.layout!;
    const ni = this.numItems;
    const first = this.mlp!.hidden[0];
    const h1 = first.outDim;
    const uw = L.userFields * k;
    const ux = new Float32Array(uw);
    const us = new Float32Array(k);
    const upart = new Float32Array(h1);
    const z = new Float32Array(Math.min(ni, SCORE_CHUNK) * h1);
    for (let q = 0; q < users.length; q++) {
      const uc = this.bias!.data[0] + this.embedSide(this.users!, users[q], ux, 0) + selfInteraction(ux, 0, L.userFields, k, us, 0);
      userPartOf(first, ux, 0, uw, 0, upart);
      for (let i0 = 0; i0 < ni; i0 += SCORE_CHUNK) {
        const n = Math.min(SCORE_CHUNK, ni - i0);
        addParts(upart, part, i0, n, h1, z);
        const deep = this.mlp!.forwardFromFirst(z, n);
        const o = q * ni + i0;
        for (let r = 0; r < n; r++) {
          let cross = 0;
          const so = (i0 + r) * k;
          for (let d = 0; d < k; d++) cross += us[d] * sums[so + d];
          out[o + r] = uc + consts[i0 + r] + cross + deep[r];
        }
      }
    }
  }

  /** Cold start: fills the rows (user, new item without an id embedding) from item-feature indices and weights. */
  protected coldItemRows(featureIndices: ArrayLike<number>, featureWeights: ArrayLike<number> | null): (users: Int32Array, n: number) => void {
    const f = this.layout!.itemFeatures;
    if (!f) throw this.noItemFeatures();
    for (let j = 0; j < featureIndices.length; j++) {
      if (!(featureIndices[j] >= 0 && featureIndices[j] < f.numFeatures)) throw new RangeError(`item feature index ${featureIndices[j]} is out of range (0..${f.numFeatures - 1})`);
    }
    const width = this.layout!.fields * this.config.factors;
    return (users, n) => {
      this.ensure(n);
      for (let r = 0; r < n; r++) {
        this.first[r] = this.bias!.data[0] + this.embedSide(this.users!, users[r], this.x, r * width) + this.embedSide(this.items!, -1, this.x, r * width, featureIndices, featureWeights);
      }
    };
  }

  /** Each item's summed field embeddings (what the FM part dots with a user's sum), for similarItems. */
  itemVectors(): { data: Float32Array; dim: number } | null {
    return this.mlp ? { data: this.itemCache().sums.slice(), dim: this.config.factors } : null;
  }

  /** Names of the fields in the deep part's input order. */
  fieldNames(): string[] {
    this.requireBuilt();
    return this.layout!.names.slice();
  }

  protected params(): Param[] {
    return [this.emb!, this.linear!, this.bias!, ...this.mlp!.params()];
  }

  protected isBuilt(): boolean {
    return this.mlp !== null;
  }
}

/**
 * Field sums s (k) of `fields` consecutive field vectors at x[xo ..], written to sums[so ..];
 * returns their FM pairwise interactions ½ Σ_d (s_d² − Σ_f v_fd²) (all fields of a row, or
 * one side's fields for the scoring cache).
 */
function selfInteraction(x: Float32Array, xo: number, fields: number, k: number, sums: Float32Array, so: number): number {
  let fm = 0;
  for (let d = 0; d < k; d++) {
    let s = 0;
    let sq = 0;
    for (let f = 0; f < fields; f++) {
      const v = x[xo + f * k + d];
      s += v;
      sq += v * v;
    }
    sums[so + d] = s;
    fm += s * s - sq;
  }
  return 0.5 * fm;
}

registerModel('deepfm', 'DeepFM (Guo et al. 2017): FM (first order + pairwise field interactions) plus an MLP over user, item and metadata field embeddings, BCE with sampled negatives', (c) => new DeepFM(c));
