/** Summary statistics of a dataset, for `tastebud data info` and report headers. */
import type { Interactions } from './interactions.ts';
import type { LoadReport } from './types.ts';

/** min, p25, median, p75, p90, max. */
export interface Quantiles {
  min: number;
  p25: number;
  median: number;
  p75: number;
  p90: number;
  max: number;
}

export interface DatasetStats {
  /** Users / items with at least one interaction (the id maps may know more). */
  users: number;
  items: number;
  interactions: number;
  /** Distinct pairs / (users · items). */
  density: number;
  /** value → count when the values are a small discrete set (ratings, 0/1); else null. */
  ratingHistogram: Record<string, number> | null;
  /** Quantiles of the values when there are too many distinct values for a histogram. */
  valueQuantiles: Quantiles | null;
  /** Interactions per user / item, over users / items with at least one. */
  perUserQuantiles: Quantiles;
  perItemQuantiles: Quantiles;
  /** Rows repeating an earlier (user, item) pair in this data, or as the load report counted. */
  duplicates: number;
  rowsSkipped: number;
  /** Time range in seconds, when the data has times. */
  timeRange: { min: number; max: number } | null;
}

const MAX_HISTOGRAM_VALUES = 32;

export function describe(data: Interactions, report?: LoadReport): DatasetStats {
  const userCounts = positive(data.userCounts());
  const itemCounts = positive(data.itemCounts());
  const distinct = distinctPairs(data);
  const histogram = valueHistogram(data.values);
  return {
    users: userCounts.length,
    items: itemCounts.length,
    interactions: data.length,
    density: userCounts.length && itemCounts.length ? distinct / (userCounts.length * itemCounts.length) : 0,
    ratingHistogram: histogram,
    valueQuantiles: histogram ? null : quantiles(Float64Array.from(data.values)),
    perUserQuantiles: quantiles(userCounts),
    perItemQuantiles: quantiles(itemCounts),
    duplicates: Math.max(data.length - distinct, report?.duplicates ?? 0),
    rowsSkipped: report?.rowsSkipped ?? 0,
    timeRange: timeRange(data.times),
  };
}

/** Quantiles by the nearest-rank rule on a sorted copy (NaN for no values). */
export function quantiles(values: ArrayLike<number>): Quantiles {
  const sorted = Float64Array.from(values).sort();
  const at = (q: number): number => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] : NaN);
  return { min: sorted.length ? sorted[0] : NaN, p25: at(0.25), median: at(0.5), p75: at(0.75), p90: at(0.9), max: sorted.length ? sorted[sorted.length - 1] : NaN };
}

/** Lines of text for a terminal: the stats a user checks before training. */
export function formatStats(name: string, s: DatasetStats): string[] {
  const q = (x: Quantiles) => `min ${x.min}, p25 ${x.p25}, median ${x.median}, p75 ${x.p75}, p90 ${x.p90}, max ${x.max}`;
  const lines = [
    `${name}: ${s.interactions.toLocaleString('en-US')} interactions, ${s.users.toLocaleString('en-US')} users, ${s.items.toLocaleString('en-US')} items, density ${(s.density * 100).toPrecision(3)}%`,
    `  per user: ${q(s.perUserQuantiles)}`,
    `  per item: ${q(s.perItemQuantiles)}`,
  ];
  if (s.ratingHistogram) lines.push(`  values: ${Object.entries(s.ratingHistogram).map(([v, c]) => `${v}: ${c}`).join(', ')}`);
  if (s.valueQuantiles) lines.push(`  values: ${q(s.valueQuantiles)}`);
  if (s.timeRange) lines.push(`  time: ${isoDay(s.timeRange.min)} – ${isoDay(s.timeRange.max)}`);
  lines.push(`  duplicates: ${s.duplicates}, rows skipped: ${s.rowsSkipped}`);
  return lines;
}

function isoDay(seconds: number): string {
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? String(seconds) : date.toISOString().slice(0, 10);
}

function valueHistogram(values: Float32Array): Record<string, number> | null {
  const counts = new Map<number, number>();
  for (let p = 0; p < values.length; p++) {
    counts.set(values[p], (counts.get(values[p]) ?? 0) + 1);
    if (counts.size > MAX_HISTOGRAM_VALUES) return null;
  }
  const out: Record<string, number> = {};
  for (const v of [...counts.keys()].sort((a, b) => a - b)) out[String(v)] = counts.get(v)!;
  return out;
}

function distinctPairs(data: Interactions): number {
  const csr = data.byUser();
  let distinct = 0;
  for (let u = 0; u < csr.rows; u++) {
    for (let e = csr.indptr[u]; e < csr.indptr[u + 1]; e++) if (e === csr.indptr[u] || csr.indices[e] !== csr.indices[e - 1]) distinct++;
  }
  return distinct;
}

function positive(counts: Int32Array): Int32Array {
  return counts.filter((c) => c > 0);
}

function timeRange(times: Float64Array | null): { min: number; max: number } | null {
  if (!times) return null;
  let min = Infinity;
  let max = -Infinity;
  for (let p = 0; p < times.length; p++) {
    if (times[p] < min) min = times[p];
    if (times[p] > max) max = times[p];
  }
  return min <= max ? { min, max } : null;
}
