/**
 * Named evaluation protocols (DESIGN.md, "Evaluation protocols"): each fixes the data, the split,
 * what counts as relevant, what is excluded and which metrics to report, so numbers from
 * different runs and models are comparable. Usage:
 *
 *   const protocol = getProtocol('lightfm-ua');
 *   const prepared = await protocol.prepare({ dataDir, seed: 42 });
 *   await model.fit(prepared.train, { validation: prepared.validation });
 *   const result = protocol.evaluate(model, prepared);
 *   const reference = protocol.evaluate(referenceScorer(protocol, prepared).model, prepared);
 */
import { ConfigError } from '../contracts/errors.ts';
import type { Interactions } from '../data/interactions.ts';
import type { Scorer } from '../contracts/types.ts';
import type { PairScorer } from './pointwise.ts';
import { bookcrossingF1, pointwise } from './protocols/pointwise.ts';
import { fullRanking, lightfmUa, msrStratified, recboleMl1m } from './protocols/ranking.ts';
import type { PreparedProtocol, Protocol } from './protocols/types.ts';

export type { EvaluableModel, EvaluateOptions, PreparedProtocol, PrepareOptions, Protocol, ProtocolResult, ProtocolTask } from './protocols/types.ts';

const PROTOCOLS: readonly Protocol[] = [lightfmUa, fullRanking, msrStratified, recboleMl1m, pointwise, bookcrossingF1];

/** The protocol called `name`; a ConfigError listing the known names otherwise. */
export function getProtocol(name: string): Protocol {
  const protocol = PROTOCOLS.find((p) => p.name === name);
  if (!protocol) throw new ConfigError(`unknown evaluation protocol "${name}"; known protocols: ${PROTOCOLS.map((p) => p.name).join(', ')}`);
  return protocol;
}

export function listProtocols(): { name: string; description: string; task: Protocol['task']; dataset: string; mainMetric: string }[] {
  return PROTOCOLS.map(({ name, description, task, dataset, mainMetric }) => ({ name, description, task, dataset, mainMetric }));
}

/**
 * Item popularity as a model: every user gets the items with the most training interactions
 * (counts as scores, ties by item index). The reference every ranking model must beat.
 */
export function popularityScorer(train: Interactions): Scorer & PairScorer {
  const scores = Float32Array.from(train.itemCounts());
  return constantRowScorer(scores, { task: 'ranking', scoreKind: 'logit' });
}

/**
 * For label prediction: each item's training positive rate (label = value ≥ threshold), shrunk
 * toward the global rate by one pseudo-interaction so unseen items get the global rate. Scores
 * are probabilities.
 */
export function itemRateScorer(train: Interactions, threshold: number): Scorer & PairScorer {
  const positives = new Float64Array(train.numItems);
  const counts = new Float64Array(train.numItems);
  let total = 0;
  for (let p = 0; p < train.length; p++) {
    const positive = train.values[p] >= threshold ? 1 : 0;
    positives[train.items[p]] += positive;
    counts[train.items[p]]++;
    total += positive;
  }
  const prior = train.length > 0 ? total / train.length : 0.5;
  const scores = new Float32Array(train.numItems);
  for (let i = 0; i < scores.length; i++) scores[i] = (positives[i] + prior) / (counts[i] + 1);
  return constantRowScorer(scores, { task: 'classification', scoreKind: 'probability' });
}

/** The protocol's baseline model with its display name: popularity for ranking, item positive rate for labels. */
export function referenceScorer(protocol: Protocol, prepared: PreparedProtocol): { name: string; model: Scorer & PairScorer } {
  if (protocol.task === 'ranking') return { name: 'popularity', model: popularityScorer(prepared.train) };
  return { name: 'item positive rate', model: itemRateScorer(prepared.train, prepared.labelThreshold ?? 1) };
}

/** A scorer giving every user the same item scores. */
function constantRowScorer(itemScores: Float32Array, config: Record<string, unknown>): Scorer & PairScorer {
  return {
    numItems: itemScores.length,
    config,
    scoreItems(_user: number, out: Float32Array): void {
      out.set(itemScores);
    },
    score(_users: Int32Array, items: Int32Array): Float32Array {
      const out = new Float32Array(items.length);
      for (let k = 0; k < items.length; k++) out[k] = itemScores[items[k]];
      return out;
    },
  };
}
