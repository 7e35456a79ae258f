/**
 * A model whose answers cannot be trusted (saved untrained, diverged in training, non-finite
 * weights) is served with a warning at start-up and in /v1/status and /v1/model; the detection
 * is the models layer's `modelWarning`, which `tastebud recommend` warns with too.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSynthetic } from '../../src/data/synthetic.ts';
import { modelWarning } from '../../src/models/health.ts';
import { createModel } from '../../src/models/registry.ts';
import { startServer } from '../../src/serve/server.ts';
import { tinyModel } from './helpers.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tastebud-model-warning-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const data = generateSynthetic({ users: 60, items: 40, factors: 4, interactionsPerUser: 8, seed: 3 });

/** An mf trained at learning rate 1e6: its loss goes NaN in the first epoch. */
async function divergedMf() {
  const model = createModel('mf', { learningRate: 1e6, epochs: 3 });
  await model.fit(data.interactions, { seed: 1 });
  return model;
}

test('modelWarning: untrained, diverged and non-finite weights are named; a trained model has none', async () => {
  assert.equal(modelWarning(await tinyModel()), null);

  const untrained = createModel('ials', { factors: 4, epochs: 0 });
  await untrained.fit(data.interactions, { seed: 1 });
  assert.match(modelWarning(untrained) ?? '', /saved untrained \(no epoch ran\)/);

  const diverged = await divergedMf();
  assert.equal(diverged.status, 'diverged');
  assert.match(modelWarning(diverged) ?? '', /diverged in training \(a non-finite loss\)/);

  // Trained by its history, but a weight is NaN (a file written by hand, or by another tool).
  const poisoned = await tinyModel();
  const state = poisoned.getState();
  const [name] = Object.keys(state.tensors);
  const tensor = state.tensors[name];
  const data32 = Float32Array.from(tensor.data as Float32Array);
  data32.fill(Number.NaN);
  poisoned.setState({ ...state, tensors: { ...state.tensors, [name]: { shape: tensor.shape, data: data32 } } });
  assert.equal(poisoned.status, 'trained');
  assert.match(modelWarning(poisoned) ?? '', /scores that are not finite numbers/);
});

test('tastebud serve warns at start-up about a diverged model, and /v1/status and /v1/model say why', { timeout: 60_000 }, async () => {
  const modelDir = join(dir, 'mf-diverged');
  await (await divergedMf()).save(modelDir);
  const lines: string[] = [];
  const server = await startServer({ modelDir, db: ':memory:', port: 0, host: '127.0.0.1', say: (line) => lines.push(line), ann: { mode: 'off' } });
  try {
    const warning = lines.find((l) => l.startsWith('tastebud: warning:'));
    assert.ok(warning, lines.join('\n'));
    assert.match(warning, /mf-diverged diverged in training \(a non-finite loss\).*retrain with a lower learning rate/);
    const status = (await (await fetch(`${server.url}/v1/status`)).json()) as { model: { status: string; warning: string | null } };
    assert.equal(status.model.status, 'diverged');
    assert.match(status.model.warning ?? '', /diverged in training/);
    const described = (await (await fetch(`${server.url}/v1/model`)).json()) as { warning: string | null };
    assert.match(described.warning ?? '', /diverged in training/);
  } finally {
    await server.close();
  }

  const trainedDir = join(dir, 'ials');
  await (await tinyModel()).save(trainedDir);
  const quiet: string[] = [];
  const trained = await startServer({ modelDir: trainedDir, db: ':memory:', port: 0, host: '127.0.0.1', say: (line) => quiet.push(line), ann: { mode: 'off' } });
  try {
    assert.ok(!quiet.some((l) => l.startsWith('tastebud: warning')), quiet.join('\n'));
    const status = (await (await fetch(`${trained.url}/v1/status`)).json()) as { model: { warning: string | null } };
    assert.equal(status.model.warning, null);
  } finally {
    await trained.close();
  }
});

test('startServer refuses a port outside 0–65535 before it opens or says anything', async () => {
  const lines: string[] = [];
  for (const port of [99999, -1, 80.5]) {
    await assert.rejects(
      startServer({ modelDir: join(dir, 'ials'), db: ':memory:', port, host: '127.0.0.1', say: (line) => lines.push(line) }),
      new RegExp(`port must be a whole number from 0 \\(any free port\\) to 65535, got ${port}`),
    );
  }
  assert.deepEqual(lines, []);
});
