/**
 * What an iALS alternation and an EASE fit cost against one validation score, in multiply-adds,
 * for `validationUsers: 'auto'` (src/train/validation-users.ts). Without a declaration the default
 * (10 scores per training row, a shape taken from SGD models such as NCF) rates an iALS epoch,
 * f² work per row and f per observed pair, and EASE's items³ inverse as a few passes over the
 * interactions, and so validates fewer users than its 20 % share of the epoch allows.
 */
import type { DataShape, ValidationCost } from '../../train/types.ts';

/**
 * iALS (ials.ts), one alternation with `factors` = f. Per side: the fixed table's Gram matrix
 * (its rows × f²/2), then per row a CG solve (per step a symmetric f × f product and, per observed
 * pair, a dot product and an axpy: 2f) or the exact solve (per pair a rank-1 update of the lower
 * triangle, f²/2; per row a Cholesky solve, f³/6). The loss: both Gram matrices again and a dot
 * product per pair. A score is a dot product of two f-vectors (scoreUsers runs one GEMM).
 */
export function ialsValidationCost(shape: DataShape, c: { factors: number; solver: 'cg' | 'cholesky'; cgSteps: number }): ValidationCost {
  const f = c.factors;
  const rows = shape.users + shape.items;
  // Each observed pair is a column of its user's row and a row of its item's: two visits an epoch.
  const pairs = 2 * shape.interactions;
  const grams = (rows * f * f) / 2;
  const solves = c.solver === 'cholesky' ? rows * (f ** 3 / 6 + 2 * f * f) + pairs * ((f * f) / 2 + f) : (1 + c.cgSteps) * (rows * f * f + pairs * 2 * f);
  const loss = (rows * f * f) / 2 + shape.interactions * f;
  return { epoch: grams + solves + loss, perScore: f };
}

/**
 * EASE (ease.ts), its one fitting epoch: the Gram matrix XᵀX (each user's pairs of items, half of
 * them by symmetry; Σ n_u² is at least interactions² / users, which stands in for it) and the
 * inverse of the items × items matrix (n³ flops, i.e. n³/2 multiply-adds, for the sweep and the
 * float64 Cholesky inverse alike). A score sums the user's history rows of B: one add per history
 * item, interactions / users on average.
 */
export function easeValidationCost(shape: DataShape): ValidationCost {
  const perUser = shape.interactions / Math.max(1, shape.users);
  return { epoch: (shape.interactions * perUser) / 2 + shape.items ** 3 / 2, perScore: Math.max(1, perUser) };
}
