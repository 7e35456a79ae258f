/**
 * Gradient check of the configured model at its initial point: for users who add their own loss
 * (or layer) through the library API, the gradient the trainer actually steps with, compared by
 * central differences with the training loss it reports, for a few entries of every parameter
 * tensor (embeddings, dense weights, biases).
 *
 * Both sides come from the model's own training code, so nothing is re-derived here: the model
 * is built as configured but with plain SGD at rate 1, no L2, no dropout, no weight average and
 * one batch per epoch on a small batch of the data; the gradient is read off one epoch's step (w − w′ = ∇L), and the
 * loss at w ± h is the loss that epoch reports from w ± h. Re-preparing the model with the same
 * seed before every epoch draws the same negatives, so each loss is of the same batch.
 */
import type { ModelState } from '../contracts/types.ts';
import { Rng } from '../core/rng.ts';
import type { Interactions } from '../data/interactions.ts';
import { BilinearModel } from '../models/bilinear/model.ts';
import { DeepModel } from '../models/deep/model.ts';
import type { Recommender } from '../models/recommender.ts';
import { getModelSpec } from '../models/registry.ts';
import type { Finding } from './findings.ts';
import { buildModel, type DoctorData, type ModelRecipe } from './probe.ts';

/** Interactions in the checked batch. */
const BATCH = 64;
/** Entries checked per tensor: the two largest gradients, one other the batch touched, one anywhere. */
const PER_TENSOR = 4;
/** Steps of the central differences, tried in turn until one agrees (float32 weights: none fits every entry). */
const STEPS = [1e-3, 1e-2, 1e-4];
/**
 * Worst relative error above which the gradient is wrong. Healthy models reach 2.5e-2 at worst (a
 * float32 MLP with ReLU kinks at its zero-initialised biases); a wrong custom gradient is off by O(1)
 * (half the positive's gradient: 0.35 to 1.4).
 */
export const GRADIENT_TOLERANCE = 0.1;

export interface GradientCheck {
  finding: Finding;
  /** The entry with the largest relative error. */
  worst: { tensor: string; index: number; analytic: number; numeric: number; relativeError: number };
  entries: number;
  tensors: number;
}

/** Whether the doctor can check this model's gradient (deep models, and bilinear ones with a custom loss). */
export function gradientCheckable(model: Recommender, recipe: ModelRecipe): boolean {
  return model instanceof DeepModel || (model instanceof BilinearModel && !!recipe.customLoss);
}

export async function checkGradient(recipe: ModelRecipe, data: DoctorData, seed: number): Promise<GradientCheck> {
  const t0 = performance.now();
  const schema = getModelSpec(recipe.type).schema as Record<string, unknown>;
  const shell = buildModel(recipe);
  const config = shell.config as Record<string, unknown>;
  const batch = pickBatch(data.fit, BATCH, seed);
  const negatives = typeof config.negatives === 'number' && 'batchSize' in schema ? config.negatives : 0;
  const plain: Record<string, unknown> = { optimizer: 'sgd', learningRate: 1, epochs: 1 };
  // No weight average either: with emaDecay the saved weights are the average's, which follows
  // the first step by 0.9 (its warm-up decay, 1/10), and the check would read 0.9 of the gradient.
  for (const [key, value] of Object.entries({ l2: 0, denseL2: 0, userL2: 0, itemL2: 0, biasL2: 0, dropout: 0, pretrainEpochs: 0, lrDecay: 1, emaDecay: 0 })) {
    if (key in schema) plain[key] = value;
  }
  if ('batchSize' in schema) plain.batchSize = batch.length * (1 + negatives);
  const model = buildModel({ ...recipe, params: { ...recipe.params, ...plain } });
  const options = { threads: 1, seed, log: () => {}, userFeatures: data.userFeatures, itemFeatures: data.itemFeatures };
  // The bilinear custom-loss path steps each triplet on its own term (the gradient of the summed
  // loss) and reports the mean: scale the differences of the mean up to the sum.
  const scale = model instanceof BilinearModel ? trainedPositives(batch, model.config.positiveThreshold) : 1;

  const epochFrom = async (state: ModelState | null): Promise<number> => {
    await model.fit(batch, { ...options, epochs: 0 });
    if (state) model.setState(state);
    return model.trainEpoch({ epoch: 1, rng: new Rng(seed + 13), threads: 1, options, progress: () => {} });
  };
  await model.fit(batch, { ...options, epochs: 0 });
  const start = clone(model.getState());

  const startLoss = await epochFrom(start);
  const after = model.getState();
  const grads = new Map<string, Float64Array>();
  // Errors are relative to the entry, or to the model's largest gradient for entries near zero
  // (a pairwise loss gives an output bias exactly none, which float32 leaves as noise).
  let largest = 0;
  for (const [name, t] of Object.entries(start.tensors)) {
    const w2 = after.tensors[name].data;
    const grad = Float64Array.from(t.data, (x, k) => x - w2[k]);
    for (const g of grad) largest = Math.max(largest, Math.abs(g));
    grads.set(name, grad);
  }
  const floor = Math.max(1e-3 * largest, 1e-9);

  const rng = new Rng(seed + 17);
  let worst: GradientCheck['worst'] = { tensor: '', index: -1, analytic: 0, numeric: 0, relativeError: 0 };
  let entries = 0;
  let tensors = 0;
  for (const [name, grad] of grads) {
    const picks = pickEntries(grad, rng);
    if (picks.length === 0) continue;
    tensors++;
    for (const index of picks) {
      const analytic = grad[index];
      let best = { numeric: 0, relativeError: Number.POSITIVE_INFINITY };
      for (const h of STEPS) {
        const d = await differences(epochFrom, start, startLoss, name, index, h);
        // A ReLU unit exactly at its kink (biases start at 0) makes the loss non-differentiable
        // there: backprop's subgradient is then one of the one-sided differences, not the central one.
        for (const q of [d.central, d.forward, d.backward]) {
          const numeric = scale * q;
          const relativeError = Math.abs(analytic - numeric) / Math.max(Math.abs(analytic), Math.abs(numeric), floor);
          if (relativeError < best.relativeError) best = { numeric, relativeError };
        }
        if (best.relativeError <= GRADIENT_TOLERANCE / 10) break;
      }
      entries++;
      if (best.relativeError >= worst.relativeError) worst = { tensor: name, index, analytic, numeric: best.numeric, relativeError: best.relativeError };
    }
  }
  const finding = findingOf(recipe, worst, entries, tensors, batch.length);
  finding.numbers = { ...finding.numbers, seconds: (performance.now() - t0) / 1000 };
  return { finding, worst, entries, tensors };
}

function findingOf(recipe: ModelRecipe, worst: GradientCheck['worst'], entries: number, tensors: number, rows: number): Finding {
  const numbers = { worstRelativeError: worst.relativeError, entries, tensors, analytic: worst.analytic, numeric: worst.numeric };
  const what = recipe.customLoss ? `${recipe.type} with custom loss "${recipe.customLoss.name}"` : recipe.type;
  if (entries === 0) {
    return { level: 'warn', code: 'gradient-check', message: `gradient check at the initial point: no parameter of ${what} moved on a batch of ${rows} interactions`, numbers };
  }
  const err = worst.relativeError.toExponential(1);
  if (worst.relativeError > GRADIENT_TOLERANCE) {
    return {
      level: 'error',
      code: 'gradient-check',
      message: `gradient check at the initial point: ${worst.tensor}[${worst.index}] steps with gradient ${fmt(worst.analytic)} where central differences of the training loss give ${fmt(worst.numeric)} (relative error ${err}; ${entries} entries of ${tensors} tensors checked)`,
      fix: recipe.customLoss
        ? `the trainer descends a gradient that is not the loss's: fix custom loss "${recipe.customLoss.name}"'s gradient, or leave it out and let tastebud differentiate its terms numerically`
        : `${recipe.type}'s backward pass does not match its forward pass: a bug in the model (report it)`,
      numbers,
    };
  }
  return {
    level: 'ok',
    code: 'gradient-check',
    message: `gradient check at the initial point: ${entries} entries of ${tensors} tensors match finite differences of the training loss (worst relative error ${err}, in ${worst.tensor})`,
    numbers,
  };
}

/** Central and one-sided differences of the loss in one entry, each over the step actually taken (float32 storage rounds w ± h). */
async function differences(
  epochFrom: (s: ModelState) => Promise<number>,
  start: ModelState,
  startLoss: number,
  name: string,
  index: number,
  h: number,
): Promise<{ central: number; forward: number; backward: number }> {
  const w = start.tensors[name].data[index];
  const at = async (delta: number): Promise<[number, number]> => {
    const s = clone(start);
    const data = s.tensors[name].data;
    data[index] += delta;
    return [await epochFrom(s), data[index]];
  };
  const [up, hi] = await at(h);
  const [down, lo] = await at(-h);
  return { central: (up - down) / (hi - lo), forward: (up - startLoss) / (hi - w), backward: (startLoss - down) / (w - lo) };
}

/** The two largest gradients, another entry the batch moved, and one anywhere (a gradient missing where there should be one). */
function pickEntries(grad: Float64Array, rng: Rng): number[] {
  const moved: number[] = [];
  for (let k = 0; k < grad.length; k++) if (grad[k] !== 0) moved.push(k);
  if (moved.length === 0) return [];
  moved.sort((a, b) => Math.abs(grad[b]) - Math.abs(grad[a]));
  const picks = new Set(moved.slice(0, 2));
  if (moved.length > 2) picks.add(moved[2 + rng.int(moved.length - 2)]);
  picks.add(rng.int(grad.length));
  return [...picks].slice(0, PER_TENSOR);
}

function pickBatch(fit: Interactions, n: number, seed: number): Interactions {
  if (fit.length <= n) return fit;
  const keep = new Uint8Array(fit.length);
  for (const p of new Rng(seed + 11).permutation(fit.length).subarray(0, n)) keep[p] = 1;
  return fit.filter((p) => keep[p] === 1);
}

function trainedPositives(batch: Interactions, threshold: number | null): number {
  if (threshold === null) return batch.length;
  let n = 0;
  for (const v of batch.values) if (v >= threshold) n++;
  return n;
}

function clone(state: ModelState): ModelState {
  const tensors: ModelState['tensors'] = {};
  for (const [name, t] of Object.entries(state.tensors)) tensors[name] = { shape: t.shape.slice(), data: t.data.slice() };
  return { tensors, extra: state.extra };
}

function fmt(x: number): string {
  return Math.abs(x) >= 1e-3 || x === 0 ? x.toPrecision(4) : x.toExponential(3);
}
