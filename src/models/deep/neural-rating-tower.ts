/**
 * The neural rating model's tower: user and item embeddings combined — `concat` ([u, v]) or
 * `dot` (u ∘ v) — through an MLP to one output, plus optional extras added to it: the dot
 * product u·v (`skip: 'dot'`), a linear map of the combined vector (`skip: 'embeddings'`), and
 * user/item biases.
 */
import { Dense } from '../../core/dense.ts';
import { matmul } from '../../core/matmul.ts';
import { Mlp } from '../../core/mlp.ts';
import type { Param } from '../../core/params.ts';
import type { Rng } from '../../core/rng.ts';
import { EmbeddingInput } from './embedding-input.ts';
import { SCORE_CHUNK, SplitMlp } from './scoring.ts';
import type { CatalogueScorer, ColdRows, EmbeddingTowerOptions, Tower } from './tower.ts';

export interface NeuralRatingTowerOptions extends EmbeddingTowerOptions {
  factors: number;
  combine: 'dot' | 'concat';
  skip: 'none' | 'dot' | 'embeddings';
  biases: boolean;
}

export class NeuralRatingTower implements Tower {
  readonly users: EmbeddingInput;
  readonly items: EmbeddingInput;
  readonly mlp: Mlp;
  readonly skipLayer: Dense | null;
  readonly userBias: EmbeddingInput | null = null;
  readonly itemBias: EmbeddingInput | null = null;
  readonly f: number;
  readonly concat: boolean;
  readonly dotSkip: boolean;
  /** Width of the combined vector the MLP reads. */
  readonly inputDim: number;
  private readonly l2: number;
  private readonly denseL2: number;
  // Batch buffers, grown on demand: u, v, the combined rows, outputs, the MLP's copy of dL/dz, biases.
  private u = new Float32Array(0);
  private v = new Float32Array(0);
  private x = new Float32Array(0);
  private z = new Float32Array(0);
  private dz = new Float32Array(0);
  private bu = new Float32Array(0);
  private bi = new Float32Array(0);

  constructor(rng: Rng, o: NeuralRatingTowerOptions) {
    this.f = o.factors;
    this.concat = o.combine === 'concat';
    this.dotSkip = o.skip === 'dot';
    this.inputDim = this.concat ? 2 * o.factors : o.factors;
    this.l2 = o.l2;
    this.denseL2 = o.denseL2;
    // Creation order (users, items, MLP, skip, biases) fixes what the seed draws for each.
    this.users = new EmbeddingInput('user', o.numUsers, o.factors, o.userFeatures, o.optimizer, rng, o.initStd);
    this.items = new EmbeddingInput('item', o.numItems, o.factors, o.itemFeatures, o.optimizer, rng, o.initStd);
    this.mlp = new Mlp(rng, { inputDim: this.inputDim, layers: o.layers, outputDim: 1, activation: o.activation, dropout: o.dropout, optimizer: o.optimizer });
    this.skipLayer = o.skip === 'embeddings' ? new Dense(this.inputDim, 1, rng, { optimizer: o.optimizer, init: { kind: 'glorot' }, name: 'skip' }) : null;
    if (o.biases) {
      this.userBias = new EmbeddingInput('user.bias', o.numUsers, 1, o.userFeatures, o.optimizer, rng, 1e-3);
      this.itemBias = new EmbeddingInput('item.bias', o.numItems, 1, o.itemFeatures, o.optimizer, rng, 1e-3);
    }
  }

  /** Starts the output at `value` (the mean label, or its logit), so the layers learn deviations. */
  startOutputAt(value: number): void {
    this.mlp.output!.bias.data[0] = value;
  }

  private ensure(n: number): void {
    if (this.z.length >= n) return;
    const f = this.f;
    this.u = new Float32Array(n * f);
    this.v = new Float32Array(n * f);
    this.x = new Float32Array(n * this.inputDim);
    this.z = new Float32Array(n);
    this.dz = new Float32Array(n);
    this.bu = new Float32Array(n);
    this.bi = new Float32Array(n);
  }

  fill(users: Int32Array, items: Int32Array, n: number): void {
    this.gather(users, items, n);
  }

  /** Gathers u, v (and biases) for the rows; items null = the caller fills v and bi. */
  private gather(users: Int32Array, items: Int32Array | null, n: number): void {
    const f = this.f;
    this.ensure(n);
    this.users.gather(users, n, this.u, f, 0);
    if (items) this.items.gather(items, n, this.v, f, 0);
    if (this.userBias) {
      this.userBias.gather(users, n, this.bu, 1, 0);
      if (items) this.itemBias!.gather(items, n, this.bi, 1, 0);
    }
  }

  forward(n: number, rng: Rng | null): Float32Array {
    const f = this.f;
    const { u, v, x, z } = this;
    const w = this.inputDim;
    for (let r = 0; r < n; r++) {
      if (this.concat) {
        for (let d = 0; d < f; d++) {
          x[r * w + d] = u[r * f + d];
          x[r * w + f + d] = v[r * f + d];
        }
      } else {
        for (let d = 0; d < f; d++) x[r * w + d] = u[r * f + d] * v[r * f + d];
      }
    }
    const deep = this.mlp.forwardBatch(x, n, rng);
    const skip = this.skipLayer ? this.skipLayer.forwardBatch(x, n) : null;
    for (let r = 0; r < n; r++) {
      let s = deep[r];
      if (skip) s += skip[r];
      if (this.dotSkip) for (let d = 0; d < f; d++) s += u[r * f + d] * v[r * f + d];
      if (this.userBias) s += this.bu[r] + this.bi[r];
      z[r] = s;
    }
    return z;
  }

  /** `g` = dL/doutput reaches the MLP (through a copy it may overwrite), the skips and the biases. */
  backward(g: Float32Array, n: number, users: Int32Array, items: Int32Array): void {
    const f = this.f;
    const w = this.inputDim;
    this.dz.set(g.subarray(0, n));
    const dx = this.mlp.backwardBatch(this.dz, n)!;
    if (this.skipLayer) {
      const ds = this.skipLayer.backwardBatch(g, n)!;
      for (let i = 0; i < n * w; i++) dx[i] += ds[i];
    }
    // Chain dL/dx (and the dot skip) back to u and v, in place of u and v.
    const { u, v } = this;
    for (let r = 0; r < n; r++) {
      for (let d = 0; d < f; d++) {
        const a = u[r * f + d];
        const b = v[r * f + d];
        let gu = this.concat ? dx[r * w + d] : dx[r * w + d] * b;
        let gv = this.concat ? dx[r * w + f + d] : dx[r * w + d] * a;
        if (this.dotSkip) {
          gu += g[r] * b;
          gv += g[r] * a;
        }
        u[r * f + d] = gu;
        v[r * f + d] = gv;
      }
    }
    this.users.accumulate(users, n, u, f, 0);
    this.items.accumulate(items, n, v, f, 0);
    if (this.userBias) {
      this.userBias.accumulate(users, n, g, 1, 0);
      this.itemBias!.accumulate(items, n, g, 1, 0);
    }
  }

  update(): void {
    this.userBias?.apply(this.l2);
    this.itemBias?.apply(this.l2);
    this.mlp.updateAll(this.denseL2);
    this.skipLayer?.updateAll(this.denseL2);
    this.users.apply(this.l2);
    this.items.apply(this.l2);
  }

  coldItem(featureIndices: ArrayLike<number>, featureWeights: ArrayLike<number> | null): ColdRows | null {
    if (!this.items.hasFeatures) return null;
    const q = new Float32Array(this.f);
    this.items.fromFeatures(featureIndices, featureWeights, q);
    const qb = new Float32Array(1);
    if (this.itemBias) this.itemBias.fromFeatures(featureIndices, featureWeights, qb);
    return (users, n) => {
      this.gather(users, null, n);
      for (let r = 0; r < n; r++) {
        this.v.set(q, r * this.f);
        this.bi[r] = qb[0];
      }
    };
  }

  catalogue(numItems: number): CatalogueScorer {
    return new NeuralRatingCatalogue(this, numItems);
  }

  itemVectors(): { data: Float32Array; dim: number } {
    return { data: this.items.materialize(), dim: this.f };
  }

  params(): Param[] {
    const ps = [...this.users.params(), ...this.items.params(), ...this.mlp.params()];
    if (this.skipLayer) ps.push(...this.skipLayer.params());
    if (this.userBias) ps.push(...this.userBias.params(), ...this.itemBias!.params());
    return ps;
  }
}

/**
 * Every item for one user. Output = deep + cu + Σ_d a_d v_d + b_i, with the skip and bias
 * terms folded into the per-user cu and a. The deep part's first layer is split: for `concat`
 * the item half is precomputed once (SplitMlp); for `dot`, (u ∘ v)·W₁ = v·(diag(u)·W₁), one
 * small matmul per user and item chunk; without hidden layers the output layer reads the
 * combined vectors directly.
 */
class NeuralRatingCatalogue implements CatalogueScorer {
  private readonly t: NeuralRatingTower;
  private readonly vectors: Float32Array;
  private readonly itemBias: Float32Array | null;
  private readonly split: SplitMlp | null;
  private readonly uvec: Float32Array;
  private readonly a: Float32Array;
  private readonly ub = new Float32Array(1);
  private cu = 0;
  /** `dot` with hidden layers: diag(u)·W₁ of the current user. */
  private readonly scaled: Float32Array;
  /** `dot` or no hidden layers: first-layer pre-activations, or combined vectors. */
  private readonly z: Float32Array;

  constructor(tower: NeuralRatingTower, numItems: number) {
    this.t = tower;
    const f = tower.f;
    const first = tower.mlp.hidden[0] ?? null;
    const h1 = first ? first.outDim : 0;
    this.vectors = tower.items.materialize();
    this.split = first && tower.concat ? new SplitMlp(tower.mlp, this.vectors, numItems, f, f) : null;
    this.itemBias = tower.itemBias ? tower.itemBias.materialize() : null;
    this.uvec = new Float32Array(f);
    this.a = new Float32Array(f);
    this.scaled = new Float32Array(first && !tower.concat ? f * h1 : 0);
    this.z = new Float32Array(this.split ? 0 : Math.min(numItems, SCORE_CHUNK) * Math.max(h1, tower.inputDim));
  }

  user(user: number): void {
    const t = this.t;
    const f = t.f;
    const { uvec, a } = this;
    t.users.table.forward(user, uvec, 0);
    if (t.userBias) t.userBias.table.forward(user, this.ub, 0);
    let cu = t.userBias ? this.ub[0] : 0;
    for (let d = 0; d < f; d++) a[d] = t.dotSkip ? uvec[d] : 0;
    const skipW = t.skipLayer?.weight.data;
    if (skipW) {
      cu += t.skipLayer!.bias.data[0];
      for (let d = 0; d < f; d++) {
        if (t.concat) {
          cu += skipW[d] * uvec[d];
          a[d] += skipW[f + d];
        } else a[d] += skipW[d] * uvec[d];
      }
    }
    this.cu = cu;
    const first = t.mlp.hidden[0];
    if (this.split) this.split.setUser(uvec, 0, f);
    else if (first) {
      const h1 = first.outDim;
      const w1 = first.weight.data;
      for (let d = 0; d < f; d++) for (let j = 0; j < h1; j++) this.scaled[d * h1 + j] = uvec[d] * w1[d * h1 + j];
    }
  }

  items(i0: number, n: number, out: Float32Array, o: number): void {
    const t = this.t;
    const f = t.f;
    const { vectors, uvec, z, a, cu, itemBias } = this;
    const first = t.mlp.hidden[0];
    let deep: Float32Array;
    if (this.split) deep = this.split.forward(i0, n);
    else if (first) {
      matmul(vectors.subarray(i0 * f, (i0 + n) * f), this.scaled, first.bias.data, z, n, f, first.outDim);
      deep = t.mlp.forwardFromFirst(z, n);
    } else {
      const w = t.inputDim;
      for (let r = 0; r < n; r++) {
        for (let d = 0; d < f; d++) {
          const vd = vectors[(i0 + r) * f + d];
          if (t.concat) {
            z[r * w + d] = uvec[d];
            z[r * w + f + d] = vd;
          } else z[r * w + d] = uvec[d] * vd;
        }
      }
      deep = t.mlp.forwardBatch(z, n);
    }
    for (let r = 0; r < n; r++) {
      let s = deep[r] + cu;
      const vo = (i0 + r) * f;
      for (let d = 0; d < f; d++) s += a[d] * vectors[vo + d];
      if (itemBias) s += itemBias[i0 + r];
      out[o + r] = s;
    }
  }
}
