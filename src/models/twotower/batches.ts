/**
 * The two-tower batch loop over a slice of an epoch's shuffled positives: the whole epoch on one
 * thread, or one claimed chunk at a time under Hogwild (parallel.ts), each thread with its own
 * loop, network buffers, random stream and streaming frequency estimate. In-batch: the batch's
 * targets are the candidates, plus `negatives` extra sampled items shared by the batch, with log Q;
 * full: every item is a candidate of every row (the exact softmax, nothing to correct).
 */
import type { Rng } from '../../core/rng.ts';
import type { Csr } from '../../data/interactions.ts';
import { StreamingFrequency } from './frequency.ts';
import type { TwoTowerNet } from './network.ts';

/** The settings the loop reads (a subset of TwoTowerConfig; plain values, so a worker gets them too). */
export interface TwoTowerBatchOptions {
  batchSize: number;
  softmax: 'in-batch' | 'full';
  negatives: number;
  negativeSampler: 'uniform' | 'popularity';
  logQ: 'popularity' | 'streaming' | 'none';
  streamingAlpha: number;
  temperature: number;
  l2: number;
}

/** The training data the loop reads: positive pairs, each user's history rows, log popularity. */
export interface TwoTowerTrainData {
  posUsers: Int32Array;
  posItems: Int32Array;
  rows: Csr;
  /** log(count_j / positives) of every item. */
  logPopularity: Float32Array;
  numItems: number;
}

export class TwoTowerBatches {
  private readonly frequency: StreamingFrequency | null;
  /** Batches this loop has trained (the streaming estimate's clock). */
  private step = 0;
  private readonly users: Int32Array;
  private readonly targets: Int32Array;
  private readonly candidates: Int32Array;
  private readonly logQ: Float32Array;
  private fullCandidates: { all: Int32Array; zeros: Float32Array } | null = null;

  constructor(
    private readonly data: TwoTowerTrainData,
    private readonly o: TwoTowerBatchOptions,
  ) {
    this.frequency = o.logQ === 'streaming' ? new StreamingFrequency(data.numItems, o.streamingAlpha) : null;
    this.users = new Int32Array(o.batchSize);
    this.targets = new Int32Array(o.batchSize);
    this.candidates = new Int32Array(o.batchSize + o.negatives);
    this.logQ = new Float32Array(o.batchSize + o.negatives);
  }

  /**
   * Trains `net` on the positives order[start .. end) in batches of `batchSize`; returns the summed
   * loss (each batch's mean × its size) and the positives it came from.
   */
  shard(net: TwoTowerNet, order: Int32Array, start: number, end: number, rng: Rng, progress: (done: number) => void = () => {}): { loss: number; rows: number } {
    const o = this.o;
    const { users, targets } = this;
    const { posUsers, posItems, rows } = this.data;
    let total = 0;
    for (let s = start; s < end; s += o.batchSize) {
      const B = Math.min(o.batchSize, end - s);
      if (o.softmax === 'full') {
        for (let b = 0; b < B; b++) {
          const k = order[s + b];
          users[b] = posUsers[k];
          targets[b] = posItems[k];
        }
        const { all, zeros } = this.full();
        total += net.forward(users, targets, B, all, all.length, zeros, rows, o.temperature, targets) * B;
      } else {
        const M = o.negatives;
        const candidates = this.candidates;
        this.step++;
        for (let b = 0; b < B; b++) {
          const k = order[s + b];
          users[b] = posUsers[k];
          targets[b] = candidates[b] = posItems[k];
          this.frequency?.observe(targets[b], this.step);
        }
        for (let m = 0; m < M; m++) candidates[B + m] = o.negativeSampler === 'uniform' ? rng.int(this.data.numItems) : posItems[rng.int(posItems.length)];
        this.fillLogQ(B, M);
        total += net.forward(users, targets, B, candidates, B + M, this.logQ, rows, o.temperature) * B;
      }
      net.backward();
      net.update(o.l2);
      progress(Math.min(1, (s + B - start) / (end - start)));
    }
    return { loss: total, rows: end - start };
  }

  /** Every item as a candidate, with no log-Q offsets (the full softmax). */
  private full(): { all: Int32Array; zeros: Float32Array } {
    const N = this.data.numItems;
    this.fullCandidates ??= { all: Int32Array.from({ length: N }, (_, j) => j), zeros: new Float32Array(N) };
    return this.fullCandidates;
  }

  /**
   * log Q_j of each candidate: `popularity` uses the known training frequency (B·count_j / total
   * for in-batch candidates, M·count_j / total for popularity-sampled extras, M / items for uniform
   * ones); `streaming` the streaming estimate for in-batch candidates; `none` zeros.
   */
  private fillLogQ(B: number, M: number): void {
    const { candidates, logQ } = this;
    const kind = this.o.logQ;
    if (kind === 'none') {
      logQ.fill(0, 0, B + M);
      return;
    }
    const logPopularity = this.data.logPopularity;
    const logB = Math.log(B);
    for (let j = 0; j < B; j++) logQ[j] = kind === 'streaming' ? this.frequency!.logProbability(candidates[j]) : logB + logPopularity[candidates[j]];
    const logM = Math.log(Math.max(M, 1));
    for (let m = 0; m < M; m++) {
      const j = candidates[B + m];
      logQ[B + m] = this.o.negativeSampler === 'uniform' ? logM - Math.log(this.data.numItems) : logM + logPopularity[j];
    }
  }
}
