/**
 * A per-epoch learning-rate schedule around any deep trainer: epoch e (1-based) trains at
 * lr₀ · decay^(e−1), lr₀ being each parameter's own step size when the schedule first ran (so
 * NeuMF pre-training's rate and the model's are both respected). Exponential decay keeps its
 * meaning under early stopping, which a schedule over a fixed horizon (cosine) would not.
 */
import type { Param } from '../../core/params.ts';
import type { EpochContext } from '../../train/types.ts';
import type { Rng } from '../../core/rng.ts';
import { isShardTrainer, type ShardTrainer, type Tower, type Trainer } from './tower.ts';

export class DecayingTrainer implements Trainer {
  private readonly base = new Map<Param, number>();

  constructor(
    private readonly inner: Trainer,
    private readonly decay: number,
  ) {}

  /** Sets every parameter's rate for `ctx.epoch` (the Hogwild workers copy the main thread's rates). */
  startEpoch(tower: Tower, ctx: EpochContext): void {
    const factor = this.decay ** Math.max(0, ctx.epoch - 1);
    for (const p of tower.params()) {
      if (!this.base.has(p)) this.base.set(p, p.learningRate);
      p.learningRate = this.base.get(p)! * factor;
    }
  }

  epoch(tower: Tower, ctx: EpochContext): number {
    this.startEpoch(tower, ctx);
    return this.inner.epoch(tower, ctx);
  }
}

/** The schedule around a trainer that can train slices of an epoch, so it still trains over threads. */
class DecayingShardTrainer extends DecayingTrainer implements ShardTrainer {
  constructor(
    private readonly shards: ShardTrainer,
    decay: number,
  ) {
    super(shards, decay);
  }

  shard(tower: Tower, order: Int32Array, start: number, end: number, rng: Rng, progress?: (done: number) => void): { loss: number; rows: number } {
    return this.shards.shard(tower, order, start, end, rng, progress);
  }
}

/** The trainer itself when `decay` is 1 (a constant rate), else wrapped in the schedule. */
export function withDecay(trainer: Trainer, decay: number): Trainer {
  if (decay === 1) return trainer;
  return isShardTrainer(trainer) ? new DecayingShardTrainer(trainer, decay) : new DecayingTrainer(trainer, decay);
}
