/**
 * An exponential moving average of a network's weights (Polyak & Juditsky 1992; as TensorFlow's
 * `ExponentialMovingAverage` with `num_updates`): after every optimizer step,
 *
 *   avg ← d_t·avg + (1 − d_t)·w,   d_t = min(decay, (1 + t) / (10 + t))
 *
 * t counting the steps so far, so the first steps (t small) are not dominated by the initial
 * weights. Scoring with the average instead of the last step's weights smooths the epoch-to-epoch
 * jitter of a small dataset's training curve, like an ensemble of the recent iterates in one
 * network.
 */
import type { Param } from '../../core/params.ts';

export class WeightAverage {
  private steps = 0;

  /** `live` are the trained weights; `averaged` (same shapes, same order) receive their average, starting from `live` now. */
  constructor(
    private readonly live: Param[],
    private readonly averaged: Param[],
    readonly decay: number,
  ) {
    if (live.length !== averaged.length) throw new RangeError(`weight average: ${live.length} weights against ${averaged.length} averages`);
    this.reset();
  }

  /** The decay of the next step, t being the steps so far. */
  static decayAt(decay: number, t: number): number {
    return Math.min(decay, (1 + t) / (10 + t));
  }

  /** The average ← the live weights, the step count ← 0 (a fresh start, or after loading a state). */
  reset(): void {
    this.steps = 0;
    this.live.forEach((p, k) => this.averaged[k].data.set(p.data));
  }

  /** One step of the average, after an optimizer step of the live weights. */
  update(): void {
    const d = WeightAverage.decayAt(this.decay, this.steps++);
    const e = 1 - d;
    for (let k = 0; k < this.live.length; k++) {
      const w = this.live[k].data;
      const a = this.averaged[k].data;
      for (let i = 0; i < w.length; i++) a[i] = d * a[i] + e * w[i];
    }
  }
}
