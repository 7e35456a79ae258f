/**
 * Streaming item-frequency estimation (Yi et al. 2019, "Sampling-Bias-Corrected Neural Modeling
 * for Large Corpus Item Recommendations", Algorithm 2): for each item, the step it was last seen
 * (A) and a moving average of the gap between sightings (B); its probability of appearing in a
 * batch is estimated as 1/B. Items are their own hash buckets here (the catalogue is known), so
 * there are no collisions. Useful when the data streams and counts are unknown; with a fixed
 * training set the known popularity (`logQ: 'popularity'`) is the exact version.
 */
export class StreamingFrequency {
  private readonly lastStep: Float64Array;
  private readonly gap: Float64Array;
  private readonly alpha: number;

  constructor(items: number, alpha: number) {
    this.lastStep = new Float64Array(items);
    this.gap = new Float64Array(items);
    this.alpha = alpha;
  }

  /** Records that `item` appeared in batch `step` (1-based, increasing). */
  observe(item: number, step: number): void {
    const seen = this.lastStep[item];
    // The first sighting's gap is its step: an item never seen before is taken to be rare.
    const delta = step - seen;
    this.gap[item] = seen === 0 && this.gap[item] === 0 ? delta : (1 - this.alpha) * this.gap[item] + this.alpha * delta;
    this.lastStep[item] = step;
  }

  /** log of the estimated probability that `item` is in a batch (≤ 0). */
  logProbability(item: number): number {
    const g = this.gap[item];
    return g > 1 ? -Math.log(g) : 0;
  }
}
