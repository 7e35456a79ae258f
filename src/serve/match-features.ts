/**
 * Which of a model's user features (`field=value`, its vocabulary) a user's store properties
 * name, so that a user known only by properties can be scored from features. Categorical values
 * match by name; a number matches the bucket of a bucketed numeric field that holds it (`age: 29`
 * → `age=25-34`), since the model's vocabulary holds bucket labels, not raw numbers.
 */
import { bucketRange } from '../data/features.ts';

export interface MatchedFeature {
  index: number;
  name: string;
}

interface Bucket extends MatchedFeature {
  lo: number;
  hi: number;
}

/** The vocabulary entries that `properties` name, each once, in the order they are named; list values name several. */
export function matchFeatures(properties: Record<string, unknown>, vocabulary: readonly string[]): MatchedFeature[] {
  const index = new Map(vocabulary.map((name, i) => [name, i]));
  let buckets: Map<string, Bucket[]> | null = null;
  const found: MatchedFeature[] = [];
  const add = (i: number, name: string): void => {
    if (!found.some((f) => f.index === i)) found.push({ index: i, name });
  };
  for (const [field, value] of Object.entries(properties)) {
    for (const v of Array.isArray(value) ? value : [value]) {
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') continue;
      const name = `${field}=${v}`;
      const i = index.get(name);
      if (i !== undefined) {
        add(i, name);
        continue;
      }
      const x = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
      if (!Number.isFinite(x)) continue;
      buckets ??= bucketsByField(vocabulary);
      const hit = buckets.get(field)?.find((b) => x >= b.lo && x < b.hi);
      if (hit) add(hit.index, hit.name);
    }
  }
  return found;
}

/**
 * The numeric buckets of each field. A field counts as bucketed only when one of its labels is
 * unmistakably a range (`<a`, `a+`, `a-b`, `[a,b)`), so a categorical code like `occupation=3`
 * never takes in the number 3.5.
 */
function bucketsByField(vocabulary: readonly string[]): Map<string, Bucket[]> {
  const byField = new Map<string, { buckets: Bucket[]; ranged: boolean }>();
  vocabulary.forEach((name, i) => {
    const eq = name.lastIndexOf('=');
    if (eq <= 0) return;
    const label = name.slice(eq + 1);
    const range = bucketRange(label);
    if (!range) return;
    const field = name.slice(0, eq);
    const entry = byField.get(field) ?? { buckets: [], ranged: false };
    entry.buckets.push({ index: i, name, ...range });
    entry.ranged ||= !/^-?\d+$/.test(label);
    byField.set(field, entry);
  });
  const out = new Map<string, Bucket[]>();
  for (const [field, { buckets, ranged }] of byField) if (ranged) out.set(field, buckets);
  return out;
}
