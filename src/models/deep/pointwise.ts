/**
 * Pointwise training of deep models: shuffled interactions in mini-batches, each positive
 * followed by `negatives` sampled items labelled 0 (He et al. 2017's NCF recipe), or, with no
 * sampler, the interactions' own values as labels (rating regression, BCE on given labels);
 * each batch goes through the tower with BCE, MSE or MAE on its outputs, or a sampled softmax
 * over each positive and its own negatives (the cross-entropy of the 1 + negatives logits, as
 * in Covington et al. 2016 and the sampled-softmax NCF baselines of Rendle et al. 2020).
 * With `logQ`, each sampled negative's logit in the softmax is shifted by −log(k·Q_u(j)), Q_u the
 * sampler's probability of drawing j for the user: the importance-sampling estimate of the full
 * softmax's normaliser (Bengio & Senécal 2008; Jean et al. 2015), the sampled-softmax form of
 * Yi et al. 2019's log-Q correction. The positive is given, not sampled, and keeps its logit.
 */
import { logSumExp, mae, maeGrad, mse, mseGrad } from '../../core/losses.ts';
import type { Rng } from '../../core/rng.ts';
import { ConfigError } from '../../contracts/errors.ts';
import type { Interactions } from '../../data/interactions.ts';
import type { NegativeSampler } from '../../sampling/negatives.ts';
import type { EpochContext } from '../../train/types.ts';
import type { Tower, Trainer } from './tower.ts';

export type PointwiseLoss = 'bce' | 'mse' | 'mae' | 'softmax';

export class PointwiseBatches {
  readonly users: Int32Array;
  readonly items: Int32Array;
  readonly labels: Float32Array;
  /** With logQ: a constant added to each row's logit in the loss (0 for positives), else null. */
  readonly offsets: Float32Array | null;
  private readonly train: Pick<Interactions, 'users' | 'items' | 'values' | 'length'>;
  private readonly negatives: number;
  private readonly sampler: NegativeSampler | null;
  private readonly positivesPerBatch: number;
  private order: Int32Array = new Int32Array(0);
  private first = 0;
  private cursor = 0;
  private end = 0;

  /** With a sampler, positives get label 1 and negatives 0; without, labels are the values. */
  constructor(train: Pick<Interactions, 'users' | 'items' | 'values' | 'length'>, batchSize: number, negatives: number, sampler: NegativeSampler | null, logQ = false) {
    this.train = train;
    this.negatives = sampler ? negatives : 0;
    this.sampler = sampler;
    this.positivesPerBatch = Math.max(1, Math.floor(batchSize / (1 + this.negatives)));
    const rows = this.positivesPerBatch * (1 + this.negatives);
    this.users = new Int32Array(rows);
    this.items = new Int32Array(rows);
    this.labels = new Float32Array(rows);
    this.offsets = logQ && this.sampler ? new Float32Array(rows) : null;
  }

  /** Rows per positive: the positive and its negatives, consecutive in every batch. */
  get groupSize(): number {
    return 1 + this.negatives;
  }

  /** Total positives per epoch, for progress. */
  get positives(): number {
    return this.train.length;
  }

  /** Begin an epoch in a fresh random order. */
  start(rng: Rng): void {
    this.startRange(rng.permutation(this.train.length), 0, this.train.length);
  }

  /** Begin a shard of an epoch: the positives order[start .. end) (a Hogwild worker's share). */
  startRange(order: Int32Array, start: number, end: number): void {
    this.order = order;
    this.first = start;
    this.cursor = start;
    this.end = end;
  }

  /** Fraction of the epoch (or shard) done. */
  get done(): number {
    return this.end === this.first ? 1 : (this.cursor - this.first) / (this.end - this.first);
  }

  /** Fills the next batch; returns its row count (0 when the epoch is over). */
  next(): number {
    const { users: tu, items: ti, values } = this.train;
    let n = 0;
    const end = Math.min(this.end, this.cursor + this.positivesPerBatch);
    for (; this.cursor < end; this.cursor++) {
      const p = this.order[this.cursor];
      const u = tu[p];
      this.users[n] = u;
      this.items[n] = ti[p];
      this.labels[n++] = this.sampler ? 1 : values[p];
      if (this.sampler) {
        this.sampler.sampleMany(u, this.negatives, this.items, n);
        const offsets = this.offsets;
        if (offsets) {
          offsets[n - 1] = 0;
          const logK = Math.log(this.negatives);
          for (let k = 0; k < this.negatives; k++) offsets[n + k] = -(logK + this.sampler.logProbability(u, this.items[n + k]));
        }
        for (let k = 0; k < this.negatives; k++) {
          this.users[n] = u;
          this.labels[n++] = 0;
        }
      }
    }
    return n;
  }
}

/**
 * Loss summed over n rows and dL/dz for the batch-mean loss in `grad`. For 'bce' z is a logit;
 * for 'mse' / 'mae' it is the prediction itself. For 'softmax' the rows come in groups of
 * `group` (a positive and its negatives): each group's cross-entropy −Σ y·log softmax(z) is
 * summed, and the batch loss is that sum over the n rows, like the others (a per-row share:
 * Adam does not see the constant factor 1 / group). `offsets` (softmax only) are added to the
 * logits inside the loss (the log-Q correction); dL/dz is unchanged in form.
 */
export function pointwiseLoss(kind: PointwiseLoss, z: Float32Array, labels: Float32Array, n: number, grad: Float32Array, group = 1, offsets: Float32Array | null = null): number {
  const inv = 1 / n;
  if (kind === 'softmax') return softmaxGroupsLoss(z, labels, n, grad, group, inv, offsets);
  if (offsets) throw new Error(`pointwise loss '${kind}': logit offsets (log-Q) are for 'softmax' only`);
  let total = 0;
  if (kind === 'bce') {
    // bceWithLogits and its gradient from one exp(−|z|): the same doubles as softplus and sigmoid.
    for (let r = 0; r < n; r++) {
      const y = labels[r];
      const s = z[r];
      const e = Math.exp(-Math.abs(s));
      total += (s > 0 ? s : 0) + Math.log1p(e) - y * s;
      grad[r] = ((s >= 0 ? 1 : e) / (1 + e) - y) * inv;
    }
    return total;
  }
  for (let r = 0; r < n; r++) {
    const y = labels[r];
    const s = z[r];
    if (kind === 'mse') {
      total += mse(s, y);
      grad[r] = mseGrad(s, y) * inv;
    } else {
      total += mae(s, y);
      grad[r] = maeGrad(s, y) * inv;
    }
  }
  return total;
}

/** 'softmax': groups of `group` rows, labels as the target weights (1 on the positive). */
function softmaxGroupsLoss(z: Float32Array, labels: Float32Array, n: number, grad: Float32Array, group: number, inv: number, offsets: Float32Array | null): number {
  if (n % group !== 0) throw new Error(`softmax loss: ${n} rows are not whole groups of ${group}`);
  let total = 0;
  // The corrected logits, when there are offsets (one group at a time).
  const zc = offsets ? new Float64Array(group) : null;
  for (let g = 0; g < n; g += group) {
    let lse: number;
    if (zc && offsets) {
      for (let j = 0; j < group; j++) zc[j] = z[g + j] + offsets[g + j];
      lse = logSumExp(zc, 0, group);
    } else lse = logSumExp(z, g, group);
    let mass = 0;
    for (let r = g; r < g + group; r++) mass += labels[r];
    for (let r = g; r < g + group; r++) {
      const zr = zc ? zc[r - g] : z[r];
      total -= labels[r] * (zr - lse);
      grad[r] = (mass * Math.exp(zr - lse) - labels[r]) * inv;
    }
  }
  return total;
}

/** BCE needs labels in [0, 1]: say which value is not, and what to do about it. */
export function checkBinaryLabels(model: string, train: Interactions): void {
  const v = train.values;
  for (let p = 0; p < v.length; p++) {
    if (!(v[p] >= 0 && v[p] <= 1)) {
      throw new ConfigError(
        `${model}: loss 'bce' needs labels in [0, 1], but interaction ${p} has value ${v[p]}; ` +
          `transform the ratings first (e.g. binarize(data, 4) or rescale(...) from src/data/labels.ts) or use loss 'mse'`,
      );
    }
  }
}

/** The batch loop over PointwiseBatches: fill, forward, loss, backward, one optimizer step. */
export class PointwiseTrainer implements Trainer {
  private readonly batches: PointwiseBatches;
  private readonly loss: PointwiseLoss;
  /** dL/doutput of a batch (the tower may overwrite it during backward). */
  private readonly dz: Float32Array;

  constructor(batches: PointwiseBatches, loss: PointwiseLoss) {
    this.batches = batches;
    this.loss = loss;
    this.dz = new Float32Array(batches.users.length);
  }

  epoch(tower: Tower, ctx: EpochContext): number {
    this.batches.start(ctx.rng);
    const { loss, rows } = this.run(tower, ctx.rng, ctx.progress);
    return rows > 0 ? loss / rows : 0;
  }

  /**
   * The positives order[start .. end) through `tower` (one thread's shard of a Hogwild epoch);
   * returns the summed loss and the rows it came from.
   */
  shard(tower: Tower, order: Int32Array, start: number, end: number, rng: Rng, progress: (done: number) => void = () => {}): { loss: number; rows: number } {
    this.batches.startRange(order, start, end);
    return this.run(tower, rng, progress);
  }

  private run(tower: Tower, rng: Rng, progress: (done: number) => void): { loss: number; rows: number } {
    const b = this.batches;
    let total = 0;
    let rows = 0;
    let steps = 0;
    for (let n = b.next(); n > 0; n = b.next()) {
      tower.fill(b.users, b.items, n);
      const z = tower.forward(n, rng);
      total += pointwiseLoss(this.loss, z, b.labels, n, this.dz, b.groupSize, b.offsets);
      tower.backward(this.dz, n, b.users, b.items);
      tower.update();
      rows += n;
      if (++steps % 64 === 0) progress(b.done);
    }
    progress(1);
    return { loss: total, rows };
  }
}
