/**
 * Fold-in for the deep models: a new user's id-embedding rows are fitted to their history with
 * a few steps of the model's own loss (BCE or sampled softmax with sampled negatives, BPR or margin on sampled
 * pairs, MSE/MAE on the given ratings), every item row and the network held fixed, seeded so
 * the same history always gives the same scores. The user's rows are every parameter row a
 * user id selects (`user.id`, NeuMF's `gmf.user.id`, neural-rating's `user.bias.id`, DeepFM's
 * shared `embeddings` / `linear` rows, whose first numUsers rows are the user ids).
 *
 * For the concat tower (ncf, match) and NeuMF the gradient is exact: back through the fusing
 * layer and the MLP to its input (the dense layers' gradient buffers are overwritten, as every
 * training batch does before it steps; no embedding is touched). For the other towers (DeepFM,
 * neural-rating) it is by finite differences through the tower's own
 * inference forward, so it works without a tower-specific backward: the P + 1 evaluations of one step (the
 * rows, and each of the P user coordinates nudged) go through the network as one batch, using
 * P + 1 training users' rows as scratch (saved before and restored after, synchronously, so no
 * other caller ever sees them). Cost per fold-in: at most FOLD_IN_STEPS × FOLD_IN_ROW_BUDGET
 * forward rows.
 *
 * Where the tower cannot take it (user metadata features, whose vectors a history says nothing
 * about; fewer training users than P + 1) the stand-in below is used: the similarity-weighted
 * mean of the scores of the history's most similar training users.
 */
import type { Param } from '../../core/params.ts';
import { logSumExp } from '../../core/losses.ts';
import { Rng } from '../../core/rng.ts';
import type { HistoryEntry } from '../../contracts/types.ts';
import type { Csr } from '../../data/interactions.ts';
import { ConcatTower } from './concat-tower.ts';
import { NeuMFTower } from './neumf-tower.ts';
import type { Tower } from './tower.ts';

/** Adam steps on the user rows. */
export const FOLD_IN_STEPS = 40;
/** Adam's learning rate for them. */
export const FOLD_IN_LEARNING_RATE = 0.03;
/** History items used per fold-in at most (the heaviest first; fewer when FOLD_IN_ROW_BUDGET binds). */
export const FOLD_IN_MAX_POSITIVES = 32;
/** Sampled negatives per positive (BCE / softmax rows, or BPR / margin pairs). */
export const FOLD_IN_NEGATIVES = 4;
/** A softmax group's rows: the positive and its negatives. */
const SOFTMAX_GROUP = 1 + FOLD_IN_NEGATIVES;
/** Rows through the network per step, all P + 1 evaluations together: caps positives when P is large. */
export const FOLD_IN_ROW_BUDGET = 2048;
/** Finite-difference step on a user coordinate. */
const EPS = 1e-3;

/** The loss a deep model trains with, as its config names it. */
export type FoldInLoss = 'bce' | 'softmax' | 'mse' | 'mae' | 'bpr' | 'margin';

/** A parameter with user rows: row `u` (for u < numUsers) is user u's. */
interface UserSlice {
  param: Param;
  cols: number;
}

/** Parameter names whose rows are selected by a user id (see the file comment). */
const USER_ROWS = /^(?:(?:.*\.)?user(?:\.bias)?\.id|embeddings|linear)$/;

/** The tower's user-row parameters, or null when there are none. */
export function userSlices(tower: Tower, numUsers: number): UserSlice[] | null {
  const slices = tower
    .params()
    .filter((p) => USER_ROWS.test(p.name) && p.rows >= numUsers)
    .map((param) => ({ param, cols: param.cols }));
  return slices.length > 0 ? slices : null;
}

export interface FitUserOptions {
  tower: Tower;
  slices: UserSlice[];
  numUsers: number;
  numItems: number;
  loss: FoldInLoss;
  /** Hinge margin for 'margin'. */
  margin: number;
  /** L2 on the fitted rows (the model's embedding l2). */
  l2: number;
  seed: number;
  /** Finite differences even where the exact gradient is available (tests compare the two). */
  finiteDifferences?: boolean;
  /** Adam steps (default FOLD_IN_STEPS). */
  steps?: number;
  /** Sees each step's loss gradient (before L2), for gradient checks. */
  onGradient?: (step: number, grad: Float64Array) => void;
}

/**
 * Fits a user's rows to `history` and calls `score(scratchUser)` with them in place (e.g. to
 * score the catalogue), then restores the scratch rows. Returns false (nothing called) when the
 * tower cannot take it: too few training users to serve as scratch.
 */
export function withFittedUser(o: FitUserOptions, history: HistoryEntry[], score: (scratchUser: number) => void): boolean {
  const P = o.slices.reduce((s, x) => s + x.cols, 0);
  if (o.numUsers < P + 1) return false;
  const rng = new Rng(o.seed);
  const perPositive = o.loss === 'mse' || o.loss === 'mae' ? 1 : 1 + FOLD_IN_NEGATIVES;
  const maxPositives = Math.max(1, Math.min(FOLD_IN_MAX_POSITIVES, Math.floor(FOLD_IN_ROW_BUDGET / ((P + 1) * perPositive))));
  const rows = trainingRows(history, o, rng, maxPositives);
  const R = rows.items.length; // rows per evaluation (pairs: positives then negatives)
  const scratch = Int32Array.from({ length: P + 1 }, (_, k) => k);
  const saved = o.slices.map(({ param, cols }) => param.data.slice(0, (P + 1) * cols));
  try {
    // Start from the mean training user: a history-free guess the network has seen the like of.
    const v = meanUser(o.slices, o.numUsers);
    const m = new Float64Array(P);
    const s2 = new Float64Array(P);
    const users = new Int32Array((P + 1) * R);
    const items = new Int32Array((P + 1) * R);
    for (let k = 0; k <= P; k++) {
      users.fill(scratch[k], k * R, (k + 1) * R);
      items.set(rows.items, k * R);
    }
    const losses = new Float64Array(P + 1);
    const grad = new Float64Array(P);
    const exact = o.finiteDifferences ? null : exactGradient(o);
    const dz = new Float32Array(R);
    for (let step = 1; step <= (o.steps ?? FOLD_IN_STEPS); step++) {
      if (exact) {
        writeUser(o.slices, scratch[0], v, -1, 0);
        o.tower.fill(users, items, R);
        rowsLossGrad(o, rows, o.tower.forward(R, null), dz);
        exact(dz, R, rows.items, grad);
      } else {
        for (let k = 0; k <= P; k++) writeUser(o.slices, scratch[k], v, k === 0 ? -1 : k - 1, EPS);
        o.tower.fill(users, items, users.length);
        const z = o.tower.forward(users.length, null);
        for (let k = 0; k <= P; k++) losses[k] = rowsLoss(o, rows, z, k * R);
        for (let j = 0; j < P; j++) grad[j] = (losses[j + 1] - losses[0]) / EPS;
      }
      o.onGradient?.(step, grad);
      for (let j = 0; j < P; j++) {
        const g = grad[j] + 2 * o.l2 * v[j];
        m[j] = 0.9 * m[j] + 0.1 * g;
        s2[j] = 0.999 * s2[j] + 0.001 * g * g;
        const mh = m[j] / (1 - 0.9 ** step);
        const vh = s2[j] / (1 - 0.999 ** step);
        v[j] -= (FOLD_IN_LEARNING_RATE * mh) / (Math.sqrt(vh) + 1e-8);
      }
    }
    writeUser(o.slices, scratch[0], v, -1, 0);
    score(scratch[0]);
  } finally {
    o.slices.forEach(({ param }, s) => param.data.set(saved[s], 0));
  }
  return true;
}

interface Rows {
  items: Int32Array;
  /** BCE / softmax / MSE / MAE: each row's label. Pairs: unused. */
  labels: Float32Array;
  /** BPR / margin: rows [0, pairs) are positives, [pairs, 2·pairs) their negatives. */
  pairs: number;
}

/** The rows one evaluation scores: positives (the heaviest history items) and sampled negatives. */
function trainingRows(history: HistoryEntry[], o: FitUserOptions, rng: Rng, maxPositives: number): Rows {
  const positives = [...history].sort((a, b) => b.weight - a.weight || a.index - b.index).slice(0, maxPositives);
  const own = new Set(history.map((h) => h.index));
  const negative = (): number => {
    if (own.size >= o.numItems) return rng.int(o.numItems);
    for (;;) {
      const i = rng.int(o.numItems);
      if (!own.has(i)) return i;
    }
  };
  const items: number[] = [];
  const labels: number[] = [];
  if (o.loss === 'mse' || o.loss === 'mae') {
    for (const h of positives) {
      items.push(h.index);
      labels.push(h.weight);
    }
  } else if (o.loss === 'bce' || o.loss === 'softmax') {
    // Softmax groups: the positive first, then its FOLD_IN_NEGATIVES negatives.
    for (const h of positives) {
      items.push(h.index);
      labels.push(1);
      for (let k = 0; k < FOLD_IN_NEGATIVES; k++) {
        items.push(negative());
        labels.push(0);
      }
    }
  } else {
    const pos: number[] = [];
    const neg: number[] = [];
    for (const h of positives) {
      for (let k = 0; k < FOLD_IN_NEGATIVES; k++) {
        pos.push(h.index);
        neg.push(negative());
      }
    }
    items.push(...pos, ...neg);
  }
  const pairs = o.loss === 'bpr' || o.loss === 'margin' ? items.length / 2 : 0;
  return { items: Int32Array.from(items), labels: Float32Array.from(labels), pairs };
}

/** Mean loss of the rows whose outputs start at z[offset]. */
function rowsLoss(o: FitUserOptions, rows: Rows, z: Float32Array, offset: number): number {
  const n = rows.items.length;
  let total = 0;
  if (rows.pairs > 0) {
    for (let k = 0; k < rows.pairs; k++) {
      const d = z[offset + k] - z[offset + rows.pairs + k];
      total += o.loss === 'bpr' ? softplus(-d) : Math.max(0, o.margin - d);
    }
    return total / rows.pairs;
  }
  if (o.loss === 'softmax') {
    // As training's pointwiseLoss: each group's cross-entropy, summed and shared over the rows.
    for (let g = 0; g < n; g += SOFTMAX_GROUP) total += logSumExp(z, offset + g, SOFTMAX_GROUP) - z[offset + g];
    return total / n;
  }
  for (let r = 0; r < n; r++) {
    const s = z[offset + r];
    const y = rows.labels[r];
    if (o.loss === 'bce') total += softplus(s) - y * s;
    else if (o.loss === 'mse') total += (s - y) * (s - y);
    else total += Math.abs(s - y);
  }
  return total / n;
}

/**
 * The exact gradient of the user's coordinates from dL/dz of the last forward (over rows whose
 * items are `items`), for the towers whose structure is known here; null for the others.
 */
function exactGradient(o: FitUserOptions): ((dz: Float32Array, n: number, items: Int32Array, grad: Float64Array) => void) | null {
  const t = o.tower;
  const only = (...params: (Param | null)[]): boolean => o.slices.length === params.length && o.slices.every((s, k) => s.param === params[k]);
  // ncf / match: dL/du is the user half of the MLP's input gradient, summed over the rows.
  if (t instanceof ConcatTower && only(t.users.table.id)) {
    return (dz, n, _items, grad) => mlpUserGradient(t, t.mlp.backwardBatch(dz, n)!, n, grad, 0);
  }
  // NeuMF: through the fusing layer into the MLP branch (as above) and the GMF product u∘q.
  if (t instanceof NeuMFTower && only(t.mlp.users.table.id, t.gmfUsers.table.id)) {
    const g = t.g;
    const q = new Float32Array(g);
    return (dz, n, items, grad) => {
      const w = g + t.hl;
      const dF = t.fuse.backwardBatch(dz, n)!;
      const dh = new Float32Array(n * t.hl);
      for (let r = 0; r < n; r++) for (let j = 0; j < t.hl; j++) dh[r * t.hl + j] = dF[r * w + g + j];
      const du = t.mlp.users.dim;
      mlpUserGradient(t.mlp, t.mlp.mlp.backwardBatch(dh, n)!, n, grad, 0);
      for (let d = 0; d < g; d++) grad[du + d] = 0;
      for (let r = 0; r < n; r++) {
        t.gmfItems.table.forward(items[r], q, 0);
        for (let d = 0; d < g; d++) grad[du + d] += dF[r * w + d] * q[d];
      }
    };
  }
  return null;
}

/** grad[at ..] = the user half of a concat tower's input gradient dx (n rows), summed. */
function mlpUserGradient(t: ConcatTower, dx: Float32Array, n: number, grad: Float64Array, at: number): void {
  const du = t.users.dim;
  const width = du + t.items.dim;
  for (let j = 0; j < du; j++) grad[at + j] = 0;
  for (let r = 0; r < n; r++) for (let j = 0; j < du; j++) grad[at + j] += dx[r * width + j];
}

/** dL/dz of rowsLoss for the first evaluation's rows (z[0 .. rows)), into dz. */
function rowsLossGrad(o: FitUserOptions, rows: Rows, z: Float32Array, dz: Float32Array): void {
  const n = rows.items.length;
  if (rows.pairs > 0) {
    for (let k = 0; k < rows.pairs; k++) {
      const d = z[k] - z[rows.pairs + k];
      const g = (o.loss === 'bpr' ? -1 / (1 + Math.exp(d)) : o.margin - d > 0 ? -1 : 0) / rows.pairs;
      dz[k] = g;
      dz[rows.pairs + k] = -g;
    }
    return;
  }
  if (o.loss === 'softmax') {
    for (let g = 0; g < n; g += SOFTMAX_GROUP) {
      const lse = logSumExp(z, g, SOFTMAX_GROUP);
      for (let r = g; r < g + SOFTMAX_GROUP; r++) dz[r] = (Math.exp(z[r] - lse) - (r === g ? 1 : 0)) / n;
    }
    return;
  }
  for (let r = 0; r < n; r++) {
    const s = z[r];
    const y = rows.labels[r];
    dz[r] = (o.loss === 'bce' ? 1 / (1 + Math.exp(-s)) - y : o.loss === 'mse' ? 2 * (s - y) : Math.sign(s - y)) / n;
  }
}

function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** The mean of every training user's rows, as one vector over the slices. */
function meanUser(slices: UserSlice[], numUsers: number): Float64Array {
  const v = new Float64Array(slices.reduce((s, x) => s + x.cols, 0));
  let at = 0;
  for (const { param, cols } of slices) {
    for (let u = 0; u < numUsers; u++) for (let c = 0; c < cols; c++) v[at + c] += param.data[u * cols + c] / numUsers;
    at += cols;
  }
  return v;
}

/** Writes v (coordinate `nudge` plus eps) into user row `row` of every slice. */
function writeUser(slices: UserSlice[], row: number, v: Float64Array, nudge: number, eps: number): void {
  let at = 0;
  for (const { param, cols } of slices) {
    for (let c = 0; c < cols; c++) param.data[row * cols + c] = v[at + c] + (at + c === nudge ? eps : 0);
    at += cols;
  }
}

// ---- the stand-in: nearest training users

/** Training users whose scores are averaged. */
export const FOLD_IN_NEIGHBOURS = 20;

export interface NeighbourIndex {
  /** Item → training users (CSR over items). */
  indptr: Int32Array;
  users: Int32Array;
  /** √(distinct items) of each user. */
  norms: Float64Array;
}

/** Item → users index of the kept training rows. */
export function neighbourIndex(seen: Csr, numItems: number): NeighbourIndex {
  const counts = new Int32Array(numItems + 1);
  const norms = new Float64Array(seen.rows);
  for (let u = 0; u < seen.rows; u++) {
    for (let p = seen.indptr[u]; p < seen.indptr[u + 1]; p++) {
      if (p > seen.indptr[u] && seen.indices[p - 1] === seen.indices[p]) continue;
      counts[seen.indices[p] + 1]++;
      norms[u]++;
    }
    norms[u] = Math.sqrt(norms[u]);
  }
  for (let i = 0; i < numItems; i++) counts[i + 1] += counts[i];
  const fill = counts.slice(0, numItems);
  const users = new Int32Array(counts[numItems]);
  for (let u = 0; u < seen.rows; u++) {
    for (let p = seen.indptr[u]; p < seen.indptr[u + 1]; p++) {
      if (p > seen.indptr[u] && seen.indices[p - 1] === seen.indices[p]) continue;
      users[fill[seen.indices[p]]++] = u;
    }
  }
  return { indptr: counts, users, norms };
}

/** The most similar training users to a history (cosine, binary training rows), with their similarities. */
export function nearestUsers(index: NeighbourIndex, history: HistoryEntry[], k = FOLD_IN_NEIGHBOURS): { users: Int32Array; sims: Float64Array } {
  const dots = new Map<number, number>();
  let hh = 0;
  for (const { index: i, weight } of history) {
    hh += weight * weight;
    for (let q = index.indptr[i]; q < index.indptr[i + 1]; q++) dots.set(index.users[q], (dots.get(index.users[q]) ?? 0) + weight);
  }
  const norm = Math.sqrt(hh) + 1e-12;
  const ranked = [...dots]
    .map(([u, d]) => [u, d / (norm * index.norms[u])] as const)
    .filter(([, s]) => s > 0)
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, k);
  return { users: Int32Array.from(ranked, ([u]) => u), sims: Float64Array.from(ranked, ([, s]) => s) };
}
