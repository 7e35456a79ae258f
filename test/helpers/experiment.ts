/**
 * Fixtures for experiment tests: two small models registered under test-only names, a popularity
 * stand-in when the real baseline is not registered yet, and protocols over synthetic data.
 */
import type { Rng } from '../../src/core/rng.ts';
import { perUserSplit } from '../../src/data/splits.ts';
import { generateSynthetic } from '../../src/data/synthetic.ts';
import type { Interactions } from '../../src/data/interactions.ts';
import { rankingResult, sizesOf } from '../../src/eval/protocols/common.ts';
import type { PreparedProtocol, Protocol } from '../../src/eval/protocols/types.ts';
import { Recommender, requireTensor } from '../../src/models/recommender.ts';
import { registerTestModel } from './register.ts';
import type { EpochContext } from '../../src/train/types.ts';
import type { ModelState } from '../../src/contracts/types.ts';
import { interactionsFrom } from './toy-model.ts';

/** A small BPR matrix factorisation: real training curves, deterministic for a seed. */
export class TinyMf extends Recommender {
  readonly type = 'test-tiny-mf';
  readonly config: { factors: number; learningRate: number; l2: number; epochs: number; task: 'ranking' };
  users = new Float32Array(0);
  items = new Float32Array(0);
  private train: Interactions | null = null;

  constructor(config: Record<string, unknown> = {}) {
    super();
    this.config = { factors: 8, learningRate: 0.05, l2: 0.001, epochs: 5, task: 'ranking', ...config } as TinyMf['config'];
    if (!(Number.isInteger(this.config.factors) && this.config.factors > 0)) throw new RangeError(`factors must be a positive integer, got ${this.config.factors}`);
  }

  prepare(train: Interactions, rng: Rng): void {
    const d = this.config.factors;
    this.train = train;
    this.users = Float32Array.from({ length: train.numUsers * d }, () => rng.normal(0, 0.1));
    this.items = Float32Array.from({ length: train.numItems * d }, () => rng.normal(0, 0.1));
  }

  trainEpoch(ctx: EpochContext): number {
    const { factors: d, learningRate: lr, l2 } = this.config;
    const t = this.train!;
    let loss = 0;
    for (const p of ctx.rng.permutation(t.length)) {
      const u = t.users[p];
      const i = t.items[p];
      let j = ctx.rng.int(t.numItems);
      for (let tries = 0; tries < 5 && this.hasSeen(u, j); tries++) j = ctx.rng.int(t.numItems);
      let x = 0;
      for (let f = 0; f < d; f++) x += this.users[u * d + f] * (this.items[i * d + f] - this.items[j * d + f]);
      const g = 1 / (1 + Math.exp(x));
      loss += Math.log1p(Math.exp(-x));
      for (let f = 0; f < d; f++) {
        const wu = this.users[u * d + f];
        const hi = this.items[i * d + f];
        const hj = this.items[j * d + f];
        this.users[u * d + f] += lr * (g * (hi - hj) - l2 * wu);
        this.items[i * d + f] += lr * (g * wu - l2 * hi);
        this.items[j * d + f] += lr * (-g * wu - l2 * hj);
      }
    }
    return loss / t.length;
  }

  scoreItems(user: number, out: Float32Array): void {
    const d = this.config.factors;
    for (let i = 0; i < out.length; i++) {
      let s = 0;
      for (let f = 0; f < d; f++) s += this.users[user * d + f] * this.items[i * d + f];
      out[i] = s;
    }
  }

  getState(): ModelState {
    const d = this.config.factors;
    return { tensors: { users: { shape: [this.numUsers, d], data: this.users }, items: { shape: [this.numItems, d], data: this.items } } };
  }

  setState(state: ModelState): void {
    const d = this.config.factors;
    this.users = requireTensor(state, 'users', [this.numUsers, d]).slice();
    this.items = requireTensor(state, 'items', [this.numItems, d]).slice();
  }
}

/** Scores items of group `favour` (even items: A, odd items: B) above the rest; fixed, no training. */
export class FavourModel extends Recommender {
  readonly type = 'test-favour';
  readonly config: { favour: 'A' | 'B'; epochs: number; task: 'ranking' };
  constructor(config: Record<string, unknown> = {}) {
    super();
    this.config = { favour: 'A', epochs: 2, task: 'ranking', ...config } as FavourModel['config'];
  }
  prepare(): void {}
  trainEpoch(ctx: EpochContext): number {
    return 1 / ctx.epoch;
  }
  scoreItems(_user: number, out: Float32Array): void {
    const want = this.config.favour === 'A' ? 0 : 1;
    for (let i = 0; i < out.length; i++) out[i] = (i % 2 === want ? 1 : 0) + i * 1e-6;
  }
  getState(): ModelState {
    return { tensors: { bias: { shape: [1], data: new Float32Array(1) } } };
  }
  setState(): void {}
}

/** Refuses training values outside {0, 1}: shows whether a run trained on labels or raw ratings. */
export class LabelsOnly extends Recommender {
  readonly type = 'test-labels-only';
  readonly config = { task: 'ranking', epochs: 1 };
  private rates = new Float32Array(0);
  prepare(train: Interactions): void {
    const sums = new Float32Array(train.numItems);
    const counts = new Float32Array(train.numItems);
    for (let p = 0; p < train.length; p++) {
      const v = train.values[p];
      if (v !== 0 && v !== 1) throw new RangeError(`test-labels-only: training value ${v} is not a 0/1 label`);
      sums[train.items[p]] += v;
      counts[train.items[p]]++;
    }
    // Logit of the item's smoothed positive rate.
    this.rates = sums.map((s, i) => Math.log((s + 0.5) / (counts[i] - s + 0.5)));
  }
  trainEpoch(): number {
    return 0;
  }
  scoreItems(_user: number, out: Float32Array): void {
    out.set(this.rates);
  }
  getState(): ModelState {
    return { tensors: { rates: { shape: [this.rates.length], data: this.rates } } };
  }
  setState(): void {}
}

/** Registers the test models (and popularity when the real one is absent). Idempotent. */
export async function registerTestModels(): Promise<void> {
  registerTestModel('test-tiny-mf', 'BPR matrix factorisation for experiment tests', new TinyMf().config, (c) => new TinyMf(c));
  registerTestModel('test-favour', 'prefers even (A) or odd (B) items, for experiment tests', new FavourModel().config, (c) => new FavourModel(c));
  registerTestModel('test-labels-only', 'item positive rate from 0/1 labels only, for experiment tests', new LabelsOnly().config, () => new LabelsOnly());
}

function protocolOver(name: string, build: () => PreparedProtocol, mainMetric = 'precision@10'): Protocol {
  return {
    name,
    description: `${name} (test protocol)`,
    dataset: 'synthetic',
    task: 'ranking',
    mainMetric,
    reportMetrics: [mainMetric, 'auc'],
    async prepare() {
      return build();
    },
    evaluate(model, prepared) {
      return rankingResult(name, model, prepared);
    },
  };
}

/** Planted-structure data split per user 80/20, no validation part (the runner carves one). */
/**
 * Small synthetic data, popular items favoured. `planted`: clustered tastes with little noise,
 * where a model that learns beats popularity clearly (on the default, popularity is hard to beat).
 */
export function syntheticProtocol(seed = 7, planted = false): Protocol {
  return protocolOver('synthetic-ranking', () => {
    const data = planted
      ? generateSynthetic({ users: 300, items: 200, factors: 8, clusters: 8, interactionsPerUser: 20, popularitySkew: 0.8, noise: 0.05, seed })
      : generateSynthetic({ users: 120, items: 80, factors: 4, interactionsPerUser: 15, seed });
    const split = perUserSplit(data.interactions, { testRatio: 0.2, seed });
    return {
      protocol: 'synthetic-ranking',
      dataset: 'synthetic',
      ...split,
      exclude: split.train.byUser(),
      sizes: sizesOf(split),
      seed,
      labelRule: 'every test interaction is relevant',
      k: [10],
    };
  });
}

/**
 * Validation and test disagree on purpose: every user's validation items are even (group A),
 * test items odd (group B). A search that peeks at test picks favour B; one that uses validation
 * picks A.
 */
export function disagreeingProtocol(): Protocol {
  return protocolOver(
    'disagreeing',
    () => {
      const triples: { train: [number, number][]; validation: [number, number][]; test: [number, number][] } = { train: [], validation: [], test: [] };
      for (let u = 0; u < 12; u++) {
        for (let k = 0; k < 4; k++) triples.train.push([u, (u * 7 + k * 5) % 40]);
        triples.validation.push([u, 40 + ((u * 2) % 20)]);
        triples.test.push([u, 41 + ((u * 2) % 20)]);
      }
      const all = interactionsFrom(
        [...triples.train, ...triples.validation, ...triples.test].map(([u, i]) => [u, i, 1]),
        12,
        62,
      );
      const n = [triples.train.length, triples.validation.length, triples.test.length];
      const train = all.subset(range(0, n[0]));
      const validation = all.subset(range(n[0], n[0] + n[1]));
      const test = all.subset(range(n[0] + n[1], all.length));
      return {
        protocol: 'disagreeing',
        dataset: 'crafted',
        train,
        validation,
        test,
        exclude: train.byUser(),
        sizes: sizesOf({ train, validation, test }),
        seed: 1,
        labelRule: 'every test interaction is relevant',
        k: [10],
      };
    },
    'auc',
  );
}

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a }, (_, i) => a + i);
}

/** A valid raw experiment (as a parsed file would give) to vary in tests. */
export function rawExperiment(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'tiny',
    protocol: 'synthetic-ranking',
    seed: 3,
    baselines: ['popularity'],
    search: { strategy: 'grid', metric: 'auc', validation: 0.2 },
    models: [{ name: 'mf', type: 'test-tiny-mf', params: { factors: [2, 8], learningRate: 0.05, epochs: 6 }, fit: { earlyStopping: { patience: 2 } } }],
    ...overrides,
  };
}
