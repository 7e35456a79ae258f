/**
 * Guards against numbers that look fine and mean nothing: a saved model scored on interactions
 * it was trained on, a model scored under a protocol whose training data it never saw (another
 * dataset whose integer ids happen to collide), or test data that shares no ids with the model.
 */
import { ConfigError } from '../contracts/errors.ts';
import { fingerprintInteractions } from '../data/fingerprint.ts';
import { csrHas, type Interactions } from '../data/interactions.ts';
import type { Recommender } from '../models/recommender.ts';

export interface DataCheckOptions {
  /** Measure even when test interactions were in the model's training data. */
  allowLeakage?: boolean;
  /** Measure under a protocol whose training data is not what the model was trained on. */
  allowOtherData?: boolean;
}

export interface DataCheck {
  /** Test interactions whose user and item the model knows. */
  testPairs: number;
  /** Of those, how many were training interactions of the model. */
  leakedPairs: number;
  /** Under a protocol: the share of its training pairs the model was trained on (1 when the fingerprints match). */
  trainShare: number | null;
}

/** The smallest share of a protocol's training pairs a model must have been trained on. */
const SAME_DATA_SHARE = 0.9;

/**
 * Checks `test` (aligned to the model's ids; `dropped` pairs named unknown users or items) and,
 * under a protocol, its training part `train` (aligned likewise) against the model's own training
 * pairs. Throws a ConfigError that says what is wrong and how to proceed.
 */
export function checkEvaluationData(model: Recommender, test: Interactions, dropped: number, train: Interactions | null, options: DataCheckOptions = {}): DataCheck {
  const total = test.length + dropped;
  if (test.length === 0) {
    throw new ConfigError(
      `none of the ${total} test interactions names a user and an item the model knows: the model was trained on other data (it knows ${model.numUsers} users such as ${sample(model.userIds.toArray())} and ${model.numItems} items such as ${sample(model.itemIds.toArray())})`,
    );
  }
  // Other training data first: on another dataset, overlapping pairs are coincidence, not leakage.
  let trainShare: number | null = null;
  if (train) {
    trainShare = sameFingerprint(model, train) ? 1 : shareInSeen(model, train);
    if (trainShare < SAME_DATA_SHARE && !options.allowOtherData) {
      const source = model.trainingData?.source ? ` (${model.trainingData.source})` : '';
      throw new ConfigError(
        `the model was not trained on this protocol's training data: only ${Math.round(trainShare * train.length)} of its ${train.length} training interactions (${share(trainShare * train.length, train.length)}) are among the model's${source}, so its ids may name other users and items. Train it under the protocol, or pass --allow-other-data (library: allowOtherData) to measure anyway`,
      );
    }
  }
  const seen = model.seen;
  let leaked = 0;
  if (seen) for (let k = 0; k < test.length; k++) if (test.users[k] < seen.rows && csrHas(seen, test.users[k], test.items[k])) leaked++;
  if (leaked > 0 && !options.allowLeakage) {
    throw new ConfigError(
      `${leaked} of the ${test.length} test interactions (${share(leaked, test.length)}) are in the model's training data: the model would be scored on what it was trained on. Train on the protocol's or split's train part (e.g. tastebud train --protocol NAME), or pass --allow-leakage (library: allowLeakage) to measure anyway`,
    );
  }
  return { testPairs: test.length, leakedPairs: leaked, trainShare };
}

function sameFingerprint(model: Recommender, train: Interactions): boolean {
  const recorded = model.trainingData;
  return recorded !== null && recorded.interactions === train.length && recorded.pairsHash === fingerprintInteractions(train).pairsHash;
}

/** The share of `data`'s pairs (aligned to the model) that are among the model's training pairs. */
function shareInSeen(model: Recommender, data: Interactions): number {
  const seen = model.seen;
  if (!seen || data.length === 0) return 0;
  let found = 0;
  for (let k = 0; k < data.length; k++) if (data.users[k] < seen.rows && csrHas(seen, data.users[k], data.items[k])) found++;
  return found / data.length;
}

function share(part: number, whole: number): string {
  return `${((100 * part) / Math.max(1, whole)).toFixed(1)}%`;
}

function sample(ids: string[]): string {
  return (
    ids
      .slice(0, 3)
      .map((id) => `"${id}"`)
      .join(', ') || 'none'
  );
}
