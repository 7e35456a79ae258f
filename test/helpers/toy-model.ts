import type { Interactions } from '../../src/data/interactions.ts';
import { IdMap } from '../../src/data/idmap.ts';
import { Interactions as InteractionsClass } from '../../src/data/interactions.ts';
import { Recommender, requireTensor } from '../../src/models/recommender.ts';
import { registerTestModel } from './register.ts';
import type { EpochContext } from '../../src/train/types.ts';
import type { ModelState } from '../../src/contracts/types.ts';
import type { Rng } from '../../src/core/rng.ts';

/**
 * A scripted model for testing the machinery around models (fit loop, model file, CLI):
 * its item scores are a tensor that each epoch replaces with the next entry of `script`.
 */
export class ToyModel extends Recommender {
  readonly type = 'toy';
  readonly config: Record<string, unknown>;
  scores = new Float32Array(0);
  private script: number[][];

  constructor(config: Record<string, unknown> = {}) {
    super();
    this.config = { epochs: 3, task: 'ranking', script: [], losses: [], ...config };
    this.script = (config.script as number[][]) ?? [];
  }

  prepare(train: Interactions, _rng: Rng): void {
    this.scores = new Float32Array(train.numItems);
  }

  trainEpoch(ctx: EpochContext): number {
    const next = this.script[ctx.epoch - 1];
    if (next) this.scores.set(next);
    return (this.config.losses as number[])[ctx.epoch - 1] ?? 1 / ctx.epoch;
  }

  scoreItems(_user: number, out: Float32Array): void {
    out.set(this.scores);
  }

  getState(): ModelState {
    return { tensors: { scores: { shape: [this.scores.length], data: this.scores } } };
  }

  setState(state: ModelState): void {
    this.scores = requireTensor(state, 'scores', [this.numItems]).slice();
  }
}

registerTestModel('toy', 'scripted scores, for tests', { epochs: 3, task: 'ranking', script: [], losses: [] }, (config) => new ToyModel(config));

/** Interactions from [user, item, value] triples with string ids `u<n>` / `i<n>`. */
export function interactionsFrom(triples: [number, number, number?][], numUsers?: number, numItems?: number): Interactions {
  const userIds = new IdMap();
  const itemIds = new IdMap();
  const maxU = numUsers ?? Math.max(...triples.map((t) => t[0])) + 1;
  const maxI = numItems ?? Math.max(...triples.map((t) => t[1])) + 1;
  for (let u = 0; u < maxU; u++) userIds.add(`u${u}`);
  for (let i = 0; i < maxI; i++) itemIds.add(`i${i}`);
  return new InteractionsClass({
    users: Int32Array.from(triples.map((t) => t[0])),
    items: Int32Array.from(triples.map((t) => t[1])),
    values: Float32Array.from(triples.map((t) => t[2] ?? 1)),
    userIds,
    itemIds,
  });
}
