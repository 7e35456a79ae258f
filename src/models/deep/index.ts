// The deep family's public classes and hyperparameter types.
export type { DeepConfig } from './config.ts';
export { DeepFM, type DeepFmConfig } from './deepfm.ts';
export { MatchModel, type MatchConfig } from './match.ts';
export { NCF, type NcfConfig, type NcfVariant } from './ncf.ts';
export { NeuralRating, type NeuralRatingConfig } from './neural-rating.ts';
export { type CustomTripletLoss, lossGradient, numericGradient } from './custom-loss.ts';
