/**
 * A planted learning curve for search tests: every user's relevant items are known (item ≡ user
 * mod 5), and a point's scores are signal(e) · relevant + fixed noise, where e is the epochs
 * trained so far and signal(e) = skill · (1 − exp(−e / 4)), falling by 2 % of skill an epoch
 * after epoch 12 (overfitting, so early stopping has something to stop). The same noise for
 * every point makes validation AUC increase with signal: the point with the largest skill is
 * best at every budget. `test-curve` can continue training (resumable), `test-curve-refit` cannot.
 */
import type { ModelState } from '../../src/contracts/types.ts';
import { Interactions } from '../../src/data/interactions.ts';
import { IdMap } from '../../src/data/idmap.ts';
import { Recommender } from '../../src/models/recommender.ts';
import type { EpochContext } from '../../src/train/types.ts';
import { registerTestModel } from './register.ts';

/** Fits of each curve model (prepare calls), to count what a search trained. */
export const curveFits = { count: 0 };

class CurveModel extends Recommender {
  readonly type: string;
  readonly config: { skill: number; epochs: number; task: 'ranking' };
  private trained = 0;

  constructor(type: string, config: Record<string, unknown>) {
    super();
    this.type = type;
    this.config = { skill: 1, epochs: 20, task: 'ranking', ...config } as CurveModel['config'];
  }

  prepare(): void {
    curveFits.count++;
    this.trained = 0;
  }

  trainEpoch(_ctx: EpochContext): number {
    this.trained++;
    return 1 / this.trained;
  }

  private signal(): number {
    const e = this.trained;
    return this.config.skill * (1 - Math.exp(-e / 4) - 0.02 * Math.max(0, e - 12));
  }

  scoreItems(user: number, out: Float32Array): void {
    const s = this.signal();
    for (let i = 0; i < out.length; i++) out[i] = (i % 5 === user % 5 ? s : 0) + noise(user, i);
  }

  getState(): ModelState {
    return { tensors: { trained: { shape: [1], data: Float32Array.of(this.trained) } } };
  }

  setState(state: ModelState): void {
    this.trained = state.tensors.trained.data[0];
  }
}

class ResumableCurve extends CurveModel {
  readonly resumable = true;
}

/** A fixed pseudo-random number in [0, 1.5) for (user, item). */
function noise(u: number, i: number): number {
  let h = Math.imul(u + 1, 0x9e3779b1) ^ Math.imul(i + 7, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  return (((h ^ (h >>> 13)) >>> 0) / 4294967296) * 1.5;
}

export function registerCurveModels(): void {
  const defaults = { skill: 1, epochs: 20, task: 'ranking' };
  registerTestModel('test-curve', 'planted learning curve that can continue training', defaults, (c) => new ResumableCurve('test-curve', c));
  registerTestModel('test-curve-refit', 'planted learning curve that must be refit', defaults, (c) => new CurveModel('test-curve-refit', c));
}

/** 60 users × 100 items: 6 relevant items per user in train, 2 in validation. */
export function curveData(): { train: Interactions; validation: Interactions } {
  const users = 60;
  const items = 100;
  const userIds = IdMap.fromJSON(Array.from({ length: users }, (_, u) => `u${u}`));
  const itemIds = IdMap.fromJSON(Array.from({ length: items }, (_, i) => `i${i}`));
  const part = (from: number, to: number): Interactions => {
    const us: number[] = [];
    const is: number[] = [];
    for (let u = 0; u < users; u++) for (let k = from; k < to; k++) us.push(u), is.push((u % 5) + 5 * ((u + 3 * k) % 20));
    return new Interactions({ users: Int32Array.from(us), items: Int32Array.from(is), userIds, itemIds });
  };
  return { train: part(0, 6), validation: part(6, 8) };
}
