/** Small formatting helpers shared by the commands (printing only; no logic). */
export function printMetrics(metrics: Record<string, number>, title: string): void {
  const width = Math.max(...Object.keys(metrics).map((k) => k.length));
  process.stdout.write(`${title}:\n`);
  for (const [name, value] of Object.entries(metrics)) {
    process.stdout.write(`  ${name.padEnd(width)}  ${Number.isInteger(value) ? value : value.toFixed(4)}\n`);
  }
}
