/** `tastebud experiment` as a command: what goes to stdout and stderr, and the exit code. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tastebud } from '../helpers/cli.ts';

/**
 * A ratings file (1–5 stars) and an experiment on it whose one model fails when it trains:
 * logistic regression with explicit labels refuses values outside [0, 1]. Popularity runs fine.
 */
async function failingExperiment(
  model = ['  - name: labels', '    type: logistic-regression', '    params: { feedback: explicit, negatives: 0, epochs: 1 }'],
): Promise<{ file: string; out: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'tastebud-experiment-cli-'));
  const rows = ['user,item,rating'];
  for (let u = 0; u < 40; u++) for (let k = 0; k < 10; k++) rows.push(`u${u},i${(u * 5 + k * 7) % 30},${1 + ((u + k * 3) % 5)}`);
  await writeFile(join(dir, 'ratings.csv'), rows.join('\n') + '\n');
  const file = join(dir, 'fails.yaml');
  await writeFile(
    file,
    [
      'name: fails',
      'protocol: full-ranking',
      'data: { file: ratings.csv, columns: { user: user, item: item, rating: rating } }',
      'seed: 1',
      'search: { strategy: grid, validation: 0.2 }',
      'models:',
      ...model,
      '',
    ].join('\n'),
  );
  return { file, out: join(dir, 'runs') };
}

test('a failed run writes every report, prints the table to stdout, and exits 1 with a last line saying how many failed and where the report is', async () => {
  const { file, out } = await failingExperiment();
  const { stdout, stderr, code } = await tastebud('experiment', file, '--out', out);
  assert.equal(code, 1, stderr);
  for (const name of ['results.json', 'report.md', 'report.html']) assert.ok((await stat(join(out, 'fails', name))).size > 0, `${name} was not written`);
  // The comparison table is the result: on stdout, so `> out.txt` keeps it; progress stays on stderr.
  assert.match(stdout, /^fails — protocol full-ranking, main metric ndcg@10, seed 1\n/);
  assert.match(stdout, /◆ popularity +popularity .* reference baseline/);
  assert.match(stdout, /! labels +logistic-regression .* failed: logistic-regression: explicit labels must be in \[0, 1\]/);
  assert.doesNotMatch(stderr, /reference baseline/);
  assert.match(stderr, /^fails: preparing protocol full-ranking on ratings\.csv$/m);
  const lines = stderr.trimEnd().split('\n');
  assert.equal(lines.at(-1), `tastebud: 1 of 2 runs failed (labels); see ${join(out, 'fails', 'report.md')}`);
});

test('with --json, stdout is the results alone (the table goes to stderr), and a failed run still exits 1', async () => {
  const { file, out } = await failingExperiment();
  const { stdout, stderr, code } = await tastebud('experiment', file, '--out', out, '--json');
  assert.equal(code, 1, stderr);
  const results = JSON.parse(stdout) as { runs: { name: string; error?: string }[] };
  assert.deepEqual(
    results.runs.map((r) => [r.name, r.error !== undefined]),
    [
      ['popularity', false],
      ['labels', true],
    ],
  );
  assert.match(stderr, /◆ popularity +popularity .* reference baseline/);
  assert.match(stderr.trimEnd().split('\n').at(-1)!, /^tastebud: 1 of 2 runs failed \(labels\); see /);
});

test('when every run succeeds the command exits 0, the table on stdout and no failure line', async () => {
  const { file, out } = await failingExperiment(['  - name: knn', '    type: item-knn']);
  const { stdout, stderr, code } = await tastebud('experiment', file, '--out', out);
  assert.equal(code, 0, stderr);
  assert.match(stdout, /^(?: {2}|✗ )knn +item-knn /m);
  assert.doesNotMatch(stderr, /failed/);
});
