// The baselines' model specs, by registry name (src/models/registry.ts gathers every family).
import { popularitySpec } from './popularity.ts';

export const baselinesSpecs = {
  popularity: popularitySpec,
} as const;
