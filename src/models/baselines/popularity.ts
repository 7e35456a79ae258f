import type { Interactions } from '../../data/interactions.ts';
import { requireTensor } from '../recommender.ts';
import { defineModel, resolveConfig } from '../spec.ts';
import type { HistoryEntry, ModelState } from '../../contracts/types.ts';
import type { HistoryAttribution } from '../recommender.ts';
import { ClosedFormRecommender } from './closed-form.ts';
import { meanOf, type Task } from './options.ts';

export type PopularityConfig = {
  /** 'ranking': an item's number of training interactions; 'rating': its shrunk mean rating. */
  task: Task;
  /**
   * Rating task: the item mean is pulled towards the global mean as if each item had this many
   * extra ratings at the global mean, (Σ r + s·μ) / (n + s), so rarely rated items are not
   * ranked by one lucky rating.
   */
  shrinkage: number;
  epochs: number;
};

/** The same score for every user: how popular (or how well rated) the item was in training. */
export class PopularityRecommender extends ClosedFormRecommender {
  readonly type = 'popularity';
  readonly config: PopularityConfig;
  private itemScores = new Float32Array(0);
  private globalMean = 0;

  constructor(config: Partial<PopularityConfig> = {}) {
    super();
    this.config = resolveConfig(popularitySpec, config);
  }

  protected fitData(train: Interactions): void {
    const n = train.numItems;
    const counts = train.itemCounts();
    const scores = new Float32Array(n);
    this.globalMean = meanOf(train.values);
    if (this.config.task === 'ranking') {
      for (let i = 0; i < n; i++) scores[i] = counts[i];
    } else {
      const sums = new Float64Array(n);
      for (let k = 0; k < train.length; k++) sums[train.items[k]] += train.values[k];
      const s = this.config.shrinkage;
      for (let i = 0; i < n; i++) scores[i] = counts[i] + s > 0 ? (sums[i] + s * this.globalMean) / (counts[i] + s) : this.globalMean;
    }
    this.itemScores = scores;
  }

  /** The score of each item (train count, or shrunk mean rating). */
  get scores(): Float32Array {
    return this.itemScores;
  }

  scoreItems(_user: number, out: Float32Array): void {
    const n = Math.min(out.length, this.itemScores.length);
    out.set(this.itemScores.subarray(0, n));
    // Items added to the id map after training: never seen, so least popular / the global mean.
    out.fill(this.config.task === 'rating' ? this.globalMean : 0, n);
  }

  /** The same scores for everyone, so a history changes nothing (but excludeSeen). */
  protected override scoreHistory(_history: HistoryEntry[], out: Float32Array): void {
    this.scoreItems(0, out);
  }

  /** Exact: no history item contributes; the score is the item's own. */
  protected override explainHistory(history: HistoryEntry[], item: number): HistoryAttribution {
    const out = new Float32Array(this.numItems);
    this.scoreItems(0, out);
    return { score: out[item], contributions: new Float64Array(history.length), base: out[item], method: 'exact' };
  }

  protected override scorePairs(_users: Int32Array, items: Int32Array): Float32Array {
    const out = new Float32Array(items.length);
    const fallback = this.config.task === 'rating' ? this.globalMean : 0;
    for (let k = 0; k < items.length; k++) out[k] = items[k] < this.itemScores.length ? this.itemScores[items[k]] : fallback;
    return out;
  }

  getState(): ModelState {
    return { tensors: { item_scores: { shape: [this.itemScores.length], data: this.itemScores } }, extra: { globalMean: this.globalMean } };
  }

  setState(state: ModelState): void {
    this.itemScores = requireTensor(state, 'item_scores', [this.numItems], Float32Array);
    this.globalMean = Number(state.extra?.globalMean ?? 0);
  }
}

export const popularitySpec = defineModel({
  type: 'popularity',
  description: 'item popularity (train count), or shrunk item mean rating for rating tasks',
  task: 'both',
  defaults: { task: 'ranking', shrinkage: 10, epochs: 1 } as PopularityConfig,
  schema: {
    task: { kind: 'enum', values: ['ranking', 'rating'], help: 'rank by train count, or predict shrunk mean ratings' },
    shrinkage: { kind: 'number', min: 0, help: 'rating task: pseudo-ratings at the global mean added to each item' },
    epochs: { kind: 'int', min: 0, help: 'closed form: one pass' },
  },
  create: (config) => new PopularityRecommender(config),
});
