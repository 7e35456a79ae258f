/**
 * A weighted blend of other registered models: each member is trained on the same data, and an
 * item's score is Σ_m w_m · z_m(item), where z_m is member m's score standardised per user over
 * the catalogue (mean 0, std 1), so members on different scales (EASE's item–item sums, iALS's
 * dot products) combine as the weights say. The classic way to add up complementary
 * recommenders (e.g. the Netflix-prize blends); here a cheap one with a fixed linear mix.
 */
import { ConfigError } from '../../contracts/errors.ts';
import type { Interactions } from '../../data/interactions.ts';
import type { Rng } from '../../core/rng.ts';
import type { FitOptions } from '../../train/types.ts';
import { Recommender } from '../recommender.ts';
import { defineModel, resolveConfig, type CreateContext } from '../spec.ts';
import type { EpochContext } from '../../train/types.ts';
import type { HistoryEntry, ModelState } from '../../contracts/types.ts';
import { checkNumber } from '../baselines/options.ts';

/** A member as given: a model type, optionally its hyperparameters and a weight. */
export type BlendMemberInput = { type: string; params?: Record<string, unknown>; weight?: number };

export interface BlendMember {
  /** A registered model type (`tastebud models`). */
  type: string;
  /** Its hyperparameters (a `seed` here is the member's own, else it trains under the fit's seed); the blend's config holds them complete (defaults filled in). */
  params: Record<string, unknown>;
  /** Non-negative weight (default 1); overridden by the blend's `weights` or `mix`. */
  weight: number;
}

/** What a caller may set (the spec's config). */
export type BlendSettings = {
  members: BlendMemberInput[];
  /** One weight per member, overriding the members' own (default []: use them). A list-valued hyperparameter, so experiment grids search `weights: [[0.8, 0.2], [0.5, 0.5]]`. */
  weights: number[];
  /** Two members only: weights [1 − mix, mix] (default null: unused). A scalar for grids: `mix: [0.2, 0.35, 0.5]`. */
  mix: number | null;
  /** 'zscore' (default): standardise each member's scores per user first; 'none': add raw scores. */
  normalize: 'zscore' | 'none';
  task: 'ranking';
  epochs: number;
};

/** The blend's complete configuration: every member with its complete hyperparameters. */
export type BlendConfig = Omit<BlendSettings, 'members'> & { members: BlendMember[]; threads?: number; seed?: number };

/**
 * The default `members`: left out, the blend can still be built (so the registry can list it
 * and experiments can read its defaults) but not fitted. This exact array tells "left out" from
 * an explicit `[]`, which is a mistake reported at once; resolveConfig keeps it by reference.
 */
const NO_MEMBERS: BlendMemberInput[] = [];
const MEMBER_KEYS = ['type', 'params', 'weight'];
/** Fit options that belong to the blend's own fit, not to its members' (they train to completion). */
const BLEND_ONLY: (keyof FitOptions)[] = ['epochs', 'validation', 'validationMetric', 'validationThreshold', 'earlyStopping', 'callbacks', 'progress'];

/** Bytes of member score rows a cache keeps before it stops adding (then rows are scored each time). */
const DEFAULT_CACHE_BYTES = 1 << 30;

/**
 * Member score rows kept per user, shared by every blend reweighted from one fit: a weight
 * search then scores each member once per validation user instead of once per weight trial.
 * Raw rows are kept (standardised when used), so `normalize` may vary between trials too.
 */
export class MemberScoreCache {
  private readonly rows: Map<number, Float32Array>[];
  private bytes = 0;
  /** Member rows scored (rather than served from the cache): a test counts them. */
  computed = 0;

  constructor(
    members: number,
    private readonly maxBytes = DEFAULT_CACHE_BYTES,
  ) {
    this.rows = Array.from({ length: members }, () => new Map());
  }

  /** Member m's rows for `users`, scoring (through `score`) only the users not cached yet; null when they would not fit. */
  rowsFor(m: number, users: Int32Array, n: number, score: (users: Int32Array) => Float32Array): Float32Array[] | null {
    const map = this.rows[m];
    const missing = users.filter((u) => !map.has(u));
    if (missing.length > 0) {
      if (this.bytes + missing.length * n * 4 > this.maxBytes) return null;
      const scores = score(missing);
      missing.forEach((u, k) => map.set(u, scores.slice(k * n, (k + 1) * n)));
      this.bytes += missing.length * n * 4;
      this.computed += missing.length;
    }
    return Array.from(users, (u) => map.get(u)!);
  }
}

export class Blend extends Recommender {
  readonly type = 'blend';
  readonly config: BlendConfig;
  /** The weights in use (members', or `weights`, or from `mix`). */
  readonly weights: Float64Array;
  private members: Recommender[];
  /** Seeds given in members' own params (a seed ensemble of one model); the others train under the fit's seed. */
  private readonly memberSeeds: (number | undefined)[];
  private pending: { train: Interactions; options: FitOptions } | null = null;
  private scratch = new Float32Array(0);
  private one = new Int32Array(1);
  private cache: MemberScoreCache | null = null;

  /** `context` builds the members by type (the registry's createModel). */
  constructor(
    config: Partial<BlendSettings> & { threads?: number; seed?: number },
    private readonly context: CreateContext,
  ) {
    super();
    const c = resolveConfig(blendSpec, config);
    if (!Array.isArray(c.members)) throw new ConfigError(`blend: members must be a list of { type, params, weight }, got ${JSON.stringify(c.members)}`);
    if (c.members !== NO_MEMBERS && c.members.length === 0) throw new ConfigError('blend: members is empty; give at least one { type, params, weight }');
    const specs = c.members.map((m, i) => memberSpec(m, i));
    this.memberSeeds = specs.map((m) => (typeof m.params.seed === 'number' ? m.params.seed : undefined));
    this.members = specs.map((m, i) => this.buildMember(m, i));
    // Store every member's complete configuration, as every model's config is complete.
    const members = specs.map((m, i) => ({ type: m.type, params: { ...this.members[i].config }, weight: m.weight }));
    this.weights = effectiveWeights(c, specs);
    this.config = { ...c, members };
  }

  /** The trained members, in order (read-only use: scoring, inspection). */
  get models(): readonly Recommender[] {
    return this.members;
  }

  /**
   * The same trained members under other weights (`weights`, `mix`, `normalize`): nothing is
   * refit. With a `cache`, member scores are read from it (and added to it), so a search over
   * weights scores each member once per user; leave it out for a blend that is kept or served.
   */
  reweighted(change: Partial<Pick<BlendSettings, 'weights' | 'mix' | 'normalize'>>, cache: MemberScoreCache | null = null): Blend {
    const members = this.config.members.map((m) => ({ type: m.type, params: m.params, weight: m.weight }));
    const blend = new Blend({ ...this.config, ...change, members }, this.context);
    blend.members = this.members;
    blend.userIds = this.userIds;
    blend.itemIds = this.itemIds;
    blend.seen = this.seen;
    blend.userFeatures = this.userFeatures;
    blend.itemFeatures = this.itemFeatures;
    blend.history = this.history;
    blend.trainingData = this.trainingData;
    blend.cache = cache;
    return blend;
  }

  prepare(train: Interactions, _rng: Rng, options: FitOptions): void {
    if (this.members.length === 0) throw new ConfigError('blend: no members to fit; give members: [{ type, params, weight }, ...]');
    this.members = this.config.members.map((m, i) => this.buildMember(m, i));
    this.pending = { train, options };
  }

  /** The first epoch trains every member to completion (their own epochs); the loss is 0. */
  async trainEpoch(ctx: EpochContext): Promise<number> {
    if (!this.pending) return 0;
    const { train, options } = this.pending;
    this.pending = null;
    const base: FitOptions = { ...options, userFeatures: this.userFeatures ?? undefined, itemFeatures: this.itemFeatures ?? undefined };
    for (const key of BLEND_ONLY) delete base[key];
    const n = this.members.length;
    for (let m = 0; m < n; m++) {
      const member = this.members[m];
      const epochs = Number(member.config.epochs) || 1;
      await member.fit(train, { ...base, seed: this.memberSeeds[m] ?? base.seed, callbacks: { onEpochEnd: (r) => ctx.progress((m + Math.min(1, r.epoch / epochs)) / n) } });
      ctx.progress((m + 1) / n);
    }
    return 0;
  }

  scoreItems(user: number, out: Float32Array): void {
    this.one[0] = user;
    this.scoreUsers(this.one, out);
  }

  /** Members score the whole batch, then each row is standardised and added with its weight. */
  override scoreUsers(users: Int32Array, out: Float32Array): void {
    const n = this.numItems;
    const size = users.length * n;
    if (this.scratch.length < size) this.scratch = new Float32Array(size);
    const scratch = this.scratch.subarray(0, size);
    const target = out.subarray(0, size);
    target.fill(0);
    const zscore = this.config.normalize === 'zscore';
    for (let m = 0; m < this.members.length; m++) {
      const w = this.weights[m];
      if (w === 0) continue; // A zero weight must not turn a member's -Infinity into NaN.
      const rows = this.cache?.rowsFor(m, users, n, (missing) => {
        this.members[m].scoreUsers(missing, scratch);
        return scratch;
      });
      if (rows) {
        for (let u = 0; u < users.length; u++) addRow(rows[u], 0, target, u * n, n, w, zscore);
        continue;
      }
      this.members[m].scoreUsers(users, scratch);
      for (let u = 0; u < users.length; u++) addRow(scratch, u * n, target, u * n, n, w, zscore);
    }
  }

  /** Fold-in: each member folds in the history, and the rows are combined as in scoreUsers. */
  protected override scoreHistory(history: HistoryEntry[], out: Float32Array): void {
    const n = this.numItems;
    out.fill(0);
    const zscore = this.config.normalize === 'zscore';
    for (let m = 0; m < this.members.length; m++) {
      const w = this.weights[m];
      if (w === 0) continue;
      addRow(this.members[m].foldIn(history).scores, 0, out, 0, n, w, zscore);
    }
  }

  private buildMember(spec: BlendMember, i: number): Recommender {
    try {
      return this.context.createModel(spec.type, spec.params);
    } catch (err) {
      if (err instanceof ConfigError) throw new ConfigError(`blend: members[${i}] (${spec.type}): ${err.message}`);
      throw err;
    }
  }

  getState(): ModelState {
    const tensors: ModelState['tensors'] = {};
    const extras: (Record<string, unknown> | null)[] = [];
    this.members.forEach((member, m) => {
      const state = member.getState();
      for (const [name, t] of Object.entries(state.tensors)) tensors[`m${m}.${name}`] = t;
      extras.push(state.extra ?? null);
    });
    return { tensors, extra: { members: extras } };
  }

  setState(state: ModelState): void {
    const extras = Array.isArray(state.extra?.members) ? (state.extra.members as (Record<string, unknown> | null)[]) : [];
    this.members.forEach((member, m) => {
      // Members share the blend's id maps and seen items (a loaded blend has only its own).
      member.userIds = this.userIds;
      member.itemIds = this.itemIds;
      member.seen = this.seen;
      member.userFeatures = this.userFeatures;
      member.itemFeatures = this.itemFeatures;
      const prefix = `m${m}.`;
      const tensors: ModelState['tensors'] = {};
      for (const [name, t] of Object.entries(state.tensors)) if (name.startsWith(prefix)) tensors[name.slice(prefix.length)] = t;
      member.setState({ tensors, extra: extras[m] ?? undefined });
    });
  }
}

/**
 * target[to..to+n) += w · z(scores[so..so+n)), z standardising over the finite scores (a constant
 * row gives 0); non-finite scores (an excluded item's −∞) pass through. With `zscore` false,
 * w · raw score.
 */
function addRow(scores: Float32Array, so: number, target: Float32Array, to: number, n: number, w: number, zscore: boolean): void {
  let mean = 0;
  let scale = 1;
  if (zscore) {
    let count = 0;
    let sum = 0;
    for (let i = so; i < so + n; i++) if (Number.isFinite(scores[i])) (sum += scores[i]), count++;
    mean = count > 0 ? sum / count : 0;
    let ss = 0;
    for (let i = so; i < so + n; i++) if (Number.isFinite(scores[i])) ss += (scores[i] - mean) ** 2;
    const std = count > 0 ? Math.sqrt(ss / count) : 0;
    scale = std > 0 ? 1 / std : 1;
  }
  const k = w * scale;
  for (let i = 0; i < n; i++) target[to + i] += k * (scores[so + i] - mean);
}

function memberSpec(raw: unknown, i: number): BlendMember {
  const at = `blend: members[${i}]`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(`${at} must be a mapping { type, params, weight }, got ${JSON.stringify(raw)}`);
  const m = raw as Record<string, unknown>;
  for (const key of Object.keys(m)) if (!MEMBER_KEYS.includes(key)) throw new ConfigError(`${at} has unknown field "${key}" (known: ${MEMBER_KEYS.join(', ')})`);
  if (typeof m.type !== 'string' || !m.type) throw new ConfigError(`${at}.type must be a model type such as ease or ials, got ${JSON.stringify(m.type)}`);
  const params = m.params ?? {};
  if (typeof params !== 'object' || params === null || Array.isArray(params))
    throw new ConfigError(`${at}.params must be a mapping of hyperparameters, got ${JSON.stringify(params)}`);
  const weight = m.weight ?? 1;
  checkNumber(`${at}`, 'weight', weight, 0);
  return { type: m.type, params: params as Record<string, unknown>, weight: weight as number };
}

function effectiveWeights(c: BlendSettings, specs: BlendMember[]): Float64Array {
  const n = specs.length;
  let weights = specs.map((m) => m.weight);
  if (!Array.isArray(c.weights)) throw new ConfigError(`blend: weights must be a list of numbers, got ${JSON.stringify(c.weights)}`);
  if (c.weights.length > 0) {
    if (c.mix !== null) throw new ConfigError('blend: give weights or mix, not both');
    if (c.weights.length !== n) throw new ConfigError(`blend: weights has ${c.weights.length} entries for ${n} members`);
    c.weights.forEach((w, i) => checkNumber('blend', `weights[${i}]`, w, 0));
    weights = c.weights.slice();
  }
  if (c.mix !== null) {
    if (n !== 2) throw new ConfigError(`blend: mix sets the weights of exactly two members as [1 − mix, mix]; there are ${n} (use weights)`);
    weights = [1 - c.mix, c.mix];
  }
  if (n > 0 && weights.every((w) => w === 0)) throw new ConfigError('blend: every member weight is 0; at least one must be positive');
  return Float64Array.from(weights);
}

export const blendSpec = defineModel({
  type: 'blend',
  description: 'Weighted blend of other models, scores standardised per user (e.g. EASE + iALS)',
  task: 'ranking',
  defaults: { members: NO_MEMBERS, weights: [], mix: null, normalize: 'zscore', task: 'ranking', epochs: 1 } as BlendSettings,
  schema: {
    members: {
      kind: 'json',
      help: 'the models to blend: a list of { type, params, weight } (weight default 1; a seed in params is the member’s own, so one model under several seeds is a seed ensemble)',
    },
    weights: { kind: 'json', help: "one weight ≥ 0 per member, overriding the members' own; []: use them" },
    mix: { kind: 'number', min: 0, max: 1, nullable: true, help: 'two members only: weights [1 − mix, mix]; null: unused' },
    normalize: { kind: 'enum', values: ['zscore', 'none'], help: "zscore: standardise each member's scores per user first" },
    task: { kind: 'enum', values: ['ranking'], help: 'blends rankings' },
    epochs: { kind: 'int', min: 0, help: 'one epoch trains every member to completion' },
  },
  create: (config, context) => new Blend(config, context),
});
