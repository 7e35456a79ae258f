/**
 * Training checks (`tastebud doctor train`, library `diagnose()`): a configured model fitted
 * briefly on a sample of the user's training data, validation carved from it, and measured —
 * the loss at initialisation against its expected value, the regulariser's share and the
 * embedding norms over the first epochs, whether it can overfit a tiny sample, a learning-rate
 * range test, collapsed predictions, validation AUC at chance, below popularity or far below
 * training, and a metric a trivial predictor wins. With `fix`, each proposed fix is applied in
 * the same short fit and measured on validation; only fixes that helped are recommended.
 */
import { TastebudError } from '../contracts/errors.ts';
import { Rng } from '../core/rng.ts';
import type { FeatureMatrix } from '../contracts/types.ts';
import type { Interactions } from '../data/interactions.ts';
import type { CustomTripletLoss } from '../models/deep/custom-loss.ts';
import type { Recommender } from '../models/recommender.ts';
import { getModelSpec } from '../models/registry.ts';
import type { Finding, MeasuredFix } from './findings.ts';
import { checkCustomLoss } from './loss-checks.ts';
import { checkGradient, gradientCheckable } from './gradient-check.ts';
import { deadReluUnits } from './dead-units.ts';
import { expectedInitial, measureLoss, objectiveName, objectiveOf, type Objective } from './objective.ts';
import { buildModel, pointwiseScores, popularityAuc, probe, rankingAuc, type DoctorData, type ModelRecipe, type ProbeResult } from './probe.ts';
import { carveValidation, sampleUsers } from './sample.ts';
import { kCore } from '../data/filters.ts';
import { THRESHOLD_METRICS } from './data.ts';
import { countNonZero } from '../data/splits.ts';
import { activeUsers } from '../models/vae/user-rows.ts';

export interface TrainCheckInput {
  /** Registered model type. */
  model: string;
  params?: Record<string, unknown>;
  /** A custom triplet loss (library API; deep model `match`, bilinear models such as `bpr` and `triplet`). */
  customLoss?: CustomTripletLoss | null;
  /** The training data as the model trains on it (positives, 0/1 labels or ratings). */
  train: Interactions;
  userFeatures?: FeatureMatrix;
  itemFeatures?: FeatureMatrix;
  /** Values ≥ this are the positives when the model trains on ratings or labels (default: 0/1 values as given). */
  labelThreshold?: number;
  /** The metric models will be judged by (`f1`, `accuracy`, `auc`, ...), when known. */
  metric?: string;
  /** Interactions in the sample (whole users; default 10,000). */
  sample?: number;
  /** Epochs of the short fits (default: the model's, at most 5). */
  epochs?: number;
  /** Apply each proposed fix in a short fit and measure it on validation. */
  fix?: boolean;
  seed?: number;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

export interface TrainDiagnosis {
  model: string;
  objective: string;
  sample: { interactions: number; fit: number; validation: number; epochs: number };
  findings: Finding[];
  /** Popularity's per-user validation AUC: the floor. */
  popularityAuc: number | null;
  validationAuc: number | null;
  seconds: number;
}

/** A proposed fix: what changes in the recipe (and data), for `fix` to measure. */
interface Candidate {
  finding: Finding;
  change: string;
  recipe: ModelRecipe;
  data?: DoctorData;
}

const TINY = 300;
/** Validation users ranked after each epoch of the short fits. */
const VALIDATION_USERS = 200;
const TINY_EPOCHS = 30;
/** A model below the tiny-overfit bar is given this many times the epochs before it is called stuck. */
const SLOW_FACTOR = 3;
const LR_SAMPLE = 3000;
/** Epochs of each rate in the learning-rate range test. */
const RANGE_EPOCHS = 2;
/** Fewer optimiser steps per rate than this measure only how far a step goes: the largest rate wins unless it blows up at once. */
const MIN_RANGE_STEPS = 4;
/** A fix must lift validation AUC by this much to count as having helped. */
const HELPED = 0.02;
/** Fewer optimiser steps per epoch than this is too few to learn in a short fit. */
const MIN_STEPS = 20;
/** The most the short fits' epochs are multiplied by when the sample is what leaves an epoch few steps. */
const SAMPLE_EPOCH_SCALE = 4;
/** A check running longer than this many seconds says where it is, so a long one does not look stuck. */
const PROGRESS_AFTER = 5;
/** More dead ReLU units than this share is a broken network, not sparsity. */
const DEAD_SHARE = 0.5;

export async function diagnose(input: TrainCheckInput): Promise<TrainDiagnosis> {
  const t0 = performance.now();
  const seed = input.seed ?? 42;
  const log = input.log ?? (() => {});
  const params = { ...input.params };
  const recipe: ModelRecipe = { type: input.model, params, customLoss: input.customLoss ?? null };
  const findings: Finding[] = [];
  const candidates: Candidate[] = [];
  const shell = buildModel(recipe);
  const objective = objectiveOf(shell, recipe.customLoss);
  const config = shell.config as Record<string, unknown>;
  let epochs = input.epochs ?? Math.max(1, Math.min(5, Number(config.epochs ?? 5)));

  const result = (extra: Partial<TrainDiagnosis>): TrainDiagnosis => ({
    model: input.model,
    objective: objectiveName(objective),
    sample: { interactions: 0, fit: 0, validation: 0, epochs },
    findings,
    popularityAuc: null,
    validationAuc: null,
    seconds: (performance.now() - t0) / 1000,
    ...extra,
  });

  if (recipe.customLoss) {
    const check = checkCustomLoss(recipe.customLoss);
    findings.push(...check.findings);
    if (check.refused) return result({});
    for (const f of check.findings) {
      if (f.code === 'loss-saturates' || f.code === 'loss-vanishes' || f.code === 'loss-sign') {
        if (f.level !== 'ok') {
          candidates.push({ finding: f, change: `loss "${recipe.customLoss.name}" → bpr`, recipe: { ...recipe, customLoss: null, params: { ...params, loss: 'bpr' } } });
          // A dot product of user and item vectors trained with WARP (a ranking loss whose
          // gradient does not vanish on misranked pairs): an MLP scorer needs far more care to
          // beat a dot product (Rendle et al. 2020), so this is measured as a second way.
          const f2: Finding = {
            ...f,
            level: 'info',
            code: `${f.code}-warp`,
            message: 'the same kind of fix on a dot-product model made to rank from positives',
            fix: 'warp (user · item)',
          };
          findings.push(f2);
          candidates.push({
            finding: f2,
            change: `${recipe.type} with "${recipe.customLoss.name}" → warp (user · item)`,
            recipe: { type: 'warp', params: { factors: 32, epochs: 10 }, customLoss: null },
          });
        }
      }
    }
  }

  const sample = sampleUsers(input.train, input.sample ?? 10_000, seed);
  const carved = carveValidation(sample, 0.2, seed);
  const fit = carved.fit;
  // Ranking every item for every validation user after every epoch is the short fit's main cost on
  // large catalogues: a few hundred users tell chance from learning.
  const validation = capUsers(carved.validation, VALIDATION_USERS, seed);
  const relevance = objective.kind === 'values' ? (input.labelThreshold ?? (isBinary(fit.values) ? 1 : undefined)) : undefined;
  const data: DoctorData = { fit, validation, userFeatures: input.userFeatures, itemFeatures: input.itemFeatures, relevance };
  // A batch that suits the full data can leave the sample one step an epoch: the short fits then
  // take more epochs (up to SAMPLE_EPOCH_SCALE×), so that they take about the steps the full run would.
  const steps = stepPlan(objective, config, input.train, fit);
  if (input.epochs === undefined && steps !== null) epochs *= steps.scale;
  log(`doctor: ${input.model} on a sample of ${sample.length} interactions (${fit.length} fit, ${validation.length} validation), ${epochs} epochs`);

  if (gradientCheckable(shell, recipe)) {
    log('doctor: gradient check at the initial point');
    try {
      findings.push((await checkGradient(recipe, data, seed)).finding);
    } catch (e) {
      // A batch the model cannot train on (no positives above its threshold): the fits below say more.
      if (!(e instanceof TastebudError)) throw e;
      findings.push({ level: 'info', code: 'gradient-check', message: `gradient check at the initial point: not run (${e.message})` });
    }
  }

  const main = await probe(recipe, data, epochs, seed, { progress: log, progressAfter: PROGRESS_AFTER });
  const popularity = await popularityAuc(data);
  const finalAuc = main.validationAuc[main.validationAuc.length - 1] ?? Number.NaN;

  checkInitialLoss(main, objective, fit, config, recipe, candidates, findings);
  checkRegulariser(main, config, recipe, candidates, findings);
  // Memorising and over-memorising are questions for models fitted by gradient steps; closed
  // forms and neighbourhoods (popularity, EASE, kNN, iALS) memorise by construction.
  const iterative = typeof config.learningRate === 'number';
  if (iterative) {
    log('doctor: overfitting a tiny sample');
    await checkTinyOverfit(recipe, data, seed, config, findings);
  }
  if (objective.kind !== 'other' && typeof config.learningRate === 'number') {
    log('doctor: learning-rate range test');
    await checkLearningRate(recipe, data, input.train, seed, config.learningRate, objective, config, candidates, findings, log);
  }
  if (steps !== null) checkBatchSize(steps, recipe, candidates, findings);
  checkPredictions(main.model, objective, validation, relevance, findings);
  checkValidation(main, data, input.train, finalAuc, popularity, config, recipe, objective, candidates, findings, iterative);
  checkTrivialMetric(main.model, objective, data, input.metric, recipe, candidates, findings);

  if (input.fix) {
    const helped: Candidate[] = [];
    for (const c of candidates) {
      log(`doctor: measuring ${c.change}`);
      c.finding.measured = await measure(c, data, epochs, seed, finalAuc, popularity);
      if (c.finding.measured.helped) helped.push(c);
    }
    // Fixes of the same recipe that each helped, applied together (a fix that changes the data stands alone).
    const together = helped.filter((c) => !c.data && c.recipe.type === recipe.type);
    if (together.length >= 2) {
      const params = Object.assign({}, ...together.map((c) => c.recipe.params)) as Record<string, unknown>;
      for (const c of together) for (const [k, v] of Object.entries(c.recipe.params)) if (v !== recipe.params[k]) params[k] = v;
      const change = together.map((c) => c.change).join(', ');
      const f: Finding = { level: 'info', code: 'fixes-together', message: 'the fixes that helped, applied together', fix: change };
      log(`doctor: measuring ${change}`);
      f.measured = await measure(
        { finding: f, change, recipe: { ...recipe, customLoss: together.some((c) => !c.recipe.customLoss) ? null : recipe.customLoss, params } },
        data,
        epochs,
        seed,
        finalAuc,
        popularity,
      );
      findings.push(f);
    }
  }
  return result({
    sample: { interactions: sample.length, fit: fit.length, validation: validation.length, epochs },
    popularityAuc: popularity,
    validationAuc: finalAuc,
  });
}

async function measure(c: Candidate, data: DoctorData, epochs: number, seed: number, before: number, popularity: number): Promise<MeasuredFix> {
  const after = await probe(c.recipe, c.data ?? data, epochs, seed, { everyEpoch: false });
  const auc = after.validationAuc[after.validationAuc.length - 1] ?? Number.NaN;
  return { change: c.change, metric: 'AUC', before, after: auc, popularity, helped: auc > before + HELPED };
}

/**
 * Rows per epoch over the batch size is the number of optimiser steps: a batch of 16,384 on a
 * few thousand interactions takes one step an epoch, and hundreds of epochs learn next to nothing.
 * The autoencoders batch users, not interactions, and RecVAE runs several passes an epoch. Judged
 * on all of the training data, as the real run will see it: a sample has fewer rows, so a batch
 * that suits the full data can leave the sample's short fits few steps, which is said, not
 * flagged. The suggested batch is sized for the sample, so that the fix can be measured there.
 */
function checkBatchSize(plan: StepPlan, recipe: ModelRecipe, candidates: Candidate[], findings: Finding[]): void {
  const { batch, scale } = plan;
  const { rows, steps, unit, passes } = plan.full;
  const { rows: sampleRows, steps: sampleSteps } = plan.sample;
  const users = unit === 'users';
  const numbers = { batchSize: batch, stepsPerEpoch: steps, sampleStepsPerEpoch: sampleSteps };
  const perPass = passes > 1 ? ` (${passes} passes)` : '';
  if (steps >= MIN_STEPS) {
    const onSample = sampleSteps >= MIN_STEPS ? '' : `; the sample's ${sampleRows} ${unit} take only ${sampleSteps}, so the short fits here run ${scale}× the epochs`;
    findings.push({
      level: 'ok',
      code: 'batch-size',
      message: `batch size ${batch}: ${steps} optimiser steps per epoch${perPass} on the training data's ${rows} ${unit}${onSample}`,
      numbers,
    });
    return;
  }
  // A user batch below 32 is a smaller step than the sample needs and noisier than the full data wants.
  const suggested = users ? Math.max(32, 2 ** Math.round(Math.log2((sampleRows * passes) / MIN_STEPS))) : Math.max(64, 2 ** Math.round(Math.log2(sampleRows / (4 * MIN_STEPS))));
  if (suggested >= batch) return;
  const f: Finding = {
    level: 'warn',
    code: 'batch-size',
    message: `batch size ${batch} leaves ${steps} optimiser step${steps === 1 ? '' : 's'} per epoch${perPass} on the training data's ${rows} ${unit} (${sampleSteps} on the sample's ${sampleRows}): each epoch barely moves the model`,
    fix: `batchSize ${batch} → ${suggested}`,
    numbers,
  };
  candidates.push({ finding: f, change: `batchSize ${batch} → ${suggested}`, recipe: { ...recipe, params: { ...recipe.params, batchSize: suggested } } });
  findings.push(f);
}

/**
 * Optimiser steps one epoch takes on `data`: its rows (interactions, with sampled negatives each,
 * or users for the autoencoders) over the batch size, times RecVAE's passes. Null without a batch size.
 */
function epochSteps(o: Objective, config: Record<string, unknown>, data: Interactions): { rows: number; steps: number; unit: 'users' | 'rows'; passes: number } | null {
  const batch = config.batchSize;
  if (typeof batch !== 'number') return null;
  const users = o.kind === 'multinomial' && o.batches === 'users';
  const rows = users ? activeUsers(data.byUser()).length : data.length * (o.kind === 'sampled' ? 1 + o.negatives : 1);
  const passes = users ? passesPerEpoch(config) : 1;
  return { rows, steps: passes * Math.ceil(rows / batch), unit: users ? 'users' : 'rows', passes };
}

type EpochSteps = NonNullable<ReturnType<typeof epochSteps>>;

/** A batch's steps an epoch on the training data and on the sample, and how many times the short fits' epochs to run. */
interface StepPlan {
  batch: number;
  full: EpochSteps;
  sample: EpochSteps;
  scale: number;
}

/**
 * The step plan (null without a batch size). The scale is 1, unless the batch leaves the sample
 * fewer than MIN_STEPS steps an epoch while the full data has enough; then enough epochs for
 * MIN_STEPS steps, at most SAMPLE_EPOCH_SCALE×. A batch too large for the full data keeps its slowness.
 */
function stepPlan(o: Objective, config: Record<string, unknown>, train: Interactions, fit: Interactions): StepPlan | null {
  const full = epochSteps(o, config, train);
  const sample = epochSteps(o, config, fit);
  if (full === null || sample === null) return null;
  const scale = full.steps < MIN_STEPS || sample.steps >= MIN_STEPS ? 1 : Math.min(SAMPLE_EPOCH_SCALE, Math.ceil(MIN_STEPS / sample.steps));
  return { batch: config.batchSize as number, full, sample, scale };
}

/** Passes over the users in one epoch: RecVAE's alternating encoder and decoder passes, else one. */
function passesPerEpoch(config: Record<string, unknown>): number {
  const { alternating, encoderEpochs, decoderEpochs } = config;
  if (alternating === false || typeof encoderEpochs !== 'number' || typeof decoderEpochs !== 'number') return 1;
  return Math.max(1, encoderEpochs + decoderEpochs);
}

function checkInitialLoss(
  main: ProbeResult,
  o: Objective,
  fit: Interactions,
  config: Record<string, unknown>,
  recipe: ModelRecipe,
  candidates: Candidate[],
  findings: Finding[],
): void {
  const measured = main.initialLoss;
  if (!Number.isFinite(measured)) {
    findings.push({ level: 'info', code: 'init-loss', message: "loss at initialisation: not checked (the doctor does not recompute this model's loss)" });
    return;
  }
  const expected = expectedInitial(o, fit);
  const numbers: Record<string, number> = { measured, final: main.finalLoss };
  if (!expected) {
    findings.push({
      level: 'ok',
      code: 'init-loss',
      message: `loss at initialisation ${measured.toFixed(4)}, after ${main.history.epochs.length} epochs ${main.finalLoss.toFixed(4)} (${objectiveName(o)})`,
      numbers,
    });
    return;
  }
  numbers.expected = expected.value;
  if (typeof config.pretrainEpochs === 'number' && config.pretrainEpochs > 0 && measured <= expected.value) {
    // NeuMF from pretrained GMF and MLP: the training starts from models that already rank, so below a fresh start is the point.
    findings.push({
      level: 'ok',
      code: 'init-loss',
      message: `loss at the start of training ${measured.toFixed(4)}, after ${config.pretrainEpochs} epochs of pretraining, below a fresh start's ${expected.value.toFixed(4)} (${expected.why}); after ${main.history.epochs.length} epochs ${main.finalLoss.toFixed(4)}`,
      numbers,
    });
    return;
  }
  const off = Math.abs(measured - expected.value) > 0.5 * expected.value + 0.05;
  const f: Finding = {
    level: off ? 'warn' : 'ok',
    code: 'init-loss',
    message: `loss at initialisation ${measured.toFixed(4)} vs ${expected.value.toFixed(4)} expected (${expected.why}); after ${main.history.epochs.length} epochs ${main.finalLoss.toFixed(4)}`,
    numbers,
  };
  if (off) {
    f.message += ': the scores start far from neutral';
    if (typeof config.initStd === 'number') {
      f.fix = `start the embeddings smaller: initStd ${config.initStd} → ${config.initStd / 10}`;
      candidates.push({
        finding: f,
        change: `initStd ${config.initStd} → ${config.initStd / 10}`,
        recipe: { ...recipe, params: { ...recipe.params, initStd: config.initStd / 10 } },
      });
    } else f.fix = 'check the loss and the output layer: with small initial weights the loss should start near its expected value';
  }
  findings.push(f);
}

function l2Of(config: Record<string, unknown>): { key: string; value: number } | null {
  if (typeof config.l2 === 'number' && config.l2 > 0) return { key: 'l2', value: config.l2 };
  for (const key of ['userL2', 'itemL2']) if (typeof config[key] === 'number' && (config[key] as number) > 0) return { key: 'l2', value: config[key] as number };
  return null;
}

function checkRegulariser(main: ProbeResult, config: Record<string, unknown>, recipe: ModelRecipe, candidates: Candidate[], findings: Finding[]): void {
  const norms = main.norms;
  if (norms.length < 2) return;
  const first = norms[0];
  const last = norms[norms.length - 1];
  const ratio = last / first;
  const trail = norms.map((n) => n.toFixed(3)).join(' → ');
  const l2 = l2Of(config);
  // The penalty a touched (user, item) pair adds, λ/2·(‖p_u‖² + ‖q_i‖²), against the data loss.
  const penalty = l2 ? l2.value * last * last : 0;
  const share = l2 && Number.isFinite(main.finalLoss) ? penalty / (penalty + main.finalLoss) : 0;
  const numbers = { normAtInit: first, normAtEnd: last, ratio, l2: l2?.value ?? 0, regulariserShare: share };
  if (!Number.isFinite(ratio) || ratio > 100) {
    const lr = config.learningRate;
    const f: Finding = { level: 'warn', code: 'blow-up', message: `embedding norms blew up over ${norms.length - 1} epochs: ${trail}`, numbers };
    if (typeof lr === 'number') {
      f.fix = `lower the learning rate: learningRate ${lr} → ${lr / 10}`;
      candidates.push({ finding: f, change: `learningRate ${lr} → ${lr / 10}`, recipe: { ...recipe, params: { ...recipe.params, learningRate: lr / 10 } } });
    }
    findings.push(f);
    return;
  }
  const collapsed = l2 !== null && ratio < 0.5;
  if (collapsed || share > 0.5) {
    const f: Finding = {
      level: 'warn',
      code: 'regulariser',
      message: collapsed
        ? `the L2 penalty (λ ${l2?.value}) dominates: embedding row norms collapse towards zero over the first epochs (${trail}, ${(100 * ratio).toFixed(0)}% of the start), so scores cannot separate items`
        : `the L2 penalty (λ ${l2?.value}) is ${(100 * share).toFixed(0)}% of the loss (embedding row norms ${trail})`,
      fix: `lower the regulariser: ${l2?.key} ${l2?.value} → 1e-5`,
      numbers,
    };
    candidates.push({ finding: f, change: `${l2?.key} ${l2?.value} → 1e-5`, recipe: { ...recipe, params: { ...recipe.params, [l2?.key ?? 'l2']: 1e-5 } } });
    findings.push(f);
    return;
  }
  findings.push({
    level: 'ok',
    code: 'regulariser',
    message: `embedding row norms over the first epochs ${trail}${l2 ? `; the L2 penalty is ${(100 * share).toFixed(1)}% of the loss` : '; no L2'}`,
    numbers,
  });
}

async function checkTinyOverfit(recipe: ModelRecipe, data: DoctorData, seed: number, config: Record<string, unknown>, findings: Finding[]): Promise<void> {
  const tiny = sampleUsers(data.fit, TINY, seed + 2);
  const tinyData: DoctorData = { ...data, fit: tiny, validation: tiny };
  const fitTiny = async (r: ModelRecipe, epochs: number) => {
    const model = buildModel(r);
    await model.fit(tiny, { epochs, threads: 1, seed, log: () => {}, userFeatures: data.userFeatures, itemFeatures: data.itemFeatures });
    return trainingAuc(model, tinyData);
  };
  const auc = await fitTiny(recipe, TINY_EPOCHS);
  const numbers: Record<string, number> = { interactions: tiny.length, epochs: TINY_EPOCHS, trainingAuc: auc };
  if (auc >= 0.9) {
    findings.push({
      level: 'ok',
      code: 'tiny-overfit',
      message: `overfits a tiny sample: ${tiny.length} interactions, ${TINY_EPOCHS} epochs, training AUC ${auc.toFixed(3)}`,
      numbers,
    });
    return;
  }
  const warn = (cause: string, longer?: number) => {
    const after = longer === undefined ? `after ${TINY_EPOCHS} epochs` : `after ${TINY_EPOCHS} epochs and ${longer.toFixed(3)} after ${SLOW_FACTOR * TINY_EPOCHS}`;
    findings.push({
      level: 'warn',
      code: 'tiny-overfit',
      message: `cannot overfit a tiny sample: ${tiny.length} interactions, training AUC only ${auc.toFixed(3)} ${after} (a model that can learn reaches ≥ 0.9): ${cause}`,
      fix: 'see the regulariser, learning-rate and loss findings',
      numbers,
    });
  };
  const l2 = l2Of(config);
  if (l2) {
    const freeAuc = await fitTiny({ ...recipe, params: { ...recipe.params, [l2.key]: 0 } }, TINY_EPOCHS);
    numbers.trainingAucWithoutL2 = freeAuc;
    if (freeAuc >= 0.9) return warn(`the regulariser holds it back: with ${l2.key} 0 it reaches ${freeAuc.toFixed(3)}`);
  }
  // With no regulariser to blame, a small learning rate (NeuMF's fine-tuning rate after
  // pretraining, say) is slow, not stuck: what cannot learn stays below the bar however long it trains.
  const longer = await fitTiny(recipe, SLOW_FACTOR * TINY_EPOCHS);
  numbers.trainingAucLonger = longer;
  if (longer < 0.9) return warn('the optimiser, learning rate or loss is wrong', longer);
  findings.push({
    level: 'ok',
    code: 'tiny-overfit',
    message: `overfits a tiny sample, slowly: ${tiny.length} interactions, training AUC ${auc.toFixed(3)} after ${TINY_EPOCHS} epochs, ${longer.toFixed(3)} after ${SLOW_FACTOR * TINY_EPOCHS}`,
    numbers,
  });
}

/** How well a model ranks (or, on labels, separates) the data it was trained on. */
function trainingAuc(model: Recommender, data: DoctorData): number {
  if (data.relevance !== undefined && !allAtLeast(data.fit.values, data.relevance)) return pointwiseScores(model, data.fit, data.relevance).auc;
  return rankingAuc(model, data.fit, null, data.relevance);
}

/**
 * A learning-rate range test (Smith 2017, "Cyclical learning rates for training neural networks",
 * §3.3): the configured rate × 1/30 … 30, two epochs each on a sample. A test this short favours
 * the largest rate that does not diverge, so its lowest-loss rate is the edge of stability, not a
 * training rate: the usual choice is a third to a tenth of it. Only a configured rate outside that
 * margin by a grid step or more, and losing over half of the achievable drop, is flagged; the fix
 * is a third of the lowest-loss rate.
 */
async function checkLearningRate(
  recipe: ModelRecipe,
  data: DoctorData,
  train: Interactions,
  seed: number,
  lr: number,
  o: Objective,
  config: Record<string, unknown>,
  candidates: Candidate[],
  findings: Finding[],
  log: (line: string) => void,
): Promise<void> {
  const small = rangeSample(data.fit, train, o, config, seed + 3);
  const perEpoch = epochSteps(o, config, small);
  if (perEpoch !== null && RANGE_EPOCHS * perEpoch.steps < MIN_RANGE_STEPS) {
    const { rows, steps, unit } = perEpoch;
    findings.push({
      level: 'info',
      code: 'learning-rate',
      message: `learning-rate range test: not judged: ${RANGE_EPOCHS} epochs on its sample's ${rows} ${unit} at batch size ${config.batchSize} are ${RANGE_EPOCHS * steps} optimiser step${RANGE_EPOCHS * steps === 1 ? '' : 's'} per rate, too few to compare rates (the batch-size finding says what the full run takes)`,
      numbers: { learningRate: lr, stepsPerRate: RANGE_EPOCHS * steps },
    });
    return;
  }
  const multiples = [1 / 30, 1 / 10, 1 / 3, 1, 3, 10, 30];
  const configured = multiples.indexOf(1);
  const rates = multiples.map((m) => lr * m);
  const losses: number[] = [];
  let start = Number.NaN;
  const t0 = performance.now();
  for (const rate of rates) {
    const model = buildModel({ ...recipe, params: { ...recipe.params, learningRate: rate } });
    await model.fit(small, { epochs: 0, threads: 1, seed, log: () => {}, userFeatures: data.userFeatures, itemFeatures: data.itemFeatures });
    if (Number.isNaN(start)) start = measureLoss(model, o, small, new Rng(seed + 4));
    await model.fit(small, { epochs: RANGE_EPOCHS, threads: 1, seed, log: () => {}, userFeatures: data.userFeatures, itemFeatures: data.itemFeatures });
    const l = measureLoss(model, o, small, new Rng(seed + 4));
    losses.push(Number.isFinite(l) ? l : Infinity);
    const seconds = (performance.now() - t0) / 1000;
    if (seconds > PROGRESS_AFTER) log(`doctor: learning-rate range test, rate ${losses.length}/${rates.length} (${fmtRate(rate)}): loss ${l.toFixed(3)} (${seconds.toFixed(0)} s)`);
  }
  let best = 0;
  for (let k = 1; k < rates.length; k++) if (losses[k] < losses[best]) best = k;
  const suggested = rates[best] / 3;
  const mine = losses[configured];
  const table = rates.map((r, k) => `${fmtRate(r)}: ${Number.isFinite(losses[k]) ? losses[k].toFixed(3) : 'diverged'}`).join(', ');
  const numbers = { learningRate: lr, lowestLossRate: rates[best], suggested, lossAtConfigured: mine, lossAtLowest: losses[best], lossAtStart: start };
  const gap = Number.isFinite(start) ? start - losses[best] : 0;
  const farWorse = gap > 0 && mine - losses[best] > 0.5 * gap;
  // Grid steps from the configured rate to the lowest-loss one: the margin is one (a third) to two (a tenth) below it.
  const steps = best - configured;
  const where = steps > 2 ? 'far below' : steps < 0 ? 'above' : '';
  const head = `learning-rate range test (${RANGE_EPOCHS} epochs on ${small.length} interactions, loss from ${start.toFixed(3)}): ${table}`;
  if (Number.isFinite(start) && !(mine <= start + 1e-3 * Math.abs(start))) {
    // The configured rate makes the loss worse or blows it up: the lower rates say how far down to go.
    let lower = -1;
    for (let k = 0; k < configured; k++) if (losses[k] < start && (lower < 0 || losses[k] < losses[lower])) lower = k;
    // With none below bringing the loss down, the right rate is under the range: a tenth of its bottom, to test again.
    const rate = lower < 0 ? rates[0] / 10 : rates[lower] / 3;
    const f: Finding = {
      level: 'error',
      code: 'learning-rate',
      message: `${head}; at the configured learningRate ${fmtRate(lr)} the loss ${Number.isFinite(mine) ? 'rises' : 'diverges'}${lower < 0 ? ', and no lower rate tested brings it down' : ` (lowest below it at ${fmtRate(rates[lower])})`}`,
      fix: `learningRate ${fmtRate(lr)} → ${fmtRate(rate)}${lower < 0 ? ' (below the rates tested: run the doctor again on it)' : ''}`,
      numbers: { ...numbers, suggested: rate },
    };
    candidates.push({ finding: f, change: `learningRate ${fmtRate(lr)} → ${fmtRate(rate)}`, recipe: { ...recipe, params: { ...recipe.params, learningRate: rate } } });
    findings.push(f);
    return;
  }
  if (where !== '' && farWorse) {
    const f: Finding = {
      level: 'warn',
      code: 'learning-rate',
      message: `${head}; learningRate ${fmtRate(lr)} is ${where} the lowest-loss rate ${fmtRate(rates[best])} (a short test's lowest-loss rate is near divergence: a third of it is the suggestion)`,
      fix: `learningRate ${fmtRate(lr)} → ${fmtRate(suggested)}`,
      numbers,
    };
    candidates.push({
      finding: f,
      change: `learningRate ${fmtRate(lr)} → ${fmtRate(suggested)}`,
      recipe: { ...recipe, params: { ...recipe.params, learningRate: suggested } },
    });
    findings.push(f);
    return;
  }
  findings.push({
    level: 'ok',
    code: 'learning-rate',
    message: `${head}; lowest loss at ${fmtRate(rates[best])}, configured ${fmtRate(lr)} (a third to a tenth of the lowest-loss rate is the usual choice)`,
    numbers,
  });
}

/**
 * The range test's sample: LR_SAMPLE interactions of whole users. A model whose batches are users
 * (an autoencoder) takes instead enough users for MIN_RANGE_STEPS steps per rate, from the fit
 * part or, when it has too few, the training data: on long histories LR_SAMPLE interactions are a
 * handful of users (21 on Book-Crossing's reading histories), too few steps to compare rates.
 */
function rangeSample(fit: Interactions, train: Interactions, o: Objective, config: Record<string, unknown>, seed: number): Interactions {
  const small = sampleUsers(fit, LR_SAMPLE, seed);
  const perEpoch = epochSteps(o, config, small);
  if (perEpoch === null || perEpoch.unit !== 'users' || RANGE_EPOCHS * perEpoch.steps >= MIN_RANGE_STEPS) return small;
  const users = Math.ceil(MIN_RANGE_STEPS / (RANGE_EPOCHS * perEpoch.passes)) * (config.batchSize as number);
  // The test measures training loss only, so users beyond the sample's may come from the whole training data.
  return capUsers(activeUsers(fit.byUser()).length >= users ? fit : train, users, seed);
}

function checkPredictions(model: Recommender, o: Objective, validation: Interactions, relevance: number | undefined, findings: Finding[]): void {
  const rng = new Rng(7);
  const n = Math.min(4000, validation.length);
  const users = new Int32Array(2 * n);
  const items = new Int32Array(2 * n);
  for (let k = 0; k < n; k++) {
    users[k] = users[n + k] = validation.users[k];
    items[k] = validation.items[k];
    items[n + k] = rng.int(validation.numItems);
  }
  const s = model.score(users, items);
  let mean = 0;
  for (const v of s) mean += v;
  mean /= s.length;
  let variance = 0;
  for (const v of s) variance += (v - mean) ** 2;
  const std = Math.sqrt(variance / s.length);
  const logits = (o.kind === 'sampled' || o.kind === 'values') && o.loss === 'bce';
  const cut = logits ? 0 : o.kind === 'values' ? relevance : undefined;
  let positive = 0;
  if (cut !== undefined) for (const v of s) if (v >= cut) positive++;
  const share = cut !== undefined ? positive / s.length : Number.NaN;
  const numbers: Record<string, number> = { scoreStd: std, scoreMean: mean };
  if (cut !== undefined) numbers.sharePredictedPositive = share;
  const shareText = cut !== undefined ? `, ${(100 * share).toFixed(1)}% predicted positive` : '';
  if (!(std > 1e-4 * (Math.abs(mean) + 1e-3))) {
    findings.push({
      level: 'error',
      code: 'prediction-collapse',
      message: `predictions collapsed: every pair scores ${mean.toFixed(4)} (spread ${std.toExponential(1)})${shareText}`,
      fix: 'the model outputs a constant: see the regulariser, learning-rate and dead-unit findings',
      numbers,
    });
  } else {
    findings.push({ level: 'ok', code: 'predictions', message: `score spread ${std.toFixed(4)} over validation and random pairs${shareText}`, numbers });
  }
  const dead = deadReluUnits(model, users, items);
  if (!dead) return;
  const layers = dead.perLayer.map((d) => `${(100 * d).toFixed(0)}%`).join(', ');
  const worstLayer = Math.max(...dead.perLayer);
  const deadNumbers = { deadShare: dead.share, worstLayer, units: dead.units, pairs: dead.pairs };
  findings.push(
    // Half the units dead, or one whole layer: then nothing below it learns either.
    dead.share > DEAD_SHARE || worstLayer >= 0.95
      ? {
          level: 'warn',
          code: 'dead-relu',
          message: `${(100 * dead.share).toFixed(0)}% of the ${dead.units} ReLU units output 0 for all ${dead.pairs} pairs (by layer: ${layers}): they pass no gradient and do not recover`,
          fix: 'lower the learning rate, or use activation tanh',
          numbers: deadNumbers,
        }
      : { level: 'ok', code: 'dead-relu', message: `dead ReLU units: ${(100 * dead.share).toFixed(1)}% of ${dead.units} (by layer: ${layers})`, numbers: deadNumbers },
  );
}

function checkValidation(
  main: ProbeResult,
  data: DoctorData,
  trainingData: Interactions,
  auc: number,
  popularity: number,
  config: Record<string, unknown>,
  recipe: ModelRecipe,
  objective: Objective,
  candidates: Candidate[],
  findings: Finding[],
  iterative: boolean,
): void {
  const epochs = main.validationAuc.map((a) => a.toFixed(3)).join(' → ');
  const numbers: Record<string, number> = { validationAuc: auc, popularityAuc: popularity };
  const thin = !(auc > 0.5 + 0.005) && !(popularity > 0.5 + 0.005) ? thinness(data, trainingData) : null;
  if (thin && (thin.coldShare > THIN_COLD_SHARE || thin.thinItemShare > THIN_ITEM_SHARE)) {
    findings.push(thinDataFinding(thin, trainingData, auc, popularity, main.validationAuc.length, epochs));
    // Against a validation nothing can rank, a training-AUC gap says nothing about the model.
    return;
  } else if (!(auc > 0.5 + 0.005)) {
    findings.push({
      level: 'error',
      code: 'chance',
      message: `validation AUC ${auc.toFixed(4)} after ${main.validationAuc.length} epochs (${epochs}): no better than chance (popularity: ${popularity.toFixed(4)})`,
      // Below chance where popularity is above it points at a sign; where popularity is at or below
      // chance too, the items the validation users chose are simply unlike the popular ones.
      fix:
        auc < 0.49 && popularity > 0.5 + 0.005
          ? 'below chance: look for a flipped label or sign (a loss that rewards negatives)'
          : 'the model learns nothing in this short fit: see the findings above; with none, try more epochs (--epochs) or a larger learning rate (the range test says how far)',
      numbers,
    });
  } else if (auc < popularity - 0.005) {
    findings.push({
      level: 'warn',
      code: 'below-popularity',
      message: `validation AUC ${auc.toFixed(4)} after ${main.validationAuc.length} epochs (${epochs}) is below popularity's ${popularity.toFixed(4)}`,
      fix: 'a short fit on a sample may be too short to tell; if it stays below, see the findings above',
      numbers,
    });
  } else {
    findings.push({
      level: 'ok',
      code: 'validation',
      message: `validation AUC ${auc.toFixed(4)} after ${main.validationAuc.length} epochs (${epochs}), popularity ${popularity.toFixed(4)}`,
      numbers,
    });
  }
  if (!iterative) return;
  const readsRows = readsInputRows(objective);
  const train = readsRows ? rankingAucHiddenFromInput(main.model, data) : rankingAucOnFit(main.model, data);
  numbers.trainingAuc = train;
  const gap = train - auc;
  const sampled = countNonZero(data.fit.userCounts());
  const all = countNonZero(trainingData.userCounts());
  const what = readsRows ? 'training AUC (a fifth of each row hidden from the input)' : 'training AUC';
  if (gap > 0.15 && readsRows && sampled * FEW_USERS_FACTOR < all) {
    // Without weights of its own per user, what an autoencoder can learn by heart shrinks with
    // the users it must serve: a sample of a few users is no evidence about the full run.
    findings.push({
      level: 'info',
      code: 'overfitting',
      message: `${what} ${train.toFixed(4)} vs validation ${auc.toFixed(4)}: a gap of ${gap.toFixed(3)} on the sample's ${sampled} users, not judged: the model has no weights per user, and the training data's ${all} users (${(all / sampled).toFixed(0)}× as many) leave it less room to learn each by heart (a larger --sample judges it)`,
      numbers: { trainingAuc: train, validationAuc: auc, gap, sampleUsers: sampled, trainingUsers: all },
    });
  } else if (gap > 0.15) {
    const l2 = l2Of(config)?.value ?? 0;
    const next = l2 > 0 ? l2 * 10 : 1e-3;
    const f: Finding = {
      level: 'warn',
      code: 'overfitting',
      message: `${what} ${train.toFixed(4)} vs validation ${auc.toFixed(4)}: a gap of ${gap.toFixed(3)}, the model memorises its training pairs`,
      fix: `regularise more: l2 ${l2} → ${next} (or fewer epochs, early stopping)`,
      numbers: { trainingAuc: train, validationAuc: auc, gap },
    };
    candidates.push({ finding: f, change: `l2 ${l2} → ${next}`, recipe: { ...recipe, params: { ...recipe.params, l2: next } } });
    findings.push(f);
  }
}

/** An autoencoder's memorisation is judged on a sample holding at least 1/this of the training users. */
const FEW_USERS_FACTOR = 4;

/** Items with fewer training interactions than this are too thin for a collaborative model to place. */
const THIN_ITEM = 5;
/**
 * With model and popularity both at chance, the data is called too thin only when more than this
 * share of validation pairs is on items the fit part never saw, or of items is thinner than
 * THIN_ITEM; else popularity is at chance because items are about equally popular, and the model
 * is what learns nothing.
 */
const THIN_COLD_SHARE = 0.25;
const THIN_ITEM_SHARE = 0.5;

interface Thinness {
  /** Validation pairs on items the fit part never saw. */
  coldShare: number;
  /** Items of the training data with fewer than THIN_ITEM interactions. */
  thinItemShare: number;
  medianItem: number;
  items: number;
}

function thinness(data: DoctorData, train: Interactions): Thinness {
  const fitCounts = data.fit.itemCounts();
  let cold = 0;
  for (const i of data.validation.items) if (!(fitCounts[i] > 0)) cold++;
  const counts = [...train.itemCounts()].filter((c) => c > 0).sort((a, b) => a - b);
  const thin = counts.findIndex((c) => c >= THIN_ITEM);
  return {
    coldShare: cold / Math.max(1, data.validation.length),
    thinItemShare: (thin < 0 ? counts.length : thin) / Math.max(1, counts.length),
    medianItem: counts[Math.floor(counts.length / 2)] ?? 0,
    items: counts.length,
  };
}

/**
 * Chance for popularity too: the validation items are ones the data says (next to) nothing about,
 * which no model of interactions can rank. Named with the numbers that show it, on the sample and
 * on all the training data, and the filter that leaves signal.
 */
function thinDataFinding(thin: Thinness, train: Interactions, auc: number, popularity: number, epochs: number, curve: string): Finding {
  const { coldShare, thinItemShare, medianItem, items } = thin;
  const core = kCore(train, { minUserInteractions: THIN_ITEM, minItemInteractions: THIN_ITEM }).interactions.length;
  const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
  const flags = `--min-item-interactions ${THIN_ITEM} --min-user-interactions ${THIN_ITEM}`;
  // A core that keeps little is no way out: the data needs more interactions per item.
  const fix =
    core >= 0.1 * train.length
      ? `train on the ${THIN_ITEM}-core (${flags}: it keeps ${core} of the ${train.length} interactions), or give the model item features`
      : `the ${THIN_ITEM}-core (${flags}) keeps only ${core} of the ${train.length} interactions: this data needs more interactions per item (a larger part of the dataset), or item features`;
  return {
    level: 'error',
    code: 'thin-data',
    message:
      `validation AUC ${auc.toFixed(4)} after ${epochs} epochs (${curve}): no better than chance, and popularity no better either (${popularity.toFixed(4)}): ` +
      `the data is too thin to rank. ${pct(coldShare)} of the validation pairs are on items the sample's fit part never saw; in all ${train.length} training interactions, ` +
      `${pct(thinItemShare)} of the ${items} items have fewer than ${THIN_ITEM} (the median item has ${medianItem})`,
    fix,
    numbers: { validationAuc: auc, popularityAuc: popularity, coldValidationShare: coldShare, thinItemShare, medianItemInteractions: medianItem, coreInteractions: core },
  };
}

/** Training AUC of a few hundred of the fit part's users, ranking their own training items. */
function rankingAucOnFit(model: Recommender, data: DoctorData): number {
  const users = capUsers(data.fit, VALIDATION_USERS, 11);
  const r = data.relevance;
  return rankingAuc(model, users, null, r);
}

/** The autoencoders score a user from their input row alone: they have no weights of their own per user. */
function readsInputRows(o: Objective): boolean {
  return o.kind === 'multinomial' && o.batches === 'users';
}

/**
 * Training AUC for a model that scores from the user's input row. Ranked while they are in the
 * input, a user's own training items measure reconstruction (near 1 for any autoencoder with
 * light input dropout), not memorisation. So, like validation items, they are ranked from outside
 * the input: a fifth of each sampled user's training items is hidden, the rest folded in. A gap
 * to validation is then what training on those very items added: memorised pairs.
 */
export function rankingAucHiddenFromInput(model: Pick<Recommender, 'foldIn'>, data: Pick<DoctorData, 'fit' | 'relevance'>): number {
  const users = capUsers(data.fit, VALIDATION_USERS, 11);
  const { fit: input, validation: hidden } = carveValidation(users, 0.2, 11);
  const rows = input.byUser();
  let user = -1;
  let scores: Float32Array = new Float32Array(0);
  const scorer = {
    score(us: Int32Array, items: Int32Array): Float32Array {
      if (us[0] !== user) {
        user = us[0];
        const entries = new Map<number, number>();
        if (user < rows.rows) for (let k = rows.indptr[user]; k < rows.indptr[user + 1]; k++) entries.set(rows.indices[k], (entries.get(rows.indices[k]) ?? 0) + rows.values[k]);
        const history = [...entries].map(([index, weight]) => ({ index, weight })).sort((a, b) => a.index - b.index);
        scores = model.foldIn(history).scores;
      }
      return Float32Array.from(items, (i) => scores[i]);
    },
  };
  // Negatives exclude the user's whole training row, hidden part included, as for validation.
  return rankingAuc(scorer, hidden, users, data.relevance);
}

function checkTrivialMetric(
  model: Recommender,
  o: Objective,
  data: DoctorData,
  metric: string | undefined,
  recipe: ModelRecipe,
  candidates: Candidate[],
  findings: Finding[],
): void {
  if (o.kind !== 'values' || data.relevance === undefined) return;
  const r = data.relevance;
  let positives = 0;
  for (const v of data.validation.values) if (v >= r) positives++;
  const p = positives / Math.max(1, data.validation.length);
  const allPositiveF1 = (2 * p) / (1 + p);
  const scores = pointwiseScores(model, data.validation, r);
  const judged = metric !== undefined && THRESHOLD_METRICS.has(metric.toLowerCase());
  const numbers = { positiveShare: p, allPositiveF1, f1: scores.f1, accuracy: scores.accuracy, pointwiseAuc: scores.auc };
  const trivial = p >= 0.5 && scores.f1 <= allPositiveF1 + 0.02;
  if (!trivial && !(judged && p >= 0.5)) {
    findings.push({
      level: 'ok',
      code: 'trivial-metric',
      message: `validation F1 ${scores.f1.toFixed(3)} against ${allPositiveF1.toFixed(3)} for predicting "yes" everywhere (${(100 * p).toFixed(1)}% positives)`,
      numbers,
    });
    return;
  }
  const f: Finding = {
    level: 'warn',
    code: 'trivial-metric',
    message: `${(100 * p).toFixed(1)}% of the validation labels are positive: validation F1 ${scores.f1.toFixed(3)} vs ${allPositiveF1.toFixed(3)} for "recommend everything"${judged ? `, so ${metric} cannot tell this model from the trivial one` : ''}`,
    fix: 'rank instead of classify: train on the positives against sampled negatives and judge by per-user AUC beside popularity',
    numbers,
  };
  findings.push(f);
  const type = 'negatives' in getModelSpec(recipe.type).schema ? recipe.type : 'ncf';
  const schema = getModelSpec(type).schema as Record<string, unknown>;
  const kept = Object.fromEntries(Object.entries(recipe.params).filter(([k]) => k in schema && k !== 'task'));
  const fitPositives = data.fit.filter((q) => data.fit.values[q] >= r);
  const ones = fitPositives.withValues(new Float32Array(fitPositives.length).fill(1));
  const what = r === 1 && isBinary(data.fit.values) ? 'the positive labels' : `the positives (value ≥ ${r})`;
  candidates.push({
    finding: f,
    change: `${recipe.type} on labels → ${type} on ${what} with 4 sampled negatives`,
    recipe: { type, params: { ...kept, negatives: 4, loss: 'bce' }, customLoss: null },
    data: { ...data, fit: ones },
  });
  // A model made for ranking from positives only, as the second way to rank.
  const f2: Finding = { ...f, level: 'info', code: 'trivial-metric-warp', message: 'the same fix with a model made to rank from positives only', fix: `warp on ${what}` };
  findings.push(f2);
  candidates.push({
    finding: f2,
    change: `${recipe.type} on labels → warp on ${what}`,
    recipe: { type: 'warp', params: { factors: 32, epochs: 10 }, customLoss: null },
    data: { ...data, fit: ones },
  });
}

/** At most `users` whole users of a part, in a seeded random order. */
function capUsers(part: Interactions, users: number, seed: number): Interactions {
  const present = new Int32Array(part.numUsers);
  for (const u of part.users) present[u] = 1;
  let n = 0;
  for (const v of present) n += v;
  if (n <= users) return part;
  const keep = new Uint8Array(part.numUsers);
  let kept = 0;
  for (const u of new Rng(seed + 5).permutation(part.numUsers)) {
    if (kept >= users) break;
    if (present[u]) {
      keep[u] = 1;
      kept++;
    }
  }
  return part.filter((p) => keep[part.users[p]] === 1);
}

function isBinary(values: Float32Array): boolean {
  for (const v of values) if (v !== 0 && v !== 1) return false;
  return true;
}

function allAtLeast(values: Float32Array, t: number): boolean {
  for (const v of values) if (v < t) return false;
  return true;
}

function fmtRate(r: number): string {
  return r >= 0.01 ? String(Number(r.toPrecision(2))) : r.toExponential(1);
}
