/**
 * report.html: one self-contained page (inline CSS and SVG, no scripts, fonts or links to fetch)
 * with the results table, test-metric bar charts against popularity, training curves per run,
 * and the search space explored. Runs that do not beat popularity are shown in red.
 */
import type { ExperimentResults, RunResult } from '../results.ts';
import type { TrialRecord } from '../search.ts';
import { comparisonText, metricColumns, paramText, runStatus, popularityVerdict, trivialReferenceText } from './common.ts';
import { flatten, labelText, validationText } from './markdown.ts';
import { PALETTE, REFERENCE_COLOR, WARNING_COLOR, barChart, escapeXml as esc, formatValue, lineChart, scatterChart, type LineSeries } from './svg.ts';
import { MARK } from '../../doctor/findings.ts';

const CSS = `
body{margin:0;background:#f6f7f9;color:#222;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif}
main{max-width:1120px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 10px}h3{font-size:15px;margin:0 0 8px}
.sub{color:#555;margin:0 0 16px}
.card{background:#fff;border:1px solid #e2e4e8;border-radius:8px;padding:16px;margin:0 0 16px;overflow-x:auto}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}
.facts dt{color:#666}.facts dd{margin:0}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}
th,td{padding:5px 10px;border-bottom:1px solid #eceef1;text-align:right;white-space:nowrap}
th{background:#fafbfc;font-weight:600;color:#444}
td.l,th.l{text-align:left}
td.note{white-space:normal;min-width:170px}
tr.reference td{background:#f1f2f4}
tr.below td{color:${WARNING_COLOR}}
tr.failed td{color:#a00;font-style:italic}
tr.best td{font-weight:600}
.badge{display:inline-block;font-size:11px;padding:1px 6px;border-radius:9px;margin-left:6px;vertical-align:1px}
.badge.ref{background:#e4e5e8;color:#444}.badge.warn{background:#fde2e2;color:${WARNING_COLOR}}
.charts{display:flex;flex-wrap:wrap;gap:12px}
.charts svg{border:1px solid #eceef1;border-radius:6px}
.key{color:#555;font-size:13px;margin:6px 0 0}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin:0 4px 0 10px;vertical-align:0}
.warn-text{color:${WARNING_COLOR}}
ul.notes{margin:8px 0 0;padding-left:18px;color:#555}
footer{color:#777;font-size:12px;margin:24px 0}
code{background:#f0f1f3;padding:1px 4px;border-radius:4px;font-size:12.5px}
`;

export function htmlReport(results: ExperimentResults): string {
  const colors = runColors(results.runs);
  const p = results.protocol;
  const notes = p.notes.filter((n) => n !== p.labelRule);
  const parts: string[] = [];
  parts.push(`<h1>${esc(results.name)}</h1><p class="sub">${esc(results.description ?? `Experiment on ${p.dataset} under the ${p.name} protocol`)}</p>`);
  parts.push(`<section class="card"><dl class="facts">
<dt>Protocol</dt><dd><code>${esc(p.name)}</code> — ${esc(p.description)}</dd>
<dt>Dataset / task</dt><dd>${esc(p.dataset)} · ${esc(p.task)}</dd>
<dt>Main metric</dt><dd><b>${esc(p.mainMetric)}</b>${p.lowerIsBetter ? ' (lower is better)' : ''}</dd>
<dt>Labels</dt><dd>${esc(labelText(p.labelRule))}</dd>
<dt>Split sizes</dt><dd>${esc(
    flatten(p.sizes)
      .map(([k, v]) => `${k} ${typeof v === 'number' ? v.toLocaleString('en-US') : String(v)}`)
      .join(' · ') || 'not reported',
  )}</dd>
<dt>Validation</dt><dd>${esc(validationText(results))}</dd>
<dt>Seed</dt><dd>${results.seed}${p.seed !== null ? ` (protocol seed ${p.seed})` : ''}, threads ${results.threads}</dd>
<dt>Reproduce</dt><dd><code>${esc(results.command)}</code></dd>
</dl>${notes.length ? `<ul class="notes">${notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : ''}</section>`);

  if (results.dataChecks?.length) {
    parts.push(
      '<h2>Data checks</h2>',
      `<ul class="notes">${results.dataChecks.map((f) => `<li>${MARK[f.level]} ${esc(f.message)}${f.fix && f.level !== 'ok' ? ` — ${esc(f.fix)}` : ''}</li>`).join('')}</ul>`,
    );
  }
  parts.push('<h2>Test results</h2>', resultsTable(results));
  parts.push('<h2>Test metrics against popularity</h2>', metricCharts(results, colors));
  parts.push('<h2>Training curves</h2>', trainingCurves(results, colors));
  const searched = results.runs.filter((r) => r.search && r.search.trials.length > 1);
  if (searched.length) parts.push('<h2>Search space explored</h2>', ...searched.map((r) => searchSection(r, colors.get(r.name)!)));

  const e = results.environment;
  parts.push(
    `<footer>Node ${esc(e.node)} · ${esc(e.platform)}/${esc(e.arch)} · ${e.cpus} cores (${esc(e.cpuModel)}) · ${e.memoryGB} GB · tastebud ${esc(e.tastebud)} · ${esc(e.date)} · ${results.seconds.toFixed(1)} s in total</footer>`,
  );
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(results.name)} — tastebud experiment</title><style>${CSS}</style></head>
<body><main>
${parts.join('\n')}
</main></body></html>
`;
}

/** Popularity grey, other runs a palette colour each (the same in every chart). */
function runColors(runs: RunResult[]): Map<string, string> {
  const colors = new Map<string, string>();
  let i = 0;
  for (const run of runs) colors.set(run.name, run.reference ? REFERENCE_COLOR : PALETTE[i++ % PALETTE.length]);
  return colors;
}

function resultsTable(results: ExperimentResults): string {
  const metrics = metricColumns(results);
  const head = `<tr><th class="l">run</th><th class="l">type</th>${metrics.map((m) => `<th>${esc(m)}${m === results.protocol.mainMetric ? ' ★' : ''}</th>`).join('')}<th class="l">vs popularity (${esc(results.protocol.mainMetric)})</th></tr>`;
  const rows = results.runs.map((run) => {
    const status = runStatus(run);
    const badge =
      status === 'reference'
        ? '<span class="badge ref">baseline</span>'
        : status === 'below'
          ? '<span class="badge warn">below popularity</span>'
          : run.baseline
            ? '<span class="badge ref">baseline</span>'
            : '';
    const cells = metrics.map((m) => `<td>${formatValue(run.metrics[m])}</td>`).join('');
    return `<tr class="${status}"><td class="l">${esc(run.name)}${badge}</td><td class="l">${esc(run.type)}</td>${cells}<td class="l note">${esc(comparisonText(run, results.reference))}</td></tr>`;
  });
  const verdict = popularityVerdict(results);
  const key = `<p class="key${verdict.warn ? ' warn-text' : ''}">${esc(verdict.text)}</p>`;
  const noted = results.runs.filter((r) => r.notes.length > 0);
  const notes = noted.length ? `<ul class="notes">${noted.map((r) => `<li><b>${esc(r.name)}</b>: ${esc(r.notes.join(' '))}</li>`).join('')}</ul>` : '';
  const trivial = trivialReferenceText(results);
  const trivialKey = trivial ? `<p class="key${/not beaten|no run/.test(trivial) ? ' warn-text' : ''}">${esc(trivial)}</p>` : '';
  return `<section class="card"><table>${head}${rows.join('')}</table>${key}${trivialKey}${notes}</section>`;
}

function metricCharts(results: ExperimentResults, colors: Map<string, string>): string {
  const ref = results.runs.find((r) => r.reference);
  const charts = metricColumns(results, 4).map((metric) => {
    const lowerIsBetter = metric === results.protocol.mainMetric ? results.protocol.lowerIsBetter : /^(rmse|mae|logloss|popularity@)/.test(metric);
    const refValue = ref?.metrics[metric];
    const bars = results.runs
      .filter((r) => !r.error && Number.isFinite(r.metrics[metric]))
      .map((r) => {
        const below = !r.reference && refValue !== undefined && (lowerIsBetter ? r.metrics[metric] >= refValue : r.metrics[metric] <= refValue);
        return {
          label: r.name,
          value: r.metrics[metric],
          color: r.reference ? REFERENCE_COLOR : below ? WARNING_COLOR : colors.get(r.name)!,
          note: r.reference ? 'popularity' : below ? 'below' : undefined,
        };
      });
    return barChart({
      title: `Test ${metric}${metric === results.protocol.mainMetric ? ' (main metric)' : ''}`,
      xLabel: `${metric}${lowerIsBetter ? ' (lower is better)' : ''}`,
      bars,
      reference: refValue !== undefined ? { value: refValue, label: `popularity ${formatValue(refValue)}` } : undefined,
      width: 500,
    });
  });
  const key = `<p class="key">Bars:<span class="swatch" style="background:${REFERENCE_COLOR}"></span>popularity baseline (dashed line)<span class="swatch" style="background:${WARNING_COLOR}"></span>does not beat popularity<span class="swatch" style="background:${PALETTE[0]}"></span>other runs, one colour each</p>`;
  return `<section class="card"><div class="charts">${charts.join('')}</div>${key}</section>`;
}

function trainingCurves(results: ExperimentResults, colors: Map<string, string>): string {
  const withEpochs = results.runs.filter((r) => (r.history?.epochs.length ?? 0) > 1 || (r.selectionHistory?.epochs.length ?? 0) > 1);
  if (withEpochs.length === 0) return '<section class="card"><p class="key">No run trained for more than one epoch.</p></section>';
  const metric = results.validation.metric;
  const validation: LineSeries[] = withEpochs
    .filter((r) => r.selectionHistory?.epochs.some((e) => e.validation !== undefined))
    .map((r) => ({
      name: r.name,
      color: colors.get(r.name)!,
      points: r.selectionHistory!.epochs.filter((e) => e.validation !== undefined).map((e) => [e.epoch, e.validation!] as [number, number]),
      mark: r.selectionHistory!.bestEpoch,
    }));
  const overview = validation.length
    ? `<section class="card">${lineChart({ title: `Validation ${metricOf(withEpochs, metric)} per epoch (chosen trial of each run; ring = best epoch)`, xLabel: 'epoch', yLabel: metricOf(withEpochs, metric), series: validation, width: 860, height: 320 })}</section>`
    : '';
  const perRun = withEpochs.map((r) => {
    const color = colors.get(r.name)!;
    const loss: LineSeries[] = [];
    if (r.search?.refit && r.selectionHistory) loss.push({ name: 'chosen trial', color, dashed: true, points: r.selectionHistory.epochs.map((e) => [e.epoch, e.loss]) });
    if (r.history)
      loss.push({ name: r.search?.refit ? 'refit on all training' : 'training', color: r.search?.refit ? '#333' : color, points: r.history.epochs.map((e) => [e.epoch, e.loss]) });
    const charts = [lineChart({ title: `${r.name}: training loss`, xLabel: 'epoch', yLabel: 'mean loss', series: loss, width: 500, height: 260 })];
    const val = validation.find((v) => v.name === r.name);
    if (val)
      charts.push(
        lineChart({
          title: `${r.name}: validation ${r.validation?.metric ?? metric}`,
          xLabel: 'epoch',
          yLabel: r.validation?.metric ?? metric,
          series: [{ ...val, name: 'chosen trial' }],
          width: 500,
          height: 260,
        }),
      );
    const warnings = [...(r.selectionHistory?.warnings ?? []), ...(r.history?.warnings ?? [])];
    return `<section class="card"><h3>${esc(r.name)} <span class="badge ref">${esc(r.type)}</span></h3><div class="charts">${charts.join('')}</div>${warnings.length ? `<ul class="notes">${warnings.map((w) => `<li class="warn-text">${esc(w)}</li>`).join('')}</ul>` : ''}</section>`;
  });
  return overview + perRun.join('\n');
}

function metricOf(runs: RunResult[], fallback: string): string {
  const metrics = new Set(runs.map((r) => r.validation?.metric).filter(Boolean));
  return metrics.size === 1 ? [...metrics][0]! : fallback;
}

/** Numeric params as scatter plots (log x when they span ≥ 20×), others as a value → best/mean table. */
function searchSection(run: RunResult, color: string): string {
  const s = run.search!;
  const ok = s.trials.filter((t) => t.validation !== null);
  const pieces: string[] = [];
  for (const key of s.keys) {
    const values = ok.map((t) => t.params[key]);
    if (values.every((v) => typeof v === 'number')) {
      const xs = values as number[];
      const logX = Math.min(...xs) > 0 && Math.max(...xs) / Math.min(...xs) >= 20;
      pieces.push(
        scatterChart({
          title: key,
          xLabel: `${key}${logX ? ' (log scale)' : ''}`,
          yLabel: `validation ${s.metric}`,
          width: 340,
          height: 270,
          logX,
          color,
          points: ok.map((t) => ({ x: t.params[key] as number, y: t.validation!, highlight: t.trial === s.bestTrial, title: trialTitle(t, s.keys, s.metric) })),
        }),
      );
    } else {
      pieces.push(categoricalTable(key, ok, s.bestTrial, s.metric, s.lowerIsBetter));
    }
  }
  const head = `<tr><th class="l">trial</th>${s.keys.map((k) => `<th>${esc(k)}</th>`).join('')}<th>validation ${esc(s.metric)}</th><th>best epoch</th><th>epochs</th><th>seconds</th></tr>`;
  const rows = s.trials.map(
    (t) =>
      `<tr class="${t.trial === s.bestTrial ? 'best' : t.error ? 'failed' : ''}"><td class="l">${t.trial}${t.trial === s.bestTrial ? ' ★' : ''}</td>${s.keys.map((k) => `<td>${esc(paramText(t.params[k]))}</td>`).join('')}<td>${t.error ? esc('failed: ' + t.error) : formatValue(t.validation)}</td><td>${t.bestEpoch}</td><td>${t.epochs}</td><td>${t.seconds.toFixed(1)}</td></tr>`,
  );
  const halving = s.rungs ? rungSection(s) : '';
  const spent = s.epochsSpent !== undefined ? ` Epochs run by the search: ${s.epochsSpent}.` : '';
  return `<section class="card"><h3>${esc(run.name)} <span class="badge ref">${s.strategy}, ${s.trials.length} trials, chosen on validation ${esc(s.metric)}</span></h3>
<div class="charts">${pieces.join('')}</div><p class="key">${pieces.some((p) => p.startsWith('<svg')) ? 'Large ringed point / ' : ''}★ = chosen trial.${s.rungs ? " A trial's value is that of the last rung it reached." : ''}${spent}</p><table>${head}${rows.join('')}</table>${halving}</section>`;
}

/** Successive halving: every point in every rung (budget, value, kept?). */
function rungSection(s: NonNullable<RunResult['search']>): string {
  const rungs = s.rungs!;
  const last = Math.max(...rungs.map((r) => r.rung));
  const head = `<tr><th>rung</th><th>budget (epochs)</th><th>trial</th>${s.keys.map((k) => `<th>${esc(k)}</th>`).join('')}<th>validation ${esc(s.metric)}</th><th>epochs run</th><th class="l">kept?</th><th class="l">training</th></tr>`;
  const rows = rungs.map(
    (r) =>
      `<tr class="${r.kept && r.rung === last ? 'best' : r.error ? 'failed' : ''}"><td>${r.rung}</td><td>${r.budget}</td><td>${r.trial}</td>${s.keys.map((k) => `<td>${esc(paramText(r.params[k]))}</td>`).join('')}<td>${r.error ? esc('failed: ' + r.error) : formatValue(r.validation)}</td><td>${r.epochs}</td><td class="l">${r.kept ? (r.rung === last ? 'chosen' : 'kept') : ''}</td><td class="l">${r.resumed ? 'resumed' : 'from scratch'}</td></tr>`,
  );
  return `<h3>Successive halving rungs</h3><p class="key">Each rung trains its points up to the budget (early stopping may end a fit sooner); the best 1/eta go on to the next, larger budget.</p><table>${head}${rows.join('')}</table>`;
}

function categoricalTable(key: string, trials: TrialRecord[], bestTrial: number, metric: string, lowerIsBetter: boolean): string {
  const groups = new Map<string, number[]>();
  let chosen = '';
  for (const t of trials) {
    const v = paramText(t.params[key]);
    if (!groups.has(v)) groups.set(v, []);
    groups.get(v)!.push(t.validation!);
    if (t.trial === bestTrial) chosen = v;
  }
  const rows = [...groups.entries()].map(([v, ys]) => {
    const best = lowerIsBetter ? Math.min(...ys) : Math.max(...ys);
    const mean = ys.reduce((a, b) => a + b, 0) / ys.length;
    return `<tr class="${v === chosen ? 'best' : ''}"><td class="l">${esc(v)}${v === chosen ? ' ★' : ''}</td><td>${ys.length}</td><td>${formatValue(best)}</td><td>${formatValue(mean)}</td></tr>`;
  });
  return `<div><h3>${esc(key)}</h3><table><tr><th class="l">value</th><th>trials</th><th>best ${esc(metric)}</th><th>mean</th></tr>${rows.join('')}</table></div>`;
}

function trialTitle(t: TrialRecord, keys: string[], metric: string): string {
  return `trial ${t.trial}: ${keys.map((k) => `${k}=${paramText(t.params[k])}`).join(', ')} → ${metric} ${formatValue(t.validation)}`;
}
