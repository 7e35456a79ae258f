import { ConfigError } from '../../contracts/errors.ts';
import type { Csr, Interactions } from '../../data/interactions.ts';
import { defineModel, resolveConfig } from '../spec.ts';
import type { EpochContext } from '../../train/types.ts';
import type { Rng } from '../../core/rng.ts';
import type { FitOptions } from '../../train/types.ts';
import { ItemTableRecommender } from './item-table.ts';
import { buildNeighborTable, type NeighborTable } from './neighbors.ts';

export type Rp3betaConfig = {
  /** Exponent on every transition probability (default 1; α = 1, β = 0 is plain P3). */
  alpha: number;
  /** Popularity penalty: column j of W is divided by deg(j)^β (default 0.6, as in Dacrema et al.). */
  beta: number;
  /** Largest weights kept per item row of W (default 100, as in Dacrema et al.). */
  neighbors: number;
  /** L1-normalise each row of W after pruning (default true, as in Dacrema et al.). */
  normalize: boolean;
  /**
   * true (default): every interaction counts 1, so P_ui = 1/deg(u). false: the user → item step
   * follows the interaction values, P_ui = x_ui / Σ_j x_uj (they must be positive). The item →
   * user step and the degrees in the penalty always count interactions.
   */
  implicit: boolean;
  task: 'ranking';
  epochs: number;
};

/**
 * RP3beta (Paudel, Christoffel, Newell & Bernstein 2017, "Updatable, accurate, diverse, and
 * scalable recommendations for interactive applications"; the configuration benchmarked by
 * Dacrema, Cremonesi & Jannach 2019): a three-step random walk user → item → user → item on the
 * bipartite interaction graph, with transition probabilities raised to α and the landing item's
 * popularity divided out. The item–item table is
 *
 *   W_ij = deg(j)^−β · Σ_u P_iu^α · P_uj^α,   P_iu = 1/deg(i),   P_uj = x_uj / Σ_k x_uk,
 *
 * over users u who have both i and j; the diagonal is 0, each row keeps its `neighbors` largest
 * weights and is then (optionally) scaled to sum to 1. score(u, j) = Σ_{i ∈ I_u} W_ij, each of the
 * user's items counted once whatever its value (the model file keeps which items a user saw, not
 * the values). In W, repeated (user, item) pairs count once (implicit) or add their values
 * (otherwise), as in a sparse matrix. Each row of W is one sparse-times-dense accumulation over the users of i and their
 * items: O(Σ_u deg(u)²) time in all, O(items) scratch, and the pruned table is the whole state.
 */
export class Rp3beta extends ItemTableRecommender {
  readonly type = 'rp3beta';
  readonly config: Rp3betaConfig;
  protected readonly tableName = 'W';

  constructor(config: Partial<Rp3betaConfig> = {}) {
    super();
    this.config = resolveConfig(rp3betaSpec, config);
  }

  protected fitData(train: Interactions, _rng: Rng, _options: FitOptions, ctx: EpochContext): void {
    const { alpha, beta, neighbors, normalize, implicit } = this.config;
    const users = distinctRows(train.byUser(), implicit);
    const items = train.numItems;
    // Item degrees (distinct users) and the item → users index over the deduplicated rows.
    const degree = new Int32Array(items);
    for (let p = 0; p < users.indices.length; p++) degree[users.indices[p]]++;
    const itemPtr = new Int32Array(items + 1);
    for (let i = 0; i < items; i++) itemPtr[i + 1] = itemPtr[i] + degree[i];
    const itemUsers = new Int32Array(users.indices.length);
    const fill = itemPtr.slice(0, items);
    for (let u = 0; u < users.rows; u++) {
      for (let p = users.indptr[u]; p < users.indptr[u + 1]; p++) itemUsers[fill[users.indices[p]]++] = u;
    }
    // P_uj^α, aligned with the user rows (only stored entries: 0^α never enters, even for α = 0).
    const step = new Float64Array(users.indices.length);
    for (let u = 0; u < users.rows; u++) {
      let total = 0;
      for (let p = users.indptr[u]; p < users.indptr[u + 1]; p++) total += users.values[p];
      for (let p = users.indptr[u]; p < users.indptr[u + 1]; p++) step[p] = Math.pow(users.values[p] / total, alpha);
    }
    const penalty = new Float64Array(items);
    for (let j = 0; j < items; j++) penalty[j] = degree[j] > 0 ? Math.pow(degree[j], -beta) : 0;
    // P_iu^α = deg(i)^−α is the same for every user of i, so it multiplies the row's sum.
    const first = new Float64Array(items);
    for (let i = 0; i < items; i++) first[i] = degree[i] > 0 ? Math.pow(degree[i], -alpha) : 0;
    // Every item → user step weighs 1 here: its probability deg(i)^−α is applied through `first`.
    const byItem = { indptr: itemPtr, indices: itemUsers, values: new Float64Array(itemUsers.length).fill(1) };
    const byUser = { indptr: users.indptr, indices: users.indices, values: step };
    this.table = buildNeighborTable(byItem, byUser, neighbors, (i, j, d) => first[i] * d * penalty[j], { normalize, progress: (f) => ctx.progress(f) });
  }

  /** W_ij as kept in the table (0 when j is not among row i's kept entries). */
  weight(i: number, j: number): number {
    return this.entry(i, j);
  }

  /** The pruned table W: row i lists its kept items j, largest weight first. */
  get weights(): NeighborTable {
    return this.requireTable();
  }
}

/**
 * The user rows with repeated items merged: value 1 (implicit) or the summed values, which must
 * then be positive (they are transition weights).
 */
function distinctRows(byUser: Csr, implicit: boolean): { rows: number; indptr: Int32Array; indices: Int32Array; values: Float64Array } {
  const { rows, indptr: ptr, indices: idx, values: val } = byUser;
  const indptr = new Int32Array(rows + 1);
  const indices = new Int32Array(idx.length);
  const values = new Float64Array(idx.length);
  let at = 0;
  for (let u = 0; u < rows; u++) {
    for (let p = ptr[u]; p < ptr[u + 1]; p++) {
      if (p > ptr[u] && idx[p] === idx[p - 1]) {
        if (!implicit) values[at - 1] += val[p];
        continue;
      }
      indices[at] = idx[p];
      values[at++] = implicit ? 1 : val[p];
    }
    if (!implicit) {
      for (let p = indptr[u]; p < at; p++) {
        if (!(values[p] > 0))
          throw new ConfigError(
            `rp3beta: implicit: false needs positive interaction values, but user index ${u} has ${values[p]} for item index ${indices[p]}; use implicit: true or drop non-positive values`,
          );
      }
    }
    indptr[u + 1] = at;
  }
  return { rows, indptr, indices: indices.subarray(0, at), values: values.subarray(0, at) };
}

export const rp3betaSpec = defineModel({
  type: 'rp3beta',
  description: 'RP3beta (Paudel et al. 2017): popularity-penalised 3-step random-walk item–item graph',
  task: 'ranking',
  defaults: { alpha: 1, beta: 0.6, neighbors: 100, normalize: true, implicit: true, task: 'ranking', epochs: 1 } as Rp3betaConfig,
  schema: {
    alpha: { kind: 'number', min: 0, help: 'exponent on every transition probability (α = 1, β = 0 is plain P3)' },
    beta: { kind: 'number', min: 0, help: 'popularity penalty: weights into item j divided by deg(j)^β' },
    neighbors: { kind: 'int', min: 1, help: 'largest weights kept per item row' },
    normalize: { kind: 'boolean', help: 'scale each pruned row to sum to 1' },
    implicit: { kind: 'boolean', help: 'every interaction counts 1; false: the user → item step follows the (positive) values' },
    task: { kind: 'enum', values: ['ranking'], help: 'ranking only' },
    epochs: { kind: 'int', min: 0, help: 'closed form: one pass' },
  },
  create: (config) => new Rp3beta(config),
});
