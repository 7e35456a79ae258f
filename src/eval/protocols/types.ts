/** The shape of a named evaluation protocol (see src/eval/protocols.ts for the registry). */
import type { Csr, Interactions } from '../../data/interactions.ts';
import type { Dataset, Split } from '../../data/types.ts';
import type { FeatureMatrix } from '../../contracts/types.ts';
import type { Scorer } from '../../contracts/types.ts';
import type { PairScorer, ScoreKind } from '../pointwise.ts';
import type { RankingResult } from '../ranking.ts';

export type ProtocolTask = 'ranking' | 'rating' | 'classification';

export interface PrepareOptions {
  /** Folder holding the built-in datasets' files (default: the datasets module's default). */
  dataDir?: string;
  /** Download a missing built-in dataset from its official source (default true; tests pass false). */
  download?: boolean;
  /** Split seed (default 42). */
  seed?: number;
  /** An already loaded dataset, used instead of loading `dataset` by name. */
  data?: Dataset;
  /** Dataset name, for protocols that accept any (full-ranking, recbole-ml1m, pointwise). */
  dataset?: string;
  /** Cut-offs for ranking protocols that accept them (full-ranking); the main k is always included. */
  k?: number[];
  /** full-ranking: a ready split, or the name of one of the dataset's predefined splits. */
  split?: Split | string;
  /** full-ranking: test fraction per user when no split is given (default 0.2). */
  testRatio?: number;
  /** full-ranking: relevant = test value ≥ this; pointwise: label = value ≥ this. */
  threshold?: number;
}

export interface PreparedProtocol {
  protocol: string;
  /** Dataset name. */
  dataset: string;
  train: Interactions;
  validation?: Interactions;
  test: Interactions;
  /** Rows = users: what to drop from each user's ranking. */
  exclude: Csr;
  userFeatures?: FeatureMatrix;
  itemFeatures?: FeatureMatrix;
  /** Interaction and user counts of each part (train, test, validation, trainUsers, testUsers, ...). */
  sizes: Record<string, number>;
  seed: number;
  /** How test values become relevance or labels, in words, for reports. */
  labelRule: string;
  /** Ranking cut-offs. */
  k: number[];
  /** Ranking: test value ≥ this is relevant (undefined: every test interaction). */
  relevanceThreshold?: number;
  /** Pointwise: label = test value ≥ this. */
  labelThreshold?: number;
}

export interface EvaluateOptions {
  /** Pointwise protocols: what the model's scores are (default from its config). */
  scoreKind?: ScoreKind;
  /** Ranking protocols: keep per-user values (default true). */
  perUser?: boolean;
}

/** A model a protocol can evaluate: ranking protocols need `scoreItems`, pointwise ones `score`. */
export type EvaluableModel = Scorer | PairScorer;

export interface ProtocolResult {
  protocol: string;
  metrics: Record<string, number>;
  perUser?: RankingResult['perUser'];
  sizes: Record<string, number>;
  seed: number;
  /** What a reader of the numbers must know (conventions, skipped users, excluded items). */
  notes: string[];
}

export interface Protocol {
  name: string;
  description: string;
  /** Default dataset name. */
  dataset: string;
  task: ProtocolTask;
  /** The metric that decides "beats the baseline". */
  mainMetric: string;
  /** The metrics a report shows, in order. */
  reportMetrics: string[];
  prepare(options?: PrepareOptions): Promise<PreparedProtocol>;
  evaluate(model: EvaluableModel, prepared: PreparedProtocol, options?: EvaluateOptions): ProtocolResult;
}
