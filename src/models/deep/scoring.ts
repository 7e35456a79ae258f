/**
 * Full-catalogue scoring through an MLP whose first layer sees [user part, item part]: since
 * z₁ = [u, v]·W₁ + b₁ = (u·W₁ᵤ + b₁) + v·W₁ᵥ, the item halves are computed once for all items
 * and each user adds its own row, so ranking every item costs only the layers after the first.
 */
import type { Dense } from '../../core/dense.ts';
import { matmul } from '../../core/matmul.ts';

/** Items per scoring chunk: bounds scratch memory for large catalogues. */
export const SCORE_CHUNK = 2048;

/** itemPart (rows × h) = items (rows × dim) · W[rowOffset .. rowOffset+dim) of a first layer. */
export function itemPartOf(layer: Dense, items: Float32Array, rows: number, dim: number, rowOffset: number): Float32Array {
  const h = layer.outDim;
  const out = new Float32Array(rows * h);
  matmul(items, layer.weight.data, null, out, rows, dim, h, false, rowOffset * h);
  return out;
}

/** userPart (h) = u (dim, at uOffset of `src`) · W[rowOffset ..) + b. */
export function userPartOf(layer: Dense, src: Float32Array, uOffset: number, dim: number, rowOffset: number, out: Float32Array): void {
  const h = layer.outDim;
  const w = layer.weight.data;
  const b = layer.bias.data;
  for (let j = 0; j < h; j++) out[j] = b[j];
  for (let d = 0; d < dim; d++) {
    const x = src[uOffset + d];
    if (x === 0) continue;
    const base = (rowOffset + d) * h;
    for (let j = 0; j < h; j++) out[j] += x * w[base + j];
  }
}

/** z[r·h + j] = userPart[j] + itemPart[(i0 + r)·h + j] for r < n. */
export function addParts(userPart: Float32Array, itemPart: Float32Array, i0: number, n: number, h: number, z: Float32Array): void {
  for (let r = 0; r < n; r++) {
    const zo = r * h;
    const io = (i0 + r) * h;
    for (let j = 0; j < h; j++) z[zo + j] = userPart[j] + itemPart[io + j];
  }
}
