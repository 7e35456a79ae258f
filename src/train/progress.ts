import type { EpochRecord, TrainingHistory } from '../contracts/types.ts';

/** A one-line progress bar on a TTY; one plain line per epoch otherwise (logs, CI). */
export class Progress {
  private readonly tty = Boolean(process.stderr.isTTY);
  private lastDraw = 0;

  constructor(
    private readonly label: string,
    private readonly epochs: number,
    private readonly log: (line: string) => void,
  ) {}

  update(epoch: number, fraction: number): void {
    if (!this.tty) return;
    const now = performance.now();
    if (now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const width = 30;
    const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
    process.stderr.write(`\r${this.label} epoch ${epoch}/${this.epochs} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0)}%`);
  }

  epochDone(record: EpochRecord, metric: string | null): void {
    if (this.tty) process.stderr.write('\r\x1b[K');
    const parts = [`${this.label} epoch ${record.epoch}/${this.epochs}`, `loss ${record.loss.toFixed(4)}`];
    if (record.validation !== undefined && metric) parts.push(`val ${metric} ${record.validation.toFixed(4)}`);
    parts.push(`${record.seconds.toFixed(1)}s`);
    this.log(parts.join('  '));
  }

  done(history: TrainingHistory): void {
    if (history.metric && history.epochs.length > 0) {
      const best = history.epochs[history.bestEpoch - 1];
      this.log(`${this.label}: best epoch ${history.bestEpoch} (val ${history.metric} ${best?.validation?.toFixed(4)}), ${history.seconds.toFixed(1)}s`);
    }
  }
}
