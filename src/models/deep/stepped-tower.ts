/**
 * A tower that runs a callback after each of its optimizer steps and is otherwise the tower it
 * wraps: how a weight average follows the live weights (weight-averaged.ts) and how a Hogwild
 * worker counts the steps it takes (worker.ts).
 */
import type { Rng } from '../../core/rng.ts';
import type { CatalogueScorer, ColdRows, Tower } from './tower.ts';

export class SteppedTower implements Tower {
  constructor(
    private readonly inner: Tower,
    private readonly afterStep: () => void,
  ) {}

  fill(users: Int32Array, items: Int32Array, n: number): void {
    this.inner.fill(users, items, n);
  }
  forward(n: number, rng: Rng | null): Float32Array {
    return this.inner.forward(n, rng);
  }
  backward(dz: Float32Array, n: number, users: Int32Array, items: Int32Array): void {
    this.inner.backward(dz, n, users, items);
  }
  update(): void {
    this.inner.update();
    this.afterStep();
  }
  coldItem(featureIndices: ArrayLike<number>, featureWeights: ArrayLike<number> | null): ColdRows | null {
    return this.inner.coldItem(featureIndices, featureWeights);
  }
  catalogue(numItems: number): CatalogueScorer {
    return this.inner.catalogue(numItems);
  }
  itemVectors(): { data: Float32Array; dim: number } {
    return this.inner.itemVectors();
  }
  params() {
    return this.inner.params();
  }
}
