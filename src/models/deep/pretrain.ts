/**
 * NeuMF pre-training (He et al. 2017, "Neural Collaborative Filtering", §3.4.1): train GMF
 * (p_u ∘ q_i → one linear output) and the MLP model (ncf's ConcatTower) separately, then start
 * NeuMF from their weights: the GMF branch's embeddings from GMF, the MLP branch's embeddings
 * and hidden layers from the MLP model, and the fusion layer as the concatenation of the two
 * output layers weighted α and 1 − α (α = 0.5 in the paper). NeuMF is then fine-tuned, best at a
 * lower learning rate than the pre-training's (the paper switches to plain SGD, since Adam's
 * moments are not carried over).
 */
import { Dense } from '../../core/dense.ts';
import type { OptimizerConfig, Param } from '../../core/params.ts';
import type { Rng } from '../../core/rng.ts';
import { ConfigError } from '../../contracts/errors.ts';
import type { EpochContext, FitOptions } from '../../train/types.ts';
import { ConcatTower, type ConcatTowerOptions } from './concat-tower.ts';
import { EmbeddingInput } from './embedding-input.ts';
import type { NeuMFTower } from './neumf-tower.ts';
import type { CatalogueScorer, ColdRows, Tower, Trainer } from './tower.ts';

/** GMF alone: the elementwise product of user and item embeddings through one linear output. */
export class GmfTower implements Tower {
  readonly users: EmbeddingInput;
  readonly items: EmbeddingInput;
  readonly out: Dense;
  readonly g: number;
  private readonly l2: number;
  private readonly denseL2: number;
  private gu = new Float32Array(0);
  private gi = new Float32Array(0);
  private prod = new Float32Array(0);

  constructor(rng: Rng, o: ConcatTowerOptions & { gmfFactors: number }) {
    this.g = o.gmfFactors;
    this.l2 = o.l2;
    this.denseL2 = o.denseL2;
    this.users = new EmbeddingInput('gmf.user', o.numUsers, o.gmfFactors, o.userFeatures, o.optimizer, rng, o.initStd);
    this.items = new EmbeddingInput('gmf.item', o.numItems, o.gmfFactors, o.itemFeatures, o.optimizer, rng, o.initStd);
    this.out = new Dense(o.gmfFactors, 1, rng, { optimizer: o.optimizer, init: { kind: 'glorot' }, name: 'gmf.out' });
  }

  fill(users: Int32Array, items: Int32Array, n: number): void {
    if (this.gu.length < n * this.g) {
      this.gu = new Float32Array(n * this.g);
      this.gi = new Float32Array(n * this.g);
      this.prod = new Float32Array(n * this.g);
    }
    this.users.gather(users, n, this.gu, this.g, 0);
    this.items.gather(items, n, this.gi, this.g, 0);
  }

  forward(n: number, _rng: Rng | null): Float32Array {
    const { gu, gi, prod } = this;
    for (let k = 0; k < n * this.g; k++) prod[k] = gu[k] * gi[k];
    return this.out.forwardBatch(prod, n);
  }

  backward(dz: Float32Array, n: number, users: Int32Array, items: Int32Array): void {
    const dp = this.out.backwardBatch(dz, n)!;
    const { gu, gi } = this;
    // d(u∘v)/du = v and /dv = u: overwrite gu / gi (the forward pass is done with them).
    for (let k = 0; k < n * this.g; k++) {
      const a = gu[k];
      gu[k] = dp[k] * gi[k];
      gi[k] = dp[k] * a;
    }
    this.users.accumulate(users, n, gu, this.g, 0);
    this.items.accumulate(items, n, gi, this.g, 0);
  }

  update(): void {
    this.out.updateAll(this.denseL2);
    this.users.apply(this.l2);
    this.items.apply(this.l2);
  }

  coldItem(_featureIndices: ArrayLike<number>, _featureWeights: ArrayLike<number> | null): ColdRows | null {
    return null;
  }

  /** score = b + Σ_d (w_d p_ud) q_id, the user side scaled once. */
  catalogue(numItems: number): CatalogueScorer {
    const q = this.items.materialize();
    const g = this.g;
    const u = new Float32Array(g);
    const w = this.out.weight.data;
    const b = this.out.bias.data;
    return {
      user: (user) => {
        this.users.table.forward(user, u, 0);
        for (let d = 0; d < g; d++) u[d] *= w[d];
      },
      items: (i0, n, out, o) => {
        for (let r = 0; r < n && i0 + r < numItems; r++) {
          let s = b[0];
          for (let d = 0; d < g; d++) s += u[d] * q[(i0 + r) * g + d];
          out[o + r] = s;
        }
      },
    };
  }

  itemVectors(): { data: Float32Array; dim: number } {
    return { data: this.items.materialize(), dim: this.g };
  }

  params(): Param[] {
    return [...this.users.params(), ...this.items.params(), ...this.out.params()];
  }
}

export interface PretrainOptions {
  /** Epochs of GMF and of the MLP model, each. */
  epochs: number;
  /** Weight of GMF's output in the fusion layer; the MLP's gets 1 − alpha. */
  alpha: number;
  /** The GMF and MLP models' optimizer (the paper: Adam), whatever NeuMF is then fine-tuned with. */
  optimizer: OptimizerConfig;
}

/**
 * Trains a GMF tower and an MLP tower from `towerOptions` (the NeuMF's, so sizes match), each for
 * `epochs` with its own trainer from `makeTrainer`, and returns them.
 */
export async function pretrainBranches(
  towerOptions: ConcatTowerOptions & { gmfFactors: number },
  options: PretrainOptions,
  makeTrainer: () => Trainer,
  rng: Rng,
  fit: FitOptions,
): Promise<{ gmf: GmfTower; mlp: ConcatTower }> {
  const o = { ...towerOptions, optimizer: options.optimizer };
  const gmf = new GmfTower(rng.fork(), o);
  const mlp = new ConcatTower(rng.fork(), o);
  for (const tower of [gmf, mlp]) {
    const trainer = makeTrainer();
    const epochRng = rng.fork();
    for (let e = 1; e <= options.epochs; e++) {
      const ctx: EpochContext = { epoch: e, rng: epochRng, threads: 1, options: fit, progress: () => {} };
      trainer.epoch(tower, ctx);
      // Let the event loop breathe between epochs (progress, cancellation), as the fit loop does.
      await Promise.resolve();
    }
  }
  return { gmf, mlp };
}

/**
 * NeuMF from pre-trained branches: GMF embeddings, the MLP model's embeddings and hidden layers,
 * and fuse = [α·h_GMF, (1 − α)·h_MLP] with bias α·b_GMF + (1 − α)·b_MLP.
 */
export function loadPretrained(neumf: NeuMFTower, gmf: GmfTower, mlp: ConcatTower, alpha: number): void {
  if (!(alpha >= 0 && alpha <= 1)) throw new ConfigError(`pretrainAlpha must be in [0, 1], got ${alpha}`);
  copyParams([...gmf.users.params(), ...gmf.items.params()], [...neumf.gmfUsers.params(), ...neumf.gmfItems.params()], 'GMF');
  // The MLP branch has every Param of the MLP model but its output layer, in the same order.
  const source = mlp.params().slice(0, -2);
  copyParams(source, neumf.mlp.params(), 'MLP');
  const out = mlp.mlp.output;
  if (!out) throw new ConfigError('the pre-trained MLP model has no output layer');
  const fw = neumf.fuse.weight.data;
  const g = neumf.g;
  if (fw.length !== g + out.weight.data.length) throw new ConfigError(`fusion layer has ${fw.length} weights; GMF ${g} + MLP ${out.weight.data.length} expected`);
  for (let d = 0; d < g; d++) fw[d] = alpha * gmf.out.weight.data[d];
  for (let j = 0; j < out.weight.data.length; j++) fw[g + j] = (1 - alpha) * out.weight.data[j];
  neumf.fuse.bias.data[0] = alpha * gmf.out.bias.data[0] + (1 - alpha) * out.bias.data[0];
}

function copyParams(from: Param[], to: Param[], what: string): void {
  if (from.length !== to.length) throw new ConfigError(`${what} pre-training: ${from.length} tensors for NeuMF's ${to.length}`);
  from.forEach((p, k) => {
    const q = to[k];
    if (p.data.length !== q.data.length) throw new ConfigError(`${what} pre-training: ${p.name} has ${p.data.length} values, NeuMF's ${q.name} ${q.data.length}`);
    q.data.set(p.data);
  });
}
