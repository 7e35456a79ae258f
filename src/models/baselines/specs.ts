// The baselines' model specs, by registry name (src/models/registry.ts gathers every family).
import { easeSpec } from './ease.ts';
import { ialsSpec } from './ials.ts';
import { itemKnnSpec } from './item-knn.ts';
import { logisticRegressionSpec } from './logistic-regression.ts';
import { popularitySpec } from './popularity.ts';
import { randomSpec } from './random.ts';
import { rp3betaSpec } from './rp3beta.ts';
import { userKnnSpec } from './user-knn.ts';

export const baselinesSpecs = {
  random: randomSpec,
  popularity: popularitySpec,
  'user-knn': userKnnSpec,
  'item-knn': itemKnnSpec,
  'logistic-regression': logisticRegressionSpec,
  ials: ialsSpec,
  ease: easeSpec,
  rp3beta: rp3betaSpec,
} as const;
