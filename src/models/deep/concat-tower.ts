/**
 * The tower of `match` and of ncf (and NeuMF's MLP branch): user and item embeddings (sizes may
 * differ, hybrid when features are given) → concatenation → MLP → one score (or, with
 * `outputDim` 0, the last hidden layer, for a caller that fuses it with more). Optional dropout
 * on the concatenated embeddings (`inputDropout`) while training, before the MLP. Batched
 * forward/backward over filled input rows, row-summed sparse embedding updates, and
 * full-catalogue scoring with the first layer's item half precomputed.
 */
import type { RunRows } from '../../core/dense.ts';
import { Dropout } from '../../core/dropout.ts';
import { Mlp } from '../../core/mlp.ts';
import type { Param } from '../../core/params.ts';
import type { Rng } from '../../core/rng.ts';
import { ConfigError } from '../../contracts/errors.ts';
import { EmbeddingInput, type EmbeddingOptimizerMode } from './embedding-input.ts';
import { SplitMlp } from './scoring.ts';
import type { CatalogueScorer, ColdRows, EmbeddingTowerOptions, Tower } from './tower.ts';

export interface ConcatTowerOptions extends EmbeddingTowerOptions {
  userFactors: number;
  itemFactors: number;
  /** Size of the MLP's linear output layer (default 1); 0 = output the last hidden layer. */
  outputDim?: number;
  /** Dropout rate on the concatenated [user, item] embeddings while training (default 0). */
  inputDropout?: number;
  /** How the embedding tables step: 'lazy' (touched rows only, the default) or 'dense' (every row, every batch). */
  embeddingOptimizer?: EmbeddingOptimizerMode;
}

export class ConcatTower implements Tower {
  readonly users: EmbeddingInput;
  readonly items: EmbeddingInput;
  readonly mlp: Mlp;
  private readonly du: number;
  private readonly di: number;
  private readonly l2: number;
  private readonly denseL2: number;
  private readonly inputDrop: Dropout;
  /** Whether the last forward was a training pass with input dropout (backward applies its mask). */
  private dropped = false;
  private x = new Float32Array(0);
  /** Rows given to `fill` and not gathered yet: forward gathers them, as whole rows or as runs. */
  private pendingUsers: Int32Array | null = null;
  private pendingItems: Int32Array | null = null;
  /** The last forward's rows as runs of one user (null: whole rows in `x`). */
  private runRows: RunRows | null = null;
  private runUsers = new Int32Array(0);
  private runStart = new Int32Array(1);
  private userRows = new Float32Array(0);
  private itemRows = new Float32Array(0);

  constructor(rng: Rng, o: ConcatTowerOptions) {
    if (o.layers.length === 0) throw new ConfigError('the MLP needs at least one hidden layer (layers: [64, 32])');
    this.du = o.userFactors;
    this.di = o.itemFactors;
    this.l2 = o.l2;
    this.denseL2 = o.denseL2;
    this.inputDrop = new Dropout(o.inputDropout ?? 0);
    // Creation order (users, items, MLP) fixes what the seed draws for each.
    const mode = o.embeddingOptimizer ?? 'lazy';
    this.users = new EmbeddingInput('user', o.numUsers, o.userFactors, o.userFeatures, o.optimizer, rng, o.initStd, mode);
    this.items = new EmbeddingInput('item', o.numItems, o.itemFactors, o.itemFeatures, o.optimizer, rng, o.initStd, mode);
    this.mlp = new Mlp(rng, {
      inputDim: o.userFactors + o.itemFactors,
      layers: o.layers,
      outputDim: o.outputDim ?? 1,
      activation: o.activation,
      dropout: o.dropout,
      optimizer: o.optimizer,
    });
  }

  private get width(): number {
    return this.du + this.di;
  }

  fill(users: Int32Array, items: Int32Array, _n: number): void {
    // Gathered in forward, which knows whether it may share the user rows (training, no input dropout).
    this.pendingUsers = users;
    this.pendingItems = items;
  }

  /** Fills input rows with users[r] and items[r] (items null: the caller fills the item half). */
  private gather(users: Int32Array, items: Int32Array | null, n: number): Float32Array {
    this.pendingUsers = this.pendingItems = null;
    if (this.x.length < n * this.width) this.x = new Float32Array(n * this.width);
    this.users.gather(users, n, this.x, this.width, 0);
    if (items) this.items.gather(items, n, this.x, this.width, this.du);
    return this.x;
  }

  forward(n: number, rng: Rng | null): Float32Array {
    this.runRows = null;
    if (this.pendingUsers !== null) {
      const users = this.pendingUsers;
      const items = this.pendingItems!;
      // Training batches hold a positive and its negatives for one user in consecutive rows: the
      // user's half of the first layer is computed once per run (Dense.forwardRuns).
      // (The rows stay pending: a second forward without a new fill still sees them.)
      if (rng !== null && this.inputDrop.rate === 0 && this.gatherRuns(users, items, n)) {
        this.dropped = false;
        return this.mlp.forwardRuns(this.runRows!, n, rng);
      }
      this.gather(users, items, n);
    }
    // In place: the input rows are gathered afresh for every batch. No draws at rate 0.
    this.dropped = rng !== null && this.inputDrop.rate > 0;
    if (this.dropped) this.inputDrop.forwardTraining(this.x, n * this.width, rng!);
    return this.mlp.forwardBatch(this.x, n, rng);
  }

  /**
   * The rows as runs of equal consecutive users (their vectors once per run, items per row), when
   * that saves at least half the user rows; false (nothing gathered) otherwise.
   */
  private gatherRuns(users: Int32Array, items: Int32Array, n: number): boolean {
    let runs = 0;
    for (let r = 0; r < n; r++) if (r === 0 || users[r] !== users[r - 1]) runs++;
    if (runs * 2 > n) return false;
    if (this.runUsers.length < runs) {
      this.runUsers = new Int32Array(runs);
      this.runStart = new Int32Array(runs + 1);
    }
    let q = 0;
    for (let r = 0; r < n; r++) {
      if (r === 0 || users[r] !== users[r - 1]) {
        this.runUsers[q] = users[r];
        this.runStart[q++] = r;
      }
    }
    this.runStart[runs] = n;
    if (this.userRows.length < runs * this.du) this.userRows = new Float32Array(runs * this.du);
    if (this.itemRows.length < n * this.di) this.itemRows = new Float32Array(n * this.di);
    this.users.gather(this.runUsers, runs, this.userRows, this.du, 0);
    this.items.gather(items, n, this.itemRows, this.di, 0);
    this.runRows = { runs, start: this.runStart, shared: this.userRows, sharedDim: this.du, rest: this.itemRows };
    return true;
  }

  backward(dz: Float32Array, n: number, users: Int32Array, items: Int32Array): void {
    if (this.runRows !== null) {
      const g = this.mlp.backwardRuns(dz, n);
      this.users.accumulate(this.runUsers, this.runRows.runs, g.shared, this.du, 0);
      this.items.accumulate(items, n, g.rest, this.di, 0);
      return;
    }
    const dx = this.mlp.backwardBatch(dz, n)!;
    if (this.dropped) this.inputDrop.backward(dx, n * this.width);
    this.users.accumulate(users, n, dx, this.width, 0);
    this.items.accumulate(items, n, dx, this.width, this.du);
  }

  update(): void {
    this.mlp.updateAll(this.denseL2);
    this.users.apply(this.l2);
    this.items.apply(this.l2);
  }

  coldItem(featureIndices: ArrayLike<number>, featureWeights: ArrayLike<number> | null): ColdRows | null {
    if (!this.items.hasFeatures) return null;
    const q = new Float32Array(this.di);
    this.items.fromFeatures(featureIndices, featureWeights, q);
    return (users, n) => {
      const x = this.gather(users, null, n);
      for (let r = 0; r < n; r++) x.set(q, r * this.width + this.du);
    };
  }

  catalogue(numItems: number): ConcatCatalogue {
    return new ConcatCatalogue(this, numItems);
  }

  itemVectors(): { data: Float32Array; dim: number } {
    return { data: this.items.materialize(), dim: this.di };
  }

  params(): Param[] {
    return [...this.users.params(), ...this.items.params(), ...this.mlp.params()];
  }
}

/** Every item for one user at a time: the user's embedding meets the precomputed item halves. */
export class ConcatCatalogue implements CatalogueScorer {
  private readonly tower: ConcatTower;
  private readonly split: SplitMlp;
  private readonly uvec: Float32Array;

  constructor(tower: ConcatTower, numItems: number) {
    this.tower = tower;
    this.split = new SplitMlp(tower.mlp, tower.items.materialize(), numItems, tower.items.dim, tower.users.dim);
    this.uvec = new Float32Array(tower.users.dim);
  }

  user(user: number): void {
    this.tower.users.table.forward(user, this.uvec, 0);
    this.split.setUser(this.uvec, 0, this.uvec.length);
  }

  /** The MLP's outputs (n × outputDim) for the current user and items [i0, i0 + n). */
  outputs(i0: number, n: number): Float32Array {
    return this.split.forward(i0, n);
  }

  items(i0: number, n: number, out: Float32Array, o: number): void {
    out.set(this.split.forward(i0, n).subarray(0, n), o);
  }
}
