/**
 * Triplet training of a tower: each training interaction (u, i⁺) with one sampled negative i⁻,
 * a margin (hinge) or BPR loss on s⁺ − s⁻. Both rows of a triplet go through the tower in the
 * same batch, so one backward pass covers the positive and the negative.
 */
import { bpr, bprGrad, hinge, hingeGrad } from '../../core/losses.ts';
import type { Interactions } from '../../data/interactions.ts';
import type { NegativeSampler } from '../../sampling/negatives.ts';
import type { EpochContext } from '../../train/types.ts';
import type { Tower, Trainer } from './tower.ts';
import { customTripletStep, type CustomTripletLoss } from './custom-loss.ts';

export type TripletLoss = 'margin' | 'bpr';

export class TripletTrainer implements Trainer {
  private readonly train: Interactions;
  private readonly sampler: NegativeSampler;
  private readonly batchSize: number;
  /** A built-in loss, or a custom one (library API, custom-loss.ts). */
  private readonly loss: TripletLoss | CustomTripletLoss;
  private readonly margin: number;
  // Rows [0, b) are (u, i⁺), rows [b, 2b) are (u, i⁻).
  private readonly rowUsers: Int32Array;
  private readonly rowItems: Int32Array;
  private readonly dz: Float32Array;

  constructor(train: Interactions, sampler: NegativeSampler, batchSize: number, loss: TripletLoss | CustomTripletLoss, margin: number) {
    this.train = train;
    this.sampler = sampler;
    this.batchSize = batchSize;
    this.loss = loss;
    this.margin = margin;
    this.rowUsers = new Int32Array(2 * batchSize);
    this.rowItems = new Int32Array(2 * batchSize);
    this.dz = new Float32Array(2 * batchSize);
  }

  epoch(tower: Tower, ctx: EpochContext): number {
    const { users, items } = this.train;
    const order = ctx.rng.permutation(users.length);
    const size = this.batchSize;
    let total = 0;
    for (let start = 0, steps = 0; start < order.length; start += size, steps++) {
      const b = Math.min(size, order.length - start);
      for (let k = 0; k < b; k++) {
        const p = order[start + k];
        this.rowUsers[k] = this.rowUsers[b + k] = users[p];
        this.rowItems[k] = items[p];
        this.rowItems[b + k] = this.sampler.sample(users[p]);
      }
      total += this.step(tower, b, ctx);
      if (steps % 64 === 63) ctx.progress(start / order.length);
    }
    ctx.progress(1);
    return total / Math.max(1, order.length);
  }

  /** One batch of b triplets; returns the summed loss. */
  private step(tower: Tower, b: number, ctx: EpochContext): number {
    const n = 2 * b;
    tower.fill(this.rowUsers, this.rowItems, n);
    const s = tower.forward(n, ctx.rng);
    if (typeof this.loss !== 'string') {
      const total = customTripletStep(this.loss, s, b, this.dz);
      tower.backward(this.dz, n, this.rowUsers, this.rowItems);
      tower.update();
      return total;
    }
    const bprLoss = this.loss === 'bpr';
    let total = 0;
    for (let k = 0; k < b; k++) {
      const pos = s[k];
      const neg = s[b + k];
      const g = (bprLoss ? bprGrad(pos, neg) : hingeGrad(pos, neg, this.margin)) / b;
      total += bprLoss ? bpr(pos, neg) : hinge(pos, neg, this.margin);
      this.dz[k] = g;
      this.dz[b + k] = -g;
    }
    tower.backward(this.dz, n, this.rowUsers, this.rowItems);
    tower.update();
    return total;
  }
}
