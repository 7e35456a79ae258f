// Matrix factorization's public class and hyperparameter type.
export { MatrixFactorization, type MfConfig } from './mf.ts';
