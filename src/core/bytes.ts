/**
 * Byte arrays at the public edge are `Uint8Array`, so the shipped types need no `@types/node`;
 * inside, Node's `Buffer` methods (little-endian reads, string decoding) are wanted. A Buffer
 * view over the same memory, without a copy.
 */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
