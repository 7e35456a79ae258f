/**
 * The common frame of ncf/neumf and neural-rating: a user and an item EmbeddingInput (id plus
 * optional metadata-feature embeddings) feeding an Mlp, trained pointwise.
 */
import type { Mlp } from '../../core/mlp.ts';
import type { OptimizerConfig } from '../../core/params.ts';
import type { Rng } from '../../core/rng.ts';
import type { FeatureMatrix } from '../../contracts/types.ts';
import { PointwiseDeepModel } from './base.ts';
import { optimizerOf } from './config.ts';
import { EmbeddingInput } from './embedding-input.ts';

export abstract class EmbeddingMlpModel<Cache> extends PointwiseDeepModel<Cache> {
  protected users: EmbeddingInput | null = null;
  protected items: EmbeddingInput | null = null;
  protected mlp: Mlp | null = null;

  /**
   * Creates the user and item embeddings (in that order, from `rng`) and returns what the
   * model's other layers are built with: the optimizer and the features in use.
   */
  protected buildEmbeddings(rng: Rng): { opt: OptimizerConfig; userFeatures: FeatureMatrix | null; itemFeatures: FeatureMatrix | null } {
    const c = this.config;
    const opt = optimizerOf(c);
    const userFeatures = c.useFeatures ? this.userFeatures : null;
    const itemFeatures = c.useFeatures ? this.itemFeatures : null;
    this.users = new EmbeddingInput('user', this.numUsers, c.factors, userFeatures, opt, rng, c.initStd);
    this.items = new EmbeddingInput('item', this.numItems, c.factors, itemFeatures, opt, rng, c.initStd);
    return { opt, userFeatures, itemFeatures };
  }

  protected isBuilt(): boolean {
    return this.mlp !== null;
  }

  /** A new item's embedding from its item-feature indices (and weights); needs item features. */
  protected coldItemVector(featureIndices: ArrayLike<number>, featureWeights: ArrayLike<number> | null): Float32Array {
    if (!this.items!.hasFeatures) throw this.noItemFeatures();
    const q = new Float32Array(this.config.factors);
    this.items!.fromFeatures(featureIndices, featureWeights, q);
    return q;
  }

  itemVectors(): { data: Float32Array; dim: number } | null {
    return this.items ? { data: this.items.materialize(), dim: this.config.factors } : null;
  }
}
