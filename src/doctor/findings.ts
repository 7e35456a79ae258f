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
}

/** The mark of each level in reports. */
export const MARK: Record<Finding['level'], string> = { ok: '✔', info: 'ℹ', warn: '⚠', error: '✖' };

/** The terminal report: a mark and one line per finding, its fix indented below. */
export function formatFindings(title: string, findings: Finding[]): string {
  const lines = [title];
  for (const f of findings) {
    lines.push(`${MARK[f.level]} ${f.message}`);
    if (f.fix && f.level !== 'ok') lines.push(`  → ${f.fix}`);
  }
  const problems = findings.filter((f) => f.level === 'warn' || f.level === 'error').length;
  lines.push(problems === 0 ? 'nothing wrong found' : `${problems} problem${problems === 1 ? '' : 's'} found`);
  return lines.join('\n') + '\n';
}
