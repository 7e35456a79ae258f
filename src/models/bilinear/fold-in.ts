/**
 * Fold-in for the bilinear models: a new user's vector fitted to their history against the
 * fixed item side (item vectors and biases never move), by a few seeded epochs of the model's
 * own kind of loss on sampled negatives: `logistic` is binary cross-entropy on each positive
 * and its negatives; `bpr`, `warp` and `adaptive-hinge` use BPR's pairwise log-sigmoid (WARP's
 * rank weighting is left out); `margin` is the triplet hinge on the same similarity. Plain
 * Adagrad on the one vector, with the model's user L2. Deterministic for a history.
 */
import { Rng } from '../../core/rng.ts';
import type { HistoryEntry } from '../../contracts/types.ts';
import type { BilinearConfig } from './config.ts';

/** Epochs over the history when fitting a folded-in user vector. */
export const FOLD_IN_EPOCHS = 40;

/** Item side of a trained model as fold-in needs it: rows (unit length for cosine) and biases. */
export interface FixedItems {
  items: Float32Array;
  biases: Float32Array | null;
  dim: number;
  count: number;
}

/** The fitted user vector (length dim); cosine models score with its direction only. */
export function fitUserVector(history: HistoryEntry[], side: FixedItems, c: BilinearConfig): Float32Array {
  const { items, biases, dim, count } = side;
  let seed = c.seed ?? 0;
  for (const h of history) seed = Math.imul(seed ^ h.index, 0x01000193) >>> 0;
  const rng = new Rng(seed);
  const scale = c.initScale;
  const p = new Float32Array(dim);
  for (let d = 0; d < dim; d++) p[d] = rng.uniform(-scale, scale);
  const acc = new Float64Array(dim).fill(c.initialAccumulator ?? 1);
  const grad = new Float64Array(dim);
  const own = new Set(history.map((h) => h.index));
  if (own.size >= count) return p;
  const cosine = c.similarity === 'cosine';
  const negatives = c.loss === 'logistic' ? c.negatives : 1;
  const lr = c.learningRate;
  const l2 = c.userL2;
  /** Similarity of p to item i, and adds coef·∂sim/∂p to grad. */
  const sim = (i: number): number => {
    let s = 0;
    for (let d = 0; d < dim; d++) s += p[d] * items[i * dim + d];
    if (!cosine) return s;
    let pp = 0;
    for (let d = 0; d < dim; d++) pp += p[d] * p[d];
    return s / (Math.sqrt(pp) + 1e-8);
  };
  const addGrad = (i: number, coef: number): void => {
    if (!cosine) {
      for (let d = 0; d < dim; d++) grad[d] += coef * items[i * dim + d];
      return;
    }
    let pp = 0;
    let s = 0;
    for (let d = 0; d < dim; d++) {
      pp += p[d] * p[d];
      s += p[d] * items[i * dim + d];
    }
    const norm = Math.sqrt(pp) + 1e-8;
    for (let d = 0; d < dim; d++) grad[d] += (coef * (items[i * dim + d] - (s / (norm * norm)) * p[d])) / norm;
  };
  const bias = (i: number) => (biases ? biases[i] : 0);
  const order = history.map((h) => h.index);
  for (let epoch = 0; epoch < FOLD_IN_EPOCHS; epoch++) {
    rng.shuffle(order);
    for (const pos of order) {
      grad.fill(0);
      const sp = sim(pos) + bias(pos);
      for (let k = 0; k < negatives; k++) {
        let neg = rng.int(count);
        while (own.has(neg)) neg = rng.int(count);
        const sn = sim(neg) + bias(neg);
        if (c.loss === 'logistic') {
          addGrad(neg, sigmoid(sn));
        } else if (c.loss === 'margin') {
          if (c.margin - sp + sn > 0) {
            addGrad(pos, -1);
            addGrad(neg, 1);
          }
        } else {
          const g = -sigmoid(-(sp - sn));
          addGrad(pos, g);
          addGrad(neg, -g);
        }
      }
      if (c.loss === 'logistic') addGrad(pos, sigmoid(sp) - 1);
      for (let d = 0; d < dim; d++) {
        const g = grad[d] + l2 * p[d];
        acc[d] += g * g;
        p[d] -= (lr * g) / Math.sqrt(acc[d]);
      }
    }
  }
  return p;
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
