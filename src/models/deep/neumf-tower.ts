/**
 * NeuMF's tower (He et al. 2017): a GMF branch p'_u ∘ q'_i on its own embeddings, and an MLP
 * branch (a ConcatTower without output layer) whose last hidden layer is fused with the GMF
 * vector by one linear output layer.
 */
import { Dense } from '../../core/dense.ts';
import type { Param } from '../../core/params.ts';
import type { Rng } from '../../core/rng.ts';
import { type ConcatCatalogue, ConcatTower, type ConcatTowerOptions } from './concat-tower.ts';
import { EmbeddingInput } from './embedding-input.ts';
import type { CatalogueScorer, ColdRows, Tower } from './tower.ts';

export class NeuMFTower implements Tower {
  readonly mlp: ConcatTower;
  readonly gmfUsers: EmbeddingInput;
  readonly gmfItems: EmbeddingInput;
  /** The output layer over [GMF vector, MLP branch output]. */
  readonly fuse: Dense;
  /** GMF embedding size. */
  readonly g: number;
  /** Width of the MLP branch's output (its last hidden layer). */
  readonly hl: number;
  private readonly l2: number;
  private readonly denseL2: number;
  // Batch buffers, grown on demand: the rows' GMF vectors, the fused layer input, dL/d(MLP output).
  private gu = new Float32Array(0);
  private gi = new Float32Array(0);
  private fused = new Float32Array(0);
  private dh = new Float32Array(0);

  constructor(rng: Rng, o: ConcatTowerOptions & { gmfFactors: number }) {
    // Creation order (MLP branch, GMF users, GMF items, fuse) fixes what the seed draws for each.
    this.mlp = new ConcatTower(rng, { ...o, outputDim: 0 });
    this.g = o.gmfFactors;
    this.hl = this.mlp.mlp.outputDim;
    this.l2 = o.l2;
    this.denseL2 = o.denseL2;
    this.gmfUsers = new EmbeddingInput('gmf.user', o.numUsers, o.gmfFactors, o.userFeatures, o.optimizer, rng, o.initStd);
    this.gmfItems = new EmbeddingInput('gmf.item', o.numItems, o.gmfFactors, o.itemFeatures, o.optimizer, rng, o.initStd);
    this.fuse = new Dense(o.gmfFactors + this.hl, 1, rng, { optimizer: o.optimizer, init: { kind: 'glorot' }, name: 'fuse' });
  }

  private ensure(n: number): void {
    if (this.dh.length >= n * this.hl) return;
    this.gu = new Float32Array(n * this.g);
    this.gi = new Float32Array(n * this.g);
    this.fused = new Float32Array(n * (this.g + this.hl));
    this.dh = new Float32Array(n * this.hl);
  }

  fill(users: Int32Array, items: Int32Array, n: number): void {
    this.ensure(n);
    this.mlp.fill(users, items, n);
    this.gmfUsers.gather(users, n, this.gu, this.g, 0);
    this.gmfItems.gather(items, n, this.gi, this.g, 0);
  }

  forward(n: number, rng: Rng | null): Float32Array {
    const out = this.mlp.forward(n, rng);
    const { g, hl, gu, gi, fused } = this;
    const w = g + hl;
    for (let r = 0; r < n; r++) {
      for (let d = 0; d < g; d++) fused[r * w + d] = gu[r * g + d] * gi[r * g + d];
      for (let j = 0; j < hl; j++) fused[r * w + g + j] = out[r * hl + j];
    }
    return this.fuse.forwardBatch(fused, n);
  }

  backward(dz: Float32Array, n: number, users: Int32Array, items: Int32Array): void {
    const { g, hl, gu, gi, dh } = this;
    const w = g + hl;
    const dF = this.fuse.backwardBatch(dz, n)!;
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
    this.gmfUsers.accumulate(users, n, gu, g, 0);
    this.gmfItems.accumulate(items, n, gi, g, 0);
    this.mlp.backward(dh, n, users, items);
  }

  update(): void {
    this.fuse.updateAll(this.denseL2);
    this.gmfUsers.apply(this.l2);
    this.gmfItems.apply(this.l2);
    this.mlp.update();
  }

  coldItem(featureIndices: ArrayLike<number>, featureWeights: ArrayLike<number> | null): ColdRows | null {
    const fillMlp = this.mlp.coldItem(featureIndices, featureWeights);
    if (!fillMlp) return null;
    const qg = new Float32Array(this.g);
    this.gmfItems.fromFeatures(featureIndices, featureWeights, qg);
    return (users, n) => {
      this.ensure(n);
      fillMlp(users, n);
      this.gmfUsers.gather(users, n, this.gu, this.g, 0);
      for (let r = 0; r < n; r++) this.gi.set(qg, r * this.g);
    };
  }

  catalogue(numItems: number): CatalogueScorer {
    return new NeuMFCatalogue(this, numItems);
  }

  itemVectors(): { data: Float32Array; dim: number } {
    return this.mlp.itemVectors();
  }

  params(): Param[] {
    return [...this.mlp.params(), ...this.gmfUsers.params(), ...this.gmfItems.params(), ...this.fuse.params()];
  }
}

/**
 * Every item for one user: the MLP branch through its catalogue scorer, the GMF term as the
 * user's GMF vector (pre-scaled by the fusion weights) dotted with each item's.
 */
class NeuMFCatalogue implements CatalogueScorer {
  private readonly t: NeuMFTower;
  private readonly mlp: ConcatCatalogue;
  private readonly gmf: Float32Array;
  /** The user's GMF vector times the fusion weights of the GMF half. */
  private readonly gvec: Float32Array;

  constructor(tower: NeuMFTower, numItems: number) {
    this.t = tower;
    this.mlp = tower.mlp.catalogue(numItems);
    this.gmf = tower.gmfItems.materialize();
    this.gvec = new Float32Array(tower.g);
  }

  user(user: number): void {
    this.mlp.user(user);
    const fw = this.t.fuse.weight.data;
    this.t.gmfUsers.table.forward(user, this.gvec, 0);
    for (let d = 0; d < this.t.g; d++) this.gvec[d] *= fw[d];
  }

  items(i0: number, n: number, out: Float32Array, o: number): void {
    const { g, hl } = this.t;
    const fw = this.t.fuse.weight.data;
    const fb = this.t.fuse.bias.data[0];
    const { gvec, gmf } = this;
    const h = this.mlp.outputs(i0, n);
    for (let r = 0; r < n; r++) {
      let s = fb;
      const gb = (i0 + r) * g;
      for (let d = 0; d < g; d++) s += gvec[d] * gmf[gb + d];
      for (let j = 0; j < hl; j++) s += fw[g + j] * h[r * hl + j];
      out[o + r] = s;
    }
  }
}
