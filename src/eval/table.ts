/**
 * Result tables: models as rows, metrics as columns, as aligned plain text (terminals, logs) or
 * markdown (reports). The popularity baseline row is marked, and every other row that does not
 * beat it on the protocol's main metric is flagged — a model that loses to "recommend what is
 * popular" has learned nothing useful, whatever its other numbers say.
 */

export interface TableRow {
  /** Model name as it should appear, e.g. `bpr (factors=64)`. */
  name: string;
  metrics: Record<string, number>;
  /** The popularity (or other reference) baseline the others must beat. */
  baseline?: boolean;
}

export interface TableOptions {
  /** Columns, in order (default: every metric of the first row, in its order). */
  metrics?: string[];
  /** The metric rows are compared with the baseline on (default: the first column). */
  mainMetric?: string;
  /** Whether smaller is better for the main metric (default: true for rmse, mae, logloss, loss). */
  lowerIsBetter?: boolean;
  /** Digits after the decimal point (default 4). */
  digits?: number;
  /** A line above the table, e.g. the protocol and split sizes. */
  title?: string;
}

const LOWER_IS_BETTER = new Set(['rmse', 'mae', 'logloss', 'loss']);

/** Whether smaller values of this metric are better (`rmse`, `mae`, `logloss`). */
export function lowerIsBetter(metric: string): boolean {
  return LOWER_IS_BETTER.has(metric.split('@')[0]);
}

export interface FlaggedRow extends TableRow {
  /** True when a baseline exists and this (non-baseline) row does not strictly beat it on the main metric. */
  flagged: boolean;
}

/** Marks the rows that do not beat the baseline row on `mainMetric` (NaN never beats anything). */
export function flagRows(rows: TableRow[], mainMetric: string, lowerBetter = lowerIsBetter(mainMetric)): FlaggedRow[] {
  const baseline = rows.find((r) => r.baseline);
  const reference = baseline?.metrics[mainMetric];
  return rows.map((row) => {
    if (!baseline || row.baseline || reference === undefined || Number.isNaN(reference)) return { ...row, flagged: false };
    const v = row.metrics[mainMetric];
    const beats = v !== undefined && !Number.isNaN(v) && (lowerBetter ? v < reference : v > reference);
    return { ...row, flagged: !beats };
  });
}

/** Plain text: columns padded to width, numbers right-aligned, flags in a last column. */
export function textTable(rows: TableRow[], options: TableOptions = {}): string {
  const { header, body, note } = cells(rows, options);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((r) => r[c].length)));
  const line = (r: string[]): string =>
    r
      .map((cell, c) => (c === 0 || c === r.length - 1 ? cell.padEnd(widths[c]) : cell.padStart(widths[c])))
      .join('  ')
      .trimEnd();
  const out = [...(options.title ? [options.title] : []), line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
  if (note) out.push(note);
  return out.join('\n');
}

/** GitHub-flavoured markdown, numeric columns right-aligned. */
export function markdownTable(rows: TableRow[], options: TableOptions = {}): string {
  const { header, body, note } = cells(rows, options);
  const escapePipes = (s: string): string => s.replace(/\|/g, '\\|');
  const line = (r: string[]): string => `| ${r.map(escapePipes).join(' | ')} |`;
  const align = header.map((_, c) => (c === 0 || c === header.length - 1 ? '---' : '---:'));
  const out = [...(options.title ? [options.title, ''] : []), line(header), `| ${align.join(' | ')} |`, ...body.map(line)];
  if (note) out.push('', note);
  return out.join('\n');
}

export function formatTable(rows: TableRow[], options: TableOptions & { format?: 'text' | 'markdown' } = {}): string {
  return options.format === 'markdown' ? markdownTable(rows, options) : textTable(rows, options);
}

function cells(rows: TableRow[], options: TableOptions): { header: string[]; body: string[][]; note: string | null } {
  const metrics = options.metrics ?? Object.keys(rows[0]?.metrics ?? {});
  const main = options.mainMetric ?? metrics[0];
  const digits = options.digits ?? 4;
  const lowerBetter = options.lowerIsBetter ?? (main !== undefined && lowerIsBetter(main));
  const flagged = main === undefined ? rows.map((r) => ({ ...r, flagged: false })) : flagRows(rows, main, lowerBetter);
  const header = ['model', ...metrics, 'note'];
  const body = flagged.map((row) => [
    row.name,
    ...metrics.map((m) => formatNumber(row.metrics[m], digits)),
    row.baseline ? 'baseline' : row.flagged ? `does not beat baseline on ${main}` : '',
  ]);
  const anyFlagged = flagged.some((r) => r.flagged);
  const note = anyFlagged ? `Flagged rows do not beat the baseline on ${main} (${lowerBetter ? 'lower' : 'higher'} is better).` : null;
  return { header, body, note };
}

function formatNumber(v: number | undefined, digits: number): string {
  if (v === undefined) return '—';
  if (Number.isNaN(v)) return 'NaN';
  if (Number.isInteger(v) && Math.abs(v) >= 1000) return String(v);
  return v.toFixed(digits);
}
