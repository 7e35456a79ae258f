import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { SOURCE_ARGS, tastebud } from '../helpers/cli.ts';
import { withTempDir } from '../helpers/temp-dir.ts';
import { tinyModel } from '../serve/helpers.ts';
import { ensureWebBuilt } from './browser-harness.ts';

test('tastebud explore DIR --no-open --port 0 serves the page and the explore API, and prints the address', { timeout: 60_000 }, async () => {
  ensureWebBuilt();
  await withTempDir(async (dir) => {
    const modelDir = join(dir, 'ials');
    await (await tinyModel()).save(modelDir);
    const child = spawn(process.execPath, [...SOURCE_ARGS, 'explore', modelDir, '--no-open', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    try {
      const [line] = (await once(child.stdout, 'data')) as [Buffer];
      const url = line.toString().trim();
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      const page = await fetch(url);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<div id="app">/);
      const model = (await (await fetch(`${url}v1/model`)).json()) as { type: string; catalogue: string | null; compare: unknown };
      assert.equal(model.type, 'ials');
      assert.equal(model.catalogue, null, 'synthetic data: no built-in dataset behind it');
      assert.equal(model.compare, null);
      assert.match(stderr, /no built-in dataset behind this model/);
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });
});

test('tastebud explore without a model or with both a model and --demo says what to give', async () => {
  const none = await tastebud('explore', '--no-open');
  assert.equal(none.code, 1);
  assert.match(none.stderr, /give a model directory \(e\.g\. runs\/warp\), or --demo/);
  const both = await tastebud('explore', 'runs/x', '--demo', '--no-open');
  assert.equal(both.code, 1);
  assert.match(both.stderr, /not both/);
  const missing = await tastebud('explore', 'no/such/model', '--no-open', '--port', '0');
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /cannot serve no\/such\/model: no such model directory/);
});
