import { readFile, writeFile } from 'node:fs/promises';
import { DataFormatError } from '../contracts/errors.ts';
import { asBuffer } from '../core/bytes.ts';
import type { Tensor, TensorData } from '../contracts/types.ts';

/**
 * The safetensors format (huggingface/safetensors): an 8-byte little-endian header length, a
 * JSON header `{ name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__": {...} }`,
 * then the raw little-endian tensor bytes. Python opens it with `safetensors.numpy.load_file`.
 */
export type Dtype = 'F32' | 'F64' | 'I32';

const BYTES: Record<Dtype, number> = { F32: 4, F64: 8, I32: 4 };

function dtypeOf(data: TensorData): Dtype {
  if (data instanceof Float32Array) return 'F32';
  if (data instanceof Float64Array) return 'F64';
  return 'I32';
}

export function encodeSafetensors(tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    const t = tensors[name];
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new RangeError(`tensor ${name}: shape [${t.shape}] holds ${count} values, data has ${t.data.length}`);
    const bytes = t.data.byteLength;
    header[name] = { dtype: dtypeOf(t.data), shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  // Pad the header with spaces so tensor data starts 8-byte aligned (allowed by the format).
  while ((8 + Buffer.byteLength(json)) % 8 !== 0) json += ' ';
  const headerBytes = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + headerBytes.length + offset);
  out.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(out, 8);
  let at = 8 + headerBytes.length;
  for (const name of names) {
    const d = tensors[name].data;
    // Typed arrays are little-endian on every platform Node runs on in practice (x86, arm64).
    Buffer.from(d.buffer, d.byteOffset, d.byteLength).copy(out, at);
    at += d.byteLength;
  }
  return out;
}

export function decodeSafetensors(bytes: Uint8Array, file = 'weights.safetensors'): { tensors: Record<string, Tensor>; metadata: Record<string, string> } {
  const buf = asBuffer(bytes);
  if (buf.length < 8) throw new DataFormatError('too short to be a safetensors file', { file });
  const headerLength = Number(buf.readBigUInt64LE(0));
  if (8 + headerLength > buf.length) throw new DataFormatError(`header length ${headerLength} runs past the end of the file`, { file });
  let header: Record<string, any>;
  try {
    header = JSON.parse(buf.subarray(8, 8 + headerLength).toString('utf8'));
  } catch (e) {
    throw new DataFormatError(`header is not valid JSON (${(e as Error).message})`, { file });
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw new DataFormatError('header is not a JSON object', { file });
  const base = 8 + headerLength;
  const tensors: Record<string, Tensor> = {};
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const bad = (what: string): never => {
      throw new DataFormatError(`tensor ${name}: ${what}`, { file });
    };
    if (info === null || typeof info !== 'object') bad('header entry is not an object');
    const dtype = info.dtype as Dtype;
    if (typeof dtype !== 'string' || !(dtype in BYTES)) bad(`unsupported dtype ${JSON.stringify(info.dtype)}`);
    const offsets = info.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) bad('data_offsets must be two byte offsets');
    const [begin, end] = offsets as [number, number];
    if (base + end > buf.length || begin > end) bad(`data offsets [${begin}, ${end}] outside the file`);
    if ((end - begin) % BYTES[dtype] !== 0) bad(`${end - begin} bytes is not a whole number of ${dtype} values`);
    const shape = info.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) bad('shape must be a list of sizes');
    // Copy into a fresh, aligned buffer: the file's offsets need not be aligned for the type.
    const bytes = new Uint8Array(end - begin);
    bytes.set(buf.subarray(base + begin, base + end));
    const data = dtype === 'F32' ? new Float32Array(bytes.buffer) : dtype === 'F64' ? new Float64Array(bytes.buffer) : new Int32Array(bytes.buffer);
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (count !== data.length) bad(`shape [${shape}] does not match ${data.length} values`);
    tensors[name] = { shape: shape as number[], data };
  }
  return { tensors, metadata: (header.__metadata__ as Record<string, string>) ?? {} };
}

export async function writeSafetensors(path: string, tensors: Record<string, Tensor>, metadata?: Record<string, string>): Promise<void> {
  await writeFile(path, encodeSafetensors(tensors, metadata));
}

export async function readSafetensors(path: string): Promise<{ tensors: Record<string, Tensor>; metadata: Record<string, string> }> {
  return decodeSafetensors(await readFile(path), path);
}
