/**
 * Scoring a deep model with a moving average of its weights (`emaDecay`; Polyak & Juditsky 1992,
 * as RecVAE does, vae/weight-average.ts). The model's tower — what scores, what is saved, what
 * early stopping keeps — is the averaged copy; the trainer steps a second, live tower, and after
 * every optimizer step the average follows it. The two towers have the same Params by name.
 */
import type { Rng } from '../../core/rng.ts';
import { WeightAverage } from '../vae/weight-average.ts';
import type { EpochContext } from '../../train/types.ts';
import { SteppedTower } from './stepped-tower.ts';
import { isShardTrainer, type ShardTrainer, type Tower, type Trainer } from './tower.ts';

/** A live tower and the averaged one that scores. */
export class AveragedWeights {
  readonly average: WeightAverage;
  /** The live tower, with the average stepped after each of its optimizer steps: what trains. */
  readonly stepping: Tower;
  /** Hogwild: every thread's optimizer steps so far ([0]), and how many the average has followed. */
  private sharedSteps: Int32Array | null = null;
  private followed = 0;

  constructor(
    readonly live: Tower,
    readonly averaged: Tower,
    decay: number,
  ) {
    this.average = new WeightAverage(live.params(), averaged.params(), decay);
    this.stepping = new SteppedTower(live, () => this.afterStep());
  }

  /**
   * Hogwild: `steps` counts every thread's optimizer steps (this thread adds its own here), so
   * each of this thread's updates of the average also covers the workers' steps since the last
   * one, and the average keeps one thread's horizon in steps. Null: this thread's steps only.
   */
  followSharedSteps(steps: Int32Array | null): void {
    this.sharedSteps = steps;
    this.followed = steps ? Atomics.load(steps, 0) : 0;
  }

  private afterStep(): void {
    const shared = this.sharedSteps;
    if (!shared) return this.average.update();
    const now = Atomics.add(shared, 0, 1) + 1;
    this.average.update(now - this.followed);
    this.followed = now;
  }

  /**
   * A trainer that trains the live tower (whatever tower it is handed) and steps the average; it
   * trains slices of an epoch too when `inner` does, so the model can still train over threads.
   */
  trainer(inner: Trainer): Trainer {
    const stepping = this.stepping;
    const wrapped: Trainer = {
      epoch: (_averaged: Tower, ctx: EpochContext) => inner.epoch(stepping, ctx),
      startEpoch: (_tower: Tower, ctx: EpochContext) => inner.startEpoch?.(stepping, ctx),
    };
    if (!isShardTrainer(inner)) return wrapped;
    const shards: ShardTrainer = {
      ...wrapped,
      shard: (_tower: Tower, order: Int32Array, start: number, end: number, rng: Rng, progress?: (done: number) => void) => inner.shard(stepping, order, start, end, rng, progress),
    };
    return shards;
  }

  /** After the averaged tower was loaded (a saved state, restore-best): training resumes from it. */
  restartFromAveraged(): void {
    const avg = this.averaged.params();
    this.live.params().forEach((p, k) => p.data.set(avg[k].data));
    this.average.reset();
  }
}
