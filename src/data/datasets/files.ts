/**
 * Where built-in datasets live on disk, how they get there, and whether they are intact.
 *
 * A dataset `name` is looked up in `<root>/<name>/`, where root is the `dataDir` option, else
 * `TASTEBUD_DATA_DIR`, else the per-user cache (`$XDG_CACHE_HOME/tastebud`, `~/.cache/tastebud`).
 * Missing files are downloaded from the official archive when allowed; otherwise one
 * DatasetNotFoundError says which files, from which URL, and where to put them.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync } from 'node:fs';
import { mkdir, open, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { DataFormatError, DatasetNotFoundError } from '../../contracts/errors.ts';
import { ZipArchive } from './zip.ts';

const DOWNLOAD_TIMEOUT_MS = 10 * 60_000;

export interface DatasetFile {
  name: string;
  /** Optional files add features or splits; the dataset loads without them. */
  optional?: boolean;
  /** Known sha256 of the official file, checked at load. */
  sha256?: string;
  /**
   * Other paths (relative to the dataset folder, `*` allowed in the file name) tried in order
   * when `name` is absent: subsets of the file with the same columns, such as the slices kept
   * for tests.
   */
  alternatives?: string[];
}

/** Where a dataset comes from: its official archive and the files needed from it. */
export interface DatasetSource {
  name: string;
  /** The official download (a zip archive), or the page to get it from when not downloadable. */
  url: string;
  /** False when the files cannot be fetched automatically (e.g. they need an account). */
  downloadable: boolean;
  /** md5 of the official archive, when published. */
  archiveMd5?: string;
  files: DatasetFile[];
  /** Extra advice for getting the files by hand. */
  note?: string;
}

export interface DatasetLocationOptions {
  /** Folder holding `<name>/` folders (default: TASTEBUD_DATA_DIR, else the user cache). */
  dataDir?: string;
  /** Download missing files from the official source (default true). */
  download?: boolean;
  /** Check known sha256 checksums at load (default true). */
  verify?: boolean;
}

/** The folder that holds dataset folders. */
export function dataRoot(options: DatasetLocationOptions = {}, env: Readonly<Record<string, string | undefined>> = process.env): string {
  if (options.dataDir) return resolve(options.dataDir);
  if (env.TASTEBUD_DATA_DIR) return resolve(env.TASTEBUD_DATA_DIR);
  const cache = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cache, 'tastebud');
}

/** The folder of dataset `name`. */
export function datasetDir(name: string, options: DatasetLocationOptions = {}): string {
  return join(dataRoot(options), name);
}

/**
 * The dataset's folder with every required file present (downloading them when allowed), and
 * the known checksums verified.
 */
export async function ensureDatasetFiles(source: DatasetSource, options: DatasetLocationOptions = {}): Promise<string> {
  const dir = datasetDir(source.name, options);
  const missing = source.files.filter((f) => !f.optional && locateFile(dir, f) === null);
  if (missing.length > 0) {
    const allowed = options.download ?? true;
    if (!allowed || !source.downloadable) throw notFound(source, dir, missing, allowed ? undefined : 'download: false');
    try {
      await downloadInto(source, dir);
    } catch (e) {
      const cause = (e as Error & { cause?: Error }).cause;
      throw notFound(source, dir, missing, `downloading ${source.url} failed: ${(e as Error).message}${cause?.message ? ` (${cause.message})` : ''}`);
    }
  }
  if (options.verify ?? true) {
    for (const file of source.files) {
      const path = join(dir, file.name);
      if (file.sha256 && existsSync(path)) await verifySha256(path, file.sha256);
    }
  }
  return dir;
}

/** The path of `file` in `dir`: its official name, else the first alternative present, else null. */
export function locateFile(dir: string, file: DatasetFile): string | null {
  const official = join(dir, file.name);
  if (existsSync(official)) return official;
  for (const pattern of file.alternatives ?? []) {
    const folder = join(dir, dirname(pattern));
    const base = basename(pattern);
    if (!base.includes('*')) {
      if (existsSync(join(folder, base))) return join(folder, base);
      continue;
    }
    if (!existsSync(folder)) continue;
    const re = new RegExp(
      '^' +
        base
          .split('*')
          .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
          .join('.*') +
        '$',
    );
    const match = readdirSync(folder)
      .sort()
      .find((entry) => re.test(entry));
    if (match) return join(folder, match);
  }
  return null;
}

/** Fetches the official archive and writes the dataset's files (required and optional) into `dir`. */
export async function downloadInto(source: DatasetSource, dir: string, fetchImpl: typeof fetch = fetch): Promise<string[]> {
  const response = await fetchImpl(source.url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
  if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`);
  const archive = Buffer.from(await response.arrayBuffer());
  if (source.archiveMd5) {
    const md5 = createHash('md5').update(archive).digest('hex');
    if (md5 !== source.archiveMd5) throw new Error(`the archive's md5 is ${md5}, expected ${source.archiveMd5} (incomplete or changed download)`);
  }
  return extractInto(archive, source, dir);
}

/** Writes the dataset's files found in a zip archive into `dir` (atomically, via a temporary name). */
export async function extractInto(archive: Uint8Array, source: DatasetSource, dir: string): Promise<string[]> {
  const zip = new ZipArchive(archive, source.url);
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const file of source.files) {
    const entry = zip.find(file.name);
    if (!entry) {
      if (file.optional) continue;
      throw new Error(
        `the archive has no ${file.name} (it has ${zip.entries
          .slice(0, 8)
          .map((e) => e.name)
          .join(', ')}${zip.entries.length > 8 ? ', …' : ''})`,
      );
    }
    const path = join(dir, file.name);
    const partial = `${path}.part-${process.pid}`;
    await writeFile(partial, zip.extract(entry));
    await rename(partial, path);
    written.push(file.name);
  }
  return written;
}

/** Throws a DataFormatError when the file's sha256 differs from the official one. */
export async function verifySha256(path: string, expected: string): Promise<void> {
  const actual = await sha256File(path);
  if (actual !== expected) {
    throw new DataFormatError(
      `sha256 is ${actual}, expected ${expected}: the file is damaged or not the official version. Delete it to download it again, or load with verify: false to use it anyway`,
      { file: path },
    );
  }
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The first line of a text file (for sniffing a header), without its line break. */
export async function firstLine(path: string, encoding: 'utf8' | 'latin1' = 'utf8'): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const text = buffer.toString(encoding, 0, bytesRead).replace(/^\uFEFF/, '');
    const end = text.search(/\r?\n/);
    return end < 0 ? text : text.slice(0, end);
  } finally {
    await handle.close();
  }
}

function notFound(source: DatasetSource, dir: string, missing: DatasetFile[], why?: string): DatasetNotFoundError {
  const names = missing.map((f) => f.name).join(', ');
  const optional = source.files.filter((f) => f.optional).map((f) => f.name);
  const get = source.downloadable ? `Download ${source.url}, unzip it` : `Get the files from ${source.url}`;
  return new DatasetNotFoundError(
    `Dataset "${source.name}" is missing ${names} in ${dir}${why ? ` (${why})` : ''}. ` +
      `${get} and put ${names}${optional.length ? ` (and optionally ${optional.join(', ')})` : ''} in ${dir}/ — ` +
      `or set TASTEBUD_DATA_DIR (or the dataDir option) to a folder containing ${source.name}/ with them.` +
      (source.note ? ` ${source.note}` : ''),
  );
}
