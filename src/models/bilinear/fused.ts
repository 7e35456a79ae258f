import type { Param } from '../../core/params.ts';
import type { BilinearTables } from './tables.ts';

/**
 * The fast path of the bilinear kernel: plain id embeddings (no features), dot similarity and
 * SGD or Adagrad (per entry or row-wise). Scores and updates read the user, positive and
 * negative rows straight from the tables and update all three in one fused pass, computing
 * every gradient from the old values first (a simultaneous step, like LightFM's).
 */
export class FusedDot {
  readonly dim: number;
  /** Learning rate for the current run (set by the kernel before each shard). */
  lr = 0;
  private readonly P: Float32Array;
  private readonly Q: Float32Array;
  private readonly adagrad: boolean;
  private readonly rowwise: boolean;
  /** Per-entry Adagrad accumulators (adagrad) of P and Q. */
  private readonly vP: Float32Array;
  private readonly vQ: Float32Array;
  /** Per-row accumulators (row-wise Adagrad) of P and Q. */
  private readonly accP: Float32Array;
  private readonly accQ: Float32Array;
  private readonly bias: Float32Array | null;
  /** The item bias's accumulator (a scalar row's row-wise and per-entry states coincide). */
  private readonly vB: Float32Array;
  private readonly eps: number;
  private readonly l2u: number;
  private readonly l2i: number;
  private readonly l2b: number;
  /**
   * Row-wise only, −1 = not computed: Σ(q⁻ − q⁺)² from the last `bprDifference`, Σp² from it or
   * from `scorePositiveAndDraw` (the user row does not change between scoring and the update).
   */
  private preQQ = -1;
  private prePP = -1;
  /** The later scores of the last `score2` / `score4` / `scorePositiveAndDraw`. */
  second = 0;
  third = 0;
  fourth = 0;

  constructor(t: BilinearTables, l2: { user: number; item: number; bias: number }, epsilon: number) {
    const uId = t.user.id!;
    const iId = t.item.id!;
    this.dim = t.user.dim;
    this.P = uId.data;
    this.Q = iId.data;
    this.adagrad = stateOf(uId) === 'adagrad';
    this.rowwise = t.user.idAcc !== null;
    const empty = new Float32Array(0);
    const vu = uId.buffers().v;
    const vi = iId.buffers().v;
    this.vP = vu ? new Float32Array(vu) : empty;
    this.vQ = vi ? new Float32Array(vi) : empty;
    this.accP = t.user.idAcc ?? empty;
    this.accQ = t.item.idAcc ?? empty;
    const b = t.itemBias?.table.id ?? null;
    this.bias = b?.data ?? null;
    const vb = b?.buffers().v;
    this.vB = vb ? new Float32Array(vb) : (t.itemBias?.table.idAcc ?? empty);
    this.eps = epsilon;
    this.l2u = l2.user;
    this.l2i = l2.item;
    this.l2b = l2.bias;
  }

  /** Whether these tables qualify for the fused path. */
  static supports(t: BilinearTables, cosine: boolean): boolean {
    if (cosine || !t.user.id || !t.item.id || t.user.feat || t.item.feat) return false;
    return stateOf(t.user.id) !== 'adam';
  }

  /** p_u · q_item + b_item (user row at offset ub). */
  score(ub: number, item: number): number {
    const P = this.P;
    const Q = this.Q;
    const dim = this.dim;
    const ib = item * dim;
    // Four independent sums: the additions pipeline instead of waiting on one another.
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    const d4 = dim - (dim & 3);
    let d = 0;
    for (; d < d4; d += 4) {
      s0 += P[ub + d] * Q[ib + d];
      s1 += P[ub + d + 1] * Q[ib + d + 1];
      s2 += P[ub + d + 2] * Q[ib + d + 2];
      s3 += P[ub + d + 3] * Q[ib + d + 3];
    }
    for (; d < dim; d++) s0 += P[ub + d] * Q[ib + d];
    const s = s0 + s1 + s2 + s3;
    return this.bias === null ? s : s + this.bias[item];
  }

  /**
   * WARP's opening pass: the positive's score, and in the same pass over the user row the first
   * draw's (in `second`) and, for a row-wise update that may follow, Σp² (the update then reads
   * only the two item rows before it writes).
   */
  scorePositiveAndDraw(ub: number, i: number, j: number): number {
    if (!this.rowwise) return this.score2(ub, i, j);
    const P = this.P;
    const Q = this.Q;
    const dim = this.dim;
    const ib = i * dim;
    const jb = j * dim;
    let a0 = 0;
    let a1 = 0;
    let b0 = 0;
    let b1 = 0;
    let n0 = 0;
    let n1 = 0;
    const d2 = dim - (dim & 1);
    let d = 0;
    for (; d < d2; d += 2) {
      const p0 = P[ub + d];
      const p1 = P[ub + d + 1];
      a0 += p0 * Q[ib + d];
      a1 += p1 * Q[ib + d + 1];
      b0 += p0 * Q[jb + d];
      b1 += p1 * Q[jb + d + 1];
      n0 += p0 * p0;
      n1 += p1 * p1;
    }
    if (d < dim) {
      const p = P[ub + d];
      a0 += p * Q[ib + d];
      b0 += p * Q[jb + d];
      n0 += p * p;
    }
    this.prePP = n0 + n1;
    const bias = this.bias;
    this.second = bias === null ? b0 + b1 : b0 + b1 + bias[j];
    return bias === null ? a0 + a1 : a0 + a1 + bias[i];
  }

  /**
   * Scores of two items for one user in one pass (the second in `second`): each user entry is
   * loaded once for both, and the four sums are independent. WARP scores its draws in pairs.
   */
  score2(ub: number, a: number, b: number): number {
    const P = this.P;
    const Q = this.Q;
    const dim = this.dim;
    const ab = a * dim;
    const bb = b * dim;
    let a0 = 0;
    let a1 = 0;
    let b0 = 0;
    let b1 = 0;
    const d2 = dim - (dim & 1);
    let d = 0;
    for (; d < d2; d += 2) {
      const p0 = P[ub + d];
      const p1 = P[ub + d + 1];
      a0 += p0 * Q[ab + d];
      a1 += p1 * Q[ab + d + 1];
      b0 += p0 * Q[bb + d];
      b1 += p1 * Q[bb + d + 1];
    }
    if (d < dim) {
      const p = P[ub + d];
      a0 += p * Q[ab + d];
      b0 += p * Q[bb + d];
    }
    const bias = this.bias;
    this.second = bias === null ? b0 + b1 : b0 + b1 + bias[b];
    return bias === null ? a0 + a1 : a0 + a1 + bias[a];
  }

  /**
   * Scores of four items for one user in one pass (the last three in `second`, `third`,
   * `fourth`): late in training most WARP draws do not violate, so a block rarely wastes much.
   */
  score4(ub: number, a: number, b: number, c: number, e: number): number {
    const P = this.P;
    const Q = this.Q;
    const dim = this.dim;
    const ab = a * dim;
    const bb = b * dim;
    const cb = c * dim;
    const eb = e * dim;
    let sa = 0;
    let sb = 0;
    let sc = 0;
    let se = 0;
    for (let d = 0; d < dim; d++) {
      const p = P[ub + d];
      sa += p * Q[ab + d];
      sb += p * Q[bb + d];
      sc += p * Q[cb + d];
      se += p * Q[eb + d];
    }
    const bias = this.bias;
    if (bias === null) {
      this.second = sb;
      this.third = sc;
      this.fourth = se;
      return sa;
    }
    this.second = sb + bias[b];
    this.third = sc + bias[c];
    this.fourth = se + bias[e];
    return sa + bias[a];
  }

  /** Forget a Σp² kept by `scorePositiveAndDraw` that no update used (the next user differs). */
  clearNorm(): void {
    this.prePP = -1;
  }

  /** s⁻ − s⁺ in one pass over the three rows (BPR needs no more). */
  bprDifference(ub: number, i: number, j: number): number {
    const P = this.P;
    const Q = this.Q;
    const dim = this.dim;
    const ib = i * dim;
    const jb = j * dim;
    let x = 0;
    if (this.rowwise) {
      // Row-wise Adagrad needs Σ(q⁻ − q⁺)² and Σp²: gather them in the same pass.
      let qq = 0;
      let pp = 0;
      for (let d = 0; d < dim; d++) {
        const p = P[ub + d];
        const dq = Q[jb + d] - Q[ib + d];
        x += p * dq;
        qq += dq * dq;
        pp += p * p;
      }
      this.preQQ = qq;
      this.prePP = pp;
    } else {
      for (let d = 0; d < dim; d++) x += P[ub + d] * (Q[jb + d] - Q[ib + d]);
    }
    return this.bias === null ? x : x + this.bias[j] - this.bias[i];
  }

  /** Apply dL/ds⁺ = gI, dL/ds⁻ = gJ for user u (row offset ub); i or j = −1 when absent. */
  update(u: number, ub: number, i: number, gI: number, j: number, gJ: number): void {
    if (i >= 0 && j >= 0) this.pair(u, ub, i, gI, j, gJ);
    else if (i >= 0) this.single(u, ub, i, gI);
    else this.single(u, ub, j, gJ);
    if (this.bias !== null) {
      if (i >= 0) this.updateBias(i, gI);
      if (j >= 0) this.updateBias(j, gJ);
    }
  }

  private pair(u: number, ub: number, i: number, gI: number, j: number, gJ: number): void {
    const dim = this.dim;
    const P = this.P;
    const Q = this.Q;
    const l2u = this.l2u;
    const l2i = this.l2i;
    const lr = this.lr;
    const eps = this.eps;
    const ib = i * dim;
    const jb = j * dim;
    if (this.rowwise) {
      // Mean squares of the three rows' loss gradients first: one square root per row.
      let gg = 0;
      let pp = 0;
      if (this.prePP >= 0 && gJ === -gI) {
        // A pairwise step: the user's gradient is gI·(q⁺ − q⁻), so Σ(q⁻ − q⁺)² is all it needs.
        pp = this.prePP;
        let qq = this.preQQ;
        if (qq < 0) {
          qq = 0;
          for (let d = 0; d < dim; d++) {
            const dq = Q[jb + d] - Q[ib + d];
            qq += dq * dq;
          }
        }
        gg = gI * gI * qq;
      } else {
        for (let d = 0; d < dim; d++) {
          const p = P[ub + d];
          const gp = gI * Q[ib + d] + gJ * Q[jb + d];
          gg += gp * gp;
          pp += p * p;
        }
      }
      this.preQQ = -1;
      this.prePP = -1;
      const accQ = this.accQ;
      const sP = lr / (Math.sqrt((this.accP[u] += gg / dim)) + eps);
      const sI = lr / (Math.sqrt((accQ[i] += (gI * gI * pp) / dim)) + eps);
      const sJ = lr / (Math.sqrt((accQ[j] += (gJ * gJ * pp) / dim)) + eps);
      for (let d = 0; d < dim; d++) {
        const p = P[ub + d];
        const qi = Q[ib + d];
        const qj = Q[jb + d];
        P[ub + d] = p - sP * (gI * qi + gJ * qj + l2u * p);
        Q[ib + d] = qi - sI * (gI * p + l2i * qi);
        Q[jb + d] = qj - sJ * (gJ * p + l2i * qj);
      }
    } else if (this.adagrad) {
      const vP = this.vP;
      const vQ = this.vQ;
      for (let d = 0; d < dim; d++) {
        const p = P[ub + d];
        const qi = Q[ib + d];
        const qj = Q[jb + d];
        const gp = gI * qi + gJ * qj + l2u * p;
        const gqi = gI * p + l2i * qi;
        const gqj = gJ * p + l2i * qj;
        const ap = vP[ub + d] + gp * gp;
        vP[ub + d] = ap;
        P[ub + d] = p - (lr * gp) / (Math.sqrt(ap) + eps);
        const ai = vQ[ib + d] + gqi * gqi;
        vQ[ib + d] = ai;
        Q[ib + d] = qi - (lr * gqi) / (Math.sqrt(ai) + eps);
        const aj = vQ[jb + d] + gqj * gqj;
        vQ[jb + d] = aj;
        Q[jb + d] = qj - (lr * gqj) / (Math.sqrt(aj) + eps);
      }
    } else {
      for (let d = 0; d < dim; d++) {
        const p = P[ub + d];
        const qi = Q[ib + d];
        const qj = Q[jb + d];
        P[ub + d] = p - lr * (gI * qi + gJ * qj + l2u * p);
        Q[ib + d] = qi - lr * (gI * p + l2i * qi);
        Q[jb + d] = qj - lr * (gJ * p + l2i * qj);
      }
    }
  }

  /** Pointwise: the user row and one item row. */
  private single(u: number, ub: number, k: number, g: number): void {
    const dim = this.dim;
    const P = this.P;
    const Q = this.Q;
    const l2u = this.l2u;
    const l2i = this.l2i;
    const lr = this.lr;
    const eps = this.eps;
    const kb = k * dim;
    if (this.rowwise) {
      let qq = 0;
      let pp = 0;
      for (let d = 0; d < dim; d++) {
        const p = P[ub + d];
        const q = Q[kb + d];
        qq += q * q;
        pp += p * p;
      }
      const sP = lr / (Math.sqrt((this.accP[u] += (g * g * qq) / dim)) + eps);
      const sQ = lr / (Math.sqrt((this.accQ[k] += (g * g * pp) / dim)) + eps);
      for (let d = 0; d < dim; d++) {
        const p = P[ub + d];
        const q = Q[kb + d];
        P[ub + d] = p - sP * (g * q + l2u * p);
        Q[kb + d] = q - sQ * (g * p + l2i * q);
      }
    } else if (this.adagrad) {
      const vP = this.vP;
      const vQ = this.vQ;
      for (let d = 0; d < dim; d++) {
        const p = P[ub + d];
        const q = Q[kb + d];
        const gp = g * q + l2u * p;
        const gq = g * p + l2i * q;
        const ap = vP[ub + d] + gp * gp;
        vP[ub + d] = ap;
        P[ub + d] = p - (lr * gp) / (Math.sqrt(ap) + eps);
        const aq = vQ[kb + d] + gq * gq;
        vQ[kb + d] = aq;
        Q[kb + d] = q - (lr * gq) / (Math.sqrt(aq) + eps);
      }
    } else {
      for (let d = 0; d < dim; d++) {
        const p = P[ub + d];
        const q = Q[kb + d];
        P[ub + d] = p - lr * (g * q + l2u * p);
        Q[kb + d] = q - lr * (g * p + l2i * q);
      }
    }
  }

  private updateBias(k: number, g: number): void {
    const b = this.bias!;
    const w = b[k];
    const grad = g + this.l2b * w;
    if (this.adagrad || this.rowwise) {
      const a = this.vB[k] + grad * grad;
      this.vB[k] = a;
      b[k] = w - (this.lr * grad) / (Math.sqrt(a) + this.eps);
    } else {
      b[k] = w - this.lr * grad;
    }
  }
}

/** Which optimizer state a Param carries (its buffers tell). */
function stateOf(p: Param): 'sgd' | 'adagrad' | 'adam' {
  const b = p.buffers();
  return b.m !== null ? 'adam' : b.v !== null ? 'adagrad' : 'sgd';
}
