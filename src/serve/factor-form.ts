import type { Recommender } from '../models/recommender.ts';
import { BilinearModel } from '../models/bilinear/model.ts';
import { MatrixFactorization } from '../models/mf/mf.ts';
import { Ials } from '../models/baselines/ials.ts';

/**
 * A factor model's scores written as s(u, i) = p_u · q_i + b_i + c_u: what an inner-product
 * index needs. c_u (a user bias, a global mean) does not change a user's ranking, so the index
 * ignores it; `rescore` gives the model's own scores for the candidates it returns.
 */
export interface FactorForm {
  /** The family, as the status reports it (`ials`, `mf`, `bilinear-dot`, `bilinear-cosine`). */
  family: string;
  dim: number;
  numItems: number;
  /** Item vectors as the model multiplies them (unit length for cosine), numItems × dim. */
  items: Float32Array;
  /** b_i: the item's score offset, measured against one reference user (see `itemOffsets`). */
  offsets: Float32Array;
  /** The user's vector p_u into `out` (length dim). */
  query(user: number, out: Float32Array): void;
  /** The model's scores of `items[0..count)` for `user` into `out`. */
  rescore(user: number, items: Int32Array, count: number, out: Float32Array): void;
}

/**
 * The factor form of models whose scores are a user vector times an item vector plus biases
 * (iALS, mf, the bilinear family), or why there is none: EASE, the kNN models, Mult-VAE and the
 * deep models score through a table or a network, and stay exact. The form is checked against
 * the model's own `scoreItems` on a sample of users before it is used (`checkFactorForm`).
 */
export function factorFormOf(model: Recommender): FactorForm | { reason: string } {
  if (model.numItems === 0 || model.numUsers === 0) return { reason: 'the model has no users or items' };
  if (model instanceof Ials) return ialsForm(model);
  if (model instanceof MatrixFactorization) return mfForm(model);
  if (model instanceof BilinearModel) return bilinearForm(model);
  return { reason: `${model.type} does not score by user and item factors (a table or a network scores it), so retrieval is exact` };
}

function ialsForm(model: Ials): FactorForm {
  const users = model.userVectors();
  const items = model.itemVectors();
  const dim = users.dim;
  const form = {
    family: 'ials',
    dim,
    numItems: model.numItems,
    items: items.data,
    query: (u: number, out: Float32Array) => copyRow(users.data, u, dim, out),
    // The same dot product, in the same order, as Ials.scoreItems: its exact scores, read from
    // the model's own tables (no copy, no allocation per call).
    rescore(u: number, ids: Int32Array, count: number, out: Float32Array) {
      const U = users.data;
      const V = items.data;
      const uo = u * dim;
      for (let r = 0; r < count; r++) {
        const io = ids[r] * dim;
        let s = 0;
        for (let d = 0; d < dim; d++) s += U[uo + d] * V[io + d];
        out[r] = s;
      }
    },
  };
  return { ...form, offsets: itemOffsets(model, form) };
}

function mfForm(model: MatrixFactorization): FactorForm {
  // The model's own tables, not getState's copies: a copy of the user table doubled the memory.
  const state = model.stateView();
  const P = state.tensors.P.data as Float32Array;
  const Q = state.tensors.Q.data as Float32Array;
  const userBias = state.tensors.userBias.data as Float32Array;
  const itemBias = state.tensors.itemBias.data as Float32Array;
  const mean = Number(state.extra?.globalMean ?? 0);
  const dim = state.tensors.P.shape[1];
  return {
    family: 'mf',
    dim,
    numItems: model.numItems,
    items: Q,
    offsets: itemBias,
    query: (u, out) => copyRow(P, u, dim, out),
    // The same arithmetic, in the same order, as MatrixFactorization.scoreItems.
    rescore(u, ids, count, out) {
      const base = mean + userBias[u];
      for (let r = 0; r < count; r++) {
        const i = ids[r];
        let s = base + itemBias[i];
        for (let d = 0; d < dim; d++) s += P[u * dim + d] * Q[i * dim + d];
        out[r] = s;
      }
    },
  };
}

/**
 * Bilinear models: user vectors are hybrid sums (id row + weighted feature rows, LightFM's), and
 * cosine scores divide by both norms (+1e-8), as BilinearScorer does. Rescoring follows the
 * scorer's arithmetic; it agrees with scoreItems up to float rounding (checkFactorForm).
 */
function bilinearForm(model: BilinearModel): FactorForm | { reason: string } {
  // The model's own tables, not getState's copies: a copy of the user table doubled the memory.
  const t = model.stateView().tensors;
  const cosine = model.config.similarity === 'cosine';
  const n = model.numItems;
  // Dot scores of items without features read the id table itself; otherwise the item vectors
  // are computed (hybrid sums) into a new table, which cosine normalises in place.
  const idTable = t['item.id'];
  const vectors =
    !cosine && idTable && !t['item.features'] ? { data: (idTable.data as Float32Array).subarray(0, n * idTable.shape[1]), dim: idTable.shape[1] } : model.itemVectors();
  if (!vectors) return { reason: 'the bilinear model is not trained' };
  const dim = vectors.dim;
  const items = vectors.data;
  if (cosine) {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let d = 0; d < dim; d++) s += items[i * dim + d] * items[i * dim + d];
      const inv = 1 / (Math.sqrt(s) + 1e-8);
      for (let d = 0; d < dim; d++) items[i * dim + d] *= inv;
    }
  }
  const users = hybridRows(t['user.id']?.data as Float32Array | undefined, t['user.features']?.data as Float32Array | undefined, model.userFeatures, model.numUsers, dim);
  const userBias =
    t['userBias.id'] || t['userBias.features']
      ? hybridRows(t['userBias.id']?.data as Float32Array, t['userBias.features']?.data as Float32Array, model.userFeatures, model.numUsers, 1)
      : null;
  const query = (u: number, out: Float32Array): void => {
    copyRow(users, u, dim, out);
    if (!cosine) return;
    let qq = 0;
    for (let d = 0; d < dim; d++) qq += out[d] * out[d];
    const scale = 1 / (Math.sqrt(qq) + 1e-8);
    for (let d = 0; d < dim; d++) out[d] *= scale;
  };
  const form = { family: cosine ? 'bilinear-cosine' : 'bilinear-dot', dim, numItems: n, items, query, rescore: (_u: number, _ids: Int32Array, _c: number, _o: Float32Array) => {} };
  const offsets = itemOffsets(model, form);
  const p = new Float32Array(dim);
  // c_u relative to the reference user, whose constant the offsets absorbed.
  const reference = userBias ? userBias[0] : 0;
  form.rescore = (u, ids, count, out) => {
    query(u, p);
    const c = userBias ? userBias[u] - reference : 0;
    for (let r = 0; r < count; r++) {
      const i = ids[r];
      let s = 0;
      for (let d = 0; d < dim; d++) s += p[d] * items[i * dim + d];
      out[r] = s + offsets[i] + c;
    }
  };
  return { ...form, offsets };
}

/** Row `r` of a rows × dim table into out[0..dim) (a loop: no subarray view allocated per call). */
function copyRow(table: Float32Array, r: number, dim: number, out: Float32Array): void {
  const o = r * dim;
  for (let d = 0; d < dim; d++) out[d] = table[o + d];
}

/** Rows of a hybrid table: id row (when present) + Σ weight × feature row, as HybridEmbedding.forward. */
function hybridRows(
  id: Float32Array | undefined,
  feat: Float32Array | undefined,
  features: { indptr: ArrayLike<number>; indices: ArrayLike<number>; weights: ArrayLike<number> } | null,
  rows: number,
  dim: number,
): Float32Array {
  // Without features a row is its id row: the table itself serves (read only), no copy.
  if (id && !(feat && features)) return id.subarray(0, rows * dim);
  const out = id ? id.slice(0, rows * dim) : new Float32Array(rows * dim);
  if (feat && features) {
    for (let r = 0; r < rows; r++) {
      for (let p = features.indptr[r]; p < features.indptr[r + 1]; p++) {
        const f = features.indices[p];
        const x = features.weights[p];
        for (let d = 0; d < dim; d++) out[r * dim + d] += x * feat[f * dim + d];
      }
    }
  }
  return out;
}

/**
 * b_i = s(u₀, i) − p_u₀ · q_i for a reference user u₀ (user 0): every item bias, plus u₀'s
 * constant, which is the same for every item and so changes no ranking. This reads the biases
 * off the model's own scores instead of its parameter names.
 */
function itemOffsets(model: Recommender, form: Pick<FactorForm, 'dim' | 'numItems' | 'items' | 'query'>): Float32Array {
  const { dim, numItems: n, items } = form;
  const scores = new Float32Array(n);
  model.scoreItems(0, scores);
  const p = new Float32Array(dim);
  form.query(0, p);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += p[d] * items[i * dim + d];
    out[i] = scores[i] - s;
  }
  return out;
}

/**
 * Whether `form` reproduces the model's scores on `users` (up to float rounding): the largest
 * difference relative to the score scale, so a wrong factor form never reaches the index.
 */
export function checkFactorForm(model: Recommender, form: FactorForm, users: Int32Array): { ok: boolean; maxError: number } {
  const n = model.numItems;
  const exact = new Float32Array(n);
  const mine = new Float32Array(n);
  const all = Int32Array.from({ length: n }, (_, i) => i);
  let maxError = 0;
  for (const u of users) {
    model.scoreItems(u, exact);
    form.rescore(u, all, n, mine);
    let scale = 1;
    for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(exact[i]));
    for (let i = 0; i < n; i++) maxError = Math.max(maxError, Math.abs(exact[i] - mine[i]) / scale);
  }
  return { ok: maxError <= 1e-4, maxError };
}
