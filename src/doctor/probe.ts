/**
 * Short, measured fits for the doctor: a model built from a recipe (type, hyperparameters, an
 * optional custom loss), fitted a few epochs on a sample with validation carved from it, and
 * what it did recorded — the loss at initialisation, the loss, validation AUC and embedding norms
 * after each epoch, and the fitted model to look at.
 */
import { ConfigError } from '../contracts/errors.ts';
import type { FeatureMatrix, TrainingHistory } from '../contracts/types.ts';
import { Rng } from '../core/rng.ts';
import type { Interactions } from '../data/interactions.ts';
import { evaluatePointwise } from '../eval/pointwise.ts';
import type { CustomTripletLoss } from '../models/deep/custom-loss.ts';
import type { Recommender } from '../models/recommender.ts';
import { createModel } from '../models/registry.ts';
import { meanEmbeddingNorm } from '../train/health.ts';
import { measureLoss, objectiveOf, type Objective } from './objective.ts';

/** What to build: a registered type, its hyperparameters, and a custom triplet loss (match) if any. */
export interface ModelRecipe {
  type: string;
  params: Record<string, unknown>;
  customLoss?: CustomTripletLoss | null;
}

/** The doctor's data: a training part and a validation part carved from the user's training data. */
export interface DoctorData {
  fit: Interactions;
  validation: Interactions;
  userFeatures?: FeatureMatrix;
  itemFeatures?: FeatureMatrix;
  /** Validation values ≥ this are the relevant items when ranking (undefined: every validation interaction). */
  relevance?: number;
}

export interface ProbeResult {
  model: Recommender;
  objective: Objective;
  history: TrainingHistory;
  /** The objective's loss at initialisation (NaN when the doctor cannot recompute it). */
  initialLoss: number;
  /** The objective's loss after the last epoch, on the same rows. */
  finalLoss: number;
  /** Mean embedding row norm at initialisation, then after each epoch (empty: no embeddings). */
  norms: number[];
  /** Per-user validation AUC (sampled, see rankingAuc) after each epoch, or only the last. */
  validationAuc: number[];
  seconds: number;
}

export function buildModel(recipe: ModelRecipe): Recommender {
  const model = createModel(recipe.type, recipe.params);
  if (recipe.customLoss) {
    const withLoss = model as Recommender & { useLoss?: (loss: CustomTripletLoss) => unknown };
    if (typeof withLoss.useLoss !== 'function')
      throw new ConfigError(`${recipe.type} takes no custom loss (the deep triplet model "match" and the bilinear models — bpr, triplet, warp, logistic, bilinear — do)`);
    withLoss.useLoss(recipe.customLoss);
  }
  return model;
}

export interface ProbeOptions {
  /** Validate after every epoch (default), drawing the curve, or only after the last: a fix measured needs only the end. */
  everyEpoch?: boolean;
  /**
   * Hears an epoch's end once the fit has run `progressAfter` seconds (default 5), then every
   * `progressEvery` seconds (default 10) and at the last epoch, so a long fit does not look stuck.
   */
  progress?: (line: string) => void;
  progressAfter?: number;
  progressEvery?: number;
}

/** Fits `recipe` for `epochs` on data.fit, validating on data.validation after each epoch (or only at the end). */
export async function probe(recipe: ModelRecipe, data: DoctorData, epochs: number, seed: number, options: ProbeOptions = {}): Promise<ProbeResult> {
  const { everyEpoch = true, progress, progressAfter = 5, progressEvery = 10 } = options;
  let said = Number.NEGATIVE_INFINITY;
  const t0 = performance.now();
  const model = buildModel(recipe);
  const objective = objectiveOf(model, recipe.customLoss);
  const base = { threads: 1, seed, log: () => {}, userFeatures: data.userFeatures, itemFeatures: data.itemFeatures };
  // Zero epochs: initialised, not trained; the next fit starts from the same seeded point.
  await model.fit(data.fit, { ...base, epochs: 0 });
  const initialLoss = measureLoss(model, objective, data.fit, new Rng(seed + 1));
  const first = meanEmbeddingNorm(model.getState());
  const norms: number[] = first === null ? [] : [first];
  const validationAuc: number[] = [];
  const history = await model.fit(data.fit, {
    ...base,
    epochs,
    earlyStopping: false,
    callbacks: {
      onEpochEnd: (record) => {
        if (everyEpoch || record.epoch === epochs) validationAuc.push(rankingAuc(model, data.validation, data.fit, data.relevance));
        const seconds = (performance.now() - t0) / 1000;
        if (progress && seconds > progressAfter && (seconds - said >= progressEvery || record.epoch === epochs)) {
          progress(`doctor: short fit, epoch ${record.epoch}/${epochs} (${seconds.toFixed(0)} s)`);
          said = seconds;
        }
        if (first === null) return;
        const n = meanEmbeddingNorm(model.getState());
        if (n !== null) norms.push(n);
      },
    },
  });
  const finalLoss = measureLoss(model, objective, data.fit, new Rng(seed + 1));
  return { model, objective, history, initialLoss, finalLoss, norms, validationAuc, seconds: (performance.now() - t0) / 1000 };
}

/** Negatives drawn per user for the sampled AUC. */
const SAMPLED_NEGATIVES = 200;

/**
 * Per-user AUC of each user's relevant `held` items against items drawn uniformly from those the
 * user has neither in `exclude` nor relevant in `held` — an unbiased estimate of the full-catalogue
 * per-user AUC at a fraction of its cost (scoring 15 K items for every user dominates a short fit).
 */
export function rankingAuc(
  model: { score(users: Int32Array, items: Int32Array): Float32Array },
  held: Interactions,
  exclude: Interactions | null,
  relevance?: number,
  seed = 97,
): number {
  const rng = new Rng(seed);
  const byUser = held.byUser();
  const seen = exclude?.byUser() ?? null;
  const numItems = held.numItems;
  let total = 0;
  let users = 0;
  for (let u = 0; u < byUser.rows; u++) {
    const pos: number[] = [];
    for (let k = byUser.indptr[u]; k < byUser.indptr[u + 1]; k++) if (relevance === undefined || byUser.values[k] >= relevance) pos.push(byUser.indices[k]);
    if (pos.length === 0) continue;
    const skip = new Set(pos);
    if (seen && u < seen.rows) for (let k = seen.indptr[u]; k < seen.indptr[u + 1]; k++) skip.add(seen.indices[k]);
    if (skip.size >= numItems) continue;
    const neg: number[] = [];
    for (let tries = 0; neg.length < SAMPLED_NEGATIVES && tries < 20 * SAMPLED_NEGATIVES; tries++) {
      const i = rng.int(numItems);
      if (!skip.has(i)) neg.push(i);
    }
    if (neg.length === 0) continue;
    const items = Int32Array.from([...pos, ...neg]);
    const s = model.score(new Int32Array(items.length).fill(u), items);
    let wins = 0;
    for (let a = 0; a < pos.length; a++) {
      for (let b = pos.length; b < items.length; b++) wins += s[a] > s[b] ? 1 : s[a] === s[b] ? 0.5 : 0;
    }
    total += wins / (pos.length * neg.length);
    users++;
  }
  return users > 0 ? total / users : Number.NaN;
}

/** Popularity (trained on data.fit's relevant interactions) ranked on validation: the floor. */
export async function popularityAuc(data: DoctorData): Promise<number> {
  const r = data.relevance;
  const positives = r === undefined ? data.fit : data.fit.filter((p) => data.fit.values[p] >= r);
  const popularity = createModel('popularity');
  await popularity.fit(positives.length > 0 ? positives : data.fit, { threads: 1, log: () => {} });
  return rankingAuc(popularity, data.validation, data.fit, r);
}

/** Pointwise F1, accuracy, AUC and the share predicted positive of a model on labelled pairs. */
export function pointwiseScores(model: Recommender, held: Interactions, threshold?: number): Record<string, number> {
  return evaluatePointwise(model, held, { threshold }).metrics;
}
