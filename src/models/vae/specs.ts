// The vae family's model specs, by registry name (src/models/registry.ts gathers every family).
import { multVaeSpec } from './multvae.ts';
import { recVaeSpec } from './recvae.ts';

export const vaeSpecs = {
  multvae: multVaeSpec,
  recvae: recVaeSpec,
} as const;
