import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cosineSimilarity, cosineSimilarityGrad, dotSimilarity, dotSimilarityGrad } from '../../src/core/similarity.ts';
import { Rng } from '../../src/core/rng.ts';
import { checkVectorGradient } from '../helpers/gradcheck.ts';

const n = 7;
function vectors(seed: number): { a: Float64Array; b: Float64Array } {
  const rng = new Rng(seed);
  // Store both vectors at nonzero offsets inside one buffer each to test the offset handling.
  const a = new Float64Array(n + 3);
  const b = new Float64Array(n + 5);
  for (let i = 0; i < a.length; i++) a[i] = rng.normal();
  for (let i = 0; i < b.length; i++) b[i] = rng.normal();
  return { a, b };
}

test('dot and cosine similarity values', () => {
  const a = new Float32Array([1, 2, 2]);
  const b = new Float32Array([2, 0, 0]);
  assert.equal(dotSimilarity(a, 0, b, 0, 3), 2);
  assert.ok(Math.abs(cosineSimilarity(a, 0, b, 0, 3) - 1 / 3) < 1e-7);
  assert.ok(Math.abs(cosineSimilarity(a, 0, a, 0, 3) - 1) < 1e-7);
  assert.equal(cosineSimilarity(new Float32Array(3), 0, b, 0, 3), 0, 'a zero vector has cosine 0, not NaN');
});

for (const [name, value, grad] of [
  ['dot', dotSimilarity, dotSimilarityGrad],
  ['cosine', cosineSimilarity, cosineSimilarityGrad],
] as const) {
  test(`${name} similarity gradients with respect to both vectors match finite differences`, () => {
    for (const seed of [1, 2, 3]) {
      const { a, b } = vectors(seed);
      const up = 0.7;
      const ga = new Float64Array(n + 3);
      const gb = new Float64Array(n + 5);
      grad(a, 3, b, 5, n, up, ga, 3, gb, 5);
      const loss = (): number => up * value(a, 3, b, 5, n);
      checkVectorGradient(a.subarray(3), ga.subarray(3), loss, `${name} d/da`, 1e-6);
      checkVectorGradient(b.subarray(5), gb.subarray(5), loss, `${name} d/db`, 1e-6);
      assert.deepEqual(Array.from(ga.subarray(0, 3)), [0, 0, 0], 'writes only inside its range');
    }
  });
}
