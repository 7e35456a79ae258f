/**
 * A running average of a network's weights, scored in place of the last step's weights. Three
 * schedules, each avg ← avg + η·(w − avg) with its own η:
 *
 * - `ema-warmup` (the default; Polyak & Juditsky 1992, as TensorFlow's `ExponentialMovingAverage`
 *   with `num_updates`): after every optimizer step, avg ← d_t·avg + (1 − d_t)·w with
 *   d_t = min(decay, (1 + t) / (10 + t)), t counting the steps so far, so the first steps are not
 *   dominated by the initial weights. The cap (1 + t)/(10 + t) also limits the horizon to about
 *   t/9 steps, so a decay above it does not bind (at ~1,300 steps 0.995 and 0.998 are the same).
 * - `ema-debiased`: a fixed decay d with the bias correction Adam applies to its moments (Kingma &
 *   Ba 2015): m ← d·m + (1 − d)·w from m = 0, avg = m / (1 − d^n), n the steps averaged. In place:
 *   η_n = (1 − d)/(1 − d^n), so η_1 = 1 and the horizon is ~1/(1 − d) steps whatever t is. It
 *   begins at the first step of epoch `startEpoch`; before that the average is the live weights.
 * - `swa` (Izmailov et al. 2018, "Averaging Weights Leads to Wider Optima and Better
 *   Generalization"): an equal-weight average of the weights at the end of each epoch from
 *   `startEpoch` on, η = 1/n (n the epochs averaged); before that, the live weights.
 *
 * Whatever the schedule, training is untouched: the average only reads the live weights.
 */
import type { Param } from '../../core/params.ts';

export type AverageSchedule = 'ema-warmup' | 'ema-debiased' | 'swa';

export interface AverageOptions {
  /** How the average weighs the iterates (above); default `ema-warmup`. */
  schedule?: AverageSchedule;
  /** `ema-debiased` and `swa`: the first epoch (1-based) whose weights enter the average; default 1. */
  startEpoch?: number;
}

export class WeightAverage {
  private steps = 0;
  /** Epochs ended so far (endEpoch calls since reset). */
  private epochs = 0;
  /** Steps (ema-debiased) or epoch ends (swa) averaged since startEpoch. */
  private averagedCount = 0;
  readonly schedule: AverageSchedule;
  readonly startEpoch: number;

  /** `live` are the trained weights; `averaged` (same shapes, same order) receive their average, starting from `live` now. */
  constructor(
    private readonly live: Param[],
    private readonly averaged: Param[],
    readonly decay: number,
    options: AverageOptions = {},
  ) {
    if (live.length !== averaged.length) throw new RangeError(`weight average: ${live.length} weights against ${averaged.length} averages`);
    this.schedule = options.schedule ?? 'ema-warmup';
    this.startEpoch = options.startEpoch ?? 1;
    if (!Number.isInteger(this.startEpoch) || this.startEpoch < 1) throw new RangeError(`weight average: startEpoch must be an integer ≥ 1, got ${this.startEpoch}`);
    if (this.schedule !== 'swa' && !(decay > 0 && decay < 1)) throw new RangeError(`weight average: decay must be in (0, 1), got ${decay}`);
    this.reset();
  }

  /** The decay of the next step, t being the steps so far (the `ema-warmup` schedule). */
  static decayAt(decay: number, t: number): number {
    return Math.min(decay, (1 + t) / (10 + t));
  }

  /** The weight η_n of the n-th averaged step (n ≥ 1) of a bias-corrected EMA: (1 − d)/(1 − d^n). */
  static debiasedRate(decay: number, n: number): number {
    return (1 - decay) / (1 - decay ** n);
  }

  /** The average ← the live weights, the counts ← 0 (a fresh start, or after loading a state). */
  reset(): void {
    this.steps = 0;
    this.epochs = 0;
    this.averagedCount = 0;
    this.live.forEach((p, k) => this.averaged[k].data.set(p.data));
  }

  /**
   * One step of the average, after an optimizer step of the live weights; or, with `count` > 1,
   * the `count` steps taken since the last update (other Hogwild threads' too) at once, as if the
   * live weights had been what they are now at each of them: the average keeps the horizon, in
   * steps, that one thread would give it.
   */
  update(count = 1): void {
    if (count > 1) return this.updateMany(count);
    if (this.schedule === 'swa') return;
    if (this.schedule === 'ema-debiased') {
      // Epochs ended so far + 1 is the epoch this step belongs to.
      if (this.epochs + 1 < this.startEpoch) return;
      this.blend(WeightAverage.debiasedRate(this.decay, ++this.averagedCount));
      return;
    }
    const d = WeightAverage.decayAt(this.decay, this.steps++);
    const e = 1 - d;
    for (let k = 0; k < this.live.length; k++) {
      const w = this.live[k].data;
      const a = this.averaged[k].data;
      for (let i = 0; i < w.length; i++) a[i] = d * a[i] + e * w[i];
    }
  }

  /** `count` steps at once: avg ← w + (Π of each step's weight on the old average)·(avg − w). */
  private updateMany(count: number): void {
    if (this.schedule === 'swa') return;
    let keep = 1;
    for (let s = 0; s < count; s++) {
      if (this.schedule === 'ema-debiased') {
        if (this.epochs + 1 < this.startEpoch) return;
        keep *= 1 - WeightAverage.debiasedRate(this.decay, ++this.averagedCount);
      } else keep *= WeightAverage.decayAt(this.decay, this.steps++);
    }
    this.blend(1 - keep);
  }

  /**
   * The end of an epoch. `swa` averages here (from startEpoch on); before startEpoch the
   * `ema-debiased` and `swa` averages are set to the live weights, so they score as those.
   * `ema-warmup` ignores it.
   */
  endEpoch(): void {
    const epoch = ++this.epochs;
    if (this.schedule === 'ema-warmup') return;
    if (epoch < this.startEpoch) {
      this.blend(1);
      return;
    }
    if (this.schedule === 'swa') this.blend(1 / ++this.averagedCount);
  }

  /** avg ← avg + η·(w − avg); η = 1 copies. */
  private blend(eta: number): void {
    for (let k = 0; k < this.live.length; k++) {
      const w = this.live[k].data;
      const a = this.averaged[k].data;
      if (eta === 1) a.set(w);
      else for (let i = 0; i < w.length; i++) a[i] += eta * (w[i] - a[i]);
    }
  }
}
