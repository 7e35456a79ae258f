// The bilinear family's public classes and hyperparameter types.
export { BilinearModel, type BilinearConfig } from './model.ts';
