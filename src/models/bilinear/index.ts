// The bilinear family's public classes and hyperparameter types.
export { BilinearModel } from './model.ts';
export { type BilinearConfig, type BilinearSettings, type BilinearType } from './config.ts';
