/** Small, fast hyperparameters for tests that run every model (contract, fold-in). */
export const SMALL_BILINEAR = { factors: 16, epochs: 10 };
export const SMALL_DEEP = { factors: 8, layers: [16], epochs: 4, batchSize: 64, learningRate: 0.01 };
