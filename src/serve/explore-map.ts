import { Rng } from '../core/rng.ts';

export interface Projection {
  /** x, y of each row, interleaved (length 2·rows). */
  coords: Float32Array;
  /** Share of the total variance along each of the two axes. */
  explained: [number, number];
}

/**
 * The rows of `data` (rows × dim) projected on their first two principal components: the
 * centred rows times the top two eigenvectors of their covariance, found by power iteration
 * with deflation (Xᵀ(Xv) without forming the dim × dim covariance), stopped when the direction
 * settles. Seeded, so a map is the same on every start.
 */
export function pca2(data: Float32Array, rows: number, dim: number, options: { iterations?: number; seed?: number } = {}): Projection {
  const iterations = options.iterations ?? 100;
  const TOLERANCE = 1e-9;
  const mean = new Float64Array(dim);
  for (let r = 0; r < rows; r++) for (let d = 0; d < dim; d++) mean[d] += data[r * dim + d];
  for (let d = 0; d < dim; d++) mean[d] /= Math.max(rows, 1);
  const x = new Float64Array(rows * dim);
  let total = 0;
  for (let r = 0; r < rows; r++) {
    for (let d = 0; d < dim; d++) {
      const v = data[r * dim + d] - mean[d];
      x[r * dim + d] = v;
      total += v * v;
    }
  }
  const rng = new Rng(options.seed ?? 1);
  const components: Float64Array[] = [];
  const variances: number[] = [];
  const xv = new Float64Array(rows);
  for (let c = 0; c < 2; c++) {
    let v = new Float64Array(dim);
    for (let d = 0; d < dim; d++) v[d] = rng.next() - 0.5;
    for (const u of components) orthogonalize(v, u);
    const start = norm(v);
    for (let d = 0; d < dim; d++) v[d] /= start;
    let lambda = 0;
    for (let it = 0; it < iterations; it++) {
      for (const u of components) orthogonalize(v, u);
      // w = Xᵀ (X v)
      for (let r = 0; r < rows; r++) {
        let s = 0;
        for (let d = 0; d < dim; d++) s += x[r * dim + d] * v[d];
        xv[r] = s;
      }
      const w = new Float64Array(dim);
      for (let r = 0; r < rows; r++) {
        const s = xv[r];
        if (s !== 0) for (let d = 0; d < dim; d++) w[d] += s * x[r * dim + d];
      }
      for (const u of components) orthogonalize(w, u);
      lambda = norm(w);
      if (lambda === 0) break;
      let agreement = 0;
      for (let d = 0; d < dim; d++) {
        w[d] /= lambda;
        agreement += w[d] * v[d];
      }
      v = w;
      // Converged when the direction stops turning (usually within a few dozen iterations).
      if (it > 2 && Math.abs(agreement) > 1 - TOLERANCE) break;
    }
    components.push(v);
    variances.push(lambda);
  }
  const coords = new Float32Array(rows * 2);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < 2; c++) {
      let s = 0;
      const u = components[c];
      for (let d = 0; d < dim; d++) s += x[r * dim + d] * u[d];
      coords[r * 2 + c] = s;
    }
  }
  return { coords, explained: [total > 0 ? variances[0] / total : 0, total > 0 ? variances[1] / total : 0] };
}

function norm(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

function orthogonalize(v: Float64Array, u: Float64Array): void {
  let dot = 0;
  for (let i = 0; i < v.length; i++) dot += v[i] * u[i];
  for (let i = 0; i < v.length; i++) v[i] -= dot * u[i];
}
