/** What the doctor found: one line each, with its level, the numbers behind it and what to do. */
export interface Finding {
  /** `ok`: a fact worth knowing (a floor, a rate); `info`: may matter; `warn`: likely hurts; `error`: makes results wrong. */
  level: 'ok' | 'info' | 'warn' | 'error';
  /** Stable name of the check, e.g. `base-rate`, `leakage`. */
  code: string;
  message: string;
  /** What to do about it. */
  fix?: string;
  numbers?: Record<string, number>;
  /** The fix applied in a short fit and measured on validation (doctor train --fix). */
  measured?: MeasuredFix;
}

/** A fix tried: what changed, and the validation metric before and after, beside the popularity floor. */
export interface MeasuredFix {
  /** e.g. `l2 1.2 → 1e-5`. */
  change: string;
  metric: string;
  before: number;
  after: number;
  /** Popularity on the same validation part. */
  popularity: number;
  /** Whether it clearly helped; only then is it recommended. */
  helped: boolean;
}

/** The mark of each level in reports. */
export const MARK: Record<Finding['level'], string> = { ok: '✔', info: 'ℹ', warn: '⚠', error: '✖' };

/** The terminal report: a mark and one line per finding, its fix indented below. */
export function formatFindings(title: string, findings: Finding[]): string {
  const lines = [title];
  for (const f of findings) {
    lines.push(`${MARK[f.level]} ${f.message}`);
    const m = f.measured;
    if (m) {
      const numbers = `validation ${m.metric} ${m.before.toFixed(3)} → ${m.after.toFixed(3)} (popularity ${m.popularity.toFixed(3)})`;
      lines.push(m.helped ? `  → ${f.fix ?? m.change} — measured: ${numbers}` : `  ✗ tried ${m.change}: ${numbers}; it did not help, so it is not recommended`);
    } else if (f.fix && f.level !== 'ok') lines.push(`  → ${f.fix}`);
  }
  const problems = findings.filter((f) => f.level === 'warn' || f.level === 'error').length;
  lines.push(problems === 0 ? 'nothing wrong found' : `${problems} problem${problems === 1 ? '' : 's'} found`);
  return lines.join('\n') + '\n';
}
