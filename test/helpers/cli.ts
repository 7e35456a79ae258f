import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { dataDir, repoRoot } from './data-dir.ts';

const run = promisify(execFile);

/** The `tastebud` command of this checkout. */
export const bin = join(repoRoot, 'bin/tastebud.js');

/**
 * Node arguments that run the command from the TypeScript sources (never a stale dist/), even
 * when a single test file is run without `npm test`'s NODE_OPTIONS.
 */
export const SOURCE_ARGS = ['--conditions=tastebud-source', bin];

export interface CliResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** Runs `tastebud ...args` on the sources, with the shared data folder; never throws. */
export async function tastebud(...args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [...SOURCE_ARGS, ...args], { env: { ...process.env, TASTEBUD_DATA_DIR: dataDir }, timeout: 120_000 });
    return { stdout, stderr, code: 0 };
  } catch (e) {
    const err = e as { stdout: string; stderr: string; code: number };
    return { stdout: err.stdout, stderr: err.stderr, code: err.code };
  }
}
