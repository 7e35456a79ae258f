/**
 * Mult-VAE's output layer trained with a sampled softmax (`sampledSoftmax: k`): the multinomial
 * likelihood's log-sum-exp over every item is replaced by one over the user's own positives and a
 * sample of k items shared by the mini-batch, each sampled logit corrected by −log(k·Q(j))
 * (Bengio & Senécal 2008, importance sampling of the partition function; Jean, Cho, Memisevic &
 * Bengio 2015, "On Using Very Large Target Vocabulary for Neural Machine Translation"; the log-Q
 * correction as in Yi et al. 2019). The sample is k distinct items drawn uniformly (Floyd's
 * algorithm), so Q(j) = 1/items per draw and every item's inclusion probability is k/items:
 *
 *   NLL_u = |x_u| · log( Σ_{i ∈ x_u} e^{l_i} + Σ_{j ∈ S, j ∉ x_u} e^{l_j − log(k/items)} ) − Σ_{i ∈ x_u} l_i
 *
 * The positives enter with probability 1 and no correction; a sampled item that is one of the
 * user's positives (an accidental hit) is masked from that user's negatives, else it would count
 * twice. The sum inside the log is then an unbiased estimate of the full softmax's normaliser, and
 * with k = items it is that normaliser exactly.
 *
 * The layer is stored item-major (row j = item j's output vector, items × width), so each row the
 * batch touches is contiguous: its forward and backward work is a GEMM of batch × k × width for the
 * shared sample plus a dot product per (user, positive), and its Adam step is lazy and row-wise
 * (Param.updateRows, per-row step counts, l2 on the stepped rows) over the sampled and positive
 * items only, as the encoder's sparse first layer does. Nothing in a training step walks the whole
 * catalogue. The model file keeps the exact model's layout (`decoder.out.weight` width × items,
 * `decoder.out.bias` 1 × items): `tensors()` and `load()` transpose.
 */
import { matmul, matmulTransA, matmulTransB } from '../../core/matmul.ts';
import { Param, type OptimizerConfig } from '../../core/params.ts';
import type { Rng } from '../../core/rng.ts';
import type { ModelState, Tensor } from '../../contracts/types.ts';
import type { Csr } from '../../data/interactions.ts';
import { requireTensor } from '../recommender.ts';

/**
 * One user's sampled multinomial NLL, count · log(Σ e^{pos} + Σ e^{neg}) − Σ pos, over `count`
 * positive logits at pos[posOff ..] and k negative logits at neg[negOff ..] (already corrected;
 * masked ones −∞). With `grad`, both runs are overwritten by dNLL/dlogit × scale:
 * (count · softmax − 1) · scale for a positive, count · softmax · scale for a negative.
 */
export function sampledUserNll(
  pos: Float32Array | Float64Array,
  posOff: number,
  count: number,
  neg: Float32Array | Float64Array,
  negOff: number,
  k: number,
  scale: number,
  grad: boolean,
): number {
  if (count === 0) {
    if (grad) neg.fill(0, negOff, negOff + k);
    return 0;
  }
  let max = -Infinity;
  for (let q = 0; q < count; q++) if (pos[posOff + q] > max) max = pos[posOff + q];
  for (let s = 0; s < k; s++) if (neg[negOff + s] > max) max = neg[negOff + s];
  let sum = 0;
  let hit = 0;
  for (let q = 0; q < count; q++) {
    sum += Math.exp(pos[posOff + q] - max);
    hit += pos[posOff + q];
  }
  for (let s = 0; s < k; s++) sum += Math.exp(neg[negOff + s] - max);
  const lse = max + Math.log(sum);
  if (grad) {
    for (let q = 0; q < count; q++) pos[posOff + q] = (count * Math.exp(pos[posOff + q] - lse) - 1) * scale;
    for (let s = 0; s < k; s++) neg[negOff + s] = count * Math.exp(neg[negOff + s] - lse) * scale;
  }
  return count * lse - hit;
}

export class SampledItemOutput {
  /** Item-major output weights (items × width): row j is item j's output vector. */
  readonly weight: Param;
  /** Per-item output bias (items × 1, so an item's bias is a row for the lazy step). */
  readonly bias: Param;
  readonly numItems: number;
  readonly width: number;
  /** Items in the shared sample per batch (1 ≤ k < numItems in a model; k = numItems allowed for tests). */
  readonly k: number;

  /** The batch's shared sample, and each item's position in it (−1: not sampled). */
  readonly sample: Int32Array;
  private readonly sampleIndex: Int32Array;
  /** Floyd's marks for the draw (all 0 between draws). */
  private readonly marks: Uint8Array;
  private sampled = false;
  /** The sample's rows of `weight`, gathered (k × width), for the batch's GEMMs. */
  private readonly sampleRows: Float32Array;
  /** Each sampled item's bias plus its log-Q correction. */
  private readonly shift: Float64Array;

  // The last `loss` call's batch.
  private negLogits = new Float32Array(0);
  private posLogits = new Float32Array(0);
  private dInput = new Float32Array(0);

  // Compact gradients of the last `loss(…, grad)`: a slot per item it touched (the sample first).
  private readonly slotOf: Int32Array;
  private slotItems = new Int32Array(0);
  private slots = 0;
  private gradRows = new Float32Array(0);
  private gradBias = new Float32Array(0);

  constructor(name: string, numItems: number, width: number, k: number, optimizer: OptimizerConfig, rng: Rng) {
    this.numItems = numItems;
    this.width = width;
    this.k = k;
    // Glorot over (width, items) as the exact model's width × items layer: the same bound either way round.
    this.weight = new Param(`${name}.weight`, numItems, width, optimizer).init({ kind: 'glorot' }, rng);
    this.bias = new Param(`${name}.bias`, numItems, 1, optimizer);
    this.sample = new Int32Array(k);
    this.sampleIndex = new Int32Array(numItems).fill(-1);
    this.marks = new Uint8Array(numItems);
    this.sampleRows = new Float32Array(k * width);
    this.shift = new Float64Array(k);
    this.slotOf = new Int32Array(numItems).fill(-1);
  }

  /**
   * Draws the batch's shared sample: k distinct items, uniform (Floyd's algorithm: k draws,
   * O(k) work and no pass over the catalogue).
   */
  drawSample(rng: Rng): void {
    const { k, numItems: N, sample, sampleIndex } = this;
    if (this.sampled) for (let s = 0; s < k; s++) sampleIndex[sample[s]] = -1;
    rng.distinct(N, k, sample, this.marks);
    for (let s = 0; s < k; s++) sampleIndex[sample[s]] = s;
    this.sampled = true;
  }

  /** −log(k·Q(j)) added to a sampled item's logit: uniform sampling, Q(j) = 1/items. */
  protected correction(_item: number): number {
    return -Math.log(this.k / this.numItems);
  }

  /** Sets −∞ on the user's negatives (k logits at neg[o ..]) that are one of its positives. */
  protected maskAccidentalHits(neg: Float32Array, o: number, items: Int32Array, start: number, end: number): void {
    for (let q = start; q < end; q++) {
      const s = this.sampleIndex[items[q]];
      if (s >= 0) neg[o + s] = -Infinity;
    }
  }

  /**
   * Σ over the batch's users of the sampled NLL of their rows of `rows`, from the decoder's last
   * hidden activations h (n × width) and the sample drawn by `drawSample`. With `grad`, also
   * sets dLoss/dh (`inputGradient`) and the compact gradients `update` steps, for the batch
   * mean (each user's term × 1/n).
   */
  loss(h: Float32Array, rows: Csr, users: Int32Array, n: number, grad: boolean): number {
    if (!this.sampled) throw new Error('SampledItemOutput.loss called before drawSample');
    const { k, width: H, sample } = this;
    const w = this.weight.data;
    const b = this.bias.data;
    const { indptr, indices } = rows;
    const rowStart = (r: number) => (users[r] < rows.rows ? indptr[users[r]] : 0);
    const rowEnd = (r: number) => (users[r] < rows.rows ? indptr[users[r] + 1] : 0);
    let positives = 0;
    for (let r = 0; r < n; r++) positives += rowEnd(r) - rowStart(r);
    if (this.negLogits.length < n * k) this.negLogits = new Float32Array(n * k);
    if (this.posLogits.length < positives) this.posLogits = new Float32Array(positives);
    const neg = this.negLogits;
    const pos = this.posLogits;

    // The shared sample: one GEMM, then bias and the log-Q correction per sampled item.
    const rowsOfSample = this.sampleRows;
    for (let s = 0; s < k; s++) rowsOfSample.set(w.subarray(sample[s] * H, (sample[s] + 1) * H), s * H);
    matmulTransB(h, rowsOfSample, neg, n, H, k);
    const shift = this.shift;
    for (let s = 0; s < k; s++) shift[s] = b[sample[s]] + this.correction(sample[s]);
    let total = 0;
    for (let r = 0, p = 0; r < n; r++) {
      const start = rowStart(r);
      const end = rowEnd(r);
      const o = r * k;
      for (let s = 0; s < k; s++) neg[o + s] += shift[s];
      this.maskAccidentalHits(neg, o, indices, start, end);
      // The user's own positives: a dot product each.
      const ho = r * H;
      for (let q = start; q < end; q++) {
        const wo = indices[q] * H;
        let dot = b[indices[q]];
        for (let d = 0; d < H; d++) dot += h[ho + d] * w[wo + d];
        pos[p + q - start] = dot;
      }
      total += sampledUserNll(pos, p, end - start, neg, o, k, 1 / n, grad);
      p += end - start;
    }
    if (grad) this.backward(h, rows, users, n, positives);
    return total;
  }

  /** From the gradients `loss` left in negLogits / posLogits: dLoss/dh and the touched rows' gradients. */
  private backward(h: Float32Array, rows: Csr, users: Int32Array, n: number, positives: number): void {
    const { k, width: H, sample, slotOf } = this;
    const w = this.weight.data;
    const dNeg = this.negLogits;
    const dPos = this.posLogits;
    const { indptr, indices } = rows;
    // Slots: the sample first, then each positive item not in it.
    for (let s = 0; s < this.slots; s++) slotOf[this.slotItems[s]] = -1;
    const capacity = k + positives;
    if (this.slotItems.length < capacity) {
      this.slotItems = new Int32Array(capacity);
      this.gradRows = new Float32Array(capacity * H);
      this.gradBias = new Float32Array(capacity);
    }
    const items = this.slotItems;
    let slots = 0;
    for (let s = 0; s < k; s++) {
      items[slots] = sample[s];
      slotOf[sample[s]] = slots++;
    }
    for (let r = 0; r < n; r++) {
      if (users[r] >= rows.rows) continue;
      for (let q = indptr[users[r]]; q < indptr[users[r] + 1]; q++) {
        if (slotOf[indices[q]] >= 0) continue;
        items[slots] = indices[q];
        slotOf[indices[q]] = slots++;
      }
    }
    this.slots = slots;
    const gw = this.gradRows;
    const gb = this.gradBias;
    // The sample's rows: dW = dNegᵀ·h, db = column sums of dNeg; dh = dNeg·W_sample.
    matmulTransA(dNeg, h, gw, n, k, H);
    gw.fill(0, k * H, slots * H);
    gb.fill(0, 0, slots);
    for (let r = 0; r < n; r++) for (let s = 0; s < k; s++) gb[s] += dNeg[r * k + s];
    if (this.dInput.length < n * H) this.dInput = new Float32Array(n * H);
    const dh = this.dInput;
    matmul(dNeg, this.sampleRows, null, dh, n, k, H);
    // The positives: a row update each.
    for (let r = 0, p = 0; r < n; r++) {
      if (users[r] >= rows.rows) continue;
      const ho = r * H;
      for (let q = indptr[users[r]]; q < indptr[users[r] + 1]; q++, p++) {
        const g = dPos[p];
        const item = indices[q];
        const so = slotOf[item] * H;
        const wo = item * H;
        gb[slotOf[item]] += g;
        for (let d = 0; d < H; d++) {
          gw[so + d] += g * h[ho + d];
          dh[ho + d] += g * w[wo + d];
        }
      }
    }
  }

  /** dLoss/dh (n × width) of the last `loss(…, grad)`. */
  get inputGradient(): Float32Array {
    return this.dInput;
  }

  /** One lazy optimizer step on the rows (items) the last `loss(…, grad)` touched; l2 on their weights, not the bias. */
  update(l2: number): void {
    this.weight.updateRows(this.slotItems, this.slots, this.gradRows, l2);
    this.bias.updateRows(this.slotItems, this.slots, this.gradBias, 0);
  }

  /** The last gradients laid out like `weight.data` and `bias.data` (for tests and diagnostics). */
  denseGradients(): { weight: Float32Array; bias: Float32Array } {
    const H = this.width;
    const weight = new Float32Array(this.numItems * H);
    const bias = new Float32Array(this.numItems);
    for (let s = 0; s < this.slots; s++) {
      const item = this.slotItems[s];
      weight.set(this.gradRows.subarray(s * H, (s + 1) * H), item * H);
      bias[item] = this.gradBias[s];
    }
    return { weight, bias };
  }

  /** Logits of every item (n × items into `out`) from h (n × width): scoring is the exact model's. */
  logits(h: Float32Array, n: number, out: Float32Array): void {
    const N = this.numItems;
    matmulTransB(h, this.weight.data, out, n, this.width, N);
    const b = this.bias.data;
    for (let r = 0; r < n; r++) for (let j = 0; j < N; j++) out[r * N + j] += b[j];
  }

  /** The layer in the exact model's file layout: `.weight` width × items, `.bias` 1 × items. */
  tensors(): Record<string, Tensor> {
    const { numItems: N, width: H } = this;
    const w = this.weight.data;
    const t = new Float32Array(H * N);
    for (let j = 0; j < N; j++) for (let d = 0; d < H; d++) t[d * N + j] = w[j * H + d];
    return { [this.weight.name]: { shape: [H, N], data: t }, [this.bias.name]: { shape: [1, N], data: this.bias.data.slice() } };
  }

  /** Loads the layer from a state in the exact model's layout (checking names and shapes). */
  load(state: ModelState): void {
    const { numItems: N, width: H } = this;
    const t = requireTensor(state, this.weight.name, [H, N]);
    const w = this.weight.data;
    for (let j = 0; j < N; j++) for (let d = 0; d < H; d++) w[j * H + d] = t[d * N + j];
    this.bias.data.set(requireTensor(state, this.bias.name, [1, N]));
  }
}
