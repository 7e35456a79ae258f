/**
 * Hogwild training of the pointwise deep models over worker threads (Recht et al. 2011, "Hogwild!:
 * a lock-free approach to parallelizing stochastic gradient descent"). Every parameter and its
 * Adam moments live in SharedArrayBuffers; each thread, the main one included, runs the usual
 * mini-batch loop over its contiguous shard of the epoch's shuffled positives with its own
 * negative sampler and its own copy of the network's batch buffers, and writes its optimizer
 * steps straight into the shared tables without locks. Embedding rows of two threads' batches
 * rarely collide; the small dense layers do, which costs a little staleness, not correctness.
 * With one thread none of this runs: training stays on the main thread and is reproducible.
 */
import type { Param } from '../../core/params.ts';
import { WorkerPool } from '../../core/pool.ts';
import type { Rng } from '../../core/rng.ts';
import type { Interactions } from '../../data/interactions.ts';
import type { NegativeSamplerKind } from '../../sampling/negatives.ts';
import type { EpochContext } from '../../train/types.ts';
import { stripFeatures } from '../bilinear/tables.ts';
import { ConcatTower, type ConcatTowerOptions } from './concat-tower.ts';
import { NeuMFTower } from './neumf-tower.ts';
import type { PointwiseLoss, PointwiseTrainer } from './pointwise.ts';
import type { Tower } from './tower.ts';

/** Which tower a worker builds, from plain (structured-clone) options. */
export type TowerRecipe = { kind: 'concat'; options: ConcatTowerOptions } | { kind: 'neumf'; options: ConcatTowerOptions & { gmfFactors: number } };

/** Everything a model tells the Hogwild trainer: its tower and its pointwise batch settings. */
export interface PointwisePlan {
  tower: TowerRecipe;
  /** Negative sampling (null: the values are the labels). */
  sampler: { kind: NegativeSamplerKind; alpha?: number; excludePositives?: boolean } | null;
  negatives: number;
  batchSize: number;
  loss: PointwiseLoss;
}

/** The tower a recipe describes (its initial weights are overwritten by the shared ones in a worker). */
export function buildTower(recipe: TowerRecipe, rng: Rng): Tower {
  return recipe.kind === 'neumf' ? new NeuMFTower(rng, recipe.options) : new ConcatTower(rng, recipe.options);
}

export interface SharedParamBuffers {
  name: string;
  buffers: ReturnType<Param['buffers']>;
}

/** What a deep worker gets once. */
export interface DeepWorkerInit {
  plan: PointwisePlan;
  params: SharedParamBuffers[];
  users: Int32Array;
  items: Int32Array;
  values: Float32Array;
  numItems: number;
  seenIndptr: Int32Array;
  seenIndices: Int32Array;
  itemCounts: Int32Array | null;
  order: Int32Array;
  seeds: number[];
}

export interface DeepShard {
  start: number;
  end: number;
}

/** Positives below which threads are not worth starting (a worker loads its modules first). */
export const MIN_PARALLEL_POSITIVES = 20_000;

/** The main thread's side: the pool, the shared order, and one epoch split into shards. */
export class HogwildPointwise {
  private readonly pool: WorkerPool;
  private readonly order: Int32Array;

  private constructor(pool: WorkerPool, order: Int32Array) {
    this.pool = pool;
    this.order = order;
  }

  /**
   * Moves `tower`'s parameters into shared memory and starts `threads − 1` workers training the
   * same tower over them. `rng` draws the workers' seeds.
   */
  static async start(plan: PointwisePlan, tower: Tower, train: Interactions, threads: number, rng: Rng): Promise<HogwildPointwise> {
    const params = tower.params().map((p) => ({ name: p.name, buffers: p.shareBuffers() }));
    const seen = train.byUser();
    const order = new Int32Array(new SharedArrayBuffer(train.length * 4));
    const o = plan.tower.options;
    const init: DeepWorkerInit = {
      plan: { ...plan, tower: { ...plan.tower, options: { ...o, userFeatures: stripFeatures(o.userFeatures), itemFeatures: stripFeatures(o.itemFeatures) } } as TowerRecipe },
      params,
      users: shared(train.users),
      items: shared(train.items),
      values: shared(train.values),
      numItems: train.numItems,
      seenIndptr: shared(seen.indptr),
      seenIndices: shared(seen.indices),
      itemCounts: plan.sampler?.kind === 'popularity' ? train.itemCounts() : null,
      order,
      seeds: Array.from({ length: threads - 1 }, () => rng.nextUint32()),
    };
    const pool = await WorkerPool.start(new URL('./worker.ts', import.meta.url), threads - 1, init);
    return new HogwildPointwise(pool, order);
  }

  get threads(): number {
    return this.pool.size + 1;
  }

  /** One epoch: a fresh shuffle, shard 0 on this thread, the rest on the workers; the mean loss. */
  async epoch(trainer: PointwiseTrainer, tower: Tower, ctx: EpochContext): Promise<number> {
    const n = this.order.length;
    this.order.set(ctx.rng.permutation(n));
    const shards = this.threads;
    const bound = (s: number): number => Math.floor((s * n) / shards);
    const others = this.pool.run<{ loss: number; rows: number }>(Array.from({ length: shards - 1 }, (_, s): DeepShard => ({ start: bound(s + 1), end: bound(s + 2) })));
    const own = trainer.shard(tower, this.order, 0, bound(1), ctx.rng, ctx.progress);
    let loss = own.loss;
    let rows = own.rows;
    for (const r of await others) {
      loss += r.loss;
      rows += r.rows;
    }
    return rows > 0 ? loss / rows : 0;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

function shared<T extends Int32Array | Float32Array>(a: T): T {
  const s = new (a.constructor as new (b: SharedArrayBuffer) => T)(new SharedArrayBuffer(a.byteLength));
  s.set(a as never);
  return s;
}
