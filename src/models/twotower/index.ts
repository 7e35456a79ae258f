// The two-tower family's public classes and hyperparameter types.
export { TwoTower, type TwoTowerConfig } from './model.ts';
