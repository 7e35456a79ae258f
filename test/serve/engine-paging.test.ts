import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecommendEngine } from '../../src/serve/engine.ts';
import { parseFilterCached } from '../../src/serve/filter.ts';
import { EventStore } from '../../src/serve/store.ts';
import { factorModel, plantedFactors } from './ann-fixtures.ts';
import { tinyModel } from './helpers.ts';

/** A store where every model item exists, in category a (even index) or b (odd). */
function storeFor(model: { numItems: number; itemIds: { id(i: number): string } }): EventStore {
  const store = EventStore.open(':memory:');
  for (let i = 0; i < model.numItems; i++) store.putItem({ id: model.itemIds.id(i), properties: { category: i % 2 === 0 ? 'a' : 'b' }, available: true, expiresAt: null });
  return store;
}

/** Every page of a list, k at a time, until a page comes back short. */
function allPages(engine: RecommendEngine, first: ReturnType<RecommendEngine['recommend']>, k: number): string[] {
  const out = first.items.map((r) => r.item);
  let page = first;
  for (;;) {
    page = engine.nextPage(page.recommId, k);
    out.push(...page.items.map((r) => r.item));
    if (page.items.length < k) return out;
  }
}

test('paging past the end of a short first list ranks it further: no repeats, the same order as one long list', async () => {
  const model = await tinyModel();
  const store = storeFor(model);
  try {
    // firstListLength 5: the first page ranks 5 items; pages of 3 cross its end at once, and again.
    const short = new RecommendEngine(model, store, { modelVersion: 't', ann: { mode: 'off' }, firstListLength: 5, maxListLength: 25 });
    const long = new RecommendEngine(model, store, { modelVersion: 't', ann: { mode: 'off' }, firstListLength: 25, maxListLength: 25 });
    for (const request of [
      { user: 'u3', k: 3 },
      { user: 'u8', k: 3, filter: parseFilterCached('category = "a"') },
      { user: 'u9', k: 4, exclude: ['i0', 'i1', 'i2'] },
    ]) {
      const paged = allPages(short, short.recommend(request), request.k);
      const whole = allPages(long, long.recommend(request), request.k);
      assert.equal(new Set(paged).size, paged.length, 'no item repeats');
      assert.deepEqual(paged, whole, 'the extended list is the long list');
      assert.ok(paged.length > 5, `paging went past the first list (${paged.length} items)`);
      assert.ok(paged.length <= 25, 'maxListLength bounds the list');
    }
    // The unfiltered list runs to maxListLength (the model has 40 items, the user saw < 15).
    assert.equal(allPages(short, short.recommend({ user: 'u3', k: 3 }), 3).length, 25);
  } finally {
    store.close();
  }
});

test('reused buffers: one request’s filter and exclusions never reach the next request, nor a list paged later', async () => {
  const model = await tinyModel();
  const store = storeFor(model);
  try {
    const engine = new RecommendEngine(model, store, { modelVersion: 't', ann: { mode: 'off' }, firstListLength: 4, maxListLength: 30 });
    const fresh = () => new RecommendEngine(model, store, { modelVersion: 't', ann: { mode: 'off' } });
    const plain = fresh()
      .recommend({ user: 'u5', k: 6 })
      .items.map((r) => r.item);
    // A: excludes the user's two best items and keeps category b only.
    const filter = parseFilterCached('category = "b"');
    const a = engine.recommend({ user: 'u5', k: 2, exclude: plain.slice(0, 2), filter });
    // B, the same user with no rules: exactly what a fresh engine answers.
    const b = engine.recommend({ user: 'u5', k: 6 });
    assert.deepEqual(
      b.items.map((r) => r.item),
      plain,
    );
    // A paged past its first list (re-ranked after B used the buffers): still A's rules.
    const paged = allPages(engine, a, 2);
    assert.ok(paged.length > 4, 'A was ranked further');
    for (const item of paged) {
      assert.ok(!plain.slice(0, 2).includes(item), `${item} was excluded from A`);
      assert.equal(Number(item.slice(1)) % 2, 1, `${item} is not in category b`);
    }
    assert.equal(new Set(paged).size, paged.length);
    // And B's own next page was not touched by A's rules.
    assert.deepEqual(
      engine.nextPage(b.recommId, 2).items.map((r) => r.item),
      fresh()
        .recommend({ user: 'u5', k: 8 })
        .items.slice(6)
        .map((r) => r.item),
    );
  } finally {
    store.close();
  }
});

test('the SIMD scorer ranks as the model’s own scores do, and serves the model’s scores', () => {
  const dim = 24; // not a multiple of 16 rows or of 4 lanes' worth of anything in particular
  const model = factorModel(plantedFactors(30, dim, { seed: 5 }), plantedFactors(203, dim, { clusters: 8, normSpread: 3, seed: 6 }), dim);
  const store = storeFor(model);
  try {
    const simd = new RecommendEngine(model, store, { modelVersion: 't', ann: { mode: 'off' } });
    const js = new RecommendEngine(model, store, { modelVersion: 't', ann: { mode: 'off' }, simdScoring: false });
    assert.equal(simd.exactScoring, 'simd');
    assert.equal(js.exactScoring, 'model');
    const filter = parseFilterCached('category = "a"');
    for (let u = 0; u < 30; u++) {
      const request = { user: `u${u}`, k: 20, ...(u % 2 === 0 ? { filter } : {}) };
      const got = simd.recommend(request).items;
      const want = js.recommend(request).items;
      assert.deepEqual(
        got.map((r) => r.item),
        want.map((r) => r.item),
        `u${u}`,
      );
      for (let r = 0; r < got.length; r++) assert.equal(got[r].score, want[r].score, 'the served score is the model’s');
    }
  } finally {
    store.close();
  }
});

test('an index-retrieved list (listLength 10) pages on past its end from exact scores, never repeating', () => {
  const dim = 16;
  const model = factorModel(plantedFactors(100, dim, { seed: 2 }), plantedFactors(600, dim, { clusters: 10, normSpread: 3, seed: 3 }), dim);
  const store = storeFor(model);
  try {
    const engine = new RecommendEngine(model, store, { modelVersion: 't', ann: { mode: 'on', sampleUsers: 20, listLength: 10 }, maxListLength: 40 });
    assert.equal(engine.retrievalStatus.kind, 'hnsw', engine.retrievalStatus.reason);
    const first = engine.recommend({ user: 'u1', k: 5, filter: parseFilterCached('category = "a"') });
    const paged = allPages(engine, first, 5);
    assert.equal(paged.length, 40, 'paged to maxListLength, far past the index’s 10');
    assert.equal(new Set(paged).size, paged.length, 'no item repeats');
    assert.ok(
      paged.every((item) => Number(item.slice(1)) % 2 === 0),
      'the filter holds past the index’s list',
    );
  } finally {
    store.close();
  }
});
