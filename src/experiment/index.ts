/** Experiments: one file describes protocol, baselines, models and search; one call runs it. */
export { checkExperiment, runExperiment, type RunExperimentOptions } from './runner.ts';
export { runDemo, type DemoOptions } from './demo.ts';
export { trainAndEvaluate, evaluateSaved, BASELINE } from './pipeline.ts';
export type { TrainSpec, TrainAndEvaluateResult, EvaluateSavedOptions, EvaluateSavedResult, HeldOutData, PipelineEvaluation, BaselineResult } from './pipeline.ts';
export { loadExperimentConfig, parseExperimentConfig, validateExperimentConfig, REFERENCE_BASELINE } from './config.ts';
export type { ExperimentConfig, RunSpec, ParamSpace, SearchSettings, FitSettings, ProtocolSettings } from './config.ts';
export { searchPoints, searchRun, type TrialRecord, type SearchOutcome } from './search.ts';
export type { ExperimentResults, RunResult, EnvironmentInfo, ReferenceComparison } from './results.ts';
export { markdownReport } from './report/markdown.ts';
export { htmlReport } from './report/html.ts';
