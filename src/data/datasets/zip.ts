/**
 * A minimal zip reader, enough for dataset archives: it walks the central directory at the end
 * of the file and inflates entries stored plainly (method 0) or deflated (method 8) with Node's
 * zlib. No zip64, no encryption — the archives we fetch need neither, and anything else is named
 * in a clear error instead of being misread.
 */
import * as zlib from 'node:zlib';
import { asBuffer } from '../../core/bytes.ts';

export interface ZipEntry {
  /** Path inside the archive, e.g. `ml-100k/u.data`. */
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  crc32: number;
  /** Offset of the entry's local header. */
  offset: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;

export class ZipArchive {
  readonly entries: ZipEntry[];
  private readonly data: Buffer;
  private readonly label: string;

  constructor(data: Uint8Array, label = 'zip archive') {
    this.data = asBuffer(data);
    this.label = label;
    this.entries = readCentralDirectory(this.data, label);
  }

  /** The entry whose path is `name` or ends in `/name` (archives usually wrap files in a folder). */
  find(name: string): ZipEntry | undefined {
    return this.entries.find((e) => e.name === name) ?? this.entries.find((e) => e.name.endsWith(`/${name}`) && !e.name.startsWith('__MACOSX/'));
  }

  /** The uncompressed bytes of an entry, CRC-checked where Node offers crc32. */
  extract(entry: ZipEntry): Uint8Array {
    const d = this.data;
    if (d.readUInt32LE(entry.offset) !== LOCAL_SIGNATURE) throw this.error(`entry ${entry.name} has no local header at offset ${entry.offset}`);
    const start = entry.offset + 30 + d.readUInt16LE(entry.offset + 26) + d.readUInt16LE(entry.offset + 28);
    const raw = d.subarray(start, start + entry.compressedSize);
    let out: Buffer;
    if (entry.method === 0) out = Buffer.from(raw);
    else if (entry.method === 8) out = zlib.inflateRawSync(raw);
    else throw this.error(`entry ${entry.name} uses compression method ${entry.method} (only stored and deflate are supported)`);
    if (out.length !== entry.size) throw this.error(`entry ${entry.name} inflated to ${out.length} bytes, expected ${entry.size}`);
    // zlib.crc32 arrived in Node 20.15; older Nodes skip the check rather than fail to load.
    const crc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;
    if (crc32 && crc32(out) >>> 0 !== entry.crc32) throw this.error(`entry ${entry.name} fails its CRC check (corrupt download?)`);
    return out;
  }

  private error(message: string): Error {
    return new Error(`${this.label}: ${message}`);
  }
}

function readCentralDirectory(d: Buffer, label: string): ZipEntry[] {
  // The end-of-central-directory record is 22 bytes plus a comment of up to 65535 bytes.
  let eocd = -1;
  for (let p = d.length - 22; p >= Math.max(0, d.length - 22 - 0xffff); p--) {
    if (d.readUInt32LE(p) === EOCD_SIGNATURE) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${label}: not a zip file (no end-of-central-directory record)`);
  const count = d.readUInt16LE(eocd + 10);
  let p = d.readUInt32LE(eocd + 16);
  if (count === 0xffff || p === 0xffffffff) throw new Error(`${label}: zip64 archives are not supported`);
  const entries: ZipEntry[] = [];
  for (let k = 0; k < count; k++) {
    if (p + 46 > d.length || d.readUInt32LE(p) !== CENTRAL_SIGNATURE) throw new Error(`${label}: central directory entry ${k} is damaged`);
    const nameLength = d.readUInt16LE(p + 28);
    const extraLength = d.readUInt16LE(p + 30);
    const commentLength = d.readUInt16LE(p + 32);
    entries.push({
      name: d.toString('utf8', p + 46, p + 46 + nameLength),
      method: d.readUInt16LE(p + 10),
      crc32: d.readUInt32LE(p + 16),
      compressedSize: d.readUInt32LE(p + 20),
      size: d.readUInt32LE(p + 24),
      offset: d.readUInt32LE(p + 42),
    });
    p += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}
