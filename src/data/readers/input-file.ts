import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { DataFormatError, DatasetNotFoundError, TastebudError } from '../../contracts/errors.ts';

/** Fails with one plain sentence when `path` is missing, a directory or unreadable. */
export async function checkInputFile(path: string): Promise<void> {
  let info: Stats;
  try {
    info = await stat(path);
  } catch (error) {
    throw fileError(path, error);
  }
  if (info.isDirectory()) throw new DataFormatError('is a directory, not a file', { file: path });
}

/** A file-system error (ENOENT, EACCES, EISDIR, ...) as a TastebudError naming the file; anything else unchanged. */
export function fileError(path: string, error: unknown): unknown {
  if (error instanceof TastebudError) return error;
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (typeof code !== 'string') return error;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new DatasetNotFoundError(`${path}: no such file`);
  if (code === 'EISDIR') return new DataFormatError('is a directory, not a file', { file: path });
  if (code === 'EACCES' || code === 'EPERM') return new DataFormatError('cannot read the file (permission denied)', { file: path });
  return new DataFormatError(`cannot read the file (${code})`, { file: path });
}
