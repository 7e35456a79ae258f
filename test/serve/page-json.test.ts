import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RecommendPage, ServedItem } from '../../src/serve/engine.ts';
import { pageJson } from '../../src/serve/page-json.ts';

test('pageJson writes exactly what JSON.stringify writes, escapes and odd numbers included', () => {
  const ids = [
    'i1',
    'with "quotes"',
    'back\\slash',
    'tab\there',
    'line\nbreak',
    'ctrl\u0001',
    'del\u007f',
    'café',
    '日本',
    'emoji 🍣',
    'lone \ud800 surrogate',
    'x'.repeat(300),
    '',
  ];
  const scores = [0, -0, 1.5, -3.25e-7, 1e21, 123456789.123, Math.fround(0.1), Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.MAX_VALUE, 5e-324, 42];
  const items: ServedItem[] = ids.map((item, i) => ({ item, score: scores[i], source: i % 3 === 0 ? 'fallback' : 'model' }));
  items[2].reason = { method: 'exact', items: [{ item: 'a"b', weight: 0.5 }] };
  for (const page of [
    { items, recommId: '6f1c1f3e-1c53-4bbf-9a3e-000000000000', modelVersion: 'v1 "quoted"' },
    { items: [], recommId: 'r', modelVersion: '' },
    { items: items.slice(0, 1), recommId: 'ünïcode', modelVersion: 'ials' },
  ] as RecommendPage[]) {
    assert.equal(pageJson(page), JSON.stringify(page));
    assert.deepEqual(JSON.parse(pageJson(page)), JSON.parse(JSON.stringify(page)));
  }
});
