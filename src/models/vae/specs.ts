// The vae family's model specs, by registry name (src/models/registry.ts gathers every family).
export const vaeSpecs = {} as const;
