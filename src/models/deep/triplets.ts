/**
 * Triplet training of a tower: each training interaction (u, i⁺) with one sampled negative i⁻,
 * a margin (hinge) or BPR loss on s⁺ − s⁻. Both rows of a triplet go through the tower in the
 * same batch, so one backward pass covers the positive and the negative.
 */
import { bpr, bprGrad, hinge, hingeGrad } from '../../core/losses.ts';
import type { Interactions } from '../../data/interactions.ts';
import type { NegativeSampler } from '../../sampling/negatives.ts';
import type { EpochContext } from '../../train/types.ts';
import type { Rng } from '../../core/rng.ts';
import type { ShardTrainer, Tower } from './tower.ts';
import { customTripletStep, type CustomTripletLoss } from './custom-loss.ts';

export type TripletLoss = 'margin' | 'bpr';

export class TripletTrainer implements ShardTrainer {
  private readonly train: Pick<Interactions, 'users' | 'items' | 'length'>;
  private readonly sampler: NegativeSampler;
  private readonly batchSize: number;
  /** A built-in loss, or a custom one (library API, custom-loss.ts). */
  private readonly loss: TripletLoss | CustomTripletLoss;
  private readonly margin: number;
  // Rows [0, b) are (u, i⁺), rows [b, 2b) are (u, i⁻).
  private readonly rowUsers: Int32Array;
  private readonly rowItems: Int32Array;
  private readonly dz: Float32Array;

  constructor(train: Pick<Interactions, 'users' | 'items' | 'length'>, sampler: NegativeSampler, batchSize: number, loss: TripletLoss | CustomTripletLoss, margin: number) {
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
    const order = ctx.rng.permutation(this.train.length);
    const { loss } = this.shard(tower, order, 0, order.length, ctx.rng, ctx.progress);
    return loss / Math.max(1, order.length);
  }

  /**
   * The triplets of positives order[start .. end) through `tower` (one epoch, or a Hogwild
   * thread's chunk); returns the summed loss and the number of triplets.
   */
  shard(tower: Tower, order: Int32Array, start: number, end: number, rng: Rng, progress: (done: number) => void = () => {}): { loss: number; rows: number } {
    const { users, items } = this.train;
    const size = this.batchSize;
    let total = 0;
    for (let first = start, steps = 0; first < end; first += size, steps++) {
      const b = Math.min(size, end - first);
      for (let k = 0; k < b; k++) {
        const p = order[first + k];
        this.rowUsers[k] = this.rowUsers[b + k] = users[p];
        this.rowItems[k] = items[p];
        this.rowItems[b + k] = this.sampler.sample(users[p]);
      }
      total += this.step(tower, b, rng);
      if (steps % 64 === 63) progress((first - start) / (end - start));
    }
    progress(1);
    return { loss: total, rows: end - start };
  }

  /** One batch of b triplets; returns the summed loss. */
  private step(tower: Tower, b: number, rng: Rng): number {
    const n = 2 * b;
    tower.fill(this.rowUsers, this.rowItems, n);
    const s = tower.forward(n, rng);
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
