import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/contracts/errors.ts';
import { evaluateSaved } from '../../src/experiment/pipeline.ts';
import { perUserSplit } from '../../src/data/splits.ts';
import { generateSynthetic } from '../../src/data/synthetic.ts';
import { createModel } from '../../src/models/registry.ts';
import { InteractionsBuilder } from '../../src/data/builder.ts';

const data = generateSynthetic({ users: 120, items: 100, factors: 4, interactionsPerUser: 14, seed: 5 });
const other = generateSynthetic({ users: 120, items: 100, factors: 4, interactionsPerUser: 14, seed: 9 });
const split = perUserSplit(data.interactions, { testRatio: 0.25, seed: 1 });
const quiet = { threads: 1, log: () => {} };

async function popularityOn(train: typeof data.interactions) {
  const model = createModel('popularity');
  await model.fit(train, quiet);
  return model;
}

test('a model scored on its own training interactions is refused, unless leakage is allowed', async () => {
  const onEverything = await popularityOn(data.interactions);
  await assert.rejects(
    evaluateSaved(onEverything, { test: split.test, train: split.train }),
    (e: Error) =>
      e instanceof ConfigError && new RegExp(`^${split.test.length} of the ${split.test.length} test interactions \\(100.0%\\) are in the model's training data`).test(e.message),
  );
  const measured = await evaluateSaved(onEverything, { test: split.test, train: split.train }, { allowLeakage: true });
  assert.equal(measured.dataCheck.leakedPairs, split.test.length);
  assert.ok(measured.warnings.some((w) => /were in the model's training data \(measured anyway/.test(w)));

  const honest = await evaluateSaved(await popularityOn(split.train), { test: split.test, train: split.train });
  assert.equal(honest.dataCheck.leakedPairs, 0);
});

test('a protocol whose training data the model never saw is refused, even when ids collide', async () => {
  const protocolOptions = { data, testRatio: 0.25 };
  const elsewhere = await popularityOn(other.interactions);
  await assert.rejects(
    evaluateSaved(elsewhere, 'full-ranking', { protocolOptions, seed: 1 }),
    (e: Error) => e instanceof ConfigError && /the model was not trained on this protocol's training data: only \d+ of its \d+ training interactions \(\d+\.\d%\)/.test(e.message),
  );
  const allowed = await evaluateSaved(elsewhere, 'full-ranking', { protocolOptions, seed: 1, allowOtherData: true, allowLeakage: true });
  assert.ok(allowed.dataCheck.trainShare! < 0.5);
});

test('test data that shares no ids with the model is refused instead of giving NaN metrics', async () => {
  const builder = new InteractionsBuilder();
  builder.add('someone', 'something', 1, Number.NaN);
  builder.add('someone else', 'something else', 1, Number.NaN);
  const model = await popularityOn(builder.build().interactions);
  await assert.rejects(
    evaluateSaved(model, { test: split.test }),
    (e: Error) => e instanceof ConfigError && /^none of the \d+ test interactions names a user and an item the model knows/.test(e.message),
  );
});
