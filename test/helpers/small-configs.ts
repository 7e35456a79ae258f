/** Small, fast hyperparameters for tests that run every model (contract, fold-in). */
export const SMALL_BILINEAR = { factors: 16, epochs: 10 };
export const SMALL_DEEP = { factors: 8, layers: [16], epochs: 4, batchSize: 64, learningRate: 0.01 };
/** RecVAE: a narrow, shallow encoder and a few epochs (the paper's 600 × 5 is for real data). */
export const SMALL_RECVAE = { hidden: 32, depth: 2, latent: 16, epochs: 6, batchSize: 64, learningRate: 0.005 };
/** Two-tower: small towers, a few epochs. */
export const SMALL_TWO_TOWER = { factors: 16, embeddingDim: 16, layers: [32], epochs: 6, batchSize: 64, learningRate: 0.01 };
