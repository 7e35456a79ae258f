// The two-tower family's model specs, by registry name (src/models/registry.ts gathers every family).
import { twoTowerSpec } from './model.ts';

export const twoTowerSpecs = {
  'two-tower': twoTowerSpec,
} as const;
