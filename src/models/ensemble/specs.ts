// The ensemble family's model specs, by registry name (src/models/registry.ts gathers every family).
import { blendSpec } from './blend.ts';

export const ensembleSpecs = {
  blend: blendSpec,
} as const;
