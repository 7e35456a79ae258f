// The baselines' public classes and hyperparameter types.
export { Ease, type EaseConfig } from './ease.ts';
export { Ials, type IalsConfig, type IalsResolvedConfig } from './ials.ts';
export { ItemKnn, type ItemKnnConfig } from './item-knn.ts';
export { LogisticRegression, type LogisticRegressionConfig } from './logistic-regression.ts';
export { PopularityRecommender, type PopularityConfig } from './popularity.ts';
export { RandomRecommender, type RandomConfig } from './random.ts';
export { Rp3beta, type Rp3betaConfig } from './rp3beta.ts';
export { UserKnn, type UserKnnConfig } from './user-knn.ts';
