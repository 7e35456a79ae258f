import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NegativeSampler } from '../../src/sampling/negatives.ts';
import { Rng } from '../../src/core/rng.ts';
import { IdMap } from '../../src/data/idmap.ts';
import { Interactions } from '../../src/data/interactions.ts';

// u0 has items 0 and 2 of 4.
const train = new Interactions({
  users: Int32Array.of(0, 0, 1),
  items: Int32Array.of(0, 2, 3),
  userIds: new IdMap(['u0', 'u1']),
  itemIds: new IdMap(['i0', 'i1', 'i2', 'i3']),
});

test("isExcluded is true exactly for the user's positives when the sampler excludes them (WARP's deferred check)", () => {
  const excluding = new NegativeSampler(train, { kind: 'exclude-positives', rng: new Rng(1) });
  assert.deepEqual(
    [0, 1, 2, 3].map((i) => excluding.isExcluded(0, i)),
    [true, false, true, false],
  );
  assert.deepEqual(
    [0, 1, 2, 3].map((i) => excluding.isExcluded(1, i)),
    [false, false, false, true],
  );
  const uniform = new NegativeSampler(train, { kind: 'uniform', rng: new Rng(1) });
  assert.deepEqual(
    [0, 1, 2, 3].map((i) => uniform.isExcluded(0, i)),
    [false, false, false, false],
  );
});

test('drawUnchecked draws from the whole catalogue, positives included', () => {
  const sampler = new NegativeSampler(train, { kind: 'exclude-positives', rng: new Rng(3) });
  const counts = [0, 0, 0, 0];
  for (let k = 0; k < 4000; k++) counts[sampler.drawUnchecked()]++;
  for (const c of counts) assert.ok(c > 850 && c < 1150, `counts ${counts}`);
});
