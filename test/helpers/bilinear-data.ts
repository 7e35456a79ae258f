import { IdMap } from '../../src/data/idmap.ts';
import { Interactions } from '../../src/data/interactions.ts';
import type { FeatureMatrix } from '../../src/contracts/types.ts';
import { Rng } from '../../src/core/rng.ts';

/**
 * A small planted-structure dataset for the bilinear models' tests: items fall into `clusters`
 * (a "genre" feature), each user likes one or two clusters, and within a cluster items are
 * chosen by a skewed popularity. A good model must learn the user → cluster taste to beat
 * popularity; item features (the cluster) let it score items it never saw in training.
 */
export interface PlantedOptions {
  users?: number;
  items?: number;
  clusters?: number;
  perUser?: number;
  /** Items with index ≥ items − coldItems never appear in train (only in test). */
  coldItems?: number;
  seed?: number;
}

export interface Planted {
  train: Interactions;
  test: Interactions;
  itemFeatures: FeatureMatrix;
  clusterOf: Int32Array;
  /** Test interactions on cold items only. */
  coldTest: Interactions;
  numCold: number;
}

export function plantedImplicit(options: PlantedOptions = {}): Planted {
  const users = options.users ?? 300;
  const items = options.items ?? 200;
  const clusters = options.clusters ?? 8;
  const perUser = options.perUser ?? 24;
  const numCold = options.coldItems ?? 0;
  const rng = new Rng(options.seed ?? 7);
  const clusterOf = new Int32Array(items);
  for (let i = 0; i < items; i++) clusterOf[i] = i % clusters;
  // Zipf-like popularity inside each cluster.
  const pop = new Float64Array(items);
  for (let i = 0; i < items; i++) pop[i] = 1 / Math.pow(1 + Math.floor(i / clusters), 0.8);
  const trainU: number[] = [];
  const trainI: number[] = [];
  const testU: number[] = [];
  const testI: number[] = [];
  for (let u = 0; u < users; u++) {
    const liked = [rng.int(clusters), rng.int(clusters)];
    const chosen = new Set<number>();
    let guard = 0;
    while (chosen.size < perUser && guard++ < perUser * 50) {
      const c = rng.next() < 0.9 ? liked[rng.int(2)] : rng.int(clusters);
      // Pick an item of cluster c by popularity (rejection on the cluster's members).
      let total = 0;
      for (let i = c; i < items; i += clusters) total += pop[i];
      let r = rng.next() * total;
      let pick = c;
      for (let i = c; i < items; i += clusters) {
        r -= pop[i];
        if (r <= 0) {
          pick = i;
          break;
        }
      }
      chosen.add(pick);
    }
    for (const i of chosen) {
      const cold = i >= items - numCold;
      if (!cold && rng.next() < 0.75) {
        trainU.push(u);
        trainI.push(i);
      } else {
        testU.push(u);
        testI.push(i);
      }
    }
  }
  const userIds = new IdMap(Array.from({ length: users }, (_, u) => `u${u}`));
  const itemIds = new IdMap(Array.from({ length: items }, (_, i) => `i${i}`));
  const make = (us: number[], is: number[]): Interactions => new Interactions({ users: Int32Array.from(us), items: Int32Array.from(is), userIds, itemIds });
  const test = make(testU, testI);
  const coldKeep: number[] = [];
  for (let k = 0; k < testI.length; k++) if (testI[k] >= items - numCold) coldKeep.push(k);
  return { train: make(trainU, trainI), test, itemFeatures: clusterFeatures(clusterOf, clusters), clusterOf, coldTest: test.subset(coldKeep), numCold };
}

/** One user feature each, `likes=g`: the genre the user interacts with most in `planted.train`. */
export function likedGenreFeatures(planted: Planted, clusters = 8): FeatureMatrix {
  const csr = planted.train.byUser();
  const liked: number[] = [];
  for (let u = 0; u < planted.train.numUsers; u++) {
    const counts = new Int32Array(clusters);
    for (let p = csr.indptr[u]; p < csr.indptr[u + 1]; p++) counts[planted.clusterOf[csr.indices[p]]]++;
    liked.push(counts.indexOf(Math.max(...counts)));
  }
  return {
    rows: liked.length,
    numFeatures: clusters,
    indptr: Int32Array.from({ length: liked.length + 1 }, (_, k) => k),
    indices: Int32Array.from(liked),
    weights: new Float32Array(liked.length).fill(1),
    vocabulary: Array.from({ length: clusters }, (_, g) => `likes=${g}`),
    fieldOf: new Int32Array(clusters),
    fields: ['likes'],
  };
}

/** One-hot `genre=c` features per item. */
export function clusterFeatures(clusterOf: Int32Array, clusters: number): FeatureMatrix {
  const rows = clusterOf.length;
  const indptr = new Int32Array(rows + 1);
  for (let r = 0; r < rows; r++) indptr[r + 1] = r + 1;
  return {
    rows,
    numFeatures: clusters,
    indptr,
    indices: Int32Array.from(clusterOf),
    weights: new Float32Array(rows).fill(1),
    vocabulary: Array.from({ length: clusters }, (_, c) => `genre=${c}`),
    fieldOf: new Int32Array(clusters),
    fields: ['genre'],
  };
}

/** Explicit ratings from planted biased factors: r = 3 + b_u + b_i + p_u·q_i + noise, clipped to 1..5. */
export function plantedRatings(options: { users?: number; items?: number; factors?: number; perUser?: number; noise?: number; seed?: number } = {}): {
  train: Interactions;
  test: Interactions;
} {
  const users = options.users ?? 200;
  const items = options.items ?? 150;
  const k = options.factors ?? 3;
  const perUser = options.perUser ?? 40;
  const noise = options.noise ?? 0.3;
  const rng = new Rng(options.seed ?? 11);
  const P = Float64Array.from({ length: users * k }, () => rng.normal(0, 0.7));
  const Q = Float64Array.from({ length: items * k }, () => rng.normal(0, 0.7));
  const bu = Float64Array.from({ length: users }, () => rng.normal(0, 0.4));
  const bi = Float64Array.from({ length: items }, () => rng.normal(0, 0.5));
  const cols = { tu: [] as number[], ti: [] as number[], tv: [] as number[], su: [] as number[], si: [] as number[], sv: [] as number[] };
  for (let u = 0; u < users; u++) {
    const perm = rng.permutation(items);
    for (let j = 0; j < perUser; j++) {
      const i = perm[j];
      let r = 3 + bu[u] + bi[i] + rng.normal(0, noise);
      for (let d = 0; d < k; d++) r += P[u * k + d] * Q[i * k + d];
      r = Math.min(5, Math.max(1, r));
      if (j % 5 === 0) {
        cols.su.push(u);
        cols.si.push(i);
        cols.sv.push(r);
      } else {
        cols.tu.push(u);
        cols.ti.push(i);
        cols.tv.push(r);
      }
    }
  }
  const userIds = new IdMap(Array.from({ length: users }, (_, u) => `u${u}`));
  const itemIds = new IdMap(Array.from({ length: items }, (_, i) => `i${i}`));
  const make = (us: number[], is: number[], vs: number[]): Interactions =>
    new Interactions({ users: Int32Array.from(us), items: Int32Array.from(is), values: Float32Array.from(vs), userIds, itemIds });
  return { train: make(cols.tu, cols.ti, cols.tv), test: make(cols.su, cols.si, cols.sv) };
}

/** A feature matrix from per-row feature indices and their weights (one field, `f=<index>` names). */
export function featureRows(rows: number[][], weights: number[][], numFeatures: number): FeatureMatrix {
  const indptr = new Int32Array(rows.length + 1);
  rows.forEach((r, k) => (indptr[k + 1] = indptr[k] + r.length));
  return {
    rows: rows.length,
    numFeatures,
    indptr,
    indices: Int32Array.from(rows.flat()),
    weights: Float32Array.from(weights.flat()),
    vocabulary: Array.from({ length: numFeatures }, (_, f) => `f=${f}`),
    fieldOf: new Int32Array(numFeatures),
    fields: ['f'],
  };
}

/** Hand-made features for the 4-user × 6-item gradient-check fixtures (weights ≠ 1 on purpose). */
export const tinyUserFeatures = featureRows([[0, 2], [0], [1], [1, 2]], [[1, 0.5], [1], [1], [0.7, 1]], 3);
export const tinyItemFeatures = featureRows([[0], [0, 3], [1], [2], [1, 3], [2]], [[1], [1, 0.6], [1], [1], [0.5, 1], [1.3]], 4);
