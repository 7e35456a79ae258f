/**
 * The network shared by the `match` model (and usable by others): user and item embeddings
 * (sizes may differ, hybrid when features are given) → concatenation → MLP → one score.
 * Batched forward/backward over filled input rows, row-summed sparse embedding updates, and
 * full-catalogue scoring with the first layer's item half precomputed.
 */
import { Mlp } from '../../core/mlp.ts';
import type { Activation } from '../../core/activations.ts';
import type { OptimizerConfig, Param } from '../../core/params.ts';
import type { Rng } from '../../core/rng.ts';
import { ConfigError } from '../../contracts/errors.ts';
import type { FeatureMatrix } from '../../contracts/types.ts';
import { EmbeddingInput } from './embedding-input.ts';
import { addParts, itemPartOf, SCORE_CHUNK, userPartOf } from './scoring.ts';

export interface ConcatTowerOptions {
  numUsers: number;
  numItems: number;
  userFactors: number;
  itemFactors: number;
  layers: number[];
  activation: Activation;
  dropout: number;
  optimizer: OptimizerConfig;
  initStd: number;
  userFeatures: FeatureMatrix | null;
  itemFeatures: FeatureMatrix | null;
}

export class ConcatTower {
  readonly users: EmbeddingInput;
  readonly items: EmbeddingInput;
  readonly mlp: Mlp;
  private readonly du: number;
  private readonly di: number;
  private x = new Float32Array(0);
  private itemPart: Float32Array | null = null;

  constructor(rng: Rng, o: ConcatTowerOptions) {
    if (o.layers.length === 0) throw new ConfigError('the MLP needs at least one hidden layer (layers: [64, 32])');
    this.du = o.userFactors;
    this.di = o.itemFactors;
    this.users = new EmbeddingInput('user', o.numUsers, o.userFactors, o.userFeatures, o.optimizer, rng, o.initStd);
    this.items = new EmbeddingInput('item', o.numItems, o.itemFactors, o.itemFeatures, o.optimizer, rng, o.initStd);
    this.mlp = new Mlp(rng, { inputDim: o.userFactors + o.itemFactors, layers: o.layers, outputDim: 1, activation: o.activation, dropout: o.dropout, optimizer: o.optimizer });
  }

  private get width(): number {
    return this.du + this.di;
  }

  /** Fills input rows with users[r] and items[r] (items null: the caller fills the item half). */
  fill(users: Int32Array, items: Int32Array | null, n: number): Float32Array {
    if (this.x.length < n * this.width) this.x = new Float32Array(n * this.width);
    this.users.gather(users, n, this.x, this.width, 0);
    if (items) this.items.gather(items, n, this.x, this.width, this.du);
    return this.x;
  }

  /** Scores of the n filled rows (a training pass when rng is given). */
  forward(n: number, rng: Rng | null): Float32Array {
    this.itemPart = null;
    return this.mlp.forwardBatch(this.x, n, rng);
  }

  /** Backward from dL/dscore (modified) into the MLP's and the rows' embedding gradients. */
  backward(dz: Float32Array, n: number, users: Int32Array, items: Int32Array): void {
    const dx = this.mlp.backwardBatch(dz, n)!;
    this.users.accumulate(users, n, dx, this.width, 0);
    this.items.accumulate(items, n, dx, this.width, this.du);
  }

  /** One optimizer step on everything the last backward passes touched. */
  update(l2: number, denseL2: number): void {
    this.mlp.updateAll(denseL2);
    this.users.apply(l2);
    this.items.apply(l2);
  }

  /** Forget precomputed item parts (after parameters change). */
  invalidate(): void {
    this.itemPart = null;
  }

  /** users × every item, row-major into out. */
  scoreAll(users: Int32Array, numItems: number, out: Float32Array): void {
    const first = this.mlp.hidden[0];
    const h1 = first.outDim;
    this.itemPart ??= itemPartOf(first, this.items.materialize(), numItems, this.di, this.du);
    const uvec = new Float32Array(this.du);
    const upart = new Float32Array(h1);
    const z = new Float32Array(Math.min(numItems, SCORE_CHUNK) * h1);
    for (let k = 0; k < users.length; k++) {
      this.users.table.forward(users[k], uvec, 0);
      userPartOf(first, uvec, 0, this.du, 0, upart);
      for (let i0 = 0; i0 < numItems; i0 += SCORE_CHUNK) {
        const n = Math.min(SCORE_CHUNK, numItems - i0);
        addParts(upart, this.itemPart, i0, n, h1, z);
        out.set(this.mlp.forwardFromFirst(z, n).subarray(0, n), k * numItems + i0);
      }
    }
  }

  /** Scores of (user, item) pairs. */
  scorePairs(users: Int32Array, items: Int32Array): Float32Array {
    const out = new Float32Array(users.length);
    for (let s = 0; s < users.length; s += SCORE_CHUNK) {
      const n = Math.min(SCORE_CHUNK, users.length - s);
      this.fill(users.subarray(s, s + n), items.subarray(s, s + n), n);
      out.set(this.mlp.forwardBatch(this.x, n).subarray(0, n), s);
    }
    return out;
  }

  /** Scores of a new item given only its metadata features, for each of `users` (cold start). */
  scoreNewItem(indices: ArrayLike<number>, weights: ArrayLike<number> | null, users: Int32Array): Float32Array {
    if (!this.items.hasFeatures) throw new ConfigError('this model was trained without item features, so it cannot score a new item');
    const q = new Float32Array(this.di);
    this.items.fromFeatures(indices, weights, q);
    const out = new Float32Array(users.length);
    for (let s = 0; s < users.length; s += SCORE_CHUNK) {
      const n = Math.min(SCORE_CHUNK, users.length - s);
      const x = this.fill(users.subarray(s, s + n), null, n);
      for (let r = 0; r < n; r++) x.set(q, r * this.width + this.du);
      out.set(this.mlp.forwardBatch(x, n).subarray(0, n), s);
    }
    return out;
  }

  params(): Param[] {
    return [...this.users.params(), ...this.items.params(), ...this.mlp.params()];
  }
}
