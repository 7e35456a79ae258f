// The bilinear family's public classes and hyperparameter types.
export { BilinearModel } from './model.ts';
export type { BilinearConfig, BilinearSettings, BilinearType } from './config.ts';
