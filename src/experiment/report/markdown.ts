/** report.md: the experiment as Markdown tables (the plots are in report.html beside it). */
import type { ExperimentResults, RunResult } from '../results.ts';
import { comparisonText, markdownTable, metricColumns, paramText, runStatus, popularityVerdict, trivialReferenceText } from './common.ts';
import { formatValue } from './svg.ts';
import { sampleStandardDeviation } from '../../eval/significance.ts';
import { MARK } from '../../doctor/findings.ts';

export function markdownReport(results: ExperimentResults): string {
  const out: string[] = [];
  const p = results.protocol;
  out.push(`# Experiment ${results.name}`, '');
  if (results.description) out.push(results.description, '');
  out.push(
    `- **Protocol:** \`${p.name}\` — ${p.description}`,
    `- **Dataset:** ${p.dataset}; task ${p.task}; main metric **${p.mainMetric}**${p.lowerIsBetter ? ' (lower is better)' : ''}`,
    `- **Labels:** ${labelText(p.labelRule)}`,
    `- **Seed:** ${results.seed}${p.seed !== null ? ` (protocol seed ${p.seed})` : ''}; threads ${results.threads}`,
    `- **Validation:** ${validationText(results)}`,
    `- **Reproduce:** \`${results.command}\``,
    '',
  );
  out.push('## Split sizes', '', sizesTable(p.sizes), '');
  const notes = p.notes.filter((n) => n !== p.labelRule);
  if (notes.length) out.push(...notes.map((n) => `> ${n}`), '');

  if (results.dataChecks?.length) {
    out.push('## Data checks', '', ...results.dataChecks.map((f) => `- ${MARK[f.level]} ${f.message}${f.fix && f.level !== 'ok' ? ` → ${f.fix}` : ''}`), '');
  }
  out.push('## Test results', '');
  const metrics = metricColumns(results);
  const headers = ['run', 'type', ...metrics, 'vs popularity'];
  const rows = results.runs.map((run) => {
    const status = runStatus(run);
    const name = status === 'reference' ? `**${run.name}** (baseline)` : status === 'below' ? `⚠ ${run.name}` : run.name;
    return [name, run.type, ...metrics.map((m) => formatValue(run.metrics[m])), comparisonText(run, results.reference)];
  });
  out.push(markdownTable(headers, rows, ['l', 'l', ...metrics.map(() => 'r' as const), 'l']), '');
  const verdict = popularityVerdict(results, (r) => `**${r}**`);
  out.push(`${verdict.warn ? '⚠ ' : ''}${verdict.text}`, '');
  const trivial = trivialReferenceText(results);
  if (trivial) out.push(trivial, '');

  out.push('## Runs', '');
  for (const run of results.runs) out.push(...runSection(run), '');

  const e = results.environment;
  out.push(
    '## Environment',
    '',
    `Node ${e.node} on ${e.platform}/${e.arch}, ${e.cpus} cores (${e.cpuModel}), ${e.memoryGB} GB; tastebud ${e.tastebud}; ${e.date}; total ${results.seconds.toFixed(1)} s.`,
    '',
  );
  return out.join('\n');
}

function runSection(run: RunResult): string[] {
  const out = [`### ${run.name} (\`${run.type}\`${run.baseline ? ', baseline' : ''})`, ''];
  if (run.error) return [...out, `**Failed:** ${run.error}`];
  const params = Object.entries(run.params);
  if (params.length) out.push(`Parameters: ${params.map(([k, v]) => `\`${k}\`=${paramText(v)}`).join(', ')}`, '');
  const h = run.history;
  if (h?.epochs.length) {
    const last = h.epochs[h.epochs.length - 1];
    out.push(
      `Training: ${h.epochs.length} epoch${h.epochs.length === 1 ? '' : 's'}, final loss ${formatValue(last.loss)}, ${h.seconds.toFixed(1)} s${h.stoppedEarly ? ', stopped early' : ''}.`,
    );
  }
  if (run.validation)
    out.push(
      `Validation ${run.validation.metric} of the chosen parameters: ${formatValue(run.validation.value)}${run.selectionHistory ? ` (best epoch ${run.selectionHistory.bestEpoch})` : ''}.`,
    );
  if (run.search?.refit) out.push('The chosen parameters were retrained on all training data for that many epochs.');
  if (run.search && !run.selectionHistory) out.push('One configuration of a one-pass model: fit once on all training data, nothing to select on validation.');
  for (const w of [...(run.selectionHistory?.warnings ?? []), ...(run.history?.warnings ?? [])]) out.push(`- warning: ${w}`);
  for (const n of run.notes) out.push(`- ${n}`);
  out.push('');
  out.push(
    markdownTable(
      ['test metric', 'value'],
      Object.entries(run.metrics).map(([k, v]) => [k, formatValue(v)]),
      ['l', 'r'],
    ),
  );
  const s = run.search;
  if (s && s.trials.length > 1) {
    out.push('', `Search (${s.strategy}, ${s.trials.length} trials, selected on validation ${s.metric}; ★ = chosen):`, '');
    const headers = ['trial', ...s.keys, `validation ${s.metric}`, 'best epoch', 'epochs', 'seconds'];
    const rows = s.trials.map((t) => [
      `${t.trial}${t.trial === s.bestTrial ? ' ★' : ''}`,
      ...s.keys.map((k) => paramText(t.params[k])),
      t.error ? `failed: ${t.error}` : formatValue(t.validation) + (t.repeats ? ` ± ${formatValue(sampleStandardDeviation(t.repeats))}` : ''),
      String(t.bestEpoch),
      String(t.epochs),
      t.seconds.toFixed(1),
    ]);
    out.push(markdownTable(headers, rows, ['l', ...s.keys.map(() => 'r' as const), 'r', 'r', 'r', 'r']));
    if (s.rungs) out.push('', ...rungTable(s));
    if (s.epochsSpent !== undefined) out.push('', `Epochs run by the search: ${s.epochsSpent}${s.refit ? ' (not counting the refit)' : ''}.`);
  }
  return out;
}

/** Successive halving: every point in every rung, with its budget, value and whether it went on. */
function rungTable(s: NonNullable<RunResult['search']>): string[] {
  const rungs = s.rungs!;
  const last = Math.max(...rungs.map((r) => r.rung));
  const rows = rungs.map((r) => [
    String(r.rung),
    String(r.budget),
    String(r.trial),
    ...s.keys.map((k) => paramText(r.params[k])),
    r.error ? `failed: ${r.error}` : formatValue(r.validation),
    String(r.epochs),
    r.kept ? (r.rung === last ? 'chosen' : 'kept') : '',
    r.resumed ? 'resumed' : 'from scratch',
  ]);
  return [
    'Successive halving: each rung trains its points up to the budget (early stopping may end a fit sooner), and the best 1/eta go on to the next, larger budget; a value is the best epoch reached by that rung.',
    '',
    markdownTable(['rung', 'budget (epochs)', 'trial', ...s.keys, `validation ${s.metric}`, 'epochs run', 'kept?', 'training'], rows, [
      'r',
      'r',
      'r',
      ...s.keys.map(() => 'r' as const),
      'r',
      'r',
      'l',
      'l',
    ]),
  ];
}

export function validationText(results: ExperimentResults): string {
  const v = results.validation;
  const repeats = v.repeats ?? 1;
  const where =
    v.source === 'protocol'
      ? "the protocol's validation split"
      : repeats > 1
        ? `${Math.round((v.ratio ?? 0) * 100)} % of each user's training interactions, held out ${repeats} times (seeds seed … seed + ${repeats - 1}; each trial scored by its mean over them)`
        : `${Math.round((v.ratio ?? 0) * 100)} % of each user's training interactions, held out with the experiment seed`;
  return `${where} (${v.interactions} interactions), metric ${v.metric}; test data is used once, for the chosen model.`;
}

export function labelText(rule: unknown): string {
  if (rule === null || rule === undefined) return 'as in the data';
  if (typeof rule === 'string') return rule;
  return JSON.stringify(rule);
}

export function sizesTable(sizes: Record<string, unknown>): string {
  const rows = flatten(sizes).map(([k, v]) => [k, typeof v === 'number' ? v.toLocaleString('en-US') : String(v)]);
  return rows.length ? markdownTable(['', 'count'], rows, ['l', 'r']) : '(not reported)';
}

/** Nested size records as dotted keys: { train: { users: 943 } } → train.users. */
export function flatten(obj: Record<string, unknown>, prefix = ''): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [k, v] of Object.entries(obj)) {
    if (v && typeof v === 'object' && !Array.isArray(v)) out.push(...flatten(v as Record<string, unknown>, `${prefix}${k}.`));
    else out.push([`${prefix}${k}`, v]);
  }
  return out;
}
