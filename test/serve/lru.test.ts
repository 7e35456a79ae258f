import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LruCache } from '../../src/serve/lru.ts';

test('the least recently used entry goes first; get makes an entry the most recent', () => {
  const cache = new LruCache<string, number>({ maxEntries: 3 });
  cache.set('a', 1);
  cache.set('b', 2);
  cache.set('c', 3);
  assert.equal(cache.get('a'), 1); // a is now the most recent: b is the oldest
  cache.set('d', 4);
  assert.equal(cache.has('b'), false);
  assert.deepEqual(
    ['a', 'c', 'd'].map((k) => cache.get(k)),
    [1, 3, 4],
  );
  assert.equal(cache.size, 3);
  cache.set('c', 30); // a replaced value is the most recent too
  cache.set('e', 5);
  assert.equal(cache.has('a'), false, 'a was the oldest after c was replaced and d, e read or added');
  assert.equal(cache.get('c'), 30);
});

test('the weight bound evicts the oldest until the total fits; an entry heavier than the bound is not kept', () => {
  const cache = new LruCache<string, string>({ maxEntries: 100, maxWeight: 10 });
  cache.set('a', 'x', 4);
  cache.set('b', 'x', 4);
  assert.equal(cache.weight, 8);
  cache.set('c', 'x', 4); // 12 > 10: a goes
  assert.deepEqual([cache.has('a'), cache.has('b'), cache.has('c')], [false, true, true]);
  assert.equal(cache.weight, 8);
  cache.set('huge', 'x', 11);
  assert.equal(cache.has('huge'), false);
  assert.equal(cache.weight, 8, 'nothing was evicted for an entry that cannot fit');
  cache.set('b', 'y', 1); // replacing re-weighs
  assert.equal(cache.weight, 5);
  assert.equal(cache.delete('b'), true);
  assert.equal(cache.delete('b'), false);
  assert.equal(cache.weight, 4);
  cache.clear();
  assert.deepEqual([cache.size, cache.weight, cache.get('c')], [0, 0, undefined]);
});

test('a long run of inserts and reads keeps exactly the most recent entries (the linked order never breaks)', () => {
  const cache = new LruCache<number, number>({ maxEntries: 50 });
  const recent: number[] = []; // reference model: most recent last
  let seed = 7;
  for (let step = 0; step < 5000; step++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const key = seed % 120;
    if (seed % 3 === 0) {
      const had = recent.indexOf(key);
      assert.equal(cache.get(key), had >= 0 ? key : undefined);
      if (had >= 0) recent.push(...recent.splice(had, 1));
    } else {
      cache.set(key, key);
      const had = recent.indexOf(key);
      if (had >= 0) recent.splice(had, 1);
      recent.push(key);
      if (recent.length > 50) recent.shift();
    }
    assert.equal(cache.size, recent.length);
  }
  for (const key of recent) assert.ok(cache.has(key));
});
