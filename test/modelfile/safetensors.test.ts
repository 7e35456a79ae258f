import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeSafetensors, encodeSafetensors } from '../../src/modelfile/safetensors.ts';
import { DataFormatError } from '../../src/contracts/errors.ts';

test('tensors round-trip through the safetensors layout', () => {
  const buf = Buffer.from(encodeSafetensors({ b: { shape: [2, 2], data: Float32Array.of(1, 2, 3, 4) }, a: { shape: [3], data: Int32Array.of(7, 8, 9) } }, { note: 'hi' }));
  const headerLength = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + headerLength).toString());
  // The layout Python's safetensors expects: sorted names, contiguous offsets, dtype names.
  assert.deepEqual(header.a, { dtype: 'I32', shape: [3], data_offsets: [0, 12] });
  assert.deepEqual(header.b, { dtype: 'F32', shape: [2, 2], data_offsets: [12, 28] });
  assert.equal((8 + headerLength) % 8, 0);
  const { tensors, metadata } = decodeSafetensors(buf);
  assert.deepEqual([...tensors.b.data], [1, 2, 3, 4]);
  assert.deepEqual([...tensors.a.data], [7, 8, 9]);
  assert.equal(metadata.note, 'hi');
});

test('a truncated or corrupt file gives a clear error', () => {
  const buf = encodeSafetensors({ x: { shape: [4], data: new Float32Array(4) } });
  assert.throws(
    () => decodeSafetensors(buf.subarray(0, buf.length - 4), 'm.safetensors'),
    (e: Error) => e instanceof DataFormatError && /m\.safetensors.*outside the file/.test(e.message),
  );
  assert.throws(() => decodeSafetensors(Buffer.alloc(4)), /too short/);
});

test('a shape that does not match the data is refused when writing', () => {
  assert.throws(() => encodeSafetensors({ x: { shape: [3], data: new Float32Array(4) } }), /shape \[3\]/);
});

test('a plain Uint8Array (not a Buffer) decodes, as the public type promises', () => {
  const bytes = new Uint8Array(encodeSafetensors({ x: { shape: [2], data: Float32Array.of(0.5, -2) } }, { note: 'plain' }));
  assert.equal(Buffer.isBuffer(bytes), false);
  const { tensors, metadata } = decodeSafetensors(bytes);
  assert.deepEqual(Array.from(tensors.x!.data), [0.5, -2]);
  assert.equal(metadata.note, 'plain');
});
