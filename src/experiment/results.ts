/**
 * What an experiment produces (written as results.json, read by the report writers). Plain
 * JSON-able data: a report can be rebuilt from results.json alone.
 */
import type { TrainingHistory } from '../contracts/types.ts';
import type { ExperimentConfig } from './config.ts';
import type { SearchStrategy, TrialRecord } from './search.ts';
import type { RungRecord } from './search-halving.ts';
import type { Finding } from '../doctor/findings.ts';

export interface RunSearchRecord {
  strategy: SearchStrategy['strategy'];
  /** Parameters that varied between trials. */
  keys: string[];
  trials: TrialRecord[];
  /** 1-based trial that won on validation. */
  bestTrial: number;
  metric: string;
  lowerIsBetter: boolean;
  /** Whether the chosen params were retrained on the whole training set. */
  refit: boolean;
  /** Epochs run by every trial fit (not the refit); absent in results written before it was recorded. */
  epochsSpent?: number;
  /** Successive halving: every point in every rung. */
  rungs?: RungRecord[];
}

export interface ReferenceComparison {
  /** The metric compared (the protocol's main metric). */
  metric: string;
  /** This run minus the reference (positive = higher). */
  delta: number;
  beats: boolean;
  /** Paired test over users, where per-user values exist. */
  pValue: number | null;
  test: string | null;
}

export interface RunResult {
  name: string;
  type: string;
  baseline: boolean;
  /** The popularity baseline every run is compared with. */
  reference: boolean;
  /** The chosen point (every param the file gave). */
  params: Record<string, unknown>;
  /** The model's full configuration, defaults filled in. */
  config: Record<string, unknown>;
  /** Test metrics from the protocol. */
  metrics: Record<string, number>;
  /** Best validation value of the chosen trial. */
  validation: { metric: string; value: number | null } | null;
  /** The final model's training history. */
  history: TrainingHistory | null;
  /** The chosen trial's history (differs from `history` after a refit). */
  selectionHistory: TrainingHistory | null;
  search: RunSearchRecord | null;
  vsReference: ReferenceComparison | null;
  /** Relative to the experiment folder. */
  modelDir: string | null;
  seconds: { search: number; evaluate: number };
  notes: string[];
  error?: string;
}

export interface EnvironmentInfo {
  node: string;
  platform: string;
  arch: string;
  cpus: number;
  cpuModel: string;
  memoryGB: number;
  date: string;
  tastebud: string;
}

export interface ExperimentResults {
  name: string;
  description: string | null;
  source: string | null;
  config: ExperimentConfig;
  protocol: {
    name: string;
    description: string;
    dataset: string;
    task: string;
    mainMetric: string;
    /** The metrics the protocol's reports show, in order. */
    reportMetrics: string[];
    lowerIsBetter: boolean;
    seed: number | null;
    sizes: Record<string, number>;
    labelRule: string;
    notes: string[];
  };
  seed: number;
  threads: number;
  validation: {
    source: 'protocol' | 'carved';
    ratio: number | null;
    /** How many validation parts were carved (repeated hold-out); absent in older results = 1. */
    repeats?: number;
    interactions: number;
    metric: string;
  };
  runs: RunResult[];
  /** What `tastebud doctor data` finds in the protocol's train and test parts (absent in older results). */
  dataChecks?: Finding[];
  /** Name of the reference (popularity) run. */
  reference: string;
  environment: EnvironmentInfo;
  /** How to reproduce the run. */
  command: string;
  seconds: number;
  outDir: string;
}
