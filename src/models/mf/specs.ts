// The mf family's model specs, by registry name (src/models/registry.ts gathers every family).
export const mfSpecs = {} as const;
