/**
 * Scoring a deep model with a moving average of its weights (`emaDecay`; Polyak & Juditsky 1992,
 * as RecVAE does, vae/weight-average.ts). The model's tower — what scores, what is saved, what
 * early stopping keeps — is the averaged copy; the trainer steps a second, live tower, and after
 * every optimizer step the average follows it. The two towers have the same Params by name.
 */
import type { Rng } from '../../core/rng.ts';
import { WeightAverage } from '../vae/weight-average.ts';
import type { EpochContext } from '../../train/types.ts';
import type { CatalogueScorer, ColdRows, Tower, Trainer } from './tower.ts';

/** The live tower, with the average stepped after each of its optimizer steps. */
class AveragingTower implements Tower {
  constructor(
    private readonly live: Tower,
    private readonly average: WeightAverage,
  ) {}

  fill(users: Int32Array, items: Int32Array, n: number): void {
    this.live.fill(users, items, n);
  }
  forward(n: number, rng: Rng | null): Float32Array {
    return this.live.forward(n, rng);
  }
  backward(dz: Float32Array, n: number, users: Int32Array, items: Int32Array): void {
    this.live.backward(dz, n, users, items);
  }
  update(): void {
    this.live.update();
    this.average.update();
  }
  coldItem(featureIndices: ArrayLike<number>, featureWeights: ArrayLike<number> | null): ColdRows | null {
    return this.live.coldItem(featureIndices, featureWeights);
  }
  catalogue(numItems: number): CatalogueScorer {
    return this.live.catalogue(numItems);
  }
  itemVectors(): { data: Float32Array; dim: number } {
    return this.live.itemVectors();
  }
  params() {
    return this.live.params();
  }
}

/** A live tower and the averaged one that scores. */
export class AveragedWeights {
  readonly average: WeightAverage;
  private readonly stepping: AveragingTower;

  constructor(
    readonly live: Tower,
    readonly averaged: Tower,
    decay: number,
  ) {
    this.average = new WeightAverage(live.params(), averaged.params(), decay);
    this.stepping = new AveragingTower(live, this.average);
  }

  /** A trainer that trains the live tower (whatever tower it is handed) and steps the average. */
  trainer(inner: Trainer): Trainer {
    return { epoch: (_averaged: Tower, ctx: EpochContext) => inner.epoch(this.stepping, ctx) };
  }

  /** After the averaged tower was loaded (a saved state, restore-best): training resumes from it. */
  restartFromAveraged(): void {
    const avg = this.averaged.params();
    this.live.params().forEach((p, k) => p.data.set(avg[k].data));
    this.average.reset();
  }
}
