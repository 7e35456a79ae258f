/**
 * Worker thread of one retraining job: reads the store's events (its own read-only connection, row by row),
 * trains a candidate of the serving model's type and config on all but each user's most recent
 * item (plus the serving model's own training data, when its model file names a built-in
 * dataset found here), scores candidate and serving model on those held-out items, and, when the candidate is
 * not worse, refits it on every event and saves it to `outDir`. Reports by messages
 * (`RetrainMessage`); the main thread decides nothing but whether to load the saved model.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { createModel } from '../models/registry.ts';
import { loadModel } from '../models/load.ts';
import type { TrainingData } from '../modelfile/manifest.ts';
import { holdOutRecent, interactionsOf, ndcgAt10, originalTrainingPairs, RETRAIN_METRIC, readStorePairs } from './retrain-eval.ts';
import type { RetrainMessage, RetrainWorkerInit } from './retrain.ts';

const init = (workerData as { init: RetrainWorkerInit }).init;
const post = (m: RetrainMessage): void => parentPort!.postMessage(m);

async function run(): Promise<void> {
  post({ kind: 'progress', phase: 'reading events' });
  const { pairs, events } = readStorePairs(init.dbPath, init.weights);
  const serving = await loadModel(init.servingDir);
  const { train, heldOut } = holdOutRecent(pairs, { minItems: init.minItems, maxUsers: init.maxEvalUsers, seed: init.seed });
  // The data the serving model was trained on, when it can be found again (else the store's events only).
  post({ kind: 'progress', phase: 'reading the original training data' });
  // Version 0's record: a retrained version's own record names only the events it was fitted on.
  const manifest = JSON.parse(readFileSync(join(init.originalDir, 'manifest.json'), 'utf8')) as { trainingData?: TrainingData | null };
  const original = await originalTrainingPairs(manifest.trainingData ?? null);
  const base = { metric: RETRAIN_METRIC, events, pairs: pairs.length, originalData: original.note, evalUsers: heldOut.size };
  if (heldOut.size < init.minEvalUsers) {
    post({
      kind: 'done',
      result: { ...base, before: null, after: null, swap: false, reason: `only ${heldOut.size} users with ≥ ${init.minItems} items to hold out; need ${init.minEvalUsers}` },
    });
    return;
  }
  const config = { ...serving.config, seed: init.seed, threads: 1 }; // one thread: the other core keeps serving
  const fit = async (pairsToFit: typeof pairs, phase: string) => {
    const model = createModel(serving.type, config);
    const epochs = Number((config as { epochs?: unknown }).epochs ?? 1) || 1;
    post({ kind: 'progress', phase, fraction: 0 });
    await model.fit(interactionsOf(pairsToFit), {
      seed: init.seed,
      threads: 1,
      callbacks: { onEpochEnd: (r) => post({ kind: 'progress', phase, fraction: Math.min(1, r.epoch / epochs) }) },
    });
    return model;
  };
  const candidate = await fit([...original.pairs, ...train], 'training the candidate');
  post({ kind: 'progress', phase: 'evaluating' });
  const before = ndcgAt10(serving, heldOut, train);
  const after = ndcgAt10(candidate, heldOut, train);
  const swap = after >= before;
  const reason = swap
    ? `candidate ${RETRAIN_METRIC} ${after.toFixed(4)} ≥ serving ${before.toFixed(4)} on ${heldOut.size} users' most recent items`
    : `candidate ${RETRAIN_METRIC} ${after.toFixed(4)} < serving ${before.toFixed(4)} on ${heldOut.size} users' most recent items`;
  if (swap) {
    // The gate judged the recipe; what is served is the same recipe fitted on every event.
    const final = await fit([...original.pairs, ...pairs], 'refitting on every event');
    post({ kind: 'progress', phase: 'saving' });
    await final.save(init.outDir);
  }
  post({ kind: 'done', result: { ...base, before, after, swap, reason } });
}

run().catch((error: unknown) => post({ kind: 'failed', message: error instanceof Error ? error.message : String(error) }));
