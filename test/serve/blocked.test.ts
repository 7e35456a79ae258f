import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSynthetic } from '../../src/data/synthetic.ts';
import { BilinearModel } from '../../src/models/bilinear/model.ts';
import { Ials } from '../../src/models/baselines/ials.ts';
import type { Recommender } from '../../src/models/recommender.ts';
import { blockUsers, recommendAllUsers, recommendBatch } from '../../src/serve/batch.ts';

const data = generateSynthetic({ users: 300, items: 1100, factors: 8, interactionsPerUser: 15, seed: 3 });

/** Every user's `user<TAB>items` line from per-user `recommend` (scoreItems, topK). */
function perUserLines(model: Recommender, k: number): string {
  let text = '';
  for (let u = 0; u < model.numUsers; u++) {
    text += `${model.userIds.id(u)}\t${model
      .recommend(u, { k })
      .map((r) => r.item)
      .join(',')}\n`;
  }
  return text;
}

for (const [label, make] of [
  ['warp dot', () => new BilinearModel('warp', { factors: 32, epochs: 3 })],
  ['logistic cosine', () => new BilinearModel('logistic', { factors: 32, epochs: 3, similarity: 'cosine' })],
  ['ials', () => new Ials({ factors: 32, iterations: 3 })],
] as const) {
  test(`${label}: recommendAllUsers in blocks (1 and 2 threads) equals per-user recommend`, async () => {
    const model: Recommender = make();
    await model.fit(data.interactions, { threads: 1, seed: 1, log: () => {} });
    const dir = await mkdtemp(join(tmpdir(), 'tastebud-blocked-'));
    try {
      await model.save(dir);
      const expected = perUserLines(model, 10);
      for (const threads of [1, 2]) {
        let text = '';
        const progress: number[] = [];
        await recommendAllUsers(model, dir, { k: 10, threads, onProgress: (done) => progress.push(done) }, (chunk) => {
          text += chunk;
        });
        assert.equal(text, expected, `${threads} thread(s)`);
        assert.equal(progress.at(-1), model.numUsers);
      }
      // Odd block sizes cut users differently and give the same lists.
      for (const batchSize of [1, 13, 300]) {
        const lines: string[] = [];
        recommendBatch(model, { k: 10, batchSize }, (u, items) => lines.push(`${model.userIds.id(u)}\t${Array.from(items, (i) => model.itemIds.id(i)).join(',')}\n`));
        assert.equal(lines.join(''), expected, `batchSize ${batchSize}`);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}

test('blocked recommendations leave out seen and excluded items; a user range scores only those users', async () => {
  const model = new BilinearModel('warp', { factors: 16, epochs: 2 });
  await model.fit(data.interactions, { threads: 1, seed: 1, log: () => {} });
  const seen = model.seen!;
  let count = 0;
  recommendBatch(model, { k: 50 }, (u, items) => {
    count++;
    const own = new Set(seen.indices.subarray(seen.indptr[u], seen.indptr[u + 1]));
    for (const i of items) assert.ok(!own.has(i), `user ${u} got seen item ${i}`);
  });
  assert.equal(count, model.numUsers);
  let text = '';
  const n = await recommendAllUsers(model, '', { k: 5, threads: 1, range: { start: 10, end: 25 } }, (chunk) => {
    text += chunk;
  });
  assert.equal(n, 15);
  const users = text
    .trim()
    .split('\n')
    .map((line) => line.split('\t')[0]);
  assert.deepEqual(
    users,
    Array.from({ length: 15 }, (_, k) => model.userIds.id(10 + k)),
  );
});

test('a scoring block keeps its users × items float32 scores within 64 MB', () => {
  for (const items of [1, 100, 3706, 50_000, 1_000_000, 20_000_000]) {
    const users = blockUsers(items);
    assert.ok(users >= 1 && users <= 512, `${items} items: ${users} users`);
    assert.ok(users === 1 || users * items * 4 <= 64 * 1024 * 1024, `${items} items: ${users} users`);
  }
  assert.ok(blockUsers(50_000) >= 64, 'enough users per block for the GEMM to pay');
});
