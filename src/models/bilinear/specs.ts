// The bilinear family's model specs, by registry name (src/models/registry.ts gathers every family).
import { bilinearSpec } from './model.ts';

export const bilinearSpecs = {
  bilinear: bilinearSpec('bilinear'),
  warp: bilinearSpec('warp'),
  bpr: bilinearSpec('bpr'),
  logistic: bilinearSpec('logistic'),
  triplet: bilinearSpec('triplet'),
} as const;
