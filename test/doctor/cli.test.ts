/** `tastebud doctor train` on a generated file (always runs): text, --fix lines, --json, bad input. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { plantedSplit } from '../helpers/deep-data.ts';
import { tastebud } from '../helpers/cli.ts';
import { withTempDir } from '../helpers/temp-dir.ts';

test('doctor train on a file: one line per check with the L2 fix measured (--fix), JSON, a clear error', async () => {
  await withTempDir(async (dir) => {
    const { train } = plantedSplit({ users: 150, items: 100, seed: 3 });
    const rows = ['user\titem\trating'];
    for (let p = 0; p < train.length; p++) rows.push(`${train.userIds.toArray()[train.users[p]]}\t${train.itemIds.toArray()[train.items[p]]}\t1`);
    const file = join(dir, 'train.tsv');
    await writeFile(file, rows.join('\n') + '\n');
    const base = ['doctor', 'train', '--train', file, '--model', 'ncf', '--param', 'factors=8', '--layers', '16', '--epochs', '3', '--quiet'];

    const fixed = await tastebud(...base, '--param', 'l2=3', '--param', 'learningRate=0.01', '--fix');
    assert.equal(fixed.code, 0, fixed.stderr);
    assert.match(fixed.stdout, /^doctor train ncf \(BCE on positives and 4 sampled negatives each\)/);
    assert.match(fixed.stdout, /⚠ the L2 penalty \(λ 3\) dominates/);
    assert.match(fixed.stdout, /l2 3 → 1e-5 — measured: validation AUC 0\.\d+ → 0\.\d+ \(popularity 0\.\d+\)/, fixed.stdout);

    const json = JSON.parse((await tastebud(...base, '--json', '--sample', '1500')).stdout);
    assert.equal(json.model, 'ncf');
    assert.ok(json.findings.some((f: { code: string }) => f.code === 'validation' || f.code === 'below-popularity'));

    const features = await tastebud(...base, '--features', 'nope');
    assert.notEqual(features.code, 0);
    assert.match(features.stderr, /--features must be one of both, users, items, none, got "nope"/);

    const unknown = await tastebud('doctor', 'train', '--train', file, '--model', 'ncf', '--param', 'fators=8', '--quiet');
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /fators/);
  });
});
