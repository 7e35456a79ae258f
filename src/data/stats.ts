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
  /** Count of each value, in increasing value order, when the values are a small discrete set (ratings, 0/1); else null. */
  ratingHistogram: { value: number; count: number }[] | null;
  /** Quantiles of the values when there are too many distinct values for a histogram. */
  valueQuantiles: Quantiles | null;
  /** Interactions per user / item, over users / items with at least one. */
  perUserQuantiles: Quantiles;
  perItemQuantiles: Quantiles;
  /** Rows repeating an earlier (user, item) pair in this data, or as the load report counted. */
  duplicates: number;
  rowsSkipped: number;
  /** Interactions with a negative value (kept: some data uses negative feedback). */
  negativeValues: number;
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
    negativeValues: countNegative(data.values),
    timeRange: timeRange(data.times),
  };
}

/** Quantiles by the nearest-rank rule on a sorted copy (NaN for no values). */
export function quantiles(values: ArrayLike<number>): Quantiles {
  const sorted = Float64Array.from(values).sort();
  const at = (q: number): number => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] : NaN);
  return { min: sorted.length ? sorted[0] : NaN, p25: at(0.25), median: at(0.5), p75: at(0.75), p90: at(0.9), max: sorted.length ? sorted[sorted.length - 1] : NaN };
}

/** A number for people: thousands separators for integers, 4 significant digits otherwise. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x)) return x.toLocaleString('en-US');
  return Number(x.toPrecision(4)).toLocaleString('en-US', { maximumFractionDigits: 20 });
}

/** Lines of text for a terminal: the stats a user checks before training, labels and numbers aligned. */
export function formatStats(name: string, s: DatasetStats): string[] {
  const q = (x: Quantiles) =>
    `min ${formatNumber(x.min)}, p25 ${formatNumber(x.p25)}, median ${formatNumber(x.median)}, p75 ${formatNumber(x.p75)}, p90 ${formatNumber(x.p90)}, max ${formatNumber(x.max)}`;
  const rows: [string, string][] = [
    ['interactions', formatNumber(s.interactions)],
    ['users', formatNumber(s.users)],
    ['items', formatNumber(s.items)],
    ['density', `${Number((s.density * 100).toPrecision(3))}%`],
  ];
  // Plain counts right-aligned with one another; the longer lines follow.
  const width = Math.max(...rows.map(([, v]) => v.length));
  const aligned: [string, string][] = rows.map(([k, v]) => [k, v.padStart(width)]);
  aligned.push(['per user', q(s.perUserQuantiles)], ['per item', q(s.perItemQuantiles)]);
  if (s.valueQuantiles) aligned.push(['values', q(s.valueQuantiles)]);
  if (s.timeRange) aligned.push(['time', `${isoDay(s.timeRange.min)} – ${isoDay(s.timeRange.max)}`]);
  aligned.push(['duplicates', formatNumber(s.duplicates)], ['rows skipped', formatNumber(s.rowsSkipped)]);
  if (s.negativeValues > 0) aligned.push(['negative values', `${formatNumber(s.negativeValues)} (kept: negative feedback, or a mistake to filter out)`]);
  const labelWidth = Math.max(...aligned.map(([k]) => k.length));
  const lines = [name, ...aligned.map(([k, v]) => `  ${k.padEnd(labelWidth)}  ${v}`)];
  if (s.ratingHistogram) {
    lines.push('  values:');
    const values = s.ratingHistogram.map((h) => formatNumber(h.value));
    const counts = s.ratingHistogram.map((h) => formatNumber(h.count));
    const vw = Math.max(...values.map((v) => v.length));
    const cw = Math.max(...counts.map((c) => c.length));
    const total = s.ratingHistogram.reduce((a, h) => a + h.count, 0) || 1;
    s.ratingHistogram.forEach((h, k) => {
      const share = `${((100 * h.count) / total).toFixed(1)}%`.padStart(6);
      lines.push(`    ${values[k].padStart(vw)}  ${counts[k].padStart(cw)}  ${share}`);
    });
  }
  return lines;
}

/** One-line notes about a load that the user should hear once: skipped rows, negative values. */
export function loadNotes(report: LoadReport | undefined): string[] {
  const notes: string[] = [];
  if (!report) return notes;
  if (report.rowsSkipped > 0) {
    const first = report.skippedExamples[0] ? ` (first: ${report.skippedExamples[0]})` : '';
    notes.push(`skipped ${formatNumber(report.rowsSkipped)} of ${formatNumber(report.rowsRead)} rows${first}`);
  }
  if (report.negativeValues) {
    const one = report.negativeValues === 1;
    notes.push(
      `${formatNumber(report.negativeValues)} rating${one ? ' is' : 's are'} negative; ${one ? 'it is' : 'they are'} kept (some data uses negative feedback), filter them out if they are mistakes`,
    );
  }
  return notes;
}

function isoDay(seconds: number): string {
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? String(seconds) : date.toISOString().slice(0, 10);
}

function valueHistogram(values: Float32Array): { value: number; count: number }[] | null {
  const counts = new Map<number, number>();
  for (let p = 0; p < values.length; p++) {
    counts.set(values[p], (counts.get(values[p]) ?? 0) + 1);
    if (counts.size > MAX_HISTOGRAM_VALUES) return null;
  }
  return [...counts.keys()].sort((a, b) => a - b).map((value) => ({ value, count: counts.get(value)! }));
}

function countNegative(values: Float32Array): number {
  let n = 0;
  for (let p = 0; p < values.length; p++) if (values[p] < 0) n++;
  return n;
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
