import { test } from 'node:test';
import assert from 'node:assert/strict';
import { consoleSummary, metricColumns, trivialReferenceText } from '../../src/experiment/report/common.ts';
import { htmlReport } from '../../src/experiment/report/html.ts';
import { markdownReport } from '../../src/experiment/report/markdown.ts';
import { WARNING_COLOR, barChart, escapeXml, formatValue, lineChart, logTicks, niceTicks, scatterChart } from '../../src/experiment/report/svg.ts';
import { sampleResults } from '../helpers/report-fixture.ts';

test('axis ticks are round numbers that cover the data', () => {
  assert.deepEqual(niceTicks(0.81, 0.93), [0.8, 0.85, 0.9, 0.95]);
  assert.deepEqual(niceTicks(0.81, 0.93, 10), [0.8, 0.82, 0.84, 0.86, 0.88, 0.9, 0.92, 0.94]);
  assert.deepEqual(niceTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(3, 3), [2.6, 2.8, 3, 3.2, 3.4]);
  assert.deepEqual(logTicks(0.003, 0.3), [0.005, 0.01, 0.02, 0.05, 0.1, 0.2]);
  assert.equal(formatValue(0.123456), '0.1235');
  assert.equal(formatValue(null), '—');
  assert.equal(escapeXml('a<b & "c"'), 'a&lt;b &amp; &quot;c&quot;');
});

test('a line chart maps data to the plot: first and last points sit on the axis ends', () => {
  const svg = lineChart({
    title: 'loss',
    xLabel: 'epoch',
    yLabel: 'loss',
    series: [
      {
        name: 'm',
        color: '#123456',
        points: [
          [1, 0.2],
          [2, 0.6],
          [3, 1],
        ],
      },
    ],
    width: 640,
    height: 300,
  });
  const d = /<path class="series" d="([^"]+)"/.exec(svg)![1];
  const pts = d
    .split(/[ML]/)
    .filter(Boolean)
    .map((p) => p.split(',').map(Number));
  // x ticks 1..3 span left 58 → right 640 − 186; y ticks 0.2..1 span bottom 256 → top 34.
  assert.deepEqual(pts[0], [58, 256]);
  assert.deepEqual(pts[2], [454, 34]);
  assert.ok(pts[1][0] > 58 && pts[1][0] < 454 && pts[1][1] < 256 && pts[1][1] > 34);
  assert.match(svg, /<text[^>]*>epoch<\/text>/);
  assert.match(svg, />m<\/text>/);
});

test('a bar chart draws the reference line exactly at the reference bar’s end', () => {
  const svg = barChart({
    title: 't',
    xLabel: 'auc',
    bars: [
      { label: 'popularity', value: 0.5, color: '#777' },
      { label: 'x', value: 0.8, color: WARNING_COLOR },
    ],
    reference: { value: 0.5, label: 'popularity' },
  });
  const rect = /<rect class="bar" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/.exec(svg)!;
  const line = /<line class="reference" x1="([\d.]+)"/.exec(svg)!;
  assert.ok(Math.abs(Number(rect[1]) + Number(rect[2]) - Number(line[1])) < 0.11, `${rect[1]} + ${rect[2]} vs ${line[1]}`);
  assert.match(svg, new RegExp(`fill="${WARNING_COLOR}">x</text>`));
});

test('a scatter plot rings the chosen point and can use a log axis', () => {
  const svg = scatterChart({
    title: 'lr',
    xLabel: 'learningRate',
    yLabel: 'auc',
    logX: true,
    points: [
      { x: 0.001, y: 0.8 },
      { x: 0.1, y: 0.9, highlight: true },
    ],
  });
  assert.equal((svg.match(/class="point"/g) ?? []).length, 1);
  assert.equal((svg.match(/class="point best"/g) ?? []).length, 1);
  assert.match(svg, />0\.001<\/text>/);
});

test('columns: the main metric first, then the protocol’s report metrics', () => {
  assert.deepEqual(metricColumns(sampleResults()), ['precision@10', 'recall@10', 'auc', 'ndcg@10']);
});

test('the markdown report flags the run that loses to popularity and lists the search', () => {
  const md = markdownReport(sampleResults());
  assert.match(md, /^# Experiment sample-experiment/);
  assert.match(md, /\| \*\*popularity\*\* \(baseline\) \| popularity \| 0\.1800 \|/);
  assert.match(md, /\| ⚠ deepfm \| deepfm \| 0\.1200 \|.*does not beat popularity \|/);
  assert.match(md, /⚠ \*\*deepfm\*\* does not beat the popularity baseline on precision@10\./);
  assert.match(md, /\| warp-32 \| warp \| 0\.2600 \|.*\+0\.0800 vs popularity, p < 0\.001 \|/);
  assert.match(md, /Search \(random, 10 trials, selected on validation auc; ★ = chosen\)/);
  assert.match(md, /\| 6 ★ \| 0\.03 \| warp \| 0\.8800 \|/);
  assert.match(md, /Training: 1 epoch, /);
  assert.match(md, /10 % of each user's training interactions/);
});

test('the HTML report is self-contained and holds the plots', () => {
  const html = htmlReport(sampleResults());
  assert.ok(!/<script|<link|@import|url\(|src=|href=/i.test(html), 'report.html must not load anything');
  assert.equal((html.match(/class="chart chart-bar"/g) ?? []).length, 4);
  // One overview of validation curves + loss and validation per run with epochs (warp, deepfm).
  assert.equal((html.match(/class="chart chart-line"/g) ?? []).length, 5);
  // learningRate is numeric → scatter; loss is categorical → a table.
  assert.equal((html.match(/class="chart chart-scatter"/g) ?? []).length, 1);
  assert.match(html, /<th class="l">value<\/th><th>trials<\/th><th>best auc<\/th>/);
  assert.match(html, /<tr class="below"><td class="l">deepfm<span class="badge warn">below popularity<\/span>/);
  assert.match(html, /<tr class="reference"><td class="l">popularity<span class="badge ref">baseline<\/span>/);
  assert.ok(html.includes(`fill="${WARNING_COLOR}"`), 'the losing run’s bars are red');
});

test('the console summary marks popularity and flags the losers', () => {
  const text = consoleSummary(sampleResults());
  const lines = text.split('\n');
  assert.match(lines[0], /sample-experiment — protocol lightfm-ua, main metric precision@10, seed 42/);
  assert.match(text, /◆ popularity +popularity +0\.1800/);
  assert.match(text, /✗ deepfm +deepfm +0\.1200 .*does not beat popularity/);
  assert.match(lines[lines.length - 1], /✗ = does not beat it on precision@10: deepfm$/);
});

test('under an F1 protocol the reports say which runs do not beat calling everything positive', () => {
  const results = sampleResults();
  results.runs[0].metrics = { ...results.runs[0].metrics, f1: 0.7, f1_all_positive: 0.8 };
  results.runs[1].metrics = { ...results.runs[1].metrics, f1: 0.85, f1_all_positive: 0.8 };
  results.runs[2].metrics = { ...results.runs[2].metrics, f1: 0.8, f1_all_positive: 0.8 };
  const line = 'F1 of predicting "positive" for every pair: 0.8000; not beaten by popularity, deepfm.';
  assert.equal(trivialReferenceText(results), line);
  assert.ok(markdownReport(results).includes(line));
  assert.ok(htmlReport(results).includes(`<p class="key warn-text">${line.replace(/"/g, '&quot;')}</p>`));
  assert.ok(consoleSummary(results).endsWith(line));
  assert.equal(trivialReferenceText(sampleResults()), null);
});

test('the reports list the data checks when the results have them', () => {
  const results = {
    ...sampleResults(),
    dataChecks: [{ level: 'warn' as const, code: 'base-rate', message: '80.0% of the labels are positive', fix: 'judge by AUC' }],
  };
  assert.match(markdownReport(results), /## Data checks\n\n- ⚠ 80.0% of the labels are positive → judge by AUC/);
  assert.match(htmlReport(results), /<h2>Data checks<\/h2>\s*<ul class="notes"><li>⚠ 80.0% of the labels are positive — judge by AUC<\/li>/);
});

test('a failed run is never counted among the runs that beat popularity, in either report', () => {
  const results = sampleResults();
  const deep = results.runs.find((r) => r.name === 'deepfm')!;
  // deepfm failed instead of losing: the verdict may not say "every run beats".
  deep.error = 'every trial failed or gave no validation value (NaN)';
  deep.vsReference = undefined as never;
  const md = markdownReport(results);
  assert.doesNotMatch(md, /Every run beats/);
  assert.match(md, /⚠ Every run that finished beats the popularity baseline on precision@10; \*\*deepfm\*\* failed \(see its error\)\./);
  const html = htmlReport(results);
  assert.doesNotMatch(html, /Every run beats/);
  assert.match(html, /<p class="key warn-text">Every run that finished beats the popularity baseline on precision@10; deepfm failed/);
  // With every run but the baselines failed.
  results.runs.find((r) => r.name === 'warp-32')!.error = 'out of memory';
  assert.match(markdownReport(results), /⚠ No run finished beside the baselines: \*\*warp-32\*\*, \*\*deepfm\*\* failed/);
});
