// The mf family's model specs, by registry name (src/models/registry.ts gathers every family).
import { mfSpec } from './mf.ts';

export const mfSpecs = {
  mf: mfSpec,
} as const;
