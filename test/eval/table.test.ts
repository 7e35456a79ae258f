import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flagRows, formatTable, markdownTable, textTable, type TableRow } from '../../src/eval/table.ts';

const rows: TableRow[] = [
  { name: 'popularity', metrics: { 'precision@10': 0.067, auc: 0.8724 }, baseline: true },
  { name: 'bpr', metrics: { 'precision@10': 0.12, auc: 0.91 } },
  { name: 'broken', metrics: { 'precision@10': 0.05, auc: 0.95 } },
  { name: 'tied', metrics: { 'precision@10': 0.067, auc: 0.5 } },
];

test('rows that do not strictly beat the baseline on the main metric are flagged', () => {
  const flags = flagRows(rows, 'precision@10').map((r) => r.flagged);
  assert.deepEqual(flags, [false, false, true, true]);
  // On AUC only "tied" loses.
  assert.deepEqual(
    flagRows(rows, 'auc').map((r) => r.flagged),
    [false, false, false, true],
  );
  // Lower is better for RMSE.
  const rating = [
    { name: 'mean', metrics: { rmse: 1.0 }, baseline: true },
    { name: 'mf', metrics: { rmse: 0.9 } },
    { name: 'bad', metrics: { rmse: 1.1 } },
  ];
  assert.deepEqual(
    flagRows(rating, 'rmse').map((r) => r.flagged),
    [false, false, true],
  );
  // No baseline row: nothing is flagged.
  assert.deepEqual(
    flagRows(rows.slice(1), 'auc').map((r) => r.flagged),
    [false, false, false],
  );
});

test('markdown: header, right-aligned numbers, baseline marked, flagged rows explained', () => {
  const md = markdownTable(rows, { metrics: ['precision@10', 'auc'], mainMetric: 'precision@10', title: '**lightfm-ua**' });
  const lines = md.split('\n');
  assert.equal(lines[0], '**lightfm-ua**');
  assert.equal(lines[2], '| model | precision@10 | auc | note |');
  assert.equal(lines[3], '| --- | ---: | ---: | --- |');
  assert.equal(lines[4], '| popularity | 0.0670 | 0.8724 | baseline |');
  assert.equal(lines[5], '| bpr | 0.1200 | 0.9100 |  |');
  assert.equal(lines[6], '| broken | 0.0500 | 0.9500 | does not beat baseline on precision@10 |');
  assert.match(md, /Flagged rows do not beat the baseline on precision@10 \(higher is better\)\./);
});

test('plain text: aligned columns; missing metrics shown as a dash', () => {
  const text = textTable([...rows, { name: 'partial', metrics: { auc: 0.7 } }], { metrics: ['precision@10', 'auc'], digits: 3 });
  const lines = text.split('\n');
  assert.equal(lines[0], 'model       precision@10    auc  note');
  assert.equal(lines[2], 'popularity         0.067  0.872  baseline');
  assert.equal(lines[6], 'partial                —  0.700  does not beat baseline on precision@10');
  assert.equal(formatTable(rows, { format: 'text', metrics: ['auc'] }), textTable(rows, { metrics: ['auc'] }));
});
