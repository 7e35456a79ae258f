import { HybridBias, HybridEmbedding, type HybridTables } from '../../core/hybrid.ts';
import { Param, type OptimizerConfig } from '../../core/params.ts';
import type { FeatureMatrix } from '../../contracts/types.ts';

/** The trainable parts of a bilinear model: user and item representations and biases. */
export interface BilinearTables {
  user: HybridEmbedding;
  item: HybridEmbedding;
  userBias: HybridBias | null;
  itemBias: HybridBias | null;
}

/** Everything needed to allocate (or re-wrap) the tables; JSON-able apart from the matrices. */
export interface TableLayout {
  numUsers: number;
  numItems: number;
  dim: number;
  /** Identity (id) vectors for a side that has features; a side without features always has them. */
  identityFeatures: boolean;
  biases: boolean;
  /** The parameters' optimizer (plain SGD carrying the learning rate when `rowwise`). */
  optimizer: OptimizerConfig;
  /** Row-wise Adagrad accumulators' starting value, or null for the optimizer's own state. */
  rowwise: number | null;
  userFeatures: FeatureMatrix | null;
  itemFeatures: FeatureMatrix | null;
}

type Wrapped = { param: Param; acc: Float32Array | null };

export function createTables(layout: TableLayout, shared: boolean, wrap?: (name: string, rows: number, cols: number) => Wrapped): BilinearTables {
  const { numUsers, numItems, dim, optimizer } = layout;
  const side = (name: string, rows: number, cols: number, features: FeatureMatrix | null): HybridTables | undefined => {
    if (!wrap) return undefined;
    const identity = !features || layout.identityFeatures;
    const id = identity ? wrap(`${name}.id`, rows, cols) : null;
    const feat = features ? wrap(`${name}.features`, features.numFeatures, cols) : null;
    return { id: id?.param ?? null, feat: feat?.param ?? null, idAcc: id?.acc ?? null, featAcc: feat?.acc ?? null };
  };
  const opts = (name: string, rows: number, features: FeatureMatrix | null) => ({
    name,
    rows,
    optimizer,
    features,
    useIdentity: !features || layout.identityFeatures,
    shared,
    rowwise: layout.rowwise === null ? null : { initialAccumulator: layout.rowwise },
  });
  const user = new HybridEmbedding({ ...opts('user', numUsers, layout.userFeatures), dim }, side('user', numUsers, dim, layout.userFeatures));
  const item = new HybridEmbedding({ ...opts('item', numItems, layout.itemFeatures), dim }, side('item', numItems, dim, layout.itemFeatures));
  const userBias = layout.biases ? new HybridBias(opts('userBias', numUsers, layout.userFeatures), side('userBias', numUsers, 1, layout.userFeatures)) : null;
  const itemBias = layout.biases ? new HybridBias(opts('itemBias', numItems, layout.itemFeatures), side('itemBias', numItems, 1, layout.itemFeatures)) : null;
  return { user, item, userBias, itemBias };
}

/** Every parameter, in a fixed order (the names are the model file's tensor names). */
export function tableParams(t: BilinearTables): Param[] {
  return [...t.user.params(), ...t.item.params(), ...(t.userBias?.params() ?? []), ...(t.itemBias?.params() ?? [])];
}

export type SharedParam = { name: string; rows: number; cols: number; buffers: ReturnType<Param['buffers']>; acc: ArrayBufferLike | null };

/** The shared buffers of every parameter (and row-wise accumulator), for a worker's init message. */
export function shareTables(t: BilinearTables): SharedParam[] {
  const out: SharedParam[] = [];
  for (const e of [t.user, t.item, t.userBias?.table, t.itemBias?.table]) {
    if (!e) continue;
    if (e.id) out.push({ name: e.id.name, rows: e.id.rows, cols: e.id.cols, buffers: e.id.buffers(), acc: e.idAcc?.buffer ?? null });
    if (e.feat) out.push({ name: e.feat.name, rows: e.feat.rows, cols: e.feat.cols, buffers: e.feat.buffers(), acc: e.featAcc?.buffer ?? null });
  }
  return out;
}

/** Rebuild tables over buffers from `shareTables` (in a worker thread). */
export function tablesFromShared(layout: TableLayout, shared: SharedParam[]): BilinearTables {
  const byName = new Map(shared.map((s) => [s.name, s]));
  return createTables(layout, true, (name, rows, cols) => {
    const s = byName.get(name);
    if (!s || s.rows !== rows || s.cols !== cols) throw new Error(`shared parameter ${name} missing or misshapen`);
    return { param: Param.fromBuffers(name, rows, cols, layout.optimizer, s.buffers), acc: s.acc ? new Float32Array(s.acc) : null };
  });
}

/**
 * A feature matrix without its vocabulary (one string per feature, the bulk of a clone), for
 * sending to a worker. The field names stay: a deep worker rebuilds DeepFM's field layout from them.
 */
export function stripFeatures(f: FeatureMatrix | null): FeatureMatrix | null {
  return f ? { ...f, vocabulary: [] } : null;
}
