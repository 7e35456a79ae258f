/**
 * A hand-made ExperimentResults for report tests: popularity, a model that beats it (with a
 * random search over a numeric and a categorical parameter, refit), and one that does not.
 */
import type { ExperimentResults, RunResult } from '../../src/experiment/results.ts';
import type { TrainingHistory } from '../../src/contracts/types.ts';
import type { TrialRecord } from '../../src/experiment/search.ts';

function history(epochs: number, start: number, slope: number, validation: ((e: number) => number) | null, bestEpoch = epochs): TrainingHistory {
  return {
    epochs: Array.from({ length: epochs }, (_, i) => ({
      epoch: i + 1,
      loss: start * Math.exp(-slope * i),
      seconds: 0.5,
      ...(validation ? { validation: validation(i + 1) } : {}),
    })),
    metric: validation ? 'auc' : null,
    bestEpoch,
    stoppedEarly: bestEpoch < epochs,
    warnings: [],
    seconds: epochs * 0.5,
  };
}

function run(name: string, type: string, metrics: Record<string, number>, extra: Partial<RunResult> = {}): RunResult {
  return {
    name,
    type,
    baseline: false,
    reference: false,
    params: {},
    config: {},
    metrics,
    validation: null,
    history: null,
    selectionHistory: null,
    search: null,
    vsReference: null,
    modelDir: `models/${name}`,
    seconds: { search: 1, evaluate: 0.1 },
    notes: [],
    ...extra,
  };
}

export function sampleResults(): ExperimentResults {
  const trials: TrialRecord[] = [0.003, 0.01, 0.03, 0.1, 0.3].flatMap((lr, i) =>
    ['bpr', 'warp'].map((loss, j) => {
      const v = 0.78 + 0.08 * Math.exp(-((Math.log10(lr) + 1.5) ** 2)) + (loss === 'warp' ? 0.02 : 0);
      return {
        trial: i * 2 + j + 1,
        params: { learningRate: lr, loss, factors: 32 },
        validation: Number(v.toFixed(4)),
        bestEpoch: 8,
        epochs: 11,
        stoppedEarly: true,
        seconds: 2.5,
        history: null,
      };
    }),
  );
  const best = trials.reduce((a, b) => (b.validation! > a.validation! ? b : a));
  const pop = run(
    'popularity',
    'popularity',
    { 'precision@10': 0.18, 'recall@10': 0.11, auc: 0.86, 'ndcg@10': 0.21 },
    { baseline: true, reference: true, history: history(1, 0, 0, null) },
  );
  const warp = run(
    'warp-32',
    'warp',
    { 'precision@10': 0.26, 'recall@10': 0.17, auc: 0.93, 'ndcg@10': 0.31 },
    {
      params: best.params,
      config: { ...best.params, l2: 0 },
      validation: { metric: 'auc', value: best.validation },
      history: history(8, 0.69, 0.2, null),
      selectionHistory: history(11, 0.69, 0.18, (e) => 0.8 + 0.1 * (1 - Math.exp(-e / 3)) - (e > 8 ? 0.004 * (e - 8) : 0), 8),
      search: { strategy: 'random', keys: ['learningRate', 'loss'], trials, bestTrial: best.trial, metric: 'auc', lowerIsBetter: false, refit: true },
      vsReference: { metric: 'precision@10', delta: 0.08, beats: true, pValue: 0.0001, test: 'Wilcoxon signed-rank over 940 users' },
    },
  );
  const deep = run(
    'deepfm',
    'deepfm',
    { 'precision@10': 0.12, 'recall@10': 0.07, auc: 0.81, 'ndcg@10': 0.14 },
    {
      params: { factors: 16 },
      validation: { metric: 'auc', value: 0.8 },
      history: history(5, 0.9, 0.1, null),
      selectionHistory: history(5, 0.9, 0.1, (e) => 0.75 + 0.01 * e),
      vsReference: { metric: 'precision@10', delta: -0.06, beats: false, pValue: 0.002, test: 'Wilcoxon signed-rank over 940 users' },
    },
  );
  return {
    name: 'sample-experiment',
    description: 'A fixture for report tests.',
    source: 'examples/sample.yaml',
    config: {} as ExperimentResults['config'],
    protocol: {
      name: 'lightfm-ua',
      description: 'ML-100K ua.base/ua.test, positives = rating ≥ 4',
      dataset: 'ml-100k',
      task: 'ranking',
      mainMetric: 'precision@10',
      reportMetrics: ['precision@10', 'recall@10', 'auc', 'ndcg@10'],
      lowerIsBetter: false,
      seed: 42,
      sizes: { train: 49906, test: 5469, trainUsers: 943, testUsers: 940 },
      labelRule: 'Positive = rating ≥ 4',
      notes: ['Positive = rating ≥ 4', 'MAP@k divides by min(k, number of relevant items).'],
    },
    seed: 42,
    threads: 1,
    validation: { source: 'carved', ratio: 0.1, interactions: 4990, metric: 'auc' },
    runs: [pop, warp, deep],
    reference: 'popularity',
    environment: { node: 'v20.0.0', platform: 'linux', arch: 'x64', cpus: 2, cpuModel: 'test cpu', memoryGB: 8, date: '2025-01-01T00:00:00.000Z', tastebud: '0.1.0' },
    command: 'tastebud experiment examples/sample.yaml',
    seconds: 12.5,
    outDir: 'runs/sample-experiment',
  };
}
