import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { dataDir, repoRoot as root, skipUnlessData } from './helpers/data-dir.ts';

const readme = await readFile(join(root, 'README.md'), 'utf8');
/** The README's TypeScript examples, in order. */
const examples = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);

/** Runs one example as a script inside the package (where `tastebud` resolves to itself), its `runs/warp` in a fresh folder. */
async function runExample(code: string, name: string): Promise<string> {
  const script = join(root, `readme-${name}-${process.pid}.mts`);
  const out = join(root, 'runs', `readme-${name}-${process.pid}`);
  await writeFile(script, code.replaceAll("'runs/warp'", `'${out}'`));
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ['--conditions=tastebud-source', '--import', 'tsx', script], {
      cwd: root,
      env: { ...process.env, TASTEBUD_DATA_DIR: dataDir },
    });
    return stdout;
  } finally {
    await rm(script, { force: true });
    await rm(out, { recursive: true, force: true });
  }
}

test('the README has its two library examples, both importing tastebud', () => {
  assert.equal(examples.length, 2);
  for (const code of examples) assert.match(code, /from 'tastebud'/);
});

test('the README library example runs as written', { skip: skipUnlessData('ml-100k/u.data') }, async () => {
  const stdout = await runExample(examples[0], 'library');
  const auc = Number(/auc: ([\d.]+)/.exec(stdout)?.[1]);
  assert.ok(auc > 0.9, `the example's model learns (AUC ${auc})`);
  assert.match(stdout, /item: '\d+'/);
});

test('the README pipeline example runs as written and WARP beats popularity', { skip: skipUnlessData('ml-100k/ua.base') }, async () => {
  const stdout = await runExample(examples[1], 'pipeline');
  const [model, popularity, beats] = stdout.trim().split(/\s+/);
  assert.ok(Number(model) > 0.1 && Number(popularity) < 0.08, stdout);
  assert.equal(beats, 'true');
});
