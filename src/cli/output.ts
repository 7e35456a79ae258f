/** Small formatting helpers shared by the commands (printing only; no logic). */
export function printMetrics(metrics: Record<string, number>, title: string): void {
  const width = Math.max(...Object.keys(metrics).map((k) => k.length));
  process.stdout.write(`${title}:\n`);
  for (const [name, value] of Object.entries(metrics)) {
    process.stdout.write(`  ${name.padEnd(width)}  ${Number.isInteger(value) ? value : value.toFixed(4)}\n`);
  }
}

/** What `formatEvaluation` prints: the pipeline's evaluation (src/experiment/pipeline.ts). */
interface EvaluationLike {
  protocol: string | null;
  data: string;
  sizes: Record<string, number>;
  seed: number | null;
  mainMetric: string;
  metrics: Record<string, number>;
  baseline: { name: string; fittedOn: string; metrics: Record<string, number> } | null;
  vsBaseline: { metric: string; delta: number; beats: boolean; pValue: number | null; test: string | null } | null;
  /** How the model's training ended: an untrained or diverged model is not compared. */
  status?: 'trained' | 'untrained' | 'diverged';
}

/**
 * The protocol (or held-out data), split sizes and seed, then the model's test metrics with the
 * popularity baseline's in the next column, and whether the model beats it (flagged when not).
 */
export function formatEvaluation(e: EvaluationLike, model: string): string {
  const lines: string[] = [];
  lines.push(
    e.protocol
      ? `${e.data.startsWith(`protocol ${e.protocol}`) ? e.data : `protocol ${e.protocol}, ${e.data}`}, seed ${e.seed ?? '—'}`
      : `held-out test part of ${e.data}${e.seed !== null ? `, seed ${e.seed}` : ''}`,
  );
  lines.push(
    `sizes: ${Object.entries(e.sizes)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  if (e.baseline) lines.push(`${e.baseline.name} fitted on ${e.baseline.fittedOn}`);
  const names = Object.keys(e.metrics);
  const base = e.baseline;
  const width = Math.max('test metrics'.length, ...names.map((n) => n.length));
  const col = Math.max(model.length, 8);
  const baseCol = base ? Math.max(base.name.length, 8) : 0;
  lines.push(`${'test metrics'.padEnd(width)}  ${model.padStart(col)}${base ? `  ${base.name.padStart(baseCol)}` : ''}`);
  for (const n of names) {
    const mark = n === e.mainMetric ? ' *' : '';
    lines.push(`${n.padEnd(width)}  ${num(e.metrics[n]).padStart(col)}${base ? `  ${num(base.metrics[n]).padStart(baseCol)}` : ''}${mark}`);
  }
  const c = e.vsBaseline;
  if (c && base && e.status !== undefined && e.status !== 'trained') {
    // Any lead an untrained or diverged model shows is chance, not learning.
    lines.push(`WARNING: ${model} ${e.status === 'untrained' ? 'never trained (no epoch ran)' : 'diverged in training'}: no comparison with ${base.name}`);
  } else if (c && base) {
    const delta = `${c.delta >= 0 ? '+' : ''}${c.delta.toFixed(4)}`;
    const test = c.test ? ` (${c.test}, p ${c.pValue === null ? '—' : c.pValue < 1e-4 ? '< 0.0001' : `= ${c.pValue.toFixed(4)}`})` : '';
    lines.push(c.beats ? `${model} beats ${base.name} on ${c.metric} (*): ${delta}${test}` : `WARNING: ${model} does not beat ${base.name} on ${c.metric} (*): ${delta}${test}`);
  }
  return lines.join('\n') + '\n';
}

function num(value: number | undefined): string {
  if (value === undefined) return '—';
  return Number.isInteger(value) ? String(value) : value.toFixed(4);
}

/** Rows of cells as text columns: each column padded to its widest cell (right-aligned where `right[c]`). */
export function formatTable(rows: string[][], right: boolean[] = [], indent = '  '): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, c) => (widths[c] = Math.max(widths[c] ?? 0, cell.length)));
  return rows.map((row) => indent + row.map((cell, c) => (c === row.length - 1 && !right[c] ? cell : right[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  '));
}

/** Writes notes to stderr, one line each: `tastebud: note: ...`. */
export function printNotes(notes: string[]): void {
  for (const note of notes) process.stderr.write(`tastebud: note: ${note}\n`);
}

/** Ctrl-C or SIGTERM closes a running server (its store, its workers), then exits. */
export function closeOnSignal(server: { close(): Promise<void> }): void {
  const stop = (signal: NodeJS.Signals): void => {
    process.stderr.write(`tastebud: ${signal}: closing\n`);
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
