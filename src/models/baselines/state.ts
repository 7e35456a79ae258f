/** Saving sparse row tables (training matrices, similarity tables) as model-file tensors. */
import { ConfigError } from '../../contracts/errors.ts';
import { buildCsr, type Csr } from '../../data/interactions.ts';
import { requireTensor } from '../recommender.ts';
import type { ModelState } from '../../contracts/types.ts';
import type { Tensor } from '../../contracts/types.ts';

export interface SparseRows {
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
}

/** `prefix.indptr`, `prefix.indices`, `prefix.values`. */
export function sparseTensors(prefix: string, rows: SparseRows): Record<string, Tensor> {
  return {
    [`${prefix}.indptr`]: { shape: [rows.indptr.length], data: rows.indptr },
    [`${prefix}.indices`]: { shape: [rows.indices.length], data: rows.indices },
    [`${prefix}.values`]: { shape: [rows.values.length], data: rows.values },
  };
}

/** The table saved by sparseTensors, checked against the expected row count and column range. */
export function readSparse(state: ModelState, prefix: string, rows: number, cols: number): SparseRows {
  const indptr = requireTensor(state, `${prefix}.indptr`, [rows + 1], Int32Array);
  const nnz = indptr[rows];
  const indices = requireTensor(state, `${prefix}.indices`, [nnz], Int32Array);
  const values = requireTensor(state, `${prefix}.values`, [nnz], Float32Array);
  for (let r = 0; r < rows; r++) {
    if (indptr[r + 1] < indptr[r]) throw new ConfigError(`tensor "${prefix}.indptr" is not non-decreasing at row ${r}`);
  }
  for (let p = 0; p < nnz; p++) {
    if (indices[p] < 0 || indices[p] >= cols) throw new ConfigError(`tensor "${prefix}.indices" holds ${indices[p]}, outside 0..${cols - 1}`);
  }
  return { indptr, indices, values };
}

/** Rows as a Csr (with `order` = identity), for code written against Interactions' CSR views. */
export function asCsr(rows: SparseRows, cols: number): Csr {
  const n = rows.indptr.length - 1;
  const order = new Int32Array(rows.indices.length);
  for (let k = 0; k < order.length; k++) order[k] = k;
  return { rows: n, cols, indptr: rows.indptr, indices: rows.indices, values: rows.values, order };
}

/** The transpose of a CSR (columns become rows), columns sorted within each row. */
export function transposeCsr(csr: Csr): Csr {
  const n = csr.indices.length;
  const rowOf = new Int32Array(n);
  for (let r = 0; r < csr.rows; r++) rowOf.fill(r, csr.indptr[r], csr.indptr[r + 1]);
  return buildCsr(csr.indices, rowOf, csr.values, csr.cols, csr.rows);
}
