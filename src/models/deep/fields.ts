/**
 * DeepFM's fields: user id, user metadata fields, item id, item metadata fields, laid out so the
 * user-side fields come first (a contiguous block of the deep part's first layer, which lets
 * full-catalogue scoring precompute the item half). All features share one index space:
 * [0, U) user ids, [U, U+I) item ids, then user features, then item features.
 */
import { checkFeatureRows } from '../../core/hybrid.ts';
import type { FeatureMatrix } from '../../contracts/types.ts';

export class FieldLayout {
  readonly numUsers: number;
  readonly numItems: number;
  readonly userFeatures: FeatureMatrix | null;
  readonly itemFeatures: FeatureMatrix | null;
  /** Fields on the user side (id + metadata fields) and the item side. */
  readonly userFields: number;
  readonly itemFields: number;
  /** Rows of the shared embedding / first-order tables. */
  readonly numFeatures: number;
  readonly userFeatureBase: number;
  readonly itemFeatureBase: number;
  readonly names: string[];

  constructor(numUsers: number, numItems: number, userFeatures: FeatureMatrix | null, itemFeatures: FeatureMatrix | null) {
    checkFeatureRows('deepfm', userFeatures, numUsers, 'user');
    checkFeatureRows('deepfm', itemFeatures, numItems, 'item');
    this.numUsers = numUsers;
    this.numItems = numItems;
    this.userFeatures = userFeatures;
    this.itemFeatures = itemFeatures;
    this.userFields = 1 + (userFeatures?.fields.length ?? 0);
    this.itemFields = 1 + (itemFeatures?.fields.length ?? 0);
    this.userFeatureBase = numUsers + numItems;
    this.itemFeatureBase = this.userFeatureBase + (userFeatures?.numFeatures ?? 0);
    this.numFeatures = this.itemFeatureBase + (itemFeatures?.numFeatures ?? 0);
    this.names = ['user', ...(userFeatures?.fields.map((f) => `user.${f}`) ?? []), 'item', ...(itemFeatures?.fields.map((f) => `item.${f}`) ?? [])];
  }

  get fields(): number {
    return this.userFields + this.itemFields;
  }
}
