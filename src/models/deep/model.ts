/**
 * The one base of the deep models (ncf/neumf, deepfm, match, neural-rating): a Recommender
 * that composes a Tower (the network) and a Trainer (the batch loop), and implements from them
 * what every deep model does the same way: epochs, state as a list of Params, pairwise,
 * full-catalogue and cold-start scoring. A model supplies its config, its tower and its trainer.
 */
import { availableParallelism } from 'node:os';
import { Rng } from '../../core/rng.ts';
import { ConfigError } from '../../contracts/errors.ts';
import type { FeatureMatrix, HistoryEntry, ModelState } from '../../contracts/types.ts';
import { nearestUsers, neighbourIndex, userSlices, withFittedUser, type FoldInLoss, type NeighbourIndex } from './fold-in.ts';
import type { Interactions } from '../../data/interactions.ts';
import type { EpochContext, FitOptions } from '../../train/types.ts';
import { Recommender } from '../recommender.ts';
import { optimizerOf, type DeepConfig } from './config.ts';
import { Hogwild, type HogwildPlan, MIN_PARALLEL_POSITIVES } from './parallel.ts';
import { scoreCatalogue, scoreRows } from './scoring.ts';
import { loadParams, paramTensors } from './state.ts';
import { type CatalogueScorer, type EmbeddingTowerOptions, isShardTrainer, type ShardTrainer, type Tower, type Trainer } from './tower.ts';

export abstract class DeepModel<T extends Tower> extends Recommender {
  abstract override readonly config: Pick<DeepConfig, 'seed' | 'useFeatures'> & Record<string, unknown>;
  protected tower: T | null = null;
  private trainer: Trainer | null = null;
  /** Worker threads of a multi-threaded fit (between prepare and the end of fit). */
  private hogwild: Hogwild | null = null;
  /** The catalogue scorer's per-item precomputation, dropped whenever the parameters change. */
  private scorer: CatalogueScorer | null = null;

  /** The network for the current users, items and features (fresh, or to be overwritten by setState). */
  protected abstract createTower(rng: Rng): T;
  /** The batch loop for this training data; runs after the tower is built, checks the data. */
  protected abstract createTrainer(train: Interactions, rng: Rng): Trainer;

  /**
   * The tower and batch loop a worker thread rebuilds to train this model Hogwild (parallel.ts),
   * or null (the default): the model trains on one thread whatever `threads` says.
   */
  protected hogwildPlan(): HogwildPlan | null {
    return null;
  }

  /**
   * The tower the trainer steps: the model's own, unless it scores with something else (ncf's
   * weight average scores while a live copy trains). Hogwild shares this tower's parameters.
   */
  protected trainingTower(): Tower {
    return this.requireTower();
  }

  /** Called once a fit's threads are settled: every thread's optimizer-step counter under Hogwild, else null. */
  protected trainingThreads(_sharedSteps: Int32Array | null): void {}

  async prepare(train: Interactions, rng: Rng, options: FitOptions): Promise<void> {
    await this.stopThreads();
    this.tower = this.createTower(rng);
    this.scorer = null;
    this.trainer = this.createTrainer(train, rng);
    const threads = Math.min(options.threads ?? (this.config.threads as number | undefined) ?? 1, availableParallelism());
    const plan = threads > 1 && train.length >= MIN_PARALLEL_POSITIVES && isShardTrainer(this.trainer) ? this.hogwildPlan() : null;
    // Forked only when used, so a one-thread fit draws exactly what it always did.
    if (plan) this.hogwild = await Hogwild.start(plan, this.trainingTower(), train, threads, rng.fork());
    this.trainingThreads(this.hogwild?.steps ?? null);
  }

  async trainEpoch(ctx: EpochContext): Promise<number> {
    if (!this.tower || !this.trainer) throw new ConfigError(`${this.type}: prepare() must run before trainEpoch()`);
    this.scorer = null;
    let loss: number;
    if (this.hogwild) {
      const tower = this.trainingTower();
      this.trainer.startEpoch?.(tower, ctx);
      loss = await this.hogwild.epoch(this.trainer as ShardTrainer, tower, ctx);
    } else loss = this.trainer.epoch(this.tower, ctx);
    this.scorer = null;
    return loss;
  }

  protected override async stopThreads(): Promise<void> {
    const h = this.hogwild;
    this.hogwild = null;
    if (h) await h.close();
  }

  /** users × all items, through the tower's catalogue scorer (item-side work done once). */
  override scoreUsers(users: Int32Array, out: Float32Array): void {
    const tower = this.requireTower();
    this.scorer ??= tower.catalogue(this.numItems);
    scoreCatalogue(this.scorer, users, this.numItems, out);
  }

  scoreItems(user: number, out: Float32Array): void {
    this.scoreUsers(Int32Array.of(user), out);
  }

  /** Outputs for (user, item) pairs (logits, or ratings for a rating loss). */
  protected override scorePairs(users: Int32Array, items: Int32Array): Float32Array {
    const tower = this.requireTower();
    return scoreRows(tower, users.length, (s, n) => tower.fill(users.subarray(s, s + n), items.subarray(s, s + n), n));
  }

  /**
   * Cold start: scores of a new item described only by item-feature indices (and weights) for
   * each of `users` (default every user). Needs a model trained with item features.
   */
  scoreNewItem(featureIndices: ArrayLike<number>, featureWeights: ArrayLike<number> | null = null, users?: Int32Array): Float32Array {
    const tower = this.requireTower();
    const fill = tower.coldItem(featureIndices, featureWeights);
    if (!fill) throw new ConfigError(`${this.type}: this model was trained without item features, so it cannot score a new item`);
    const us = users ?? Int32Array.from({ length: this.numUsers }, (_, u) => u);
    return scoreRows(tower, us.length, (s, n) => fill(us.subarray(s, s + n), n));
  }

  private neighbours: { seen: unknown; index: NeighbourIndex } | null = null;

  /**
   * Fold-in (approximate, deep/fold-in.ts): the user's id rows fitted to the history by a few
   * seeded steps of the model's loss against the fixed items and network. Towers with user
   * features (or too few training users) take the stand-in: the similarity-weighted mean of the
   * scores of the history's most similar training users, and the fallback when none shares an item.
   */
  protected override scoreHistory(history: HistoryEntry[], out: Float32Array): void {
    const tower = this.requireTower();
    const slices = this.features().user === null ? userSlices(tower, this.numUsers) : null;
    if (slices) {
      const c = this.config as { loss?: string; margin?: number; l2?: number; seed: number };
      const options = {
        tower,
        slices,
        numUsers: this.numUsers,
        numItems: this.numItems,
        loss: (c.loss ?? 'bce') as FoldInLoss,
        margin: c.margin ?? 1,
        l2: c.l2 ?? 0,
        seed: c.seed,
      };
      if (withFittedUser(options, history, (u) => this.scoreUsers(Int32Array.of(u), out))) return;
    }
    const seen = this.seen;
    if (!seen) return this.fallbackScores(out);
    if (this.neighbours?.seen !== seen) this.neighbours = { seen, index: neighbourIndex(seen, this.numItems) };
    const { users, sims } = nearestUsers(this.neighbours.index, history);
    if (users.length === 0) return this.fallbackScores(out);
    const n = this.numItems;
    const rows = new Float32Array(users.length * n);
    this.scoreUsers(users, rows);
    out.fill(0);
    let total = 0;
    for (const s of sims) total += s;
    for (let r = 0; r < users.length; r++) {
      const w = sims[r] / total;
      for (let i = 0; i < n; i++) out[i] += w * rows[r * n + i];
    }
  }

  override itemVectors(): { data: Float32Array; dim: number } | null {
    return this.tower ? this.tower.itemVectors() : null;
  }

  getState(): ModelState {
    return { tensors: paramTensors(this.requireTower().params()) };
  }

  setState(state: ModelState): void {
    this.tower ??= this.createTower(new Rng(this.config.seed));
    loadParams(state, this.tower.params());
    this.scorer = null;
  }

  /** The metadata features the tower uses: none when `useFeatures` is off. */
  protected features(): { user: FeatureMatrix | null; item: FeatureMatrix | null } {
    const on = this.config.useFeatures;
    return { user: on ? this.userFeatures : null, item: on ? this.itemFeatures : null };
  }

  /** The tower options every deep model sets the same way from its config: sizes, MLP, optimizer, init, features, L2. */
  protected towerBase(c: DeepConfig): EmbeddingTowerOptions {
    const features = this.features();
    return {
      numUsers: this.numUsers,
      numItems: this.numItems,
      layers: c.layers,
      activation: c.activation,
      dropout: c.dropout,
      optimizer: optimizerOf(c),
      initStd: c.initStd,
      userFeatures: features.user,
      itemFeatures: features.item,
      l2: c.l2,
      denseL2: c.denseL2,
    };
  }

  protected requireTower(): T {
    if (!this.tower) throw new ConfigError(`${this.type}: the model has not been trained or loaded`);
    return this.tower;
  }
}
