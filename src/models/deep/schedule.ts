/**
 * A per-epoch learning-rate schedule around any deep trainer: epoch e (1-based) trains at
 * lr₀ · decay^(e−1), lr₀ being each parameter's own step size when the schedule first ran (so
 * NeuMF pre-training's rate and the model's are both respected). Exponential decay keeps its
 * meaning under early stopping, which a schedule over a fixed horizon (cosine) would not.
 */
import type { Param } from '../../core/params.ts';
import type { EpochContext } from '../../train/types.ts';
import type { Tower, Trainer } from './tower.ts';

export class DecayingTrainer implements Trainer {
  private readonly inner: Trainer;
  private readonly decay: number;
  private readonly base = new Map<Param, number>();

  constructor(inner: Trainer, decay: number) {
    this.inner = inner;
    this.decay = decay;
  }

  epoch(tower: Tower, ctx: EpochContext): number {
    const factor = this.decay ** Math.max(0, ctx.epoch - 1);
    for (const p of tower.params()) {
      if (!this.base.has(p)) this.base.set(p, p.learningRate);
      p.learningRate = this.base.get(p)! * factor;
    }
    return this.inner.epoch(tower, ctx);
  }
}

/** The trainer itself when `decay` is 1 (a constant rate), else wrapped in the schedule. */
export function withDecay(trainer: Trainer, decay: number): Trainer {
  return decay === 1 ? trainer : new DecayingTrainer(trainer, decay);
}
