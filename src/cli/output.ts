import { TastebudError } from '../contracts/errors.ts';
import { cliWording } from '../data/readers/hints.ts';

/** Small formatting helpers shared by the commands (printing only; no logic). */
export function printMetrics(metrics: Record<string, number>, title: string): void {
  const width = Math.max(...Object.keys(metrics).map((k) => k.length));
  process.stdout.write(`${title}:\n`);
  for (const [name, value] of Object.entries(metrics)) {
    process.stdout.write(`  ${name.padEnd(width)}  ${Number.isInteger(value) ? value : value.toFixed(4)}\n`);
  }
}

/**
 * Runs a command body so that a TastebudError reads as the command line needs it: option hints
 * (`` `encoding: 'latin1'` (CLI: `--encoding latin1`) ``) keep only the flag.
 */
export async function inCliWords<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof TastebudError) error.message = cliWording(error.message);
    throw error;
  }
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
