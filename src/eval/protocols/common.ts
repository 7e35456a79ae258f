/** What the named protocols share: loading a dataset, the exclusion matrix, split sizes, notes. */
import { ConfigError } from '../../contracts/errors.ts';
import { buildCsr, type Csr, type Interactions } from '../../data/interactions.ts';
import { datasets } from '../../data/datasets/index.ts';
import { splitSizes } from '../../data/splits.ts';
import type { Dataset, Split } from '../../data/types.ts';
import type { Scorer } from '../../contracts/types.ts';
import { evaluateRanking, type RankingResult } from '../ranking.ts';
import type { EvaluableModel, EvaluateOptions, PreparedProtocol, PrepareOptions, ProtocolResult } from './types.ts';

export const DEFAULT_SEED = 42;

/** `options.data` when given, else the built-in dataset `name` from `options.dataDir`. */
export async function loadDataset(name: string, options: PrepareOptions): Promise<Dataset> {
  if (options.data) return options.data;
  return datasets.load(name, { dataDir: options.dataDir, download: options.download });
}

/** Rows = users: the union of the pairs of every part (e.g. train + validation), deduplicated per row. */
export function seenMatrix(parts: Interactions[]): Csr {
  const n = parts.reduce((s, p) => s + p.length, 0);
  const users = new Int32Array(n);
  const items = new Int32Array(n);
  let at = 0;
  for (const p of parts) {
    users.set(p.users, at);
    items.set(p.items, at);
    at += p.length;
  }
  const first = parts[0];
  return buildCsr(users, items, new Float32Array(n).fill(1), first.numUsers, first.numItems);
}

/** splitSizes plus the catalogue size, as plain numbers for reports. */
export function sizesOf(split: Split): Record<string, number> {
  const sizes: Record<string, number> = { ...splitSizes(split) } as Record<string, number>;
  sizes.users = split.train.numUsers;
  sizes.items = split.train.numItems;
  return sizes;
}

export function checkSeed(seed: number | undefined): number {
  const s = seed ?? DEFAULT_SEED;
  if (!Number.isInteger(s)) throw new ConfigError(`seed must be a whole number, got ${seed}`);
  return s;
}

export function requireScorer(model: EvaluableModel, protocol: string): Scorer {
  const m = model as Partial<Scorer>;
  if (typeof m.scoreItems !== 'function' || typeof m.numItems !== 'number') {
    throw new ConfigError(`protocol ${protocol} ranks items: the model needs numItems and scoreItems(user, out)`);
  }
  return model as Scorer;
}

/** Ranking evaluation with the protocol's exclusion, threshold and cut-offs, and the usual notes. */
export function rankingResult(protocol: string, model: EvaluableModel, prepared: PreparedProtocol, options: EvaluateOptions = {}): ProtocolResult {
  checkPrepared(prepared, protocol);
  const result: RankingResult = evaluateRanking(requireScorer(model, protocol), prepared.test, {
    k: prepared.k,
    exclude: prepared.exclude,
    relevanceThreshold: prepared.relevanceThreshold,
    itemPopularity: prepared.train.itemCounts(),
    perUser: options.perUser ?? true,
  });
  const notes = [
    prepared.labelRule,
    'Items the user has in the exclusion set (training interactions) are removed from the ranking and never count as relevant.',
    'MAP@k divides by min(k, number of relevant items); precision@k divides by k; NDCG uses binary gains and a log2 discount.',
    'Equal scores rank the lower item index first; AUC counts ties as 1/2.',
  ];
  if (result.usersSkipped > 0) notes.push(`${result.usersSkipped} test users had no relevant item outside the exclusion set and were skipped.`);
  if (result.relevantExcluded > 0) notes.push(`${result.relevantExcluded} relevant test interactions were in the exclusion set and did not count.`);
  if (result.nanScores > 0) notes.push(`${result.nanScores} scores were NaN and ranked last.`);
  return {
    protocol,
    metrics: result.metrics,
    perUser: options.perUser === false ? undefined : result.perUser,
    sizes: { ...prepared.sizes, usersEvaluated: result.usersEvaluated, usersSkipped: result.usersSkipped },
    seed: prepared.seed,
    notes,
  };
}

export function checkPrepared(prepared: PreparedProtocol, name: string): void {
  if (prepared.protocol !== name) throw new ConfigError(`data was prepared for protocol ${prepared.protocol}, not ${name}: call ${name}'s prepare()`);
}
