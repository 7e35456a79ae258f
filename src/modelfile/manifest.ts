import { z } from 'zod';
import { ModelFileError } from '../contracts/errors.ts';

export const MODEL_FORMAT = 'tastebud-model';
export const MODEL_FORMAT_VERSION = 1;

const count = z.number().int().nonnegative();

const featureMeta = z.object({ vocabulary: z.array(z.string()), fields: z.array(z.string()) }).strict();

/** What the model was trained on, so evaluation can tell a protocol's test data from its training data. */
const trainingData = z
  .object({
    /** A dataset name, file path or protocol the interactions came from. */
    source: z.string().nullable(),
    split: z.string().nullable(),
    positiveThreshold: z.number().nullable(),
    users: count,
    items: count,
    interactions: count,
    /** Order-independent hash of the (user id, item id) pairs, see src/data/fingerprint.ts. */
    pairsHash: z.string(),
  })
  .strict();

/**
 * How training ended: `trained`, `untrained` (no epoch ran, e.g. `--epochs 0`) or `diverged`
 * (a non-finite loss). A model that is not `trained` still loads, and `recommend` repeats why.
 */
const status = z.enum(['trained', 'untrained', 'diverged']);

const manifestSchema = z
  .object({
    format: z.literal(MODEL_FORMAT),
    formatVersion: z.number().int().min(1).max(MODEL_FORMAT_VERSION),
    type: z.string().min(1),
    config: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
    status: status.optional(),
    userIds: z.array(z.string()),
    itemIds: z.array(z.string()),
    userFeatures: featureMeta.nullable(),
    itemFeatures: featureMeta.nullable(),
    trainingData: trainingData.nullable().optional(),
    tensors: z.record(z.string(), z.array(count)),
    extra: z.record(z.string(), z.unknown()).optional(),
    history: z.unknown(),
    metrics: z.record(z.string(), z.unknown()),
  })
  .strict();

export type Manifest = z.infer<typeof manifestSchema>;
export type FeatureMeta = z.infer<typeof featureMeta>;
export type TrainingData = z.infer<typeof trainingData>;
export type ModelStatus = z.infer<typeof status>;

/** Parses manifest.json text, refusing anything that does not match the schema, with each problem's path. */
export function parseManifest(text: string, file: string): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ModelFileError(`${file} is not valid JSON (${(error as Error).message}); the model file is damaged`);
  }
  if (raw !== null && typeof raw === 'object' && 'format' in raw && raw.format !== MODEL_FORMAT) {
    throw new ModelFileError(`${file}: not a tastebud model file (format ${JSON.stringify(raw.format)})`);
  }
  if (raw !== null && typeof raw === 'object' && 'formatVersion' in raw && typeof raw.formatVersion === 'number' && raw.formatVersion > MODEL_FORMAT_VERSION) {
    throw new ModelFileError(`${file}: model file format version ${raw.formatVersion} is newer than this tastebud reads (${MODEL_FORMAT_VERSION}); upgrade tastebud`);
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 5).map((i) => `${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`);
    const more = parsed.error.issues.length > 5 ? ` (and ${parsed.error.issues.length - 5} more)` : '';
    throw new ModelFileError(`${file} does not match the model file schema: ${problems.join('; ')}${more}`);
  }
  const manifest = parsed.data;
  if (manifest.userFeatures && !manifest.tensors['_userFeatures.indptr']) throw new ModelFileError(`${file}: userFeatures is set but the weights list no user feature tensors`);
  if (manifest.itemFeatures && !manifest.tensors['_itemFeatures.indptr']) throw new ModelFileError(`${file}: itemFeatures is set but the weights list no item feature tensors`);
  if (!manifest.userFeatures && manifest.tensors['_userFeatures.indptr']) throw new ModelFileError(`${file}: user feature tensors are listed but userFeatures is null`);
  if (!manifest.itemFeatures && manifest.tensors['_itemFeatures.indptr']) throw new ModelFileError(`${file}: item feature tensors are listed but itemFeatures is null`);
  return manifest;
}
