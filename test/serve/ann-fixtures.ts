import { IdMap } from '../../src/data/idmap.ts';
import { Rng } from '../../src/core/rng.ts';
import type { Ials } from '../../src/models/baselines/ials.ts';
import { createModel } from '../../src/models/registry.ts';

/**
 * An iALS model with given factor tables (no training): users u0.., items i0.. Lets ANN tests
 * and benches plant exactly the geometry they need (clusters, very different norms).
 */
export function factorModel(userFactors: Float32Array, itemFactors: Float32Array, dim: number): Ials {
  const model = createModel('ials', { factors: dim }) as Ials;
  const users = userFactors.length / dim;
  const items = itemFactors.length / dim;
  model.userIds = new IdMap(Array.from({ length: users }, (_, u) => `u${u}`));
  model.itemIds = new IdMap(Array.from({ length: items }, (_, i) => `i${i}`));
  model.setState({ tensors: { user_factors: { shape: [users, dim], data: userFactors }, item_factors: { shape: [items, dim], data: itemFactors } } });
  return model;
}

/**
 * Gaussian factors around `clusters` centres (0: no clusters), each row scaled by a norm drawn
 * log-uniformly from [1, normSpread] (1: unit-scale rows), seeded. With `rank`, rows are drawn
 * in `rank` dimensions and mapped into `dim` by a fixed random projection plus a little noise:
 * trained factor tables have a decaying spectrum, full-rank Gaussian ones do not.
 */
export function plantedFactors(rows: number, dim: number, options: { clusters?: number; normSpread?: number; rank?: number; seed?: number } = {}): Float32Array {
  const rng = new Rng(options.seed ?? 1);
  const clusters = options.clusters ?? 0;
  const rank = options.rank ?? dim;
  const centres = Float32Array.from({ length: Math.max(1, clusters) * rank }, () => rng.normal(0, 1));
  const projection = rank === dim ? null : Float32Array.from({ length: rank * dim }, () => rng.normal(0, 1 / Math.sqrt(rank)));
  const z = new Float32Array(rank);
  const out = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    const c = clusters > 0 ? rng.int(clusters) : -1;
    for (let a = 0; a < rank; a++) z[a] = (c >= 0 ? centres[c * rank + a] : 0) + rng.normal(0, c >= 0 ? 0.5 : 1);
    for (let d = 0; d < dim; d++) {
      if (!projection) {
        out[r * dim + d] = z[d];
        continue;
      }
      let v = rng.normal(0, 0.05);
      for (let a = 0; a < rank; a++) v += z[a] * projection[a * dim + d];
      out[r * dim + d] = v;
    }
    let norm = 0;
    for (let d = 0; d < dim; d++) norm += out[r * dim + d] ** 2;
    const scale = Math.exp(rng.next() * Math.log(options.normSpread ?? 1)) / Math.sqrt(norm);
    for (let d = 0; d < dim; d++) out[r * dim + d] *= scale;
  }
  return out;
}
