/**
 * Hogwild training of the two-tower model over worker threads (Recht et al. 2011), as the deep
 * models do (deep/parallel.ts): every parameter and its optimizer state live in shared memory,
 * each thread, the main one included, runs the batch loop (batches.ts) with its own network
 * buffers, random stream, history sample and streaming frequency estimate, and claims chunks of
 * whole batches of each epoch's shuffled positives from a shared cursor. The in-batch softmax's
 * candidates are a thread's own batch, so a batch is what it is on one thread; what threads
 * share is only the weights they step without locks.
 */
import type { OptimizerConfig } from '../../core/params.ts';
import { hogwildEpoch, sharedCopy, WorkerPool } from '../../core/pool.ts';
import type { Rng } from '../../core/rng.ts';
import type { EpochContext } from '../../train/types.ts';
import { stripFeatures } from '../bilinear/tables.ts';
import type { SharedParamBuffers } from '../deep/parallel.ts';
import type { TwoTowerBatchOptions, TwoTowerBatches, TwoTowerTrainData } from './batches.ts';
import type { TwoTowerNet, TwoTowerShape } from './network.ts';

/** Batches per claimed chunk: small enough to balance the threads, large enough that claiming is free. */
const BATCHES_PER_CHUNK = 8;

/** What a two-tower worker gets once. */
export interface TwoTowerWorkerInit {
  shape: TwoTowerShape;
  optimizer: OptimizerConfig;
  params: SharedParamBuffers[];
  posUsers: Int32Array;
  posItems: Int32Array;
  rowsIndptr: Int32Array;
  rowsIndices: Int32Array;
  logPopularity: Float32Array;
  options: TwoTowerBatchOptions;
  order: Int32Array;
  /** [0]: the next unclaimed position of `order` in the current epoch. */
  cursor: Int32Array;
  chunk: number;
  seeds: number[];
}

/** What a two-tower worker gets every epoch: the seed of its history sample (null: whole histories). */
export interface TwoTowerEpochMessage {
  historySeed: number | null;
  historyLimit: number;
}

export class TwoTowerHogwild {
  private constructor(
    private readonly pool: WorkerPool,
    /** The epoch's shuffled positions (the model's, in shared memory; it shuffles them). */
    private readonly order: Int32Array,
    private readonly cursor: Int32Array,
    private readonly chunk: number,
  ) {}

  /**
   * Starts `threads − 1` workers over `net`'s parameters (moved into shared memory unless they are
   * there) and the shared `order` the model shuffles each epoch; `rng` draws their seeds.
   */
  static async start(
    net: TwoTowerNet,
    shape: TwoTowerShape,
    optimizer: OptimizerConfig,
    data: TwoTowerTrainData,
    order: Int32Array,
    options: TwoTowerBatchOptions,
    threads: number,
    rng: Rng,
  ): Promise<TwoTowerHogwild> {
    const params = net.params().map((p) => ({ name: p.name, buffers: p.shareBuffers() }));
    const cursor = new Int32Array(new SharedArrayBuffer(4));
    const chunk = options.batchSize * BATCHES_PER_CHUNK;
    const init: TwoTowerWorkerInit = {
      shape: { ...shape, userFeatures: stripFeatures(shape.userFeatures), itemFeatures: stripFeatures(shape.itemFeatures) },
      optimizer,
      params,
      posUsers: sharedCopy(data.posUsers),
      posItems: sharedCopy(data.posItems),
      rowsIndptr: sharedCopy(data.rows.indptr),
      rowsIndices: sharedCopy(data.rows.indices),
      logPopularity: sharedCopy(data.logPopularity),
      options,
      order,
      cursor,
      chunk,
      seeds: Array.from({ length: threads - 1 }, () => rng.nextUint32()),
    };
    const pool = await WorkerPool.start(new URL('./worker.ts', import.meta.url), threads - 1, init);
    return new TwoTowerHogwild(pool, order, cursor, chunk);
  }

  get threads(): number {
    return this.pool.size + 1;
  }

  /**
   * One epoch over `order` (already shuffled): every thread claims chunks until none is left; the
   * mean loss. `historyLimit` (null: whole histories) gives each worker a sample seeded from ctx.rng.
   */
  async epoch(batches: TwoTowerBatches, net: TwoTowerNet, historyLimit: number | null, ctx: EpochContext): Promise<number> {
    const messages: TwoTowerEpochMessage[] = Array.from({ length: this.pool.size }, () => ({
      historySeed: historyLimit === null ? null : ctx.rng.nextUint32(),
      historyLimit: historyLimit ?? 0,
    }));
    const claim = { n: this.order.length, cursor: this.cursor, chunk: this.chunk };
    return hogwildEpoch(this.pool, messages, claim, (start, end) => batches.shard(net, this.order, start, end, ctx.rng), ctx.progress);
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
