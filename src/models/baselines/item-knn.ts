import type { Interactions } from '../../data/interactions.ts';
import { defineModel, resolveConfig } from '../spec.ts';
import { ItemTableRecommender } from './item-table.ts';
import { itemCosineNeighbors } from './neighbors.ts';
import type { Rng } from '../../core/rng.ts';
import type { FitOptions } from '../../train/types.ts';
import { type ConfidenceOptions, confidenceDefaults, confidenceSchema, weighted } from './confidence.ts';

export type ItemKnnConfig = {
  /** Most similar items kept per item (default 50). */
  neighbors: number;
  /** s(i, j) = x_i·x_j / (‖x_i‖‖x_j‖ + shrinkage): damps similarities resting on few users. */
  shrinkage: number;
  task: 'ranking';
  epochs: number;
} & ConfidenceOptions;

/**
 * Item-based k-nearest neighbours (Sarwar et al. 2001; `implicit`'s CosineRecommender): cosine
 * similarity between items' user columns (the training values weighted by `confidence`), the
 * top `neighbors` kept per item, and score(u, j) = Σ_{i ∈ I_u} s(i, j) over the user's training
 * items (the model's `seen` rows, which the model file keeps). The similarity table is the
 * model's whole state.
 */
export class ItemKnn extends ItemTableRecommender {
  readonly type = 'item-knn';
  readonly config: ItemKnnConfig;
  protected readonly tableName = 'similarity';

  constructor(config: Partial<ItemKnnConfig> = {}) {
    super();
    this.config = resolveConfig(itemKnnSpec, config);
  }

  protected fitData(raw: Interactions, _rng: Rng, options: FitOptions): void {
    const { data: train, kind, why } = weighted(raw, this.config);
    (options.log ?? ((line: string) => process.stderr.write(line + '\n')))(`item-knn: confidence ${kind} (${why})`);
    this.table = itemCosineNeighbors(train.byItem(), train.byUser(), this.config.neighbors, this.config.shrinkage);
  }

  /** s(i, j) as kept in the table (0 when j is not among i's neighbours). */
  similarity(i: number, j: number): number {
    return this.entry(i, j);
  }
}

export const itemKnnSpec = defineModel({
  type: 'item-knn',
  description: 'item-based k-nearest neighbours (cosine, top-k per item)',
  task: 'ranking',
  defaults: { neighbors: 50, shrinkage: 0, task: 'ranking', epochs: 1, ...confidenceDefaults } as ItemKnnConfig,
  schema: {
    neighbors: { kind: 'int', min: 1, help: 'most similar items kept per item' },
    shrinkage: { kind: 'number', min: 0, help: 'added to the cosine denominator: damps similarities resting on few users' },
    ...confidenceSchema,
    task: { kind: 'enum', values: ['ranking'], help: 'ranking only' },
    epochs: { kind: 'int', min: 0, help: 'closed form: one pass' },
  },
  create: (config) => new ItemKnn(config),
});
