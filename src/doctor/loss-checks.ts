/**
 * Checks of a custom triplet loss before any training: the shape of what it returns, its own
 * gradient against central differences, the sign (raising the positive's score must lower the
 * loss), and whether the gradient vanishes at the start or on misranked pairs — the trouble with
 * a bounded loss like 1 − σ(s⁺ − s⁻), which stops pushing exactly the pairs that are wrong.
 */
import { TastebudError } from '../contracts/errors.ts';
import { lossGradient, lossTerms, numericGradient, type CustomTripletLoss } from '../models/deep/custom-loss.ts';
import type { Finding } from './findings.ts';

/** Misranked by this much (s⁺ − s⁻ = −4), a pair should still get a real share of the gradient at 0. */
const MISRANKED = -4;
const SATURATION_RATIO = 0.1;
const GRADIENT_RTOL = 1e-3;

export interface LossCheck {
  findings: Finding[];
  /** The loss cannot be trained with (wrong shape): nothing else can run. */
  refused: boolean;
}

export function checkCustomLoss(loss: CustomTripletLoss): LossCheck {
  const findings: Finding[] = [];
  const b = 8;
  const pos = Float64Array.from({ length: b }, (_, k) => Math.sin(k + 1));
  const neg = Float64Array.from({ length: b }, (_, k) => Math.cos(3 * k + 1));
  try {
    lossTerms(loss, pos, neg);
    if (loss.gradient) lossGradient(loss, pos, neg);
  } catch (e) {
    if (!(e instanceof TastebudError)) throw e;
    findings.push({ level: 'error', code: 'loss-shape', message: e.message, fix: 'return one loss term per triplet row, from that row’s own s⁺ and s⁻' });
    return { findings, refused: true };
  }

  if (loss.gradient) {
    const own = lossGradient(loss, pos, neg);
    const num = numericGradient(loss, pos, neg);
    let worst = 0;
    for (let k = 0; k < b; k++) {
      for (const [a, n] of [
        [own.pos[k], num.pos[k]],
        [own.neg[k], num.neg[k]],
      ]) {
        worst = Math.max(worst, Math.abs(a - n) / Math.max(1e-6, Math.abs(a), Math.abs(n)));
      }
    }
    findings.push(
      worst > GRADIENT_RTOL
        ? {
            level: 'error',
            code: 'loss-gradient',
            message: `custom loss "${loss.name}": its gradient disagrees with central differences (largest relative error ${worst.toExponential(2)})`,
            fix: 'fix the gradient, or leave it out and let tastebud differentiate the terms numerically',
            numbers: { relativeError: worst },
          }
        : {
            level: 'ok',
            code: 'loss-gradient',
            message: `custom loss "${loss.name}": its gradient matches central differences (largest relative error ${worst.toExponential(2)})`,
            numbers: { relativeError: worst },
          },
    );
  }

  const at = (d: number): { pos: number; neg: number } => {
    const g = lossGradient(loss, Float64Array.of(d), Float64Array.of(0));
    return { pos: g.pos[0], neg: g.neg[0] };
  };
  const g0 = at(0);
  const gWrong = at(MISRANKED);
  const numbers = { gradPositiveAt0: g0.pos, gradNegativeAt0: g0.neg, gradPositiveMisranked: gWrong.pos };
  if (g0.pos > 0 || g0.neg < 0) {
    findings.push({
      level: 'error',
      code: 'loss-sign',
      message: `custom loss "${loss.name}": at s⁺ = s⁻ its gradient is ${fmt(g0.pos)} for the positive and ${fmt(g0.neg)} for the negative — descending it lowers positives and raises negatives (a flipped sign)`,
      fix: 'negate the loss (or swap s⁺ and s⁻): raising s⁺ must lower it',
      numbers,
    });
  } else if (Math.abs(g0.pos) + Math.abs(g0.neg) < 1e-6) {
    findings.push({
      level: 'error',
      code: 'loss-vanishes',
      message: `custom loss "${loss.name}": its gradient at s⁺ = s⁻ (where training starts) is ${fmt(g0.pos)}: nothing moves`,
      fix: "use a loss with a gradient at the start, e.g. BPR −log σ(s⁺ − s⁻) (loss: 'bpr')",
      numbers,
    });
  } else if (Math.abs(gWrong.pos) < SATURATION_RATIO * Math.abs(g0.pos)) {
    findings.push({
      level: 'warn',
      code: 'loss-saturates',
      message: `custom loss "${loss.name}": a pair misranked by ${-MISRANKED} (s⁺ − s⁻ = ${MISRANKED}) gets gradient ${fmt(gWrong.pos)}, ${((100 * Math.abs(gWrong.pos)) / Math.abs(g0.pos)).toFixed(1)}% of the ${fmt(g0.pos)} at s⁺ = s⁻: a bounded loss such as 1 − σ(s⁺ − s⁻) stops pushing exactly the pairs that are wrong`,
      fix: "use BPR −log σ(s⁺ − s⁻) (loss: 'bpr'), whose gradient grows towards 1 on misranked pairs",
      numbers,
    });
  } else {
    findings.push({
      level: 'ok',
      code: 'loss-sign',
      message: `custom loss "${loss.name}": gradient ${fmt(g0.pos)} / ${fmt(g0.neg)} (positive / negative) at s⁺ = s⁻ and ${fmt(gWrong.pos)} on a misranked pair: right sign, no saturation`,
      numbers,
    });
  }
  return { findings, refused: false };
}

function fmt(x: number): string {
  return Math.abs(x) >= 1e-3 || x === 0 ? x.toFixed(4) : x.toExponential(2);
}
