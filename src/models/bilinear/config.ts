/**
 * The bilinear family's hyperparameters: one schema shared by every registered type, the
 * defaults each type starts from, and the values derived from others (epochs and negatives by
 * loss, margin by similarity, initScale by factors, userL2/itemL2 by l2). Derived keys default
 * to null in the spec, so a value the caller gives always wins and one left out follows the
 * keys it depends on (e.g. `bpr` with `loss: 'warp'` trains WARP's 15 epochs, not BPR's 50).
 */
import type { OptimizerName } from '../../core/params.ts';
import type { NegativeSamplerKind } from '../../sampling/negatives.ts';
import type { ConfigSchema } from '../spec.ts';
import type { BilinearLoss, SimilarityKind } from './kernel.ts';

export type BilinearType = 'bilinear' | 'warp' | 'bpr' | 'logistic' | 'triplet';

/**
 * What a caller may set (the spec's config). Defaults after LightFM where it has them: 64
 * factors, Adagrad at 0.05 with accumulators starting at 1, WARP with maxSampled 10 and the loss
 * clipped at 10, embeddings uniform in ±0.5/factors, biases at zero. The default Adagrad is
 * row-wise (one accumulator per row): on ML-100K it matches LightFM's per-entry Adagrad
 * (`optimizer: 'adagrad'`) in quality at about twice the speed.
 */
export type BilinearSettings = {
  loss: BilinearLoss;
  /** Score = similarity(user, item) + biases; `cosine` suits the margin (triplet) loss. */
  similarity: SimilarityKind;
  factors: number;
  /** null: by loss (LOSS_DEFAULTS). */
  epochs: number | null;
  /**
   * `adagrad-rowwise`: one Adagrad accumulator per embedding row instead of per entry, about
   * twice as fast in the fused kernel at similar quality (see HybridEmbedding).
   */
  optimizer: OptimizerName | 'adagrad-rowwise';
  learningRate: number;
  /** Adagrad's starting accumulator (LightFM: 1). */
  initialAccumulator: number;
  /** L2 on user rows, item rows and biases, applied to the rows each step touches. null: l2, else 0. */
  userL2: number | null;
  itemL2: number | null;
  biasL2: number;
  /** Shorthand that sets userL2 and itemL2 together (either given on its own wins); null = unused. */
  l2: number | null;
  /** User and item biases (hybrid: id bias + feature biases). */
  biases: boolean;
  /** null: 0.5 for cosine (which lives in [−1, 1], so 1 would be half its range), 1 for dot. */
  margin: number | null;
  /** Negatives per positive for `logistic` and `adaptive-hinge`; null: by loss. */
  negatives: number | null;
  maxSampled: number;
  maxWarpWeight: number;
  sampler: NegativeSamplerKind;
  /** Popularity sampler exponent. */
  samplerAlpha: number;
  /** With metadata features: also give each user/item its own id vector (LightFM's identity features). */
  identityFeatures: boolean;
  /** Train interactions with value ≥ this are the positives (null: every interaction). */
  positiveThreshold: number | null;
  /** Embeddings start uniform in ±initScale; null: 0.5/factors, LightFM's. */
  initScale: number | null;
  /** Below this many positives training stays on the main thread (worker start-up dominates). */
  minParallelPositives: number;
  task: 'ranking';
};

/** Keys the fit loop reads from any config (src/models/spec.ts FIT_SCHEMA); kept when given. */
type FitKeys = { threads?: number; seed?: number };

/** The model's complete configuration: every derived value filled in. */
export type BilinearConfig = Omit<BilinearSettings, 'epochs' | 'negatives' | 'margin' | 'initScale' | 'userL2' | 'itemL2'> & {
  epochs: number;
  negatives: number;
  margin: number;
  initScale: number;
  userL2: number;
  itemL2: number;
} & FitKeys;

export const BILINEAR_SCHEMA: ConfigSchema<BilinearSettings> = {
  loss: { kind: 'enum', values: ['logistic', 'bpr', 'warp', 'margin', 'adaptive-hinge'], help: 'training loss (margin: the triplet hinge loss)' },
  similarity: { kind: 'enum', values: ['dot', 'cosine'], help: 'score = similarity(user, item) + biases' },
  factors: { kind: 'int', min: 1, help: 'embedding size' },
  epochs: { kind: 'int', min: 0, nullable: true, help: 'passes over the positives; null: by loss (warp 15, bpr 50, logistic 30, margin 50, adaptive-hinge 15)' },
  optimizer: { kind: 'enum', values: ['sgd', 'adagrad', 'adagrad-rowwise', 'adam'], help: 'adagrad-rowwise: one accumulator per row, ~2× faster than adagrad' },
  learningRate: { kind: 'number', min: 0, exclusiveMin: true, help: 'step size' },
  initialAccumulator: { kind: 'number', min: 0, help: "Adagrad's starting accumulator (LightFM: 1)" },
  userL2: { kind: 'number', min: 0, nullable: true, help: 'L2 on the user rows a step touches; null: l2, else 0' },
  itemL2: { kind: 'number', min: 0, nullable: true, help: 'L2 on the item rows a step touches; null: l2, else 0' },
  biasL2: { kind: 'number', min: 0, help: 'L2 on the biases a step touches' },
  l2: { kind: 'number', min: 0, nullable: true, help: 'sets userL2 and itemL2 together (either given wins); null: unused' },
  biases: { kind: 'boolean', help: 'user and item biases' },
  margin: { kind: 'number', min: 0, nullable: true, help: 'hinge margin; null: 0.5 for cosine, 1 for dot' },
  negatives: { kind: 'int', min: 1, nullable: true, help: 'negatives per positive (logistic, adaptive-hinge); null: by loss (logistic 4, else 5)' },
  maxSampled: { kind: 'int', min: 1, help: 'WARP: draws before giving up on a violating negative' },
  maxWarpWeight: { kind: 'number', min: 0, help: 'WARP: cap on the rank weight (LightFM: 10)' },
  sampler: { kind: 'enum', values: ['uniform', 'exclude-positives', 'popularity'], help: 'how negatives are drawn' },
  samplerAlpha: { kind: 'number', help: 'popularity sampler: weight = train count^alpha' },
  identityFeatures: { kind: 'boolean', help: 'with metadata features, also an id vector per user/item' },
  positiveThreshold: { kind: 'number', nullable: true, help: 'interactions with value ≥ this are positives; null: all' },
  initScale: { kind: 'number', min: 0, nullable: true, help: 'embeddings start uniform in ±initScale; null: 0.5/factors' },
  minParallelPositives: { kind: 'int', min: 0, help: 'below this many positives training stays on one thread' },
  task: { kind: 'enum', values: ['ranking'], help: 'implicit feedback: ranking only' },
};

const COMMON: Omit<BilinearSettings, 'loss'> = {
  similarity: 'dot',
  factors: 64,
  epochs: null,
  optimizer: 'adagrad-rowwise',
  learningRate: 0.05,
  initialAccumulator: 1,
  userL2: null,
  itemL2: null,
  biasL2: 0,
  l2: null,
  biases: true,
  margin: null,
  negatives: null,
  maxSampled: 10,
  maxWarpWeight: 10,
  sampler: 'exclude-positives',
  samplerAlpha: 0.75,
  identityFeatures: true,
  positiveThreshold: null,
  initScale: null,
  minParallelPositives: 20_000,
  task: 'ranking',
};

/** Per registered type: the same class, a different loss (and what suits it). */
export const BILINEAR_TYPES: Record<BilinearType, { description: string; defaults: Partial<BilinearSettings> & { loss: BilinearLoss } }> = {
  bilinear: {
    description: 'bilinear (matrix factorization) model for implicit feedback; loss from config (logistic, bpr, warp, margin, adaptive-hinge), optional metadata features',
    defaults: { loss: 'warp' },
  },
  warp: { description: 'bilinear model with the WARP loss (LightFM-style), optional metadata features', defaults: { loss: 'warp' } },
  bpr: { description: 'bilinear model with the BPR loss (Rendle et al. 2009), optional metadata features', defaults: { loss: 'bpr' } },
  logistic: { description: 'bilinear model with pointwise logistic loss on sampled negatives', defaults: { loss: 'logistic' } },
  triplet: { description: 'bilinear triplet model: margin (hinge) loss on cosine similarity', defaults: { loss: 'margin', similarity: 'cosine', biases: false } },
};

/**
 * Per loss, tuned on ML-100K `lightfm-ua` with 64 factors (bench/quality-bilinear.ts): WARP
 * peaks early and then overfits; BPR and the margin loss converge slowly.
 */
const LOSS_DEFAULTS: Record<BilinearLoss, { epochs: number; negatives: number }> = {
  warp: { epochs: 15, negatives: 5 },
  bpr: { epochs: 50, negatives: 5 },
  logistic: { epochs: 30, negatives: 4 },
  margin: { epochs: 50, negatives: 5 },
  'adaptive-hinge': { epochs: 15, negatives: 5 },
};

/** The spec defaults of a registered type (derived keys null). */
export function bilinearDefaults(type: BilinearType): BilinearSettings {
  const { loss, ...rest } = BILINEAR_TYPES[type].defaults;
  // The loss first, as in the schema: it is what tells the types apart.
  return { loss, ...COMMON, ...rest };
}

/** Checked settings → the complete configuration, each null derived from the keys it depends on. */
export function deriveBilinearConfig(s: BilinearSettings & FitKeys): BilinearConfig {
  const byLoss = LOSS_DEFAULTS[s.loss];
  return {
    ...s,
    epochs: s.epochs ?? byLoss.epochs,
    negatives: s.negatives ?? byLoss.negatives,
    margin: s.margin ?? (s.similarity === 'cosine' ? 0.5 : 1),
    initScale: s.initScale ?? 0.5 / s.factors,
    userL2: s.userL2 ?? s.l2 ?? 0,
    itemL2: s.itemL2 ?? s.l2 ?? 0,
  };
}
