/**
 * Metadata features (user or item side) as a sparse weighted `FeatureMatrix` aligned to an id map:
 * row r belongs to the user/item with index r. Features are named `field=value` (`genre=Comedy`,
 * `age=25-34`); DeepFM uses the fields, LightFM-style hybrids only the features.
 *
 * Rows absent from the metadata get no metadata features (only the identity feature, when
 * enabled, so that every row can still be represented). Metadata rows for ids the map does not
 * know are skipped and counted, unless `addUnknownIds` grows the map.
 */
import { ConfigError } from '../contracts/errors.ts';
import type { IdMap } from './idmap.ts';
import type { FeatureMatrix } from '../contracts/types.ts';

/** How to cut a numeric field into named buckets. */
export type BucketSpec =
  /** Fixed edges e0 < e1 < …: `<e0`, `e0-(e1−1)`, …, `ek+` (integer edges), `[a,b)` otherwise. */
  | { edges: number[] }
  /** Edges at the data's quantiles, `quantiles` buckets (fewer when values repeat). */
  | { quantiles: number }
  /** Buckets of equal width starting at `origin` (default 0): decades are `{ width: 10 }`. */
  | { width: number; origin?: number };

export interface FeatureBuilderOptions {
  /** Give every row its own feature (first in the vocabulary, index = row): true uses field `id`. */
  identity?: boolean | string;
  /** 'l1' scales each row's weights to sum to 1 (LightFM's normalize=True); default 'none'. */
  normalize?: 'none' | 'l1';
  /** Add metadata ids that the id map does not know (default false: skip and count them). */
  addUnknownIds?: boolean;
  /** Bucketing of numeric fields by field name (or call `bucket` later). */
  buckets?: Record<string, BucketSpec>;
}

export interface MultiOptions {
  /** 'one' (default): weight 1 each; 'equal': 1/n each so a row's field sums to 1. */
  weighting?: 'one' | 'equal';
}

/** Collects features row by row, then builds a FeatureMatrix with a stable vocabulary. */
export class FeatureBuilder {
  /** Metadata rows whose id was not in the map (and `addUnknownIds` was off). */
  skippedUnknown = 0;
  private readonly ids: IdMap;
  private lastUnknown: string | null = null;
  private readonly options: FeatureBuilderOptions;
  private readonly buckets = new Map<string, BucketSpec>();
  private readonly vocabulary = new Map<string, number>();
  private readonly names: string[] = [];
  private readonly featureField: number[] = [];
  private readonly fieldIndex = new Map<string, number>();
  private readonly fieldNames: string[] = [];
  private readonly rowOf: number[] = [];
  private readonly featureOf: number[] = [];
  private readonly weightOf: number[] = [];
  /** Numeric values wait until build, when their field's buckets (maybe quantiles) are known. */
  private readonly pending = new Map<string, { rows: number[]; values: number[] }>();

  constructor(ids: IdMap, options: FeatureBuilderOptions = {}) {
    this.ids = ids;
    this.options = options;
    for (const [field, spec] of Object.entries(options.buckets ?? {})) this.bucket(field, spec);
  }

  /** Sets how numeric field `field` is bucketed. */
  bucket(field: string, spec: BucketSpec): this {
    checkSpec(field, spec);
    this.buckets.set(field, spec);
    return this;
  }

  /** `field=value` with a weight; empty or missing values add nothing. Returns whether the row is known. */
  categorical(id: string, field: string, value: string | number | null | undefined, weight = 1): boolean {
    const row = this.row(id);
    if (row < 0) return false;
    if (value === null || value === undefined || value === '') return true;
    this.push(row, this.feature(field, String(value)), weight);
    return true;
  }

  /** One `field=value` per value (genres, tags); duplicates within a row add up. */
  multi(id: string, field: string, values: Iterable<string>, options: MultiOptions = {}): boolean {
    const row = this.row(id);
    if (row < 0) return false;
    const list = [...values].filter((v) => v !== '');
    const weight = options.weighting === 'equal' ? 1 / Math.max(1, list.length) : 1;
    for (const value of list) this.push(row, this.feature(field, value), weight);
    return true;
  }

  /** A number to be bucketed at build time (NaN = missing, adds nothing). */
  numeric(id: string, field: string, x: number): boolean {
    const row = this.row(id);
    if (row < 0) return false;
    if (!this.buckets.has(field)) throw new ConfigError(`numeric field "${field}" has no bucket spec: call bucket("${field}", { edges | quantiles | width })`);
    if (!Number.isFinite(x)) return true;
    let entry = this.pending.get(field);
    if (!entry) this.pending.set(field, (entry = { rows: [], values: [] }));
    entry.rows.push(row);
    entry.values.push(x);
    return true;
  }

  /** A feature by its full name `field=value` (no `=`: the name is its own field). */
  named(id: string, name: string, weight = 1): boolean {
    const row = this.row(id);
    if (row < 0) return false;
    const eq = name.indexOf('=');
    this.push(row, eq < 0 ? this.feature(name, null) : this.feature(name.slice(0, eq), name.slice(eq + 1)), weight);
    return true;
  }

  build(): FeatureMatrix {
    const rows = this.ids.size;
    const identity = this.options.identity;
    const identityField = typeof identity === 'string' ? identity : 'id';
    // Numeric buckets, field by field in ascending bucket order, so the vocabulary reads well.
    for (const [field, { rows: rowList, values }] of this.pending) {
      const edges = bucketEdges(this.buckets.get(field)!, values);
      const labels = bucketLabels(this.buckets.get(field)!, edges, values);
      const featureOfLabel = new Map<string, number>();
      for (const label of [...new Set(labels)].sort((a, b) => labelOrder(a, b))) featureOfLabel.set(label, this.feature(field, label));
      for (let k = 0; k < rowList.length; k++) this.push(rowList[k], featureOfLabel.get(labels[k])!, 1);
    }
    this.pending.clear();
    const offset = identity ? rows : 0;
    const n = this.rowOf.length + (identity ? rows : 0);
    const indptr = new Int32Array(rows + 1);
    for (const r of this.rowOf) indptr[r + 1]++;
    if (identity) for (let r = 0; r < rows; r++) indptr[r + 1]++;
    for (let r = 0; r < rows; r++) indptr[r + 1] += indptr[r];
    const fill = indptr.slice(0, rows);
    const indices = new Int32Array(n);
    const weights = new Float32Array(n);
    if (identity) for (let r = 0; r < rows; r++) (indices[fill[r]] = r), (weights[fill[r]++] = 1);
    for (let k = 0; k < this.rowOf.length; k++) {
      const at = fill[this.rowOf[k]]++;
      indices[at] = this.featureOf[k] + offset;
      weights[at] = this.weightOf[k];
    }
    const merged = mergeRows(indptr, indices, weights, this.options.normalize ?? 'none');
    const fields = identity ? [identityField, ...this.fieldNames] : [...this.fieldNames];
    const fieldOf = new Int32Array(offset + this.names.length);
    for (let f = 0; f < this.names.length; f++) fieldOf[offset + f] = this.featureField[f] + (identity ? 1 : 0);
    const vocabulary = identity ? [...this.ids.toArray().map((id) => `${identityField}=${id}`), ...this.names] : [...this.names];
    return { rows, numFeatures: vocabulary.length, ...merged, vocabulary, fieldOf, fields };
  }

  private row(id: string): number {
    const r = this.options.addUnknownIds ? this.ids.add(id) : this.ids.get(id);
    if (r !== undefined) return r;
    // A metadata row usually makes several calls in a row: count it once.
    if (id !== this.lastUnknown) this.skippedUnknown++;
    this.lastUnknown = id;
    return -1;
  }

  private feature(field: string, value: string | null): number {
    const name = value === null ? field : `${field}=${value}`;
    let f = this.vocabulary.get(name);
    if (f === undefined) {
      let fi = this.fieldIndex.get(field);
      if (fi === undefined) {
        fi = this.fieldNames.length;
        this.fieldNames.push(field);
        this.fieldIndex.set(field, fi);
      }
      f = this.names.length;
      this.names.push(name);
      this.featureField.push(fi);
      this.vocabulary.set(name, f);
    }
    return f;
  }

  private push(row: number, feature: number, weight: number): void {
    this.rowOf.push(row);
    this.featureOf.push(feature);
    this.weightOf.push(weight);
  }
}

/** Sorts each row's features, adds up repeats, and applies the row normalization. */
function mergeRows(indptr: Int32Array, indices: Int32Array, weights: Float32Array, normalize: 'none' | 'l1') {
  const rows = indptr.length - 1;
  const outPtr = new Int32Array(rows + 1);
  const outIdx = new Int32Array(indices.length);
  const outW = new Float32Array(indices.length);
  let w = 0;
  const pairs: Array<[number, number]> = [];
  for (let r = 0; r < rows; r++) {
    pairs.length = 0;
    for (let e = indptr[r]; e < indptr[r + 1]; e++) pairs.push([indices[e], weights[e]]);
    pairs.sort((a, b) => a[0] - b[0]);
    const start = w;
    for (const [f, weight] of pairs) {
      if (w > start && outIdx[w - 1] === f) outW[w - 1] += weight;
      else (outIdx[w] = f), (outW[w++] = weight);
    }
    if (normalize === 'l1') {
      let sum = 0;
      for (let e = start; e < w; e++) sum += Math.abs(outW[e]);
      if (sum > 0) for (let e = start; e < w; e++) outW[e] /= sum;
    }
    outPtr[r + 1] = w;
  }
  return { indptr: outPtr, indices: outIdx.slice(0, w), weights: outW.slice(0, w) };
}

function checkSpec(field: string, spec: BucketSpec): void {
  const bad = (why: string) => new ConfigError(`bucket spec for "${field}": ${why}`);
  if ('edges' in spec) {
    if (spec.edges.length === 0) throw bad('edges must not be empty');
    for (let k = 1; k < spec.edges.length; k++) if (!(spec.edges[k] > spec.edges[k - 1])) throw bad('edges must increase');
  } else if ('quantiles' in spec) {
    if (!(Number.isInteger(spec.quantiles) && spec.quantiles >= 2)) throw bad('quantiles must be an integer ≥ 2');
  } else if (!(spec.width > 0)) throw bad('width must be > 0');
}

function bucketEdges(spec: BucketSpec, values: number[]): number[] {
  if ('edges' in spec) return spec.edges;
  if ('width' in spec) return [];
  const sorted = [...values].sort((a, b) => a - b);
  const edges: number[] = [];
  for (let q = 1; q < spec.quantiles; q++) {
    const e = sorted[Math.floor((q * sorted.length) / spec.quantiles)];
    if (e !== undefined && (edges.length === 0 || e > edges[edges.length - 1])) edges.push(e);
  }
  // Inner quantile edges only: the lowest bucket is `<e0`.
  return edges.length > 0 ? edges : [sorted[0] ?? 0];
}

function bucketLabels(spec: BucketSpec, edges: number[], values: number[]): string[] {
  // `25-34` only reads right when the values are whole numbers too; otherwise `[25,35)`.
  const whole = values.every(Number.isInteger);
  const range = (lo: number, hi: number): string => (whole && Number.isInteger(lo) && Number.isInteger(hi) ? (hi - lo === 1 ? `${lo}` : `${lo}-${hi - 1}`) : `[${lo},${hi})`);
  if ('width' in spec) {
    const origin = spec.origin ?? 0;
    return values.map((x) => {
      const lo = origin + Math.floor((x - origin) / spec.width) * spec.width;
      return range(lo, lo + spec.width);
    });
  }
  return values.map((x) => {
    if (x < edges[0]) return `<${edges[0]}`;
    let j = 0;
    while (j + 1 < edges.length && x >= edges[j + 1]) j++;
    return j + 1 < edges.length ? range(edges[j], edges[j + 1]) : `${edges[j]}+`;
  });
}

const NUMBER = String.raw`(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)`;
const BELOW = new RegExp(`^<${NUMBER}$`);
const FROM = new RegExp(`^${NUMBER}\\+$`);
const HALF_OPEN = new RegExp(`^\\[${NUMBER},${NUMBER}\\)$`);
const WHOLE_RANGE = new RegExp(`^${NUMBER}-${NUMBER}$`);
const WHOLE = new RegExp(`^${NUMBER}$`);

/**
 * The half-open range [lo, hi) that a numeric bucket label written by `bucketLabels` stands for
 * (`<18`, `18-24`, `56+`, `[1.5,2)`, `1995`), or null when `label` is not one. Whole-number
 * labels reach up to the next whole number: `18-24` is [18, 25) and `1995` is [1995, 1996).
 */
export function bucketRange(label: string): { lo: number; hi: number } | null {
  const below = BELOW.exec(label);
  if (below) return { lo: -Infinity, hi: +below[1] };
  const from = FROM.exec(label);
  if (from) return { lo: +from[1], hi: Infinity };
  const halfOpen = HALF_OPEN.exec(label);
  if (halfOpen) return { lo: +halfOpen[1], hi: +halfOpen[2] };
  const range = WHOLE_RANGE.exec(label);
  if (range && Number.isInteger(+range[1]) && Number.isInteger(+range[2])) return { lo: +range[1], hi: +range[2] + 1 };
  const whole = WHOLE.exec(label);
  if (whole && Number.isInteger(+whole[1])) return { lo: +whole[1], hi: +whole[1] + 1 };
  return null;
}

/** Orders bucket labels by their lower bound (`<a` first, `a+` last). */
function labelOrder(a: string, b: string): number {
  const key = (s: string): number => (s.startsWith('<') ? -Infinity : parseFloat(s.replace(/^\[/, '')));
  return key(a) - key(b) || a.localeCompare(b);
}

export interface RowFeature {
  index: number;
  name: string;
  field: string;
  weight: number;
}

/** The features of row `row`. */
export function rowFeatures(matrix: FeatureMatrix, row: number): RowFeature[] {
  if (row < 0 || row >= matrix.rows) throw new RangeError(`row ${row} is outside the feature matrix (${matrix.rows} rows)`);
  const out: RowFeature[] = [];
  for (let e = matrix.indptr[row]; e < matrix.indptr[row + 1]; e++) {
    const f = matrix.indices[e];
    out.push({ index: f, name: matrix.vocabulary[f], field: matrix.fields[matrix.fieldOf[f]], weight: matrix.weights[e] });
  }
  return out;
}

/** The features of the user/item with external id `id`, or undefined when the id map lacks it. */
export function featuresOf(matrix: FeatureMatrix, ids: IdMap, id: string): RowFeature[] | undefined {
  const row = ids.get(id);
  return row === undefined || row >= matrix.rows ? undefined : rowFeatures(matrix, row);
}

/** Index of the feature named `field=value`, or -1. */
export function featureIndex(matrix: FeatureMatrix, name: string): number {
  return matrix.vocabulary.indexOf(name);
}

export interface FeatureRow {
  id: string;
  /** `field=value` names, or [name, weight]. */
  features: Array<string | [string, number]>;
}

/** A matrix from rows of named features, e.g. `{ id: '42', features: ['genre=Drama', ['tag=noir', 0.5]] }`. */
export function featureMatrixFromRows(ids: IdMap, rows: Iterable<FeatureRow>, options: Omit<FeatureBuilderOptions, 'buckets'> = {}): FeatureMatrix {
  const builder = new FeatureBuilder(ids, options);
  for (const { id, features } of rows) {
    for (const f of features) typeof f === 'string' ? builder.named(id, f) : builder.named(id, f[0], f[1]);
  }
  return builder.build();
}

/** One identity feature per row: pure collaborative filtering in a hybrid model. */
export function identityFeatures(ids: IdMap, field = 'id'): FeatureMatrix {
  return new FeatureBuilder(ids, { identity: field }).build();
}
