import type { Interactions } from '../../data/interactions.ts';
import type { Rng } from '../../core/rng.ts';
import type { FitOptions } from '../../train/types.ts';
import { Recommender } from '../recommender.ts';
import type { EpochContext } from '../../train/types.ts';

/**
 * A model fitted in one pass with no training loss (counts, similarity tables, a matrix
 * inverse). `prepare` keeps the data; the first epoch fits, so the fit loop's history records the
 * time it took; any later epoch has nothing left to do. `trainEpoch` returns 0 as the loss.
 */
export abstract class ClosedFormRecommender extends Recommender {
  private pending: { train: Interactions; rng: Rng; options: FitOptions } | null = null;

  prepare(train: Interactions, rng: Rng, options: FitOptions): void {
    this.pending = { train, rng, options };
  }

  async trainEpoch(ctx: EpochContext): Promise<number> {
    if (this.pending) {
      const { train, rng, options } = this.pending;
      this.pending = null;
      await this.fitData(train, rng, options, ctx);
    }
    ctx.progress(1);
    return 0;
  }

  /** Compute the model from the training data (may run worker threads, hence a promise). */
  protected abstract fitData(train: Interactions, rng: Rng, options: FitOptions, ctx: EpochContext): void | Promise<void>;
}
