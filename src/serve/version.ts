import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** `type@` + the first 12 hex digits of the SHA-256 of the model's manifest.json. */
export async function modelVersionOf(dir: string, type: string): Promise<string> {
  const manifest = await readFile(join(dir, 'manifest.json'));
  return `${type}@${createHash('sha256').update(manifest).digest('hex').slice(0, 12)}`;
}
