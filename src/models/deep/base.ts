/**
 * What the deep models (ncf/neumf, neural-rating, deepfm, match) share between `Recommender`
 * and their own layers: state as a list of Params, the built-or-loaded check, and the
 * cold-start contract. `PointwiseDeepModel` adds the pointwise training loop and pairwise /
 * cold-item scoring in chunks through the model's own `fillRows` + `forwardRows`.
 */
import type { Param } from '../../core/params.ts';
import { Rng } from '../../core/rng.ts';
import { ConfigError } from '../../contracts/errors.ts';
import { Recommender } from '../recommender.ts';
import { type EpochContext } from '../../train/types.ts';
import { type ModelState } from '../../contracts/types.ts';
import type { DeepConfig } from './config.ts';
import type { PointwiseBatches } from './pointwise.ts';
import { SCORE_CHUNK } from './scoring.ts';
import { loadParams, paramTensors } from './state.ts';

export abstract class DeepRecommender extends Recommender {
  abstract readonly config: DeepConfig;

  /** Creates the layers (fresh, or to be overwritten by setState). */
  protected abstract build(rng: Rng): void;
  protected abstract isBuilt(): boolean;
  /** Every trainable Param, in the order the model file stores them. */
  protected abstract params(): Param[];
  /** Drops scoring caches that depend on the parameters. */
  protected abstract invalidate(): void;

  /**
   * Cold start: scores of a new item described only by item-feature indices (and weights) for
   * each of `users` (default every user). Needs a model trained with item features.
   */
  abstract scoreNewItem(featureIndices: ArrayLike<number>, featureWeights?: ArrayLike<number> | null, users?: Int32Array): Float32Array;

  scoreItems(user: number, out: Float32Array): void {
    this.scoreUsers(Int32Array.of(user), out);
  }

  getState(): ModelState {
    this.requireBuilt();
    return { tensors: paramTensors(this.params()) };
  }

  setState(state: ModelState): void {
    if (!this.isBuilt()) this.build(new Rng(this.config.seed));
    loadParams(state, this.params());
    this.invalidate();
  }

  protected requireBuilt(): void {
    if (!this.isBuilt()) throw new ConfigError(`${this.type}: the model has not been trained or loaded`);
  }

  protected checkPairs(users: Int32Array, items: Int32Array): void {
    if (users.length !== items.length) throw new RangeError(`users (${users.length}) and items (${items.length}) differ in length`);
  }

  protected allUsers(): Int32Array {
    return Int32Array.from({ length: this.numUsers }, (_, u) => u);
  }

  /** The message for a cold-start request to a model trained without item features. */
  protected noItemFeatures(): ConfigError {
    return new ConfigError(`${this.type}: this model was trained without item features, so it cannot score a new item`);
  }
}

/** A deep model trained on PointwiseBatches whose forward pass runs on rows it fills itself. */
export abstract class PointwiseDeepModel<Cache> extends DeepRecommender {
  protected batches: PointwiseBatches | null = null;
  /** Per-item scoring precomputations, rebuilt lazily after the parameters change. */
  protected cache: Cache | null = null;

  /** Fills the input rows of (users[r], items[r]) for r < n. */
  protected abstract fillRows(users: Int32Array, items: Int32Array, n: number): void;
  /** Outputs of the n filled rows (training, with dropout, when rng is given). */
  protected abstract forwardRows(n: number, rng: Rng | null): Float32Array;
  /** One mini-batch step; returns the summed loss. */
  protected abstract step(users: Int32Array, items: Int32Array, labels: Float32Array, n: number, rng: Rng): number;
  /**
   * Checks the model can score a new item with these features and returns a filler of the
   * rows (users[r], new item) for r < n.
   */
  protected abstract coldItemRows(featureIndices: ArrayLike<number>, featureWeights: ArrayLike<number> | null): (users: Int32Array, n: number) => void;

  protected invalidate(): void {
    this.cache = null;
  }

  trainEpoch(ctx: EpochContext): number {
    const b = this.batches;
    if (!b) throw new ConfigError(`${this.type}: prepare() must run before trainEpoch()`);
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

  /** Outputs for (user, item) pairs (logits, or ratings for a rating loss). */
  score(users: Int32Array, items: Int32Array): Float32Array {
    this.checkPairs(users, items);
    this.requireBuilt();
    return this.scoreRows(users.length, (s, n) => this.fillRows(users.subarray(s, s + n), items.subarray(s, s + n), n));
  }

  scoreNewItem(featureIndices: ArrayLike<number>, featureWeights: ArrayLike<number> | null = null, users?: Int32Array): Float32Array {
    this.requireBuilt();
    const fill = this.coldItemRows(featureIndices, featureWeights);
    const us = users ?? this.allUsers();
    return this.scoreRows(us.length, (s, n) => fill(us.subarray(s, s + n), n));
  }

  /** Runs `count` rows through the model in chunks, `fill(start, n)` preparing each chunk. */
  private scoreRows(count: number, fill: (start: number, n: number) => void): Float32Array {
    const out = new Float32Array(count);
    for (let s = 0; s < count; s += SCORE_CHUNK) {
      const n = Math.min(SCORE_CHUNK, count - s);
      fill(s, n);
      out.set(this.forwardRows(n, null).subarray(0, n), s);
    }
    return out;
  }
}
