import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type AnnIndex, type AnnQuantization, type AnnSpace, buildBestGraph } from '../../src/serve/ann-index.ts';

/**
 * buildBestGraph's choice, on stand-in graphs whose recall at each ef is given: which graphs it
 * builds, and which it keeps. Recall tables are by `${space}/${quantization}`, ef 64 … 1024.
 */
function choose(recalls: Record<string, number[]>, space: AnnSpace = 'ip', spaceFallback = true, quantization: AnnQuantization = 'bf16') {
  const built: string[] = [];
  /** Every recall measured, as `${space}/${quantization}@${ef}`. */
  const measured: string[] = [];
  const efs = [64, 128, 256, 512, 1024];
  const make = (a: { space: AnnSpace; quantization: AnnQuantization }) => {
    built.push(`${a.space}/${a.quantization}`);
    return { expansionSearch: 64, options: a } as unknown as AnnIndex;
  };
  const recallOf = (g: AnnIndex) => {
    const key = `${g.options.space}/${g.options.quantization}`;
    measured.push(`${key}@${g.expansionSearch}`);
    return recalls[key][efs.indexOf(g.expansionSearch)];
  };
  const { index, recall } = buildBestGraph(space, quantization, spaceFallback, make, recallOf, 0.95, 1024);
  return { built, kept: `${index.options.space}/${index.options.quantization}`, ef: index.expansionSearch, recall, measured };
}

const short = [0.8, 0.85, 0.88, 0.9, 0.92];

test('an ip graph at the target at its starting ef is kept, and no l2 graph is built (iALS on Book-Crossing)', () => {
  assert.deepEqual(choose({ 'ip/bf16': [0.98, 0.99, 0.99, 1, 1] }), { built: ['ip/bf16'], kept: 'ip/bf16', ef: 64, recall: 0.98, measured: ['ip/bf16@64'] });
});

test('an ip graph that needs a wider search is followed by an l2 one, and the narrower search wins (BPR, WARP on Book-Crossing)', () => {
  // ip reaches the target only at ef 1024, l2 at 64: l2, and ip's search is not widened past 64.
  assert.deepEqual(choose({ 'ip/bf16': [0.78, 0.86, 0.91, 0.94, 0.96], 'l2/bf16': [0.976, 0.99, 1, 1, 1] }), {
    built: ['ip/bf16', 'l2/bf16'],
    kept: 'l2/bf16',
    ef: 64,
    recall: 0.976,
    measured: ['ip/bf16@64', 'l2/bf16@64'],
  });
  // ip at 256, l2 only at 512: ip stays.
  const r = choose({ 'ip/bf16': [0.9, 0.93, 0.96, 0.97, 0.98], 'l2/bf16': [0.8, 0.9, 0.94, 0.951, 0.99] });
  assert.deepEqual([r.kept, r.ef], ['ip/bf16', 256]);
  // The same ef: the first (ip) stays.
  assert.equal(choose({ 'ip/bf16': [0.9, 0.96, 1, 1, 1], 'l2/bf16': [0.9, 0.97, 1, 1, 1] }).kept, 'ip/bf16');
});

test('short of the target everywhere, the best recall is kept; f32 graphs follow when both 16-bit ones fall short', () => {
  const r = choose({ 'ip/bf16': short, 'ip/f32': [0.8, 0.85, 0.9, 0.93, 0.94], 'l2/bf16': short, 'l2/f32': [0.8, 0.85, 0.9, 0.91, 0.93] });
  assert.deepEqual(r.built, ['ip/bf16', 'l2/bf16', 'ip/f32', 'l2/f32']);
  assert.deepEqual([r.kept, r.ef, r.recall], ['ip/f32', 1024, 0.94]);
  // An f32 graph reaching the target is kept over every short 16-bit one.
  const f32 = choose({ 'ip/bf16': short, 'l2/bf16': short, 'ip/f32': short, 'l2/f32': [0.9, 0.96, 1, 1, 1] });
  assert.deepEqual([f32.kept, f32.ef], ['l2/f32', 128]);
});

test('a space that was asked for is the only one built, even short of the target', () => {
  const r = choose({ 'ip/f32': short, 'l2/f32': [1, 1, 1, 1, 1] }, 'ip', false, 'f32');
  assert.deepEqual([r.built, r.kept, r.recall], [['ip/f32'], 'ip/f32', 0.92]);
  assert.deepEqual(choose({ 'l2/f32': [0.99, 1, 1, 1, 1] }, 'l2', false, 'f32').built, ['l2/f32']);
});
