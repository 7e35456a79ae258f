/**
 * Scoring through a tower: pairs and cold items in row chunks, and every item for a batch of
 * users through the tower's catalogue scorer. For an MLP whose first layer sees
 * [user part, item part], z₁ = [u, v]·W₁ + b₁ = (u·W₁ᵤ + b₁) + v·W₁ᵥ: the item halves are
 * computed once for all items and each user adds its own row, so ranking every item costs only
 * the layers after the first (`SplitMlp`).
 */
import type { Dense } from '../../core/dense.ts';
import { matmul, simdKernel } from '../../core/matmul.ts';
import type { Mlp } from '../../core/mlp.ts';
import type { CatalogueScorer, Tower } from './tower.ts';

/** Items per scoring chunk: bounds scratch memory for large catalogues. */
export const SCORE_CHUNK = 2048;

/** itemPart (rows × h) = items (rows × dim) · W[rowOffset .. rowOffset+dim) of a first layer. */
function itemPartOf(layer: Dense, items: Float32Array, rows: number, dim: number, rowOffset: number): Float32Array {
  const h = layer.outDim;
  const out = new Float32Array(rows * h);
  matmul(items, layer.weight.data, null, out, rows, dim, h, false, rowOffset * h);
  return out;
}

/** userPart (h) = u (dim, at uOffset of `src`) · W[rowOffset ..) + b. */
function userPartOf(layer: Dense, src: Float32Array, uOffset: number, dim: number, rowOffset: number, out: Float32Array): void {
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

/** z[r·h + j] = userPart[j] + itemPart[(i0 + r)·h + j] for r < n, through a ReLU when `relu` (fused: one pass). */
function addParts(userPart: Float32Array, itemPart: Float32Array, i0: number, n: number, h: number, z: Float32Array, relu: boolean): void {
  if (relu) return addPartsRelu(userPart, itemPart, i0 * h, n * h, h, z);
  for (let r = 0; r < n; r++) {
    const zo = r * h;
    const io = (i0 + r) * h;
    for (let j = 0; j < h; j++) z[zo + j] = userPart[j] + itemPart[io + j];
  }
}

/** The ReLU case of addParts as one flat loop over the chunk (no per-row set-up, no branch on the kind). */
function addPartsRelu(userPart: Float32Array, itemPart: Float32Array, from: number, size: number, h: number, z: Float32Array): void {
  for (let e = 0, j = 0; e < size; e++) {
    const v = userPart[j] + itemPart[from + e];
    z[e] = v > 0 ? v : 0;
    if (++j === h) j = 0;
  }
}

/**
 * The full-catalogue pass of an MLP whose first layer sees [user part | item part]: the item
 * halves of every item are computed once, then each user adds its own half per chunk of items.
 */
export class SplitMlp {
  private readonly mlp: Mlp;
  private readonly first: Dense;
  private readonly itemPart: Float32Array;
  private readonly userPart: Float32Array;
  private readonly z: Float32Array;
  /** The second hidden layer's outputs of a chunk (the SIMD path). */
  private h2 = new Float32Array(0);

  /** `items` (numItems × itemDim) feed the first layer's rows [itemOffset, itemOffset + itemDim). */
  constructor(mlp: Mlp, items: Float32Array, numItems: number, itemDim: number, itemOffset: number) {
    this.mlp = mlp;
    this.first = mlp.hidden[0];
    const h = this.first.outDim;
    this.itemPart = itemPartOf(this.first, items, numItems, itemDim, itemOffset);
    this.userPart = new Float32Array(h);
    this.z = new Float32Array(Math.min(numItems, SCORE_CHUNK) * h);
  }

  /** The user's half (first-layer rows [0, dim), plus the bias) from src[offset .. offset + dim). */
  setUser(src: Float32Array, offset: number, dim: number): void {
    userPartOf(this.first, src, offset, dim, 0, this.userPart);
  }

  /** The MLP's outputs (n × outputDim) for the current user and items [i0, i0 + n). */
  forward(i0: number, n: number): Float32Array {
    const relu = this.mlp.activation === 'relu';
    const second = this.mlp.hidden[1];
    const h = this.first.outDim;
    const kernel = relu && second && h % 4 === 0 ? simdKernel() : null;
    if (kernel) {
      // Both ReLU layers in the SIMD kernel's memory: relu(item half + user half), then layer 2.
      if (this.h2.length < n * second.outDim) this.h2 = new Float32Array(Math.min(this.itemPart.length / h, SCORE_CHUNK) * second.outDim);
      kernel.addRowReluMatmulRelu(this.itemPart, i0, this.userPart, second.weight.data, second.bias.data, this.h2, n, h, second.outDim);
      return this.mlp.forwardAfter(1, this.h2, n);
    }
    addParts(this.userPart, this.itemPart, i0, n, this.first.outDim, this.z, relu);
    return this.mlp.forwardFromFirst(this.z, n, relu);
  }
}

/** users × every item, row-major into out, through a tower's catalogue scorer in item chunks. */
export function scoreCatalogue(scorer: CatalogueScorer, users: Int32Array, numItems: number, out: Float32Array): void {
  for (let q = 0; q < users.length; q++) {
    scorer.user(users[q]);
    for (let i0 = 0; i0 < numItems; i0 += SCORE_CHUNK) scorer.items(i0, Math.min(SCORE_CHUNK, numItems - i0), out, q * numItems + i0);
  }
}

/** Outputs of `count` rows run through a tower in chunks, `fill(start, n)` filling each chunk. */
export function scoreRows(tower: Tower, count: number, fill: (start: number, n: number) => void): Float32Array {
  const out = new Float32Array(count);
  for (let s = 0; s < count; s += SCORE_CHUNK) {
    const n = Math.min(SCORE_CHUNK, count - s);
    fill(s, n);
    out.set(tower.forward(n, null).subarray(0, n), s);
  }
  return out;
}
