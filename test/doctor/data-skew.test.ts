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

const find = (findings: Finding[], code: string) => findings.find((f) => f.code === code);
const planted = () => generateSynthetic({ users: 120, items: 80, factors: 4, interactionsPerUser: 12, seed: 2 }).interactions;

test('a split by user (every test user cold) or by item gets no ✔ floor: a warning naming the share and the fixes', async () => {
  const data = planted();
  for (const [what, cold] of [
    ['users', (p: number) => data.users[p] >= 90],
    ['items', (p: number) => data.items[p] >= 60],
  ] as const) {
    const findings = await checkData({ train: data.filter((p) => !cold(p)), test: data.filter(cold) });
    const floor = find(findings, 'popularity-floor');
    assert.equal(floor?.level, 'warn', `${what}: ${formatFindings(what, findings)}`);
    assert.match(
      floor!.message,
      /^100\.0% of the test pairs \(\d+\) have a user or an item with no training interactions: the split leaves nothing a collaborative model can rank/,
    );
    assert.match(floor!.fix!, /--method per-user/);
    assert.match(floor!.fix!, /features/);
    assert.equal(floor!.numbers!.coldPairShare, 1);
    assert.equal(floor!.numbers!.warmPairs, 0);
    assert.ok(!('auc' in floor!.numbers!), 'no floor numbers from pairs no collaborative model can score');
    assert.doesNotMatch(formatFindings(what, findings), /nothing wrong found/);
  }
});

test('a partly cold split: the floor is measured on the warm pairs and says so; mostly cold, it is a warning', async () => {
  const data = planted();
  const { train, test: warmTest } = perUserSplit(
    data.filter((p) => data.users[p] < 60),
    { testRatio: 0.25, seed: 1 },
  );
  const warmOnly = await checkData({ train, test: warmTest.filter((p) => train.itemCounts()[warmTest.items[p]] > 0) });
  const reference = find(warmOnly, 'popularity-floor')!;
  assert.equal(reference.level, 'ok');
  assert.match(reference.message, /on this split/);

  // A few held-out users with no training rows: under half the pairs cold, so still ✔.
  const coldUsers = data.filter((p) => data.users[p] >= 60 && data.users[p] < 64);
  const partly = await checkData({ train, test: warmTest.concat(coldUsers) });
  const floor = find(partly, 'popularity-floor')!;
  assert.equal(floor.level, 'ok', formatFindings('partly', partly));
  const { warmPairs, coldPairs } = floor.numbers!;
  assert.equal(coldPairs, find(partly, 'cold-start')!.numbers!.coldPairs, 'one count of cold pairs for both findings');
  assert.match(
    floor.message,
    new RegExp(`on the ${warmPairs} test pairs \\(\\d+\\.\\d%\\) whose user and item both have training interactions, the ${coldPairs} cold ones set aside`),
  );
  assert.equal(floor.numbers!.auc, reference.numbers!.auc, 'the cold pairs do not move the floor');
  assert.equal(floor.numbers!['precision@10'], reference.numbers!['precision@10']);

  // Most of the held-out pairs cold: the warm floor is given, but as a warning.
  const mostly = await checkData({ train, test: warmTest.concat(data.filter((p) => data.users[p] >= 60)) });
  const weak = find(mostly, 'popularity-floor')!;
  assert.equal(weak.level, 'warn', formatFindings('mostly', mostly));
  assert.match(
    weak.message,
    /of the test pairs \(\d+\) have a user or an item with no training interactions: a collaborative model can rank only the other \d+, where popularity scores per-user AUC/,
  );
  assert.ok(weak.numbers!.coldPairShare >= 0.5 && weak.numbers!.coldPairShare < 1);
  assert.equal(weak.numbers!.auc, reference.numbers!.auc);
});

/** 300 users with 10 interactions each, plus `heavy` users with `count` (≤ 2000) each. */
function withHeavyUsers(heavy: number, count: number) {
  const rows: [string, string, number][] = [];
  for (let u = 0; u < 300; u++) for (let i = 0; i < 10; i++) rows.push([`u${u}`, `i${(7 * u + i) % 400}`, 1]);
  for (let h = 0; h < heavy; h++) for (let i = 0; i < count; i++) rows.push([`bot${h}`, `i${(h + i) % 2000}`, 1]);
  return build(rows);
}

test('a few users holding most of the interactions are named, with the share, the heaviest count and the remedies', async () => {
  // 303 users: the top 1 % are 4 (3 bots and one ordinary user), 3·400 + 10 of 4200 rows = 28.8 %.
  const some = find(await checkData({ train: withHeavyUsers(3, 400) }), 'heavy-users');
  assert.equal(some?.level, 'info');
  assert.match(some!.message, /^the top 1% of users \(4\) hold 28\.8% of the training interactions, the heaviest 400 of them \(the median user 10\)/);
  // 3 bots with 1000 each: 3010 of 6000 rows, half the data.
  const bots = find(await checkData({ train: withHeavyUsers(3, 1000) }), 'heavy-users');
  assert.equal(bots?.level, 'warn');
  assert.match(bots!.message, /hold 50\.2% of the training interactions, the heaviest 1000 of them/);
  assert.match(bots!.fix!, /cap each user's interactions/);
  assert.match(bots!.fix!, /sample per user/);
  assert.match(bots!.fix!, /per-user ranking metrics .* weigh every user equally/);
  assert.deepEqual(bots!.numbers, { topUsers: 4, topShare: 3010 / 6000, heaviestUser: 1000, medianUser: 10 });
});

test('no heavy-users finding on even or log-normal activity, nor on a handful of users', async () => {
  assert.ok(!find(await checkData({ train: withHeavyUsers(0, 0) }), 'heavy-users'));
  const findings = await checkData({ train: planted() });
  assert.ok(!find(findings, 'heavy-users'), formatFindings('planted', findings));
  // 4 users: the heaviest holds 40 % (one user is 25 % of the users), no outsized share.
  const few: [string, string, number][] = [];
  for (const [u, n] of [
    ['a', 8],
    ['b', 4],
    ['c', 4],
    ['d', 4],
  ] as const)
    for (let i = 0; i < n; i++) few.push([u, `i${i}`, 1]);
  assert.ok(!find(await checkData({ train: build(few) }), 'heavy-users'));
});
