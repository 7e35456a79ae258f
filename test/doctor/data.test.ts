import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InteractionsBuilder } from '../../src/data/builder.ts';
import { perUserSplit } from '../../src/data/splits.ts';
import { generateSynthetic } from '../../src/data/synthetic.ts';
import { checkData } from '../../src/doctor/data.ts';
import { formatFindings, type Finding } from '../../src/doctor/findings.ts';

function build(rows: [string, string, number][]) {
  const b = new InteractionsBuilder();
  for (const [u, i, v] of rows) b.add(u, i, v, Number.NaN);
  return b.build().interactions;
}

const codes = (findings: Finding[], level?: Finding['level']) => findings.filter((f) => !level || f.level === level).map((f) => f.code);

test('healthy planted data: the floor is measured and nothing is flagged', async () => {
  const data = generateSynthetic({ users: 120, items: 80, factors: 4, interactionsPerUser: 12, seed: 2 });
  const { train, test } = perUserSplit(data.interactions, { testRatio: 0.25, seed: 1 });
  const findings = await checkData({ train, test });
  assert.deepEqual(codes(findings, 'warn'), []);
  assert.deepEqual(codes(findings, 'error'), []);
  const floor = findings.find((f) => f.code === 'popularity-floor');
  assert.ok(floor && floor.numbers!.auc > 0.5 && floor.numbers!.auc < 1, floor?.message);
  assert.match(formatFindings('t', findings), /nothing wrong found/);
});

test('leakage, cold start, zeros on a rating scale, float-looking ids and thin users are each named with a fix', async () => {
  const rows: [string, string, number][] = [];
  for (let u = 0; u < 20; u++) for (let i = 0; i < 5; i++) rows.push([`${u}.0`, `b${(u + i) % 9}`, i === 0 ? 0 : 1 + ((u + i) % 10)]);
  for (let u = 20; u < 40; u++) rows.push([`${u}.0`, `b${u % 9}`, 7]);
  const train = build(rows);
  const b = new InteractionsBuilder({ userIds: train.userIds, itemIds: train.itemIds });
  b.add('0.0', 'b0', 5, Number.NaN); // also in train
  b.add('new user', 'new item', 5, Number.NaN);
  const test = b.build().interactions;
  const findings = await checkData({ train, test });
  assert.deepEqual(codes(findings, 'error'), ['leakage']);
  for (const code of ['zero-ratings', 'float-ids', 'single-interaction-users', 'cold-start']) assert.ok(codes(findings, 'warn').includes(code), `${code} in ${codes(findings)}`);
  const leak = findings.find((f) => f.code === 'leakage')!;
  assert.match(leak.message, /50.0% of the test interactions \(1\) are also in train/);
  assert.ok(
    findings.filter((f) => f.level === 'warn' || f.level === 'error').every((f) => f.fix),
    'every problem says what to do',
  );
});

test('a catalogue mostly of items seen once is named, with the k-core and features as the fixes; a normal long tail is not', async () => {
  const rows: [string, string, number][] = [];
  // 30 users share 5 items; each also has 10 items nobody else has: 300 of 305 items seen once.
  for (let u = 0; u < 30; u++) {
    for (let i = 0; i < 5; i++) rows.push([`u${u}`, `shared${i}`, 1]);
    for (let i = 0; i < 10; i++) rows.push([`u${u}`, `own${u}-${i}`, 1]);
  }
  const thin = (await checkData({ train: build(rows) })).find((f) => f.code === 'single-interaction-items');
  assert.equal(thin?.level, 'warn');
  assert.match(thin!.message, /98.4% of the items have one training interaction/);
  assert.match(thin!.fix!, /--min-item-interactions 5/);
  // A third of the items seen once is a long tail, not a thin catalogue: 20 shared items, 10 seen once.
  const tail: [string, string, number][] = [];
  for (let u = 0; u < 30; u++) for (let i = 0; i < 20; i++) tail.push([`u${u}`, `shared${i}`, 1]);
  for (let u = 0; u < 10; u++) tail.push([`u${u}`, `own${u}`, 1]);
  assert.ok(!(await checkData({ train: build(tail) })).some((f) => f.code === 'single-interaction-items'));
});

test('one rating value everywhere is named; implicit rows (every value 1) are not', async () => {
  const rows: [string, string, number][] = [];
  for (let u = 0; u < 30; u++) for (let i = 0; i < 10; i++) rows.push([`u${u}`, `i${(u + i) % 40}`, 3]);
  const flat = await checkData({ train: build(rows) });
  assert.equal(flat.find((f) => f.code === 'constant-values')?.level, 'warn', formatFindings('flat', flat));
  const implicit = await checkData({ train: build(rows.map(([u, i]) => [u, i, 1])) });
  assert.ok(!implicit.some((f) => f.code === 'constant-values'), formatFindings('implicit', implicit));
});

test('a high base rate makes F1 useless: said as info, and as a warning when models are judged by F1', async () => {
  const rows: [string, string, number][] = [];
  for (let u = 0; u < 30; u++) for (let i = 0; i < 10; i++) rows.push([`u${u}`, `i${i}`, i < 8 ? 9 : 3]);
  const train = build(rows);
  const info = (await checkData({ train, positiveThreshold: 8 })).find((f) => f.code === 'base-rate')!;
  assert.equal(info.level, 'info');
  assert.match(info.message, /80.0% of the labels are positive: predicting "yes" for every pair scores accuracy 0.800 and F1 0.889/);
  const judged = (await checkData({ train, positiveThreshold: 8, metric: 'f1' })).find((f) => f.code === 'base-rate')!;
  assert.equal(judged.level, 'warn');
  assert.match(judged.fix!, /ROC AUC or per-user ranking metrics/);
  const halves = build(rows.map(([u, i]) => [u, i, Number(i.slice(1)) < 3 ? 9 : 3]));
  const balanced = (await checkData({ train: halves, positiveThreshold: 8, metric: 'f1' })).find((f) => f.code === 'base-rate');
  assert.equal(balanced?.level, 'ok');
  // A threshold above every value leaves nothing to learn: an error, not a low base rate.
  const none = await checkData({ train, positiveThreshold: 9.5, metric: 'f1' });
  assert.deepEqual(codes(none, 'error'), ['no-positives'], formatFindings('none', none));
  assert.match(none.find((f) => f.code === 'no-positives')!.message, /every value is below the positive threshold 9\.5 \(values run from 3 to 9\)/);
});
