// The deep family's model specs, by registry name (src/models/registry.ts gathers every family).
import { deepfmSpec } from './deepfm.ts';
import { matchSpec } from './match.ts';
import { ncfSpec, neumfSpec } from './ncf.ts';
import { neuralRatingSpec } from './neural-rating.ts';

export const deepSpecs = {
  ncf: ncfSpec,
  neumf: neumfSpec,
  deepfm: deepfmSpec,
  match: matchSpec,
  'neural-rating': neuralRatingSpec,
} as const;
