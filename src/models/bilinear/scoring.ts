import { ConfigError } from '../../contracts/errors.ts';
import type { SimilarityKind } from './kernel.ts';
import type { BilinearTables } from './tables.ts';
import { matmulTransBWide, packTransB, type PackedTransB } from '../../core/matmul.ts';

/**
 * Scoring for a trained bilinear model: item representations (hybrid sums, unit-normalised
 * for cosine) and item biases are materialised once and reused for every user until the
 * parameters change (`invalidate`), so scoring a user is one matrix–vector product, and
 * scoring a block of users one matrix product (`scoreUsers`).
 */
export class BilinearScorer {
  private items: Float32Array | null = null;
  private biases: Float32Array | null = null;
  /** Items as [q_i, b_i, 1] rows (dim + 2 wide; dim wide without biases), packed for `scoreUsers`. */
  private wide: PackedTransB | null = null;
  private query = new Float32Array(0);
  private rows = new Float32Array(0);

  invalidate(): void {
    this.items = null;
    this.biases = null;
    this.wide = null;
  }

  /**
   * Scores of every item for each of `users`, row-major users × items into `out`: the users'
   * representations (unit length for cosine) as [p_u, 1, b_u] rows times the [q_i, b_i, 1]
   * item rows in one GEMM (src/core/matmul.ts `matmulTransBWide`), so the biases come out of
   * the same product. Equal to `scoreItems` per user up to float rounding.
   */
  scoreUsers(t: BilinearTables, sim: SimilarityKind, users: Int32Array, out: Float32Array): void {
    const dim = t.user.dim;
    const n = t.item.rows;
    if (out.length < users.length * n) throw new RangeError(`score buffer has ${out.length} slots for ${users.length} × ${n} scores`);
    const items = this.wideItems(t, sim);
    const w = wideColumns(t);
    if (this.rows.length < users.length * w) this.rows = new Float32Array(users.length * w);
    const rows = this.rows;
    for (let b = 0; b < users.length; b++) {
      const user = users[b];
      if (!(user >= 0 && user < t.user.rows)) throw new ConfigError(`user index ${user} is out of range (0..${t.user.rows - 1})`);
      const o = b * w;
      t.user.forward(user, rows, o);
      if (sim === 'cosine') {
        let qq = 0;
        for (let d = 0; d < dim; d++) qq += rows[o + d] * rows[o + d];
        const scale = 1 / (Math.sqrt(qq) + 1e-8);
        for (let d = 0; d < dim; d++) rows[o + d] *= scale;
      }
      if (w > dim) {
        rows[o + dim] = 1;
        rows[o + dim + 1] = t.userBias ? t.userBias.value(user) : 0;
      }
    }
    matmulTransBWide(rows, items, out, users.length);
  }

  scoreItems(t: BilinearTables, sim: SimilarityKind, user: number, out: Float32Array): void {
    if (!(user >= 0 && user < t.user.rows)) throw new ConfigError(`user index ${user} is out of range (0..${t.user.rows - 1})`);
    const q = this.queryBuffer(t.user.dim);
    t.user.forward(user, q, 0);
    this.scoreQuery(t, sim, q, t.userBias ? t.userBias.value(user) : 0, out);
  }

  scoreItemsForFeatures(t: BilinearTables, sim: SimilarityKind, indices: ArrayLike<number>, weights: ArrayLike<number> | null, out: Float32Array): void {
    const q = this.queryBuffer(t.user.dim);
    t.user.forwardFeatures(indices, weights, q, 0);
    this.scoreQuery(t, sim, q, t.userBias ? t.userBias.valueFeatures(indices, weights) : 0, out);
  }

  scoreNewItem(t: BilinearTables, sim: SimilarityKind, user: number, indices: ArrayLike<number>, weights: ArrayLike<number> | null): number {
    const dim = t.user.dim;
    const q = new Float32Array(dim);
    const v = new Float32Array(dim);
    t.user.forward(user, q, 0);
    t.item.forwardFeatures(indices, weights, v, 0);
    let s = (t.userBias ? t.userBias.value(user) : 0) + (t.itemBias ? t.itemBias.valueFeatures(indices, weights) : 0);
    let qq = 0;
    let vv = 0;
    let qv = 0;
    for (let d = 0; d < dim; d++) {
      qv += q[d] * v[d];
      qq += q[d] * q[d];
      vv += v[d] * v[d];
    }
    s += sim === 'cosine' ? qv / ((Math.sqrt(qq) + 1e-8) * (Math.sqrt(vv) + 1e-8)) : qv;
    return s;
  }

  private scoreQuery(t: BilinearTables, sim: SimilarityKind, q: Float32Array, userBias: number, out: Float32Array): void {
    const dim = t.item.dim;
    const n = t.item.rows;
    if (out.length < n) throw new RangeError(`score buffer has ${out.length} slots for ${n} items`);
    const { items, biases } = this.materialize(t, sim);
    let scaleQ = 1;
    if (sim === 'cosine') {
      let qq = 0;
      for (let d = 0; d < dim; d++) qq += q[d] * q[d];
      scaleQ = 1 / (Math.sqrt(qq) + 1e-8);
    }
    for (let i = 0; i < n; i++) {
      const base = i * dim;
      let s = 0;
      for (let d = 0; d < dim; d++) s += q[d] * items[base + d];
      out[i] = s * scaleQ + userBias + (biases === null ? 0 : biases[i]);
    }
  }

  private materialize(t: BilinearTables, sim: SimilarityKind): { items: Float32Array; biases: Float32Array | null } {
    if (this.items === null) {
      const dim = t.item.dim;
      const items = t.item.materialize();
      if (sim === 'cosine') {
        for (let i = 0; i < t.item.rows; i++) {
          let s = 0;
          for (let d = 0; d < dim; d++) s += items[i * dim + d] * items[i * dim + d];
          const inv = 1 / (Math.sqrt(s) + 1e-8);
          for (let d = 0; d < dim; d++) items[i * dim + d] *= inv;
        }
      }
      this.items = items;
      if (t.itemBias) {
        const b = new Float32Array(t.item.rows);
        for (let i = 0; i < b.length; i++) b[i] = t.itemBias.value(i);
        this.biases = b;
      }
    }
    return { items: this.items, biases: this.biases };
  }

  /** The [q_i, b_i, 1] item rows (dim + 2 wide; the plain q_i rows when the model has no biases), packed. */
  private wideItems(t: BilinearTables, sim: SimilarityKind): PackedTransB {
    if (this.wide === null) {
      const { items, biases } = this.materialize(t, sim);
      const dim = t.item.dim;
      const n = t.item.rows;
      const w = wideColumns(t);
      let rows = items;
      if (w !== dim) {
        rows = new Float32Array(n * w);
        for (let i = 0; i < n; i++) {
          rows.set(items.subarray(i * dim, (i + 1) * dim), i * w);
          rows[i * w + dim] = biases === null ? 0 : biases[i];
          rows[i * w + dim + 1] = 1;
        }
      }
      this.wide = packTransB(rows, n, w);
    }
    return this.wide;
  }

  private queryBuffer(dim: number): Float32Array {
    if (this.query.length !== dim) this.query = new Float32Array(dim);
    return this.query;
  }
}

/** Columns of the [q_i, b_i, 1] rows: dim + 2 with biases, dim without. */
function wideColumns(t: BilinearTables): number {
  return t.userBias || t.itemBias ? t.item.dim + 2 : t.item.dim;
}
