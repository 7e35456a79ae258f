/**
 * The two towers and their in-batch sampled-softmax loss with the log-Q correction (Yi, Yang,
 * Hong, Cheng, Heldt, Kumthekar, Zhao, Wei & Chi 2019, "Sampling-Bias-Corrected Neural Modeling
 * for Large Corpus Item Recommendations", RecSys; the user tower's averaged history follows
 * Covington, Adams & Sargin 2016, "Deep Neural Networks for YouTube Recommendations"):
 *
 *   user tower   x_u = [ id_u + Σ user features ; mean of the user's history items' vectors ]
 *                u = normalise(MLP_u(x_u))
 *   item tower   x_i = id_i + Σ item features,   v = normalise(MLP_i(x_i))
 *   score        s(u, i) = ⟨u, v⟩ / τ
 *   loss         for a batch of B positive pairs (u_b, i_b) and C ≥ B candidates (the batch's own
 *                items, then any extra sampled negatives): per row b,
 *                −log softmax_j( s(u_b, c_j) − log Q_j )_b, averaged over the batch; candidates
 *                equal to i_b other than j = b itself (accidental hits) are left out.
 *                With the full softmax the candidates are every item, the column of i_b is the
 *                positive and no log Q is needed (nothing is sampled).
 *
 * Q_j is how likely item c_j was to be a candidate (in-batch: proportional to its frequency), so
 * subtracting log Q_j undoes the popularity bias of in-batch negatives. While training, the
 * target item is left out of the user's history mean (it would leak the label); scoring uses the
 * whole history. With a history sampler (`historyLimit`), a user whose history would be longer
 * than H gets a uniform sample of H items of their row for the batch instead (history-sample.ts),
 * the target left out when it was drawn; the gradient reaches the sampled items only.
 */
import { logSumExp } from '../../core/losses.ts';
import type { FeatureMatrix } from '../../contracts/types.ts';
import { matmul, matmulTransA, matmulTransB } from '../../core/matmul.ts';
import type { Activation } from '../../core/activations.ts';
import { Mlp } from '../../core/mlp.ts';
import { Param, type OptimizerConfig } from '../../core/params.ts';
import type { Rng } from '../../core/rng.ts';
import type { Csr } from '../../data/interactions.ts';
import type { SparseGradTable } from '../../core/sparse-grad.ts';
import { EmbeddingBag } from './embedding-bag.ts';
import { HistoryGradient } from './history-gradient.ts';
import type { HistorySampler } from './history-sample.ts';

export interface TwoTowerShape {
  numUsers: number;
  numItems: number;
  /** Width of the id / feature / history embeddings. */
  embeddingDim: number;
  /** Output (retrieval) vector size. */
  factors: number;
  /** Hidden layer sizes of each tower; [] = a linear map. */
  layers: number[];
  /** The hidden layers' activation. */
  activation: Activation;
  userIdentity: boolean;
  itemIdentity: boolean;
  /** Put the mean of the user's history item vectors in the user tower. */
  history: boolean;
  userFeatures: FeatureMatrix | null;
  itemFeatures: FeatureMatrix | null;
}

/** A (name, parameter, gradient) triple for the gradient check. */
export interface NamedGradient {
  param: Param;
  grad: Float32Array;
}

const NORM_EPSILON = 1e-12;

export class TwoTowerNet {
  readonly shape: TwoTowerShape;
  readonly user: EmbeddingBag | null;
  readonly item: EmbeddingBag;
  /** History item vectors (items × embeddingDim), or null. */
  readonly historyTable: Param | null;
  /** The batch's gradient of `historyTable`, over the items it touches only. */
  private readonly historyGrad: HistoryGradient | null;
  readonly userTower: Mlp;
  readonly itemTower: Mlp;
  private readonly userInDim: number;

  // Batch buffers.
  private B = 0;
  private C = 0;
  private users: Int32Array = new Int32Array(0);
  private targets: Int32Array = new Int32Array(0);
  private candidates: Int32Array = new Int32Array(0);
  private rows: Csr | null = null;
  private userIn = new Float32Array(0);
  private itemIn = new Float32Array(0);
  private u = new Float32Array(0);
  private v = new Float32Array(0);
  private uNorm = new Float32Array(0);
  private vNorm = new Float32Array(0);
  private logits = new Float32Array(0);
  private du = new Float32Array(0);
  private dv = new Float32Array(0);
  private historyCount = new Int32Array(0);
  // Distinct users of the batch: a slot each, with their history sum and its gradient.
  private slotOf = new Int32Array(0);
  private slotUser = new Int32Array(0);
  private slotOfRow = new Int32Array(0);
  private slotSum = new Float32Array(0);
  private slotGrad = new Float32Array(0);
  private slots = 0;
  // A bounded history (historyLimit): the sampled items of each slot whose row was longer, and
  // whether each row's target is among the items its history mean was taken over.
  private sampler: HistorySampler | null = null;
  private slotSampled = new Uint8Array(0);
  private slotItems = new Int32Array(0);
  private positions = new Int32Array(0);
  private targetInHistory = new Uint8Array(0);

  /** `shared`: the weights and optimizer state in shared memory from the start, for Hogwild workers (no copy later). */
  constructor(shape: TwoTowerShape, optimizer: OptimizerConfig, rng: Rng, embeddingStd: number, shared = false) {
    this.shape = shape;
    const E = shape.embeddingDim;
    const hasUserSide = shape.userIdentity || shape.userFeatures !== null;
    if (!hasUserSide && !shape.history) throw new Error('two-tower: the user tower needs ids, features or the history');
    this.user = hasUserSide
      ? new EmbeddingBag({ rows: shape.numUsers, dim: E, identity: shape.userIdentity, features: shape.userFeatures, optimizer, name: 'user', shared })
      : null;
    this.item = new EmbeddingBag({ rows: shape.numItems, dim: E, identity: shape.itemIdentity, features: shape.itemFeatures, optimizer, name: 'item', shared });
    this.historyTable = shape.history ? new Param('user.history', shape.numItems, E, optimizer, { shared }) : null;
    this.historyGrad = shape.history ? new HistoryGradient(shape.numItems, E) : null;
    this.user?.init(embeddingStd, rng);
    this.item.init(embeddingStd, rng);
    this.historyTable?.init({ kind: 'normal', std: embeddingStd }, rng);
    this.userInDim = (this.user ? E : 0) + (shape.history ? E : 0);
    this.userTower = new Mlp(rng, {
      inputDim: this.userInDim,
      layers: shape.layers,
      outputDim: shape.factors,
      activation: shape.activation,
      optimizer,
      name: 'user.tower',
      shared,
    });
    this.itemTower = new Mlp(rng, { inputDim: E, layers: shape.layers, outputDim: shape.factors, activation: shape.activation, optimizer, name: 'item.tower', shared });
  }

  /**
   * Training batches from now on take at most `sampler.limit` history items per user (a fresh
   * uniform sample per batch), or the whole history with null. Scoring always uses the whole history.
   */
  sampleHistory(sampler: HistorySampler | null): void {
    this.sampler = sampler;
  }

  params(): Param[] {
    return [...(this.user?.params() ?? []), ...(this.historyTable ? [this.historyTable] : []), ...this.userTower.params(), ...this.item.params(), ...this.itemTower.params()];
  }

  /** Every parameter with its gradient from the last `backward` (for the gradient check). */
  gradients(): NamedGradient[] {
    const tables = [this.user?.id, this.user?.feat, this.item.id, this.item.feat].filter((t): t is SparseGradTable => !!t);
    const out: NamedGradient[] = tables.map((t) => ({ param: t.param, grad: t.grad }));
    if (this.historyTable && this.historyGrad) out.push({ param: this.historyTable, grad: this.historyGrad.dense() });
    for (const mlp of [this.userTower, this.itemTower])
      for (const layer of mlp.layers()) out.push({ param: layer.weight, grad: layer.gradWeight }, { param: layer.bias, grad: layer.gradBias });
    return out;
  }

  // ---- inputs ----

  /**
   * The user tower's input of `user` into out[offset ..): its bag, then its history mean over
   * `rows` (the items of row `user`, or of `rows` row 0 for a folded-in history), skipping one
   * occurrence of `skip` (the training target; −1 for none). Returns the history count used.
   */
  private userInput(user: number, rows: Csr | null, row: number, skip: number, out: Float32Array, offset: number): number {
    const E = this.shape.embeddingDim;
    let o = offset;
    if (this.user) {
      if (user >= 0) this.user.forward(user, out, o);
      else out.fill(0, o, o + E);
      o += E;
    }
    if (!this.historyTable) return 0;
    out.fill(0, o, o + E);
    if (!rows || row >= rows.rows) return 0;
    const h = this.historyTable.data;
    let count = 0;
    let skipped = skip < 0;
    for (let p = rows.indptr[row]; p < rows.indptr[row + 1]; p++) {
      const k = rows.indices[p];
      if (!skipped && k === skip) {
        skipped = true;
        continue;
      }
      for (let d = 0; d < E; d++) out[o + d] += h[k * E + d];
      count++;
    }
    if (count > 0) for (let d = 0; d < E; d++) out[o + d] /= count;
    return count;
  }

  private ensure(B: number, C: number): void {
    const D = this.shape.factors;
    const E = this.shape.embeddingDim;
    if (this.userIn.length < B * this.userInDim) this.userIn = new Float32Array(B * this.userInDim);
    if (this.u.length < B * D) {
      this.u = new Float32Array(B * D);
      this.du = new Float32Array(B * D);
      this.uNorm = new Float32Array(B);
      this.historyCount = new Int32Array(B);
    }
    if (this.itemIn.length < C * E) this.itemIn = new Float32Array(C * E);
    if (this.v.length < C * D) {
      this.v = new Float32Array(C * D);
      this.dv = new Float32Array(C * D);
      this.vNorm = new Float32Array(C);
    }
    if (this.logits.length < B * C) this.logits = new Float32Array(B * C);
  }

  // ---- training ----

  /**
   * Mean loss of a batch: B positive pairs (users[b], targets[b]) with their histories in `rows`,
   * C candidates (candidates[0..B) = targets, then extra negatives) and log Q per candidate.
   * `positives[b]` is the candidate column of row b's target: null for the in-batch layout
   * (column b); the full softmax passes every item as the candidates and the targets as columns.
   * Keeps what `backward` needs.
   */
  forward(
    users: Int32Array,
    targets: Int32Array,
    B: number,
    candidates: Int32Array,
    C: number,
    logQ: Float32Array,
    rows: Csr,
    temperature: number,
    positives: Int32Array | null = null,
  ): number {
    this.ensure(B, C);
    this.B = B;
    this.C = C;
    this.users = users;
    this.targets = targets;
    this.candidates = candidates;
    this.rows = rows;
    const E = this.shape.embeddingDim;
    const D = this.shape.factors;
    this.batchInputs(users, targets, B, rows);
    for (let j = 0; j < C; j++) this.item.forward(candidates[j], this.itemIn, j * E);
    normaliseRows(this.userTower.forwardBatch(this.userIn, B), B, D, this.u, this.uNorm);
    normaliseRows(this.itemTower.forwardBatch(this.itemIn, C), C, D, this.v, this.vNorm);
    const logits = this.logits;
    matmulTransB(this.u, this.v, logits, B, D, C);
    const inv = 1 / temperature;
    let loss = 0;
    for (let b = 0; b < B; b++) {
      const o = b * C;
      const pos = positives ? positives[b] : b;
      for (let j = 0; j < C; j++) {
        const hit = j !== pos && candidates[j] === targets[b];
        logits[o + j] = hit ? -Infinity : logits[o + j] * inv - logQ[j];
      }
      const lse = logSumExp(logits, o, C);
      loss += lse - logits[o + pos];
      // dLoss/dlogit (softmax − one-hot) / B, kept in place for backward.
      for (let j = 0; j < C; j++) logits[o + j] = Math.exp(logits[o + j] - lse) / B;
      logits[o + pos] -= 1 / B;
    }
    this.scale = inv;
    return loss / B;
  }

  private scale = 1;

  /** Accumulates every gradient of the last `forward` (embedding rows sparsely; clears first). */
  backward(): void {
    const { B, C } = this;
    const D = this.shape.factors;
    const E = this.shape.embeddingDim;
    const dl = this.logits;
    for (let k = 0; k < B * C; k++) dl[k] *= this.scale;
    matmul(dl, this.v, null, this.du, B, C, D);
    matmulTransA(dl, this.u, this.dv, B, C, D);
    normaliseBackward(this.u, this.uNorm, this.du, B, D);
    normaliseBackward(this.v, this.vNorm, this.dv, C, D);
    const dUserIn = this.userTower.backwardBatch(this.du, B, true)!;
    const dItemIn = this.itemTower.backwardBatch(this.dv, C, true)!;
    this.clearTables();
    for (let j = 0; j < C; j++) this.item.backward(this.candidates[j], dItemIn, j * E);
    for (let b = 0; b < B; b++) if (this.user) this.user.backward(this.users[b], dUserIn, b * this.userInDim);
    const history = this.historyGrad;
    if (!history) return;
    // d mean_b = g_b / count_b flows to every history item of the user but the target: summed per
    // distinct user first, then spread once over the user's row, the target's share taken back.
    // The items were registered by batchInputs; their sums start at zero here.
    history.seal();
    const rows = this.rows!;
    const off = this.user ? E : 0;
    const grads = this.slotGrad;
    grads.fill(0, 0, this.slots * E);
    for (let b = 0; b < B; b++) {
      const count = this.historyCount[b];
      if (count === 0) continue;
      const slot = this.slotOfRow[b];
      const o = b * this.userInDim + off;
      for (let d = 0; d < E; d++) grads[slot * E + d] += dUserIn[o + d] / count;
      if (this.targetInHistory[b] === 1) history.add(this.targets[b], dUserIn, o, -1 / count);
    }
    const H = this.sampler?.limit ?? 0;
    for (let slot = 0; slot < this.slots; slot++) {
      const u = this.slotUser[slot];
      if (this.slotSampled[slot] === 1) history.addEach(this.slotItems, slot * H, (slot + 1) * H, grads, slot * E);
      else history.addEach(rows.indices, rows.indptr[u], rows.indptr[u + 1], grads, slot * E);
    }
  }

  /**
   * The batch's user-tower inputs: each row's bag, and its history mean without its target
   * (training targets are items of the user's row). The history sum is taken once per distinct
   * user of the batch, so a heavy user costs one pass over their row, not one per example.
   */
  private batchInputs(users: Int32Array, targets: Int32Array, B: number, rows: Csr): void {
    const E = this.shape.embeddingDim;
    const D = this.userInDim;
    if (this.slotOf.length < this.shape.numUsers) this.slotOf = new Int32Array(this.shape.numUsers).fill(-1);
    if (this.slotSum.length < B * E) {
      this.slotSum = new Float32Array(B * E);
      this.slotGrad = new Float32Array(B * E);
      this.slotUser = new Int32Array(B);
      this.slotOfRow = new Int32Array(B);
      this.slotSampled = new Uint8Array(B);
      this.targetInHistory = new Uint8Array(B);
    }
    const sampler = this.sampler;
    const H = sampler?.limit ?? 0;
    if (this.slotItems.length < this.slotSampled.length * H) {
      this.slotItems = new Int32Array(this.slotSampled.length * H);
      this.positions = new Int32Array(H);
    }
    for (let k = 0; k < this.slots; k++) this.slotOf[this.slotUser[k]] = -1;
    this.slots = 0;
    const h = this.historyTable?.data;
    const history = this.historyGrad;
    history?.reset();
    const sums = this.slotSum;
    const input = this.userIn;
    const { indptr, indices } = rows;
    for (let b = 0; b < B; b++) {
      const u = users[b];
      const o = b * D;
      if (this.user) this.user.forward(u, this.userIn, o);
      if (!h) continue;
      let slot = this.slotOf[u];
      const length = indptr[u + 1] - indptr[u];
      if (slot < 0) {
        slot = this.slots++;
        this.slotOf[u] = slot;
        this.slotUser[slot] = u;
        const s = slot * E;
        sums.fill(0, s, s + E);
        // Bounded: H items of a row whose history (without the target) is longer than H.
        const sampled = sampler !== null && length - 1 > H;
        this.slotSampled[slot] = sampled ? 1 : 0;
        if (sampled) {
          sampler.sample(length, this.positions);
          for (let i = 0; i < H; i++) this.slotItems[slot * H + i] = indices[indptr[u] + this.positions[i]];
        }
        const from = sampled ? slot * H : indptr[u];
        const end = sampled ? from + H : indptr[u + 1];
        const list = sampled ? this.slotItems : indices;
        for (let p = from; p < end; p++) {
          const item = list[p];
          history!.register(item);
          const k = item * E;
          for (let d = 0; d < E; d++) sums[s + d] += h[k + d];
        }
      }
      this.slotOfRow[b] = slot;
      // The target is in a whole row; in a sample only when it was drawn (then left out, as always).
      const inHistory = this.slotSampled[slot] === 0 || contains(this.slotItems, slot * H, (slot + 1) * H, targets[b]);
      this.targetInHistory[b] = inHistory ? 1 : 0;
      const count = this.slotSampled[slot] === 1 ? H - (inHistory ? 1 : 0) : length - 1;
      this.historyCount[b] = Math.max(count, 0);
      const at = o + (this.user ? E : 0);
      if (count <= 0) {
        input.fill(0, at, at + E);
        continue;
      }
      if (!inHistory) {
        const s = slot * E;
        for (let d = 0; d < E; d++) input[at + d] = sums[s + d] / count;
        continue;
      }
      history!.register(targets[b]);
      const t = targets[b] * E;
      const s = slot * E;
      for (let d = 0; d < E; d++) input[at + d] = (sums[s + d] - h[t + d]) / count;
    }
  }

  private clearTables(): void {
    this.user?.clear();
    this.item.clear();
  }

  update(l2: number): void {
    this.user?.update(l2);
    this.item.update(l2);
    if (this.historyTable) this.historyGrad!.step(this.historyTable, l2);
    this.userTower.updateAll(l2);
    this.itemTower.updateAll(l2);
  }

  // ---- scoring ----

  /** Unit item vectors of every item (items × factors). */
  itemVectors(out = new Float32Array(this.shape.numItems * this.shape.factors)): Float32Array {
    const N = this.shape.numItems;
    const E = this.shape.embeddingDim;
    const chunk = 1024;
    const input = new Float32Array(Math.min(N, chunk) * E);
    for (let s = 0; s < N; s += chunk) {
      const n = Math.min(chunk, N - s);
      for (let j = 0; j < n; j++) this.item.forward(s + j, input, j * E);
      this.itemOutputs(input, n, out, s);
    }
    return out;
  }

  /** Unit user vectors of the training users `0 .. numUsers` with their whole histories in `rows`. */
  userVectors(rows: Csr | null, out = new Float32Array(this.shape.numUsers * this.shape.factors)): Float32Array {
    const U = this.shape.numUsers;
    const chunk = 1024;
    const input = new Float32Array(Math.min(Math.max(U, 1), chunk) * this.userInDim);
    for (let s = 0; s < U; s += chunk) {
      const n = Math.min(chunk, U - s);
      for (let r = 0; r < n; r++) this.userInput(s + r, rows, s + r, -1, input, r * this.userInDim);
      this.userOutputs(input, n, out, s);
    }
    return out;
  }

  /**
   * The unit vector of a user not in training: their metadata features (may be empty) and a
   * history (item indices, may be empty); the id part is zero.
   */
  coldUserVector(featureIndices: ArrayLike<number>, weights: ArrayLike<number> | null, history: ArrayLike<number>): Float32Array {
    const input = new Float32Array(this.userInDim);
    const indices = Int32Array.from(history);
    const rows: Csr = { rows: 1, cols: this.shape.numItems, indptr: Int32Array.of(0, indices.length), indices, values: new Float32Array(indices.length), order: new Int32Array(0) };
    this.userInput(-1, rows, 0, -1, input, 0);
    if (this.user) this.user.forwardFeatures(featureIndices, weights, input, 0);
    const out = new Float32Array(this.shape.factors);
    this.userOutputs(input, 1, out, 0);
    return out;
  }

  /** The unit vector of an item known only by its metadata features (cold start). */
  coldItemVector(featureIndices: ArrayLike<number>, weights: ArrayLike<number> | null): Float32Array {
    const input = new Float32Array(this.shape.embeddingDim);
    this.item.forwardFeatures(featureIndices, weights, input, 0);
    const out = new Float32Array(this.shape.factors);
    this.itemOutputs(input, 1, out, 0);
    return out;
  }

  private userOutputs(input: Float32Array, n: number, out: Float32Array, row: number): void {
    const D = this.shape.factors;
    normaliseRows(this.userTower.forwardBatch(input, n), n, D, out.subarray(row * D, (row + n) * D), new Float32Array(n));
  }

  private itemOutputs(input: Float32Array, n: number, out: Float32Array, row: number): void {
    const D = this.shape.factors;
    normaliseRows(this.itemTower.forwardBatch(input, n), n, D, out.subarray(row * D, (row + n) * D), new Float32Array(n));
  }
}

/** Whether `item` is in list[from .. to). */
function contains(list: Int32Array, from: number, to: number, item: number): boolean {
  for (let p = from; p < to; p++) if (list[p] === item) return true;
  return false;
}

/** out_r = y_r / ‖y_r‖, norms kept. */
function normaliseRows(y: Float32Array, n: number, D: number, out: Float32Array, norms: Float32Array): void {
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let d = 0; d < D; d++) s += y[r * D + d] * y[r * D + d];
    const norm = Math.sqrt(s) + NORM_EPSILON;
    norms[r] = norm;
    for (let d = 0; d < D; d++) out[r * D + d] = y[r * D + d] / norm;
  }
}

/** In place: g = dLoss/dŷ → dLoss/dy = (g − ŷ⟨ŷ, g⟩) / ‖y‖. */
function normaliseBackward(unit: Float32Array, norms: Float32Array, g: Float32Array, n: number, D: number): void {
  for (let r = 0; r < n; r++) {
    let dot = 0;
    for (let d = 0; d < D; d++) dot += unit[r * D + d] * g[r * D + d];
    const inv = 1 / norms[r];
    for (let d = 0; d < D; d++) g[r * D + d] = (g[r * D + d] - unit[r * D + d] * dot) * inv;
  }
}
