/**
 * A deep match model (the "deep triplet" recommender of the classic Keras tutorials, after
 * Covington et al. 2016's deep towers): user and item embeddings, whose sizes may differ,
 * concatenated into an MLP that outputs one match score. Trained on (user, positive, negative)
 * triplets with a margin (hinge) or BPR loss on s⁺ − s⁻.
 */
import { bpr, bprGrad, hinge, hingeGrad } from '../../core/losses.ts';
import type { Param } from '../../core/params.ts';
import type { Rng } from '../../core/rng.ts';
import { ConfigError } from '../../contracts/errors.ts';
import type { Interactions } from '../../data/interactions.ts';
import { NegativeSampler, type NegativeSamplerKind } from '../../sampling/negatives.ts';
import type { FitOptions } from '../../train/types.ts';
import { DeepRecommender } from './base.ts';
import { ConcatTower } from './concat-tower.ts';
import { deepConfig, optimizerOf, type DeepConfig } from './config.ts';
import { checkLoss } from './pointwise.ts';
import { registerModel } from '../recommender.ts';
import { type EpochContext } from '../../train/types.ts';

export type MatchConfig = DeepConfig & {
  userFactors: number;
  itemFactors: number;
  loss: 'margin' | 'bpr';
  /** Hinge margin for loss 'margin'. */
  margin: number;
  sampler: NegativeSamplerKind;
  task: 'ranking';
};

export class MatchModel extends DeepRecommender {
  readonly type = 'match';
  readonly config: MatchConfig;
  private tower: ConcatTower | null = null;
  private sampler: NegativeSampler | null = null;
  private train: Interactions | null = null;
  private rowUsers = new Int32Array(0);
  private rowItems = new Int32Array(0);
  private dz = new Float32Array(0);

  constructor(config: Record<string, unknown> = {}) {
    super();
    const factors = (config.factors as number | undefined) ?? 32;
    const c = deepConfig<MatchConfig>('match', config, { userFactors: factors, itemFactors: factors, loss: 'margin', margin: 1, sampler: 'exclude-positives', task: 'ranking' });
    checkLoss('match', c.loss, ['margin', 'bpr']);
    for (const key of ['userFactors', 'itemFactors'] as const) {
      if (!(Number.isInteger(c[key]) && c[key] > 0)) throw new ConfigError(`match: ${key} must be a positive whole number, got ${c[key]}`);
    }
    if (!(c.margin > 0)) throw new ConfigError(`match: margin must be > 0, got ${c.margin}`);
    if (c.layers.length === 0) throw new ConfigError('match: needs at least one hidden layer (layers: [64, 32])');
    this.config = c;
  }

  prepare(train: Interactions, rng: Rng, _options: FitOptions): void {
    this.build(rng);
    this.train = train;
    this.sampler = new NegativeSampler(train, { kind: this.config.sampler, rng: rng.fork() });
    const b = this.config.batchSize;
    this.rowUsers = new Int32Array(2 * b);
    this.rowItems = new Int32Array(2 * b);
    this.dz = new Float32Array(2 * b);
  }

  protected build(rng: Rng): void {
    const c = this.config;
    this.tower = new ConcatTower(rng, {
      numUsers: this.numUsers,
      numItems: this.numItems,
      userFactors: c.userFactors,
      itemFactors: c.itemFactors,
      layers: c.layers,
      activation: c.activation,
      dropout: c.dropout,
      optimizer: optimizerOf(c),
      initStd: c.initStd,
      userFeatures: c.useFeatures ? this.userFeatures : null,
      itemFeatures: c.useFeatures ? this.itemFeatures : null,
    });
  }

  /** One batch of b triplets: rows [0, b) are (u, i⁺), rows [b, 2b) are (u, i⁻). */
  private step(b: number, rng: Rng): number {
    const c = this.config;
    const t = this.tower!;
    const n = 2 * b;
    t.fill(this.rowUsers, this.rowItems, n);
    const s = t.forward(n, rng);
    let total = 0;
    for (let k = 0; k < b; k++) {
      const pos = s[k];
      const neg = s[b + k];
      const g = (c.loss === 'bpr' ? bprGrad(pos, neg) : hingeGrad(pos, neg, c.margin)) / b;
      total += c.loss === 'bpr' ? bpr(pos, neg) : hinge(pos, neg, c.margin);
      this.dz[k] = g;
      this.dz[b + k] = -g;
    }
    t.backward(this.dz, n, this.rowUsers, this.rowItems);
    t.update(c.l2, c.denseL2);
    return total;
  }

  trainEpoch(ctx: EpochContext): number {
    if (!this.tower || !this.train || !this.sampler) throw new ConfigError('match: prepare() must run before trainEpoch()');
    const { users, items } = this.train;
    const order = ctx.rng.permutation(users.length);
    const size = this.config.batchSize;
    let total = 0;
    for (let start = 0, steps = 0; start < order.length; start += size, steps++) {
      const b = Math.min(size, order.length - start);
      for (let k = 0; k < b; k++) {
        const p = order[start + k];
        this.rowUsers[k] = this.rowUsers[b + k] = users[p];
        this.rowItems[k] = items[p];
        this.rowItems[b + k] = this.sampler.sample(users[p]);
      }
      total += this.step(b, ctx.rng);
      if (steps % 64 === 63) ctx.progress(start / order.length);
    }
    this.tower.invalidate();
    ctx.progress(1);
    return total / Math.max(1, order.length);
  }

  scoreUsers(users: Int32Array, out: Float32Array): void {
    this.requireTower().scoreAll(users, this.numItems, out);
  }

  score(users: Int32Array, items: Int32Array): Float32Array {
    this.checkPairs(users, items);
    return this.requireTower().scorePairs(users, items);
  }

  /** Cold start: scores of a new item from its item-feature indices, for `users` (default all). */
  scoreNewItem(featureIndices: ArrayLike<number>, featureWeights: ArrayLike<number> | null = null, users?: Int32Array): Float32Array {
    return this.requireTower().scoreNewItem(featureIndices, featureWeights, users ?? this.allUsers());
  }

  itemVectors(): { data: Float32Array; dim: number } | null {
    return this.tower ? { data: this.tower.items.materialize(), dim: this.config.itemFactors } : null;
  }

  protected params(): Param[] {
    return this.tower!.params();
  }

  protected isBuilt(): boolean {
    return this.tower !== null;
  }

  protected invalidate(): void {
    this.tower!.invalidate();
  }

  private requireTower(): ConcatTower {
    this.requireBuilt();
    return this.tower!;
  }
}

registerModel('match', 'Deep match model: user/item embeddings (sizes may differ) → concatenation → MLP → score, trained on triplets with a margin or BPR loss', (c) => new MatchModel(c));
