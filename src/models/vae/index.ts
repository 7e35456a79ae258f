// The VAE family's public classes and hyperparameter types.
export { MultVae, type MultVaeConfig } from './multvae.ts';
export { RecVae, type RecVaeConfig } from './recvae.ts';
