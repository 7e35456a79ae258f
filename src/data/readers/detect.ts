import { isUtf8 as validUtf8 } from 'node:buffer';
import { open } from 'node:fs/promises';
import { checkInputFile, fileError } from './input-file.ts';

/** What a delimited text file looks like, guessed from its first bytes. */
export interface DetectedFormat {
  separator: string;
  quote: string | null;
  header: boolean;
  encoding: 'utf8' | 'latin1';
}

const SEPARATORS = ['::', '\t', ';', '|', ','];
const SAMPLE_LINES = 50;

/**
 * Guesses separator, header and encoding from the first `sampleBytes` of a file (a non-UTF-8
 * byte later on goes unseen: raise `sampleBytes` to check more): the separator
 * that splits the sampled lines (outside quotes) into the same number of fields, a header when the
 * first line holds only names and the second some number, latin-1 when the sample is not UTF-8.
 */
export async function detectFormat(path: string, sampleBytes = 64 * 1024): Promise<DetectedFormat> {
  await checkInputFile(path);
  const handle = await open(path, 'r').catch((error: unknown) => {
    throw fileError(path, error);
  });
  try {
    const buffer = Buffer.alloc(sampleBytes);
    const { bytesRead } = await handle.read(buffer, 0, sampleBytes, 0);
    return sniffFormat(buffer.subarray(0, bytesRead), bytesRead < sampleBytes);
  } finally {
    await handle.close();
  }
}

/** `detectFormat` on bytes already read; `complete` says whether they are the whole file. */
export function sniffFormat(sample: Uint8Array, complete: boolean): DetectedFormat {
  const encoding = isUtf8(sample, complete) ? 'utf8' : 'latin1';
  const text = Buffer.from(sample.buffer, sample.byteOffset, sample.byteLength).toString(encoding === 'utf8' ? 'utf8' : 'latin1');
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  if (!complete && lines.length > 1) lines.pop(); // cut off mid-line
  const sampled = lines
    .map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l))
    .filter((l) => l !== '')
    .slice(0, SAMPLE_LINES);
  const separator = bestSeparator(sampled);
  const first = splitLoosely(sampled[0] ?? '', separator);
  const second = splitLoosely(sampled[1] ?? '', separator);
  // Only names on the first line, some number on the second (an ISBN-like id alone is no sign).
  const header = first.every((f) => f !== '' && !isNumeric(f)) && second.some(isNumeric);
  return { separator, quote: '"', header, encoding };
}

function bestSeparator(lines: string[]): string {
  let best = ',';
  let bestScore = -1;
  for (const sep of SEPARATORS) {
    const counts = lines.map((l) => countOutsideQuotes(l, sep));
    const mode = modeOf(counts);
    if (mode === 0) continue;
    // Share of lines agreeing with the usual field count, ties going to more fields.
    const score = counts.filter((c) => c === mode).length / lines.length + mode * 1e-6;
    if (score > bestScore) {
      bestScore = score;
      best = sep;
    }
  }
  return best;
}

function countOutsideQuotes(line: string, sep: string): number {
  let count = 0;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '"') quoted = !quoted;
    else if (!quoted && line.startsWith(sep, i)) {
      count++;
      i += sep.length - 1;
    }
  }
  return count;
}

function modeOf(values: number[]): number {
  const freq = new Map<number, number>();
  let mode = 0;
  let top = 0;
  for (const v of values) {
    const f = (freq.get(v) ?? 0) + 1;
    freq.set(v, f);
    if (f > top || (f === top && v > mode)) {
      top = f;
      mode = v;
    }
  }
  return mode;
}

function splitLoosely(line: string, sep: string): string[] {
  return line.split(sep).map((f) => f.trim().replace(/^"(.*)"$/, '$1'));
}

function isNumeric(text: string): boolean {
  return text.trim() !== '' && Number.isFinite(Number(text));
}

function isUtf8(bytes: Uint8Array, complete: boolean): boolean {
  let end = bytes.length;
  if (!complete) {
    // Do not blame a character cut in half by the sample's end.
    let back = 0;
    while (back < 3 && end - back - 1 >= 0 && (bytes[end - back - 1] & 0xc0) === 0x80) back++;
    if (end - back - 1 >= 0 && bytes[end - back - 1] >= 0xc0) end -= back + 1;
  }
  return validUtf8(bytes.subarray(0, end));
}
