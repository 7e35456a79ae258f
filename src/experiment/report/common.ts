/** What the Markdown, HTML and console reports share: which columns, what a status means, tables. */
import type { ExperimentResults, RunResult } from '../results.ts';
import { formatValue } from './svg.ts';

/** Preferred order of metrics after the main one. */
const PREFERRED = ['auc', 'precision@10', 'recall@10', 'ndcg@10', 'map@10', 'mrr@10', 'hit@10', 'f1', 'precision', 'recall', 'accuracy', 'rmse', 'mae', 'logloss'];

/**
 * Test metric names for tables and charts: the main metric, then the protocol's report metrics,
 * then (with `all`) every other metric measured, familiar ones first.
 */
export function metricColumns(results: ExperimentResults, max = Infinity, all = false): string[] {
  const measured: string[] = [];
  for (const run of results.runs) for (const key of Object.keys(run.metrics)) if (!measured.includes(key)) measured.push(key);
  const main = results.protocol.mainMetric;
  const chosen = results.protocol.reportMetrics ?? [];
  const rest = all || chosen.length === 0 ? [...PREFERRED, ...measured] : [];
  const ordered = [main, ...chosen, ...rest];
  return ordered.filter((m, i) => ordered.indexOf(m) === i && measured.includes(m)).slice(0, max);
}

export type RunStatus = 'reference' | 'beats' | 'below' | 'failed' | 'unknown';

export function runStatus(run: RunResult): RunStatus {
  if (run.error) return 'failed';
  if (run.reference) return 'reference';
  if (!run.vsReference) return 'unknown';
  return run.vsReference.beats ? 'beats' : 'below';
}

/**
 * The reports' verdict on the popularity baseline: the runs below it, and the runs that failed
 * (a failed run beats nothing, so "every run beats it" is said only when every run finished).
 * `name` formats a run's name (bold in Markdown).
 */
export function popularityVerdict(results: ExperimentResults, name: (run: string) => string = (r) => r): { text: string; warn: boolean } {
  const metric = results.protocol.mainMetric;
  const named = (status: RunStatus) => results.runs.filter((r) => runStatus(r) === status).map((r) => name(r.name));
  const below = named('below');
  const failed = named('failed');
  const failedText = failed.length ? ` ${failed.join(', ')} failed (see ${failed.length === 1 ? 'its' : 'their'} error).` : '';
  if (below.length) return { text: `${below.join(', ')} ${below.length === 1 ? 'does' : 'do'} not beat the popularity baseline on ${metric}.${failedText}`, warn: true };
  if (failed.length) {
    const finished = results.runs.some((r) => !r.reference && !r.error);
    return { text: `${finished ? `Every run that finished beats the popularity baseline on ${metric};` : 'No run finished beside the baselines:'}${failedText}`, warn: true };
  }
  return { text: `Every run beats the popularity baseline on ${metric}.`, warn: false };
}

/** One line saying how a run compares with popularity on the main metric. */
export function comparisonText(run: RunResult, referenceName: string): string {
  const status = runStatus(run);
  if (status === 'reference') return 'reference baseline';
  if (status === 'failed') return `failed: ${run.error}`;
  if (status === 'unknown') return '';
  const c = run.vsReference!;
  const sign = c.delta >= 0 ? '+' : '−';
  const p = c.pValue === null ? '' : `, p ${c.pValue < 0.001 ? '< 0.001' : '= ' + c.pValue.toFixed(3)}`;
  return `${sign}${formatValue(Math.abs(c.delta))} vs ${referenceName}${p}${status === 'below' ? ' — does not beat popularity' : ''}`;
}

export function markdownTable(headers: string[], rows: string[][], align: ('l' | 'r')[] = []): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const line = (cells: string[]): string => `| ${cells.map(esc).join(' | ')} |`;
  const rule = `|${headers.map((_, i) => (align[i] === 'r' ? '---:' : ':---')).join('|')}|`;
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

/** Monospace table for the console. */
export function textTable(headers: string[], rows: string[][], align: ('l' | 'r')[] = []): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const pad = (s: string, i: number): string => (align[i] === 'r' ? s.padStart(widths[i]) : s.padEnd(widths[i]));
  const line = (cells: string[]): string => cells.map(pad).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Short text for a parameter value in tables (lists as `[64,32]`). */
export function paramText(value: unknown): string {
  if (typeof value === 'number') return String(Number(value.toPrecision(6)));
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/**
 * Trivial references a protocol reports beside the metrics (the F1 of calling every pair
 * positive): one line naming the runs that do not beat it, or null when there is none.
 */
export function trivialReferenceText(results: ExperimentResults): string | null {
  const runs = results.runs.filter((r) => !r.error && Number.isFinite(r.metrics.f1) && Number.isFinite(r.metrics.f1_all_positive));
  if (runs.length === 0) return null;
  const trivial = runs[0].metrics.f1_all_positive;
  const below = runs.filter((r) => !(r.metrics.f1 > r.metrics.f1_all_positive)).map((r) => r.name);
  return below.length
    ? `F1 of predicting "positive" for every pair: ${formatValue(trivial)}; ${below.length === runs.length ? 'no run beats it' : `not beaten by ${below.join(', ')}`}.`
    : `F1 of predicting "positive" for every pair: ${formatValue(trivial)}; every run beats it.`;
}

/** The comparison table the runner prints: one row per run, main metric first. */
export function consoleSummary(results: ExperimentResults): string {
  const metrics = metricColumns(results, 5);
  const headers = ['run', 'type', ...metrics, 'vs popularity'];
  const rows = results.runs.map((run) => {
    const status = runStatus(run);
    const mark = status === 'below' ? '✗ ' : status === 'reference' ? '◆ ' : status === 'failed' ? '! ' : '  ';
    return [mark + run.name, run.type, ...metrics.map((m) => formatValue(run.metrics[m])), comparisonText(run, results.reference)];
  });
  const align: ('l' | 'r')[] = ['l', 'l', ...metrics.map(() => 'r' as const), 'l'];
  const below = results.runs.filter((r) => runStatus(r) === 'below').map((r) => r.name);
  const lines = [
    `${results.name} — protocol ${results.protocol.name}, main metric ${results.protocol.mainMetric}${results.protocol.lowerIsBetter ? ' (lower is better)' : ''}, seed ${results.seed}`,
    textTable(headers, rows, align),
    `◆ = ${results.reference} (reference baseline); ✗ = does not beat it on ${results.protocol.mainMetric}${below.length ? `: ${below.join(', ')}` : ' (none)'}`,
  ];
  const trivial = trivialReferenceText(results);
  if (trivial) lines.push(trivial);
  return lines.join('\n');
}
