/**
 * What an iALS alternation and an EASE fit cost against one validation score, for
 * `validationUsers: 'auto'` (src/train/validation-users.ts), in estimated CPU nanoseconds. Without a
 * declaration the default (10 scores per training row, a shape taken from SGD models such as NCF)
 * rated an iALS epoch 15–77× and an EASE fit 10–190× below what they measure in validation scores,
 * and so validated far fewer users than the 20 % share allows.
 *
 * Counting multiply-adds alone is not enough here: iALS trains in scalar float64 JavaScript but
 * scores with a SIMD GEMM, EASE inverts on the SIMD GEMM but scores in scalar JavaScript, and a
 * validation score also pays for ranking the items. So each side is multiply-adds times a measured
 * speed (CPU-ns, one thread, `nice -n 5` at load 7–9; only their ratios matter). An epoch in
 * AUC validation scores, measured against declared (synthetic data, 10 % of each user held out):
 * iALS 20 K users × 5 K items (64 factors), CG 55 M / 63 M, exact solver 277 M / 205 M; EASE
 * 6 K × 3 K 15 M / 12.5 M, 2 K × 6 K 78 M / 99 M: within 0.7–1.3×, where the default was 15–190×
 * below.
 */
import type { DataShape, ValidationCost } from '../../train/types.ts';

/** Ranking one item in a validation pass (AUC): the part of a score every model pays. */
const RANK_NS = 30;
/** A multiply-add in the scalar float64 loops of iALS's solves (CG's ~2.5, the exact solver's ~3.4). */
const SCALAR_MULTIPLY_ADD_NS = 2.5;
/** A multiply-add of the SIMD GEMM: scoring blocks of users (iALS), EASE's float32 inverse (~11 G per second). */
const SIMD_MULTIPLY_ADD_NS = 0.09;
/** An add of EASE's score, a sum of the user's history rows of B (scalar JavaScript). */
const SCALAR_ADD_NS = 3;

/**
 * iALS (ials.ts), one alternation with `factors` = f. Per side: the fixed table's Gram matrix
 * (its rows × f²/2), then per row a CG solve (per step a symmetric f × f product and, per observed
 * pair, a dot product and an axpy: 2f) or the exact solve (per pair a rank-1 update of the lower
 * triangle, f²/2; per row a Cholesky solve, f³/6). The loss: both Gram matrices again and a dot
 * product per pair. A score is a dot product of two f-vectors (scoreUsers runs one GEMM), ranked.
 */
export function ialsValidationCost(shape: DataShape, c: { factors: number; solver: 'cg' | 'cholesky'; cgSteps: number }): ValidationCost {
  const f = c.factors;
  const rows = shape.users + shape.items;
  // Each observed pair is a column of its user's row and a row of its item's: two visits an epoch.
  const pairs = 2 * shape.interactions;
  const grams = (rows * f * f) / 2;
  const solves = c.solver === 'cholesky' ? rows * (f ** 3 / 6 + 2 * f * f) + pairs * ((f * f) / 2 + f) : (1 + c.cgSteps) * (rows * f * f + pairs * 2 * f);
  const loss = (rows * f * f) / 2 + shape.interactions * f;
  return { epoch: SCALAR_MULTIPLY_ADD_NS * (grams + solves + loss), perScore: RANK_NS + SIMD_MULTIPLY_ADD_NS * f };
}

/**
 * EASE (ease.ts), its one fitting epoch: the Gram matrix XᵀX (each user's pairs of items, half of
 * them by symmetry; Σ n_u² is at least interactions² / users, which stands in for it; scalar adds)
 * and the inverse of the items × items matrix (n³ flops, i.e. n³/2 multiply-adds, on the SIMD GEMM;
 * the float64 Cholesky inverse is slower, which only makes the sample err small). A score sums the
 * user's history rows of B (interactions / users adds on average), ranked.
 */
export function easeValidationCost(shape: DataShape): ValidationCost {
  const perUser = shape.interactions / Math.max(1, shape.users);
  const gram = (shape.interactions * perUser) / 2;
  return { epoch: SCALAR_ADD_NS * gram + (SIMD_MULTIPLY_ADD_NS * shape.items ** 3) / 2, perScore: RANK_NS + SCALAR_ADD_NS * perUser };
}
