/**
 * What the two-tower model costs before it is built: peak memory (`estimateMemory`) and an
 * epoch's work against one validation score (`validationCost`). Memory is dominated by the
 * embedding tables (user ids: users × embeddingDim; item ids and history vectors: items ×
 * embeddingDim each), which carry Adam's two moments beside their values, and a dense gradient
 * (the history table's gradient is compact, history-gradient.ts: a slot index per item and the
 * batch's touched rows); then the permutation of the training interactions and the retrieval
 * vectors kept for scoring.
 * A score is one dot product of two `factors`-long vectors.
 */
import type { DataShape, MemoryEstimate, ValidationCost } from '../../train/types.ts';
import { bytesPerWeight, chainWeights, MB, type OptimizerName, WORKER_RUNTIME_BYTES } from '../cost.ts';

export interface TwoTowerCostConfig {
  factors: number;
  embeddingDim: number;
  layers: number[];
  softmax: 'in-batch' | 'full';
  negatives: number;
  history: boolean;
  /** At most this many history items per user and batch while training (null / absent: all). */
  historyLimit?: number | null;
  userIdentity: boolean;
  itemIdentity: boolean;
  batchSize: number;
  optimizer: OptimizerName;
}

/** Feature counts of the user and item metadata the fit is given (0: none). */
export interface FeatureCounts {
  user: number;
  item: number;
}

function userInDim(c: TwoTowerCostConfig, features: FeatureCounts): number {
  const E = c.embeddingDim;
  return (c.userIdentity || features.user > 0 ? E : 0) + (c.history ? E : 0);
}

/** History items a training row averages: the mean history, at most the limit. */
function historyPerUser(c: TwoTowerCostConfig, shape: DataShape): number {
  if (!c.history) return 0;
  const mean = shape.interactions / Math.max(1, shape.users);
  return c.historyLimit ? Math.min(mean, c.historyLimit) : mean;
}

function candidates(c: TwoTowerCostConfig, items: number): number {
  return c.softmax === 'full' ? items : c.batchSize + c.negatives;
}

/** Peak memory of a fit; `workers`: the Hogwild worker threads beside the main one (0: one thread). */
export function twoTowerMemory(shape: DataShape, c: TwoTowerCostConfig, features: FeatureCounts, workers = 0): MemoryEstimate {
  const { users, items, interactions } = shape;
  const E = c.embeddingDim;
  const F = c.factors;
  const denseRows = (c.userIdentity ? users : 0) + features.user + (c.itemIdentity ? items : 0) + features.item;
  const historyRows = c.history ? items : 0;
  const tableRows = denseRows + historyRows;
  // Values, dense gradients and optimizer state, and Adam's per-row step counts; the history
  // table without a dense gradient but a slot index per row and at most one row per history item
  // of the batch (~ batchSize × interactions per user) of sums.
  const historyBatchRows = c.history ? Math.min(items, c.batchSize * Math.ceil(historyPerUser(c, shape))) : 0;
  const tables = denseRows * (E * bytesPerWeight(c.optimizer) + 4) + historyRows * (E * (bytesPerWeight(c.optimizer) - 4) + 8) + historyBatchRows * (E + 1) * 4;
  const towers = (chainWeights([userInDim(c, features), ...c.layers, F]) + chainWeights([E, ...c.layers, F])) * bytesPerWeight(c.optimizer);
  const B = Math.min(c.batchSize, Math.max(1, interactions));
  const C = candidates(c, items);
  const hidden = c.layers.reduce((a, b) => a + b, 0);
  // Logits (B × C), tower inputs, hidden activations and outputs with their gradients.
  const batch = 4 * (B * C + B * userInDim(c, features) + C * E + 2 * (B + C) * (hidden + 2 * F) + 2 * B * E);
  // The shuffled order of the interactions, log popularity, and the retrieval vectors of every user and item.
  const fixed = 4 * interactions + 8 * items + 4 * (users + items) * F;
  // Each Hogwild worker (parallel.ts) has its own network over the shared weights (allocated
  // shared from the start): its own dense gradients of the tables and towers, history sums and
  // batch. Once: shared copies of the training pairs, the rows and the shuffled order.
  const perWorker = WORKER_RUNTIME_BYTES + denseRows * E * 4 + historyRows * 4 + historyBatchRows * (E + 1) * 4 + towers / (bytesPerWeight(c.optimizer) / 4) + batch;
  const threads = workers > 0 ? perWorker * workers + 4 * (3 * interactions + users + 1 + items) : 0;
  return {
    bytes: tables + towers + batch + fixed + threads,
    what: `${Math.round(tables / MB)} MB of embedding tables (${tableRows.toLocaleString('en-US')} rows × ${E}, with gradients and ${c.optimizer} state), ${Math.round(fixed / MB)} MB for the interactions' order and the retrieval vectors, ${Math.round(batch / MB)} MB of a batch${workers > 0 ? `, ${Math.round(threads / MB)} MB for ${workers} worker thread${workers > 1 ? 's' : ''}` : ''}`,
    advice: `use a smaller embeddingDim or factors, drop the per-user id vectors (userIdentity: false) or the rarest items${workers > 0 ? ', or train on fewer threads' : ''}`,
  };
}

export function twoTowerCost(shape: DataShape, c: TwoTowerCostConfig, features: FeatureCounts): ValidationCost {
  const E = c.embeddingDim;
  const F = c.factors;
  const B = c.batchSize;
  const C = candidates(c, shape.items);
  // Per training row: the user tower and its history mean, its share of the candidates' item
  // tower, and its row of logits; forward and backward (×3).
  const perRow = chainWeights([userInDim(c, features), ...c.layers, F]) + historyPerUser(c, shape) * E + (C / B) * chainWeights([E, ...c.layers, F]) + C * F;
  return { epoch: 3 * shape.interactions * perRow, perScore: F };
}
