import type { Interactions } from '../../data/interactions.ts';
import type { Rng } from '../../core/rng.ts';
import { defineModel, resolveConfig } from '../spec.ts';
import type { HistoryEntry, ModelState } from '../../contracts/types.ts';
import type { HistoryAttribution } from '../recommender.ts';
import { ClosedFormRecommender } from './closed-form.ts';
import type { Task } from './options.ts';

export type RandomConfig = {
  /** 'ranking': scores in [0, 1); 'rating': uniform over the training values' range. */
  task: Task;
  epochs: number;
};

/**
 * The floor every model must clear: a score that is a fixed pseudo-random function of
 * (salt, user, item). The salt comes from the fit's seeded Rng, so a seed reproduces the
 * ranking, and scores are stable across calls and across save/load without storing a matrix.
 */
export class RandomRecommender extends ClosedFormRecommender {
  readonly type = 'random';
  readonly config: RandomConfig;
  private salt = 0;
  private min = 0;
  private max = 1;

  constructor(config: Partial<RandomConfig> = {}) {
    super();
    this.config = resolveConfig(randomSpec, config);
  }

  protected fitData(train: Interactions, rng: Rng): void {
    this.salt = rng.nextUint32();
    let min = Infinity;
    let max = -Infinity;
    for (const v of train.values) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    [this.min, this.max] = this.config.task === 'rating' && min <= max ? [min, max] : [0, 1];
  }

  scoreItems(user: number, out: Float32Array): void {
    const span = this.max - this.min;
    for (let i = 0; i < out.length; i++) out[i] = this.min + span * unitHash(this.salt, user, i);
  }

  /** A history gets its own fixed pseudo-random scores, keyed by a hash of its items. */
  protected override scoreHistory(history: HistoryEntry[], out: Float32Array): void {
    let h = 0x811c9dc5;
    for (const { index } of history) h = Math.imul(h ^ index, 0x01000193) >>> 0;
    // Past the training users' indices, so a history never shares a training user's scores.
    this.scoreItems(this.numUsers + (h % 0x3fffffff), out);
  }

  /** Exact: the scores are random, so no history item contributes. */
  protected override explainHistory(history: HistoryEntry[], item: number): HistoryAttribution {
    const out = new Float32Array(this.numItems);
    this.scoreHistory(history, out);
    return { score: out[item], contributions: new Float64Array(history.length), base: out[item], method: 'exact' };
  }

  protected override scorePairs(users: Int32Array, items: Int32Array): Float32Array {
    const out = new Float32Array(users.length);
    const span = this.max - this.min;
    for (let k = 0; k < out.length; k++) out[k] = this.min + span * unitHash(this.salt, users[k], items[k]);
    return out;
  }

  getState(): ModelState {
    return { tensors: {}, extra: { salt: this.salt, min: this.min, max: this.max } };
  }

  setState(state: ModelState): void {
    const extra = state.extra ?? {};
    this.salt = Number(extra.salt ?? 0) >>> 0;
    this.min = Number(extra.min ?? 0);
    this.max = Number(extra.max ?? 1);
  }
}

/** A hash of (salt, a, b) to [0, 1) (murmur3's 32-bit finaliser, applied twice). */
function unitHash(salt: number, a: number, b: number): number {
  const h = fmix(fmix(salt ^ Math.imul(a, 0x9e3779b1)) ^ Math.imul(b + 1, 0x85ebca77));
  return (h >>> 0) / 4294967296;
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

export const randomSpec = defineModel({
  type: 'random',
  description: 'random scores (seeded): the floor every model must beat',
  task: 'both',
  defaults: { task: 'ranking', epochs: 1 } as RandomConfig,
  schema: {
    task: { kind: 'enum', values: ['ranking', 'rating'], help: "scores in [0, 1), or uniform over the training values' range" },
    epochs: { kind: 'int', min: 0, help: 'closed form: one pass' },
  },
  create: (config) => new RandomRecommender(config),
});
