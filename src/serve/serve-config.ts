/**
 * The service's settings from flags and/or a YAML file (`--config serve.yaml`): a flag given on
 * the command line wins over the file. Unknown keys and wrong types are errors naming the file
 * and the key.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../contracts/errors.ts';
import { suggest } from '../contracts/suggest.ts';

/** The largest TCP port. */
export const MAX_PORT = 65535;

const FILE = z
  .object({
    model: z.string().optional(),
    db: z.string().optional(),
    port: z.number().int().min(0).max(MAX_PORT).optional(),
    host: z.string().optional(),
    tokenFile: z.string().optional(),
    protectReads: z.boolean().optional(),
    eventWeights: z.record(z.string(), z.number().finite()).optional(),
    rateLimit: z.string().optional(),
    retrain: z.string().optional(),
    keepVersions: z.number().int().min(1).optional(),
    maxEventLoopDelayMs: z.number().int().min(0).optional(),
    cacheSize: z.number().int().min(1).optional(),
  })
  .strict();

export type ServeFileConfig = z.infer<typeof FILE>;

const KEYS = Object.keys(FILE.shape);

/** Reads and checks a serve.yaml (or .json). */
export function readServeConfig(path: string): ServeFileConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read the config file ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (error as Error).message}`);
  }
  let data: unknown;
  try {
    data = parse(text) ?? {};
  } catch (error) {
    throw new ConfigError(`${path} is not valid YAML: ${(error as Error).message}`);
  }
  const result = FILE.safeParse(data);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      if (issue.code === 'unrecognized_keys') return issue.keys.map((k) => `unknown key "${k}"${suggest(k, KEYS)} (known: ${KEYS.join(', ')})`).join('; ');
      return `${issue.path.join('.') || '(top level)'}: ${issue.message}`;
    });
    throw new ConfigError(`${path}: ${problems.join('; ')}`);
  }
  return result.data;
}

/** A port number, 0 (any free one) to 65535; `name` (`--port`) is said in the error. */
export function checkPort(name: string, port: number): number {
  if (!Number.isInteger(port) || port < 0 || port > MAX_PORT) throw new ConfigError(`${name} must be a whole number from 0 (any free port) to ${MAX_PORT}, got ${port}`);
  return port;
}

/** `--port` as typed: a whole number from 0 to 65535. */
export function parsePort(name: string, text: string): number {
  const port = Number(text);
  if (text.trim() === '' || !Number.isInteger(port) || port < 0 || port > MAX_PORT) {
    throw new ConfigError(`${name} must be a whole number from 0 (any free port) to ${MAX_PORT}, got "${text}"`);
  }
  return port;
}

/** `view=1,cart=3,purchase=5` → { view: 1, cart: 3, purchase: 5 }. */
export function parseEventWeights(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text.split(',')) {
    const m = /^\s*([A-Za-z0-9_.-]+)\s*=\s*(-?[0-9.]+(?:e-?\d+)?)\s*$/.exec(part);
    if (!m || !Number.isFinite(Number(m[2]))) throw new ConfigError(`--event-weights must look like view=1,cart=3,purchase=5; "${part}" is not type=number`);
    if (m[1] === 'rating') throw new ConfigError('--event-weights: "rating" events always weigh the rating given; leave it out');
    out[m[1]] = Number(m[2]);
  }
  return out;
}
