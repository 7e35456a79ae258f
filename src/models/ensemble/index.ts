// Ensembles' public classes and hyperparameter types.
export { Blend, type BlendConfig } from './blend.ts';
