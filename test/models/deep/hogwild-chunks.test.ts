/**
 * The Hogwild epoch's work split (deep/parallel.ts): threads claim chunks of whole batches from a
 * shared cursor until the shuffled order is used up. Checked here without threads: claimers take
 * turns, every position is trained exactly once, and chunks end on batch boundaries.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../src/core/rng.ts';
import { BATCHES_PER_CHUNK, type HogwildPlan, positivesPerBatch, trainClaimedChunks } from '../../../src/models/deep/parallel.ts';
import { PointwiseBatches } from '../../../src/models/deep/pointwise.ts';
import type { ShardTrainer, Tower } from '../../../src/models/deep/tower.ts';

/** A trainer that records which positions of the order it was given. */
function recorder(seen: Int32Array, ranges: [number, number][]): ShardTrainer {
  return {
    epoch: () => 0,
    shard(_tower, _order, start, end) {
      ranges.push([start, end]);
      for (let p = start; p < end; p++) seen[p]++;
      return { loss: end - start, rows: 2 * (end - start) };
    },
  };
}

test('claimed chunks cover the epoch exactly once, whichever thread claims them', () => {
  const n = 1003;
  const chunk = 40;
  const order = Int32Array.from({ length: n }, (_, k) => k);
  const cursor = new Int32Array(new SharedArrayBuffer(4));
  const seen = new Int32Array(n);
  const mine: [number, number][] = [];
  const theirs: [number, number][] = [];
  const other = recorder(seen, theirs);
  const own = recorder(seen, mine);
  // While this thread trains a chunk, "the other thread" claims the next one from the same cursor.
  const interleaved: ShardTrainer = {
    epoch: () => 0,
    shard(tower, o, start, end, rng) {
      const c = Atomics.add(cursor, 0, chunk);
      if (c < n) other.shard(tower, o, c, Math.min(n, c + chunk), rng);
      return own.shard(tower, o, start, end, rng);
    },
  };
  const r = trainClaimedChunks(interleaved, {} as Tower, order, cursor, chunk, new Rng(1));
  assert.ok(
    seen.every((c) => c === 1),
    'every position exactly once',
  );
  assert.ok(mine.length > 0 && theirs.length > 0);
  assert.equal(r.positives + theirs.reduce((s, [a, b]) => s + b - a, 0), n);
  assert.equal(r.rows, 2 * r.positives);
  for (const [a, b] of [...mine, ...theirs]) assert.ok(a % chunk === 0 && (b - a === chunk || b === n), `chunk [${a}, ${b})`);
});

test('one claimer alone trains the whole epoch in order, and a cursor already past the end trains nothing', () => {
  const n = 500;
  const order = Int32Array.from({ length: n }, (_, k) => k);
  const cursor = new Int32Array(new SharedArrayBuffer(4));
  const seen = new Int32Array(n);
  const ranges: [number, number][] = [];
  const r = trainClaimedChunks(recorder(seen, ranges), {} as Tower, order, cursor, 64, new Rng(1));
  assert.equal(r.positives, n);
  assert.ok(seen.every((c) => c === 1));
  assert.deepEqual(
    ranges.map(([s]) => s),
    Array.from({ length: 8 }, (_, k) => 64 * k),
  );
  const late = trainClaimedChunks(recorder(seen, ranges), {} as Tower, order, cursor, 64, new Rng(1));
  assert.deepEqual(late, { loss: 0, rows: 0, positives: 0 });
});

test("a chunk is whole batches: positivesPerBatch agrees with PointwiseBatches and the triplet trainer's batch", () => {
  const train = { users: new Int32Array(5000), items: new Int32Array(5000), values: new Float32Array(5000).fill(1), length: 5000 };
  const tower = { kind: 'concat' } as unknown as HogwildPlan['tower'];
  for (const [batchSize, negatives, sampled] of [
    [256, 4, true],
    [256, 0, false],
    [100, 7, true],
    [3, 4, true],
  ] as const) {
    const plan: HogwildPlan = { trainer: 'pointwise', tower, sampler: sampled ? { kind: 'uniform' } : null, negatives, batchSize, loss: 'bce' };
    const sampler = sampled ? { sampleMany: () => {} } : null;
    const batches = new PointwiseBatches(train, batchSize, negatives, sampler as never);
    batches.startRange(
      Int32Array.from({ length: 5000 }, (_, k) => k),
      0,
      5000,
    );
    const rows = batches.next();
    assert.equal(positivesPerBatch(plan), rows / batches.groupSize, `batch ${batchSize}, negatives ${negatives}`);
  }
  const triplets: HogwildPlan = { trainer: 'triplet', tower, sampler: { kind: 'uniform' }, batchSize: 128, loss: 'bpr', margin: 0 };
  assert.equal(positivesPerBatch(triplets), 128);
  assert.ok(BATCHES_PER_CHUNK >= 1);
});
