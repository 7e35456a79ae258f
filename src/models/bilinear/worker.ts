import { serveWorker } from '../../core/pool.ts';
import { Rng } from '../../core/rng.ts';
import type { FeatureMatrix } from '../../contracts/types.ts';
import { NegativeSampler, type NegativeSamplerKind } from '../../sampling/negatives.ts';
import { BilinearKernel, type KernelSpec } from './kernel.ts';
import { tablesFromShared, type SharedParam, type TableLayout } from './tables.ts';

/** What a Hogwild worker gets once: shared parameters, shared training data, its own seed. */
export interface BilinearWorkerInit {
  spec: KernelSpec;
  layout: Omit<TableLayout, 'userFeatures' | 'itemFeatures'>;
  userFeatures: FeatureMatrix | null;
  itemFeatures: FeatureMatrix | null;
  params: SharedParam[];
  epsilon: number;
  users: Int32Array;
  items: Int32Array;
  order: Int32Array;
  seenIndptr: Int32Array;
  seenIndices: Int32Array;
  itemCounts: Int32Array | null;
  sampler: NegativeSamplerKind;
  samplerAlpha: number;
  seeds: number[];
}

export interface BilinearShard {
  start: number;
  end: number;
}

serveWorker((init: BilinearWorkerInit, index: number) => {
  const layout: TableLayout = { ...init.layout, userFeatures: init.userFeatures, itemFeatures: init.itemFeatures };
  const tables = tablesFromShared(layout, init.params);
  const csr = {
    rows: init.seenIndptr.length - 1,
    cols: layout.numItems,
    indptr: init.seenIndptr,
    indices: init.seenIndices,
    values: new Float32Array(0),
    order: new Int32Array(0),
  };
  const rng = new Rng(init.seeds[index]);
  const sampler = new NegativeSampler({ csr, numItems: layout.numItems, itemCounts: init.itemCounts ?? undefined }, { kind: init.sampler, alpha: init.samplerAlpha, rng });
  const kernel = new BilinearKernel(init.spec, tables, sampler, init.epsilon);
  return (shard: BilinearShard) => kernel.run(init.users, init.items, init.order, shard.start, shard.end);
});
