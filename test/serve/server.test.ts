import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SOURCE_ARGS, tastebud } from '../helpers/cli.ts';
import { EventStore } from '../../src/serve/store.ts';
import { tinyModel } from './helpers.ts';

const dir = await mkdtemp(join(tmpdir(), 'tastebud-serve-'));
const modelDir = join(dir, 'model');
await (await tinyModel()).save(modelDir);
after(() => rm(dir, { recursive: true, force: true }));

/** Starts `tastebud serve` on a free loopback port; resolves with its URL once it listens (bounded: 30 s). */
function serve(db: string, ...extra: string[]): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const child = spawn(process.execPath, [...SOURCE_ARGS, 'serve', modelDir, '--db', db, '--port', '0', ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the server did not start in 30 s:\n${stderr}`));
    }, 30_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1], stderr: () => stderr });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code}) before listening:\n${stderr}`));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

test('tastebud serve listens on 127.0.0.1 and answers over HTTP; SIGTERM stops it', { timeout: 60_000 }, async () => {
  const { child, url, stderr } = await serve(join(dir, 'plain.db'));
  try {
    assert.match(stderr(), /no --token-file: listening on 127\.0\.0\.1 only/);
    const posted = await fetch(`${url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ events: [{ eventId: 'x', user: 'u1', item: 'i2', type: 'cart' }] }),
    });
    assert.deepEqual(await posted.json(), { accepted: 1, duplicates: 0 });
    const recs = (await (await fetch(`${url}/v1/recommend?user=u1&k=3&filter=${encodeURIComponent('id != "i0"')}`)).json()) as { items: { item: string }[]; modelVersion: string };
    assert.equal(recs.items.length, 3);
    assert.match(recs.modelVersion, /^ials@[0-9a-f]{12}$/);
    assert.equal((await fetch(`${url}/health/ready`)).status, 200);
  } finally {
    child.kill('SIGTERM');
    await exited(child);
  }
  assert.equal(child.exitCode, 0);
});

test('tastebud serve refuses a missing or damaged model, and a public address without a token', async () => {
  const missing = await tastebud('serve', join(dir, 'nope'), '--db', join(dir, 'r.db'));
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /cannot serve .*nope: no such model directory/);
  const damaged = join(dir, 'damaged');
  await mkdir(damaged);
  await writeFile(join(damaged, 'manifest.json'), '{"format":');
  const bad = await tastebud('serve', damaged, '--db', join(dir, 'r.db'));
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /cannot serve .*damaged: .*manifest\.json/);
  const open = await tastebud('serve', modelDir, '--host', '0.0.0.0', '--db', join(dir, 'r.db'));
  assert.equal(open.code, 1);
  assert.match(open.stderr, /refusing to listen on 0\.0\.0\.0 without a token/);
  const shortToken = join(dir, 'short-token');
  await writeFile(shortToken, 'abc\n');
  const short = await tastebud('serve', modelDir, '--token-file', shortToken, '--db', join(dir, 'r.db'));
  assert.match(short.stderr, /at least 16 characters/);
});

test('crash: every event acknowledged before kill -9 is in the store after a restart', { timeout: 90_000 }, async (t) => {
  const db = join(dir, 'crash.db');
  const first = await serve(db);
  const acked: string[] = [];
  let next = 0;
  let stopped = false;
  const deadline = Date.now() + 2_000;
  const loop = async (): Promise<void> => {
    while (!stopped && Date.now() < deadline && next < 2_000) {
      const batch = Array.from({ length: 5 }, () => ({ eventId: `ev-${next++}`, user: `u${next % 60}`, item: `i${next % 40}`, type: 'view' }));
      try {
        const res = await fetch(`${first.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ events: batch }) });
        if (res.ok) {
          await res.json();
          acked.push(...batch.map((e) => e.eventId));
        }
      } catch {
        return; // the server is gone
      }
    }
  };
  const loops = Promise.all(Array.from({ length: 4 }, loop));
  // Kill at a random moment while requests are in flight.
  await new Promise((resolve) => setTimeout(resolve, 300 + Math.floor(Math.random() * 900)));
  first.child.kill('SIGKILL');
  await exited(first.child);
  stopped = true;
  await loops;
  assert.ok(acked.length > 0, 'some events were acknowledged before the kill');
  t.diagnostic(`${acked.length} events acknowledged, ${next} sent before the kill`);

  const second = await serve(db);
  try {
    const status = (await (await fetch(`${second.url}/v1/status`)).json()) as { store: { events: number } };
    assert.ok(status.store.events >= acked.length, `${status.store.events} stored, ${acked.length} acknowledged`);
    const store = EventStore.open(db);
    try {
      const lost = acked.filter((id) => store.getEvent(id) === null);
      assert.deepEqual(lost, [], `${lost.length} of ${acked.length} acknowledged events are missing`);
    } finally {
      store.close();
    }
  } finally {
    second.child.kill('SIGTERM');
    await exited(second.child);
  }
});
