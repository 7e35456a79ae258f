/**
 * DeepFM's tower (Guo et al. 2017): one embedding per feature (FieldLayout) shared by an FM part
 * and a deep part. logit = w₀ + Σ first-order weights + ½ Σ_d [(Σ_f e_fd)² − Σ_f e_fd²] (the
 * O(k·fields) form of the pairwise interactions) + MLP(concatenated field embeddings).
 * Embedding and first-order rows get row-summed, row-sparse (lazy) updates.
 */
import type { Activation } from '../../core/activations.ts';
import { Mlp } from '../../core/mlp.ts';
import { Param, type OptimizerConfig } from '../../core/params.ts';
import type { Rng } from '../../core/rng.ts';
import type { FeatureMatrix } from '../../contracts/types.ts';
import type { FieldLayout } from './fields.ts';
import { RowGradients } from './row-gradients.ts';
import { SplitMlp } from './scoring.ts';
import type { CatalogueScorer, ColdRows, Tower } from './tower.ts';

export interface DeepFmTowerOptions {
  layout: FieldLayout;
  factors: number;
  layers: number[];
  activation: Activation;
  dropout: number;
  optimizer: OptimizerConfig;
  initStd: number;
  l2: number;
  denseL2: number;
}

/** One side's (user or item) embedding rows, for gathering and scattering. */
interface Side {
  idBase: number;
  features: FeatureMatrix | null;
  featureBase: number;
  /** First slot of this side in the concatenated field vector, and its number of slots. */
  slot0: number;
  slots: number;
}

export class DeepFmTower implements Tower {
  readonly layout: FieldLayout;
  readonly k: number;
  readonly users: Side;
  readonly items: Side;
  readonly emb: Param;
  readonly linear: Param;
  readonly bias: Param;
  readonly mlp: Mlp;
  private readonly embGrads: RowGradients;
  private readonly linGrads: RowGradients;
  private readonly l2: number;
  private readonly denseL2: number;
  // Batch buffers, grown on demand: field vectors, field sums, first-order terms, outputs.
  private x = new Float32Array(0);
  private sums = new Float32Array(0);
  private first = new Float32Array(0);
  private z = new Float32Array(0);
  private readonly one = new Float32Array(1);

  constructor(rng: Rng, o: DeepFmTowerOptions) {
    const L = o.layout;
    const k = o.factors;
    this.layout = L;
    this.k = k;
    this.l2 = o.l2;
    this.denseL2 = o.denseL2;
    this.users = { idBase: 0, features: L.userFeatures, featureBase: L.userFeatureBase, slot0: 0, slots: L.userFields };
    this.items = { idBase: L.numUsers, features: L.itemFeatures, featureBase: L.itemFeatureBase, slot0: L.userFields, slots: L.itemFields };
    // Creation order (embeddings, MLP) fixes what the seed draws for each.
    this.emb = new Param('embeddings', L.numFeatures, k, o.optimizer).init({ kind: 'normal', std: o.initStd }, rng);
    this.linear = new Param('linear', L.numFeatures, 1, o.optimizer);
    this.bias = new Param('bias', 1, 1, o.optimizer);
    this.mlp = new Mlp(rng, { inputDim: L.fields * k, layers: o.layers, outputDim: 1, activation: o.activation, dropout: o.dropout, optimizer: o.optimizer, name: 'deep' });
    this.embGrads = new RowGradients(L.numFeatures, k);
    this.linGrads = new RowGradients(L.numFeatures, 1);
  }

  private get width(): number {
    return this.layout.fields * this.k;
  }

  private ensure(n: number): void {
    if (this.x.length >= n * this.width) return;
    this.x = new Float32Array(n * this.width);
    this.sums = new Float32Array(n * this.k);
    this.first = new Float32Array(n);
    this.z = new Float32Array(n);
  }

  /**
   * Writes one side's field embeddings into x[xo + slot·k ..] (zeroing its slots first) and
   * returns its first-order sum. `id` < 0 means no id feature (a cold-start item), whose
   * features then come from `indices` / `weights`.
   */
  embedSide(side: Side, id: number, x: Float32Array, xo: number, indices: ArrayLike<number> | null = null, weights: ArrayLike<number> | null = null): number {
    const k = this.k;
    const e = this.emb.data;
    const w = this.linear.data;
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
    const k = this.k;
    const base = xo + side.slot0 * k;
    const row = side.idBase + id;
    this.embGrads.add(row, dx, base);
    this.one[0] = g;
    this.linGrads.add(row, this.one, 0);
    const f = side.features;
    if (!f || id >= f.rows) return;
    for (let p = f.indptr[id]; p < f.indptr[id + 1]; p++) {
      const feature = f.indices[p];
      const r = side.featureBase + feature;
      this.embGrads.add(r, dx, base + (1 + f.fieldOf[feature]) * k, f.weights[p]);
      this.one[0] = g * f.weights[p];
      this.linGrads.add(r, this.one, 0);
    }
  }

  /** Fills rows (field vectors and first-order terms) for (users[r], items[r]). */
  fill(users: Int32Array, items: Int32Array, n: number): void {
    this.ensure(n);
    const width = this.width;
    for (let r = 0; r < n; r++) {
      this.first[r] = this.bias.data[0] + this.embedSide(this.users, users[r], this.x, r * width) + this.embedSide(this.items, items[r], this.x, r * width);
    }
  }

  /** Logits of the filled rows: first order + FM pairwise + deep. Leaves field sums in `sums`. */
  forward(n: number, rng: Rng | null): Float32Array {
    const k = this.k;
    const F = this.layout.fields;
    const width = F * k;
    const { x, sums, z } = this;
    const deep = this.mlp.forwardBatch(x, n, rng);
    for (let r = 0; r < n; r++) z[r] = this.first[r] + selfInteraction(x, r * width, F, k, sums, r * k) + deep[r];
    return z;
  }

  backward(dz: Float32Array, n: number, users: Int32Array, items: Int32Array): void {
    const k = this.k;
    const width = this.width;
    let gBias = 0;
    for (let r = 0; r < n; r++) gBias += dz[r];
    const dzDeep = this.first; // reuse: the deep part's upstream gradient (the MLP overwrites it)
    dzDeep.set(dz.subarray(0, n));
    const dx = this.mlp.backwardBatch(dzDeep, n)!;
    // FM: d(½Σ(s² − Σv²))/dv_fd = s_d − v_fd.
    const { x, sums } = this;
    for (let r = 0; r < n; r++) {
      const g = dz[r];
      const xo = r * width;
      for (let f = 0, o = xo; f < width / k; f++) for (let d = 0; d < k; d++, o++) dx[o] += g * (sums[r * k + d] - x[o]);
      this.backSide(this.users, users[r], dx, xo, g);
      this.backSide(this.items, items[r], dx, xo, g);
    }
    this.one[0] = gBias;
  }

  update(): void {
    this.mlp.updateAll(this.denseL2);
    // backward left dL/dw₀ in `one`.
    this.bias.updateRow(0, this.one, 0);
    const { emb, linear, l2 } = this;
    this.embGrads.flush((row, g, o) => emb.updateRow(row, g, o, l2));
    this.linGrads.flush((row, g, o) => linear.updateRow(row, g, o, l2));
  }

  /** Fills the rows (user, new item without an id embedding) from item-feature indices and weights. */
  coldItem(featureIndices: ArrayLike<number>, featureWeights: ArrayLike<number> | null): ColdRows | null {
    const f = this.layout.itemFeatures;
    if (!f) return null;
    for (let j = 0; j < featureIndices.length; j++) {
      if (!(featureIndices[j] >= 0 && featureIndices[j] < f.numFeatures)) throw new RangeError(`item feature index ${featureIndices[j]} is out of range (0..${f.numFeatures - 1})`);
    }
    const width = this.width;
    return (users, n) => {
      this.ensure(n);
      for (let r = 0; r < n; r++) {
        this.first[r] =
          this.bias.data[0] + this.embedSide(this.users, users[r], this.x, r * width) + this.embedSide(this.items, -1, this.x, r * width, featureIndices, featureWeights);
      }
    };
  }

  catalogue(numItems: number): CatalogueScorer {
    return new DeepFmCatalogue(this, numItems);
  }

  /** Each item's summed field embeddings (what the FM part dots with a user's sum). */
  itemVectors(): { data: Float32Array; dim: number } {
    return { data: itemTerms(this, this.layout.numItems).sums, dim: this.k };
  }

  params(): Param[] {
    return [this.emb, this.linear, this.bias, ...this.mlp.params()];
  }
}

/**
 * Per item: its field vectors (the item block on its own), their sum (what the FM cross term
 * dots with a user's sum) and the item-only terms (first order + the item fields' pairwise FM).
 */
function itemTerms(t: DeepFmTower, numItems: number): { fields: Float32Array; sums: Float32Array; consts: Float32Array } {
  const k = t.k;
  const L = t.layout;
  const w = L.itemFields * k;
  const fields = new Float32Array(numItems * w);
  const consts = new Float32Array(numItems);
  const sums = new Float32Array(numItems * k);
  const side = { ...t.items, slot0: 0 };
  for (let i = 0; i < numItems; i++) consts[i] = t.embedSide(side, i, fields, i * w) + selfInteraction(fields, i * w, L.itemFields, k, sums, i * k);
  return { fields, sums, consts };
}

/** Every item for one user: user-only terms once per user, item-only terms cached, cross term s_u·s_i. */
class DeepFmCatalogue implements CatalogueScorer {
  private readonly t: DeepFmTower;
  private readonly split: SplitMlp;
  private readonly sums: Float32Array;
  private readonly consts: Float32Array;
  /** The user's field vectors, their sum, and the user-only terms (bias, first order, pairwise FM). */
  private readonly ux: Float32Array;
  private readonly us: Float32Array;
  private uc = 0;

  constructor(tower: DeepFmTower, numItems: number) {
    this.t = tower;
    const L = tower.layout;
    const k = tower.k;
    const { fields, sums, consts } = itemTerms(tower, numItems);
    this.sums = sums;
    this.consts = consts;
    this.split = new SplitMlp(tower.mlp, fields, numItems, L.itemFields * k, L.userFields * k);
    this.ux = new Float32Array(L.userFields * k);
    this.us = new Float32Array(k);
  }

  user(user: number): void {
    const t = this.t;
    this.uc = t.bias.data[0] + t.embedSide(t.users, user, this.ux, 0) + selfInteraction(this.ux, 0, t.layout.userFields, t.k, this.us, 0);
    this.split.setUser(this.ux, 0, this.ux.length);
  }

  items(i0: number, n: number, out: Float32Array, o: number): void {
    const k = this.t.k;
    const { us, sums, consts, uc } = this;
    const deep = this.split.forward(i0, n);
    for (let r = 0; r < n; r++) {
      let cross = 0;
      const so = (i0 + r) * k;
      for (let d = 0; d < k; d++) cross += us[d] * sums[so + d];
      out[o + r] = uc + consts[i0 + r] + cross + deep[r];
    }
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
