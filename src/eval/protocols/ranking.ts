/** The ranking protocols of DESIGN.md: lightfm-ua, full-ranking, msr-stratified, recbole-ml1m. */
import { ConfigError } from '../../contracts/errors.ts';
import { positivesOnly } from '../../data/labels.ts';
import { perUserSplit, predefinedSplit } from '../../data/splits.ts';
import type { Split } from '../../data/types.ts';
import { checkSeed, loadDataset, rankingResult, seenMatrix, sizesOf } from './common.ts';
import type { Protocol } from './types.ts';

const RANKING_METRICS = (k: number): string[] => [`precision@${k}`, `recall@${k}`, `map@${k}`, `ndcg@${k}`, `mrr@${k}`, `hit@${k}`, 'auc', `coverage@${k}`];

/**
 * LightFM's MovieLens protocol: ML-100K `ua.base` / `ua.test`, positive = rating ≥ 4 on both sides
 * (train keeps only positives), each user's train positives excluded from the ranking.
 */
export const lightfmUa: Protocol = {
  name: 'lightfm-ua',
  description:
    'ML-100K ua.base/ua.test, positives = rating ≥ 4 on both sides, train positives excluded; precision@10, recall@10, per-user ROC AUC (LightFM / Keras triplet tutorials)',
  dataset: 'ml-100k',
  task: 'ranking',
  mainMetric: 'precision@10',
  reportMetrics: ['precision@10', 'recall@10', 'auc', 'ndcg@10', 'coverage@10'],
  async prepare(options = {}) {
    const data = await loadDataset('ml-100k', options);
    const ua = await predefinedSplit(data, 'ua');
    const train = positivesOnly(ua.train, 4);
    const test = positivesOnly(ua.test, 4);
    return {
      protocol: 'lightfm-ua',
      dataset: data.name,
      train,
      test,
      exclude: train.byUser(),
      userFeatures: data.userFeatures,
      itemFeatures: data.itemFeatures,
      sizes: { ...sizesOf({ train, test }), trainRatings: ua.train.length, testRatings: ua.test.length },
      seed: checkSeed(options.seed),
      labelRule: 'Positive = rating ≥ 4 in ua.base (train) and ua.test (test); lower ratings are dropped from both; the split is predefined (the seed is unused).',
      k: [10],
    };
  },
  evaluate(model, prepared, options) {
    return rankingResult('lightfm-ua', model, prepared, options);
  },
};

/**
 * General full ranking: every item the user did not interact with in train (or validation) is a
 * candidate. Split: `options.split` (a Split or a predefined split name), else per-user 80/20.
 */
export const fullRanking: Protocol = {
  name: 'full-ranking',
  description:
    'rank every item the user did not interact with in training; precision/recall/MAP/NDCG/MRR/hit @k, per-user ROC AUC, coverage (any dataset; split given or per-user 80/20)',
  dataset: 'ml-100k',
  task: 'ranking',
  mainMetric: 'ndcg@10',
  reportMetrics: RANKING_METRICS(10),
  async prepare(options = {}) {
    const seed = checkSeed(options.seed);
    const data = await loadDataset(options.dataset ?? 'ml-100k', options);
    let split: Split;
    let how: string;
    if (typeof options.split === 'string') {
      split = await predefinedSplit(data, options.split);
      how = `predefined split "${options.split}"`;
    } else if (options.split) {
      split = options.split;
      how = 'a split given by the caller';
    } else {
      const testRatio = options.testRatio ?? 0.2;
      split = perUserSplit(data.interactions, { testRatio, seed });
      how = `per-user random split, ${Math.round(testRatio * 100)}% of each user's interactions to test, seed ${seed}`;
    }
    const threshold = options.threshold;
    const k = [...new Set([10, ...(options.k ?? [])])].sort((a, b) => a - b);
    const parts = split.validation ? [split.train, split.validation] : [split.train];
    return {
      protocol: 'full-ranking',
      dataset: data.name,
      ...split,
      exclude: seenMatrix(parts),
      userFeatures: data.userFeatures,
      itemFeatures: data.itemFeatures,
      sizes: sizesOf(split),
      seed,
      labelRule: `${how}; relevant = ${threshold === undefined ? 'every test interaction' : `test value ≥ ${threshold}`}; train${split.validation ? ' and validation' : ''} interactions are excluded from the ranking.`,
      k,
      relevanceThreshold: threshold,
    };
  },
  evaluate(model, prepared, options) {
    return rankingResult('full-ranking', model, prepared, options);
  },
};

/** The Microsoft Recommenders benchmark setup: all ML-100K ratings, per-user 75/25, seed 42, k = 10. */
export const msrStratified: Protocol = {
  name: 'msr-stratified',
  description:
    'all ML-100K ratings, per-user stratified 75/25 split (seed 42), every test rating relevant, seen items removed; precision/recall/MAP/NDCG @10 (Microsoft Recommenders benchmark)',
  dataset: 'ml-100k',
  task: 'ranking',
  mainMetric: 'ndcg@10',
  reportMetrics: ['map@10', 'ndcg@10', 'precision@10', 'recall@10', 'auc', 'coverage@10'],
  async prepare(options = {}) {
    const seed = checkSeed(options.seed);
    const data = await loadDataset(options.dataset ?? 'ml-100k', options);
    const split = perUserSplit(data.interactions, { testRatio: 0.25, seed });
    return {
      protocol: 'msr-stratified',
      dataset: data.name,
      ...split,
      exclude: split.train.byUser(),
      userFeatures: data.userFeatures,
      itemFeatures: data.itemFeatures,
      sizes: sizesOf(split),
      seed,
      labelRule: `Per-user stratified split: round(25%) of each user's ratings to test (seed ${seed}); every test rating is relevant, whatever its value; train items are excluded.`,
      k: [10],
    };
  },
  evaluate(model, prepared, options) {
    return rankingResult('msr-stratified', model, prepared, options);
  },
};

/**
 * RecBole's ML-1M setup: ratings ≥ 3 kept as implicit positives, per-user random 80/10/10, full
 * ranking of test with train and validation items masked (RecBole masks every earlier phase).
 */
export const recboleMl1m: Protocol = {
  name: 'recbole-ml1m',
  description:
    'ratings ≥ 3 kept as positives, per-user random 80/10/10 split, full ranking with train+validation items masked; recall@10, ndcg@10 (RecBole ML-1M; any dataset by name)',
  dataset: 'ml-1m',
  task: 'ranking',
  mainMetric: 'ndcg@10',
  reportMetrics: ['recall@10', 'ndcg@10', 'precision@10', 'mrr@10', 'hit@10', 'auc', 'coverage@10'],
  async prepare(options = {}) {
    const seed = checkSeed(options.seed);
    const data = await loadDataset(options.dataset ?? 'ml-1m', options);
    const kept = positivesOnly(data.interactions, 3);
    if (kept.length === 0) throw new ConfigError(`dataset ${data.name} has no interaction with value ≥ 3`);
    const split = perUserSplit(kept, { testRatio: 0.1, validationRatio: 0.1, seed });
    return {
      protocol: 'recbole-ml1m',
      dataset: data.name,
      ...split,
      exclude: seenMatrix([split.train, split.validation!]),
      userFeatures: data.userFeatures,
      itemFeatures: data.itemFeatures,
      sizes: { ...sizesOf(split), droppedBelow3: data.interactions.length - kept.length },
      seed,
      labelRule: `Interactions with value ≥ 3 kept as positives (value 1), others dropped; per user round(10%) to test and round(10%) to validation (seed ${seed}); every test interaction is relevant; train and validation items are masked.`,
      k: [10],
    };
  },
  evaluate(model, prepared, options) {
    return rankingResult('recbole-ml1m', model, prepared, options);
  },
};
