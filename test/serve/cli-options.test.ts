/**
 * `tastebud serve`'s operations flags reach the service: a serve.yaml and flags (a flag wins),
 * event weights, the rate limit, the retraining schedule. One spawned server on loopback.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SOURCE_ARGS, tastebud } from '../helpers/cli.ts';
import { tinyModel } from './helpers.ts';

const dir = await mkdtemp(join(tmpdir(), 'tastebud-serve-options-'));
const modelDir = join(dir, 'model');
await (await tinyModel()).save(modelDir);
after(() => rm(dir, { recursive: true, force: true }));

test('serve.yaml and flags: weights, rate limit and schedule reach the service; a flag wins over the file', { timeout: 60_000 }, async () => {
  const config = join(dir, 'serve.yaml');
  await writeFile(config, `model: ${modelDir}\ndb: ${join(dir, 's.db')}\nport: 0\neventWeights: {click: 1, buy: 7}\nrateLimit: 1000/s\nretrain: "0 3 * * *"\n`);
  const child = spawn(process.execPath, [...SOURCE_ARGS, 'serve', '--config', config, '--rate-limit', '3/m'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start in 45 s:\n${stderr}`)), 45_000);
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.once('exit', (code) => reject(new Error(`exited (${code}):\n${stderr}`)));
    });
    assert.match(stderr, /event weights click=1, buy=7/);
    assert.match(stderr, /rate limit 3 requests per 60 s per client/, 'the flag wins over the file’s 1000/s');
    assert.match(stderr, /retraining on "0 3 \* \* \*"/);
    const status = (await (await fetch(`${url}/v1/status`)).json()) as { store: { eventWeights: object }; retraining: { schedule: string; nextRun: string } };
    assert.deepEqual(status.store.eventWeights, { click: 1, buy: 7, rating: 'the rating given' });
    assert.equal(status.retraining.schedule, '0 3 * * *');
    assert.equal(new Date(status.retraining.nextRun).getHours(), 3);
    const codes = [];
    for (let k = 0; k < 3; k++) codes.push((await fetch(`${url}/v1/popular`)).status);
    assert.deepEqual(codes, [200, 200, 429], '3 per minute: /v1/status took the first');
  } finally {
    child.kill('SIGTERM');
  }
});

test('serve refuses bad operations options, naming them', async () => {
  const weights = await tastebud('serve', modelDir, '--db', join(dir, 'b.db'), '--event-weights', 'view:1');
  assert.equal(weights.code, 1);
  assert.match(weights.stderr, /--event-weights must look like view=1,cart=3,purchase=5/);
  const cron = await tastebud('serve', modelDir, '--db', join(dir, 'b.db'), '--retrain', 'nightly');
  assert.match(cron.stderr, /--retrain "nightly" is not a cron expression/);
  const none = await tastebud('serve');
  assert.match(none.stderr, /give a model directory .* or --demo/);
});

test('serve refuses a port outside 0–65535, from the flag or the file, before it starts', async () => {
  for (const port of ['99999', '-1', '80.5', '']) {
    const bad = await tastebud('serve', modelDir, '--db', ':memory:', '--port', port);
    assert.equal(bad.code, 1, `--port ${port}: ${bad.stderr}`);
    assert.match(bad.stderr, new RegExp(`--port must be a whole number from 0 \\(any free port\\) to 65535, got "${port.replace('.', '\\.')}"`));
    assert.doesNotMatch(bad.stderr, /RangeError|serving|listening| {4}at /, 'no start, no stack trace');
  }
  const config = join(dir, 'port.yaml');
  await writeFile(config, `model: ${modelDir}\ndb: ":memory:"\nport: 99999\n`);
  const file = await tastebud('serve', '--config', config);
  assert.equal(file.code, 1);
  assert.match(file.stderr, /port\.yaml: port: Too big: expected number to be <=65535/);
  assert.doesNotMatch(file.stderr, /RangeError|serving| {4}at /);
});
