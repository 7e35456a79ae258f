import { modelWarning } from '../models/health.ts';
import type { Recommender } from '../models/recommender.ts';
import { RecommendEngine, type EngineOptions } from './engine.ts';
import { SimilarUsers } from './similar-users.ts';
import type { EventStore } from './store.ts';

/** What answers requests now: one model version with everything built over it. */
export interface Serving {
  readonly model: Recommender;
  readonly version: string;
  readonly engine: RecommendEngine;
  readonly similarUsers: SimilarUsers;
  /** Why this model's answers cannot be trusted (untrained, diverged, non-finite scores), or null (modelWarning; judged at first use). */
  readonly warning: string | null;
}

/**
 * The serving model, swappable at run time (retraining, rollback). A request reads `current`
 * once and uses that one object throughout, and a swap replaces the whole object in one
 * assignment, so no request ever sees half of one version and half of another.
 */
export class ServingSlot {
  current: Serving;
  private readonly listeners: ((serving: Serving) => void)[] = [];

  constructor(
    model: Recommender,
    version: string,
    private readonly store: EventStore,
    private readonly engineOptions: Omit<EngineOptions, 'modelVersion'>,
  ) {
    this.current = this.build(model, version);
  }

  /** Serve `model` as `version` from the next request on. */
  swap(model: Recommender, version: string): void {
    const before = this.current;
    this.current = this.build(model, version);
    before.engine.close();
    for (const listener of this.listeners) listener(this.current);
  }

  /** Stops work still running for the model being served (a background index build). */
  close(): void {
    this.current.engine.close();
  }

  onSwap(listener: (serving: Serving) => void): void {
    this.listeners.push(listener);
  }

  private build(model: Recommender, version: string): Serving {
    let warning: string | null | undefined;
    return {
      model,
      version,
      engine: new RecommendEngine(model, this.store, { ...this.engineOptions, modelVersion: version }),
      similarUsers: new SimilarUsers(model, this.store),
      get warning(): string | null {
        if (warning === undefined) warning = modelWarning(model);
        return warning;
      },
    };
  }
}
