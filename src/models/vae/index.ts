// The VAE family's public classes and hyperparameter types.
export { MultVae, type MultVaeConfig } from './multvae.ts';
