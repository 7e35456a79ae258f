import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { dataDir, repoRoot as root, skipUnlessData } from './helpers/data-dir.ts';


test('the README library example runs as written', { skip: skipUnlessData('ml-100k/u.data') }, async () => {
  const readme = await readFile(join(root, 'README.md'), 'utf8');
  const start = readme.indexOf('```ts\n') + 6;
  const code = readme.slice(start, readme.indexOf('```', start));
  assert.match(code, /from 'tastebud'/);
  // Inside the package, `tastebud` resolves to itself through package.json "exports".
  const script = join(root, `readme-example-${process.pid}.mts`);
  await writeFile(script, code.replaceAll("'runs/warp'", `'${join(root, 'runs', `readme-${process.pid}`)}'`));
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], { cwd: root, env: { ...process.env, TASTEBUD_DATA_DIR: dataDir } });
    const auc = Number(/auc: ([\d.]+)/.exec(stdout)?.[1]);
    assert.ok(auc > 0.9, `the example's model learns (AUC ${auc})`);
    assert.match(stdout, /item: '\d+'/);
  } finally {
    await rm(script, { force: true });
    await rm(join(root, 'runs', `readme-${process.pid}`), { recursive: true, force: true });
  }
});
